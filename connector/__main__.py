"""`python -m connector` runs the leadscore CLI."""

from connector.cli import run

run()
