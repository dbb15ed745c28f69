"""`leadscore`, the command line: parse -> compose -> run -> present; no business rules here."""

from connector.cli.app import EXIT_CODES, app
from connector.cli.commands import main, run

__all__ = ["EXIT_CODES", "app", "main", "run"]
