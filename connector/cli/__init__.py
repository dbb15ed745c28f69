"""`leadscore`, the command line: parse -> compose -> run -> present; no business rules here."""

from connector.cli.commands import EXIT_CODES, app, main, run

__all__ = ["EXIT_CODES", "app", "main", "run"]
