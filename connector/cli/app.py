"""What every command shares: the Typer app, its options, and errors -> messages and exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from functools import wraps
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.markup import escape

from connector.errors import ConfigError, CrmError, InputError, LeadscoreError, StateError
from connector.logs import LogFormat, configure_logging, redacted

#: Exit codes by error group; anything else leadscore raises on purpose exits 3.
EXIT_CODES: dict[type[LeadscoreError], int] = {
    ConfigError: 2,
    InputError: 2,
    StateError: 2,
    CrmError: 3,
}
EXIT_OK, EXIT_RECORDS_FAILED, EXIT_INTERNAL = 0, 1, 70
#: `check` or `setup` found something to fix.
EXIT_CHECK_FAILED = 1

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Objective, explained lead scores and follow-up tasks, written into your CRM.",
)

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Path to the TOML config.")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Score as if now were this instant (ISO 8601)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log more (every CRM call, for one).")
]
HostOption = Annotated[
    str,
    typer.Option(
        "--host",
        envvar="LEADSCORE_HOST",
        help="Address to listen on (0.0.0.0 to be reachable from outside a container).",
    ),
]
PortOption = Annotated[
    int, typer.Option("--port", envvar="LEADSCORE_PORT", min=0, max=65535, help="Port.")
]
LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format",
        envvar="LEADSCORE_LOG_FORMAT",
        help="Log lines as text or JSON (default: text on a terminal, JSON otherwise).",
    ),
]

F = TypeVar("F", bound=Callable[..., None])
_logging: dict[str, Any] = {"verbose": False, "log_format": None}


def _package_version() -> str:
    try:
        return version("leadscore")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _print_version(asked: bool) -> None:
    if asked:
        print(f"leadscore {_package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    verbose: VerboseOption = False,
    log_format: LogFormatOption = None,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Objective, explained lead scores and follow-up tasks, written into your CRM."""
    _logging.update(verbose=verbose, log_format=log_format)
    configure_logging(verbose=verbose, log_format=log_format)


def log_options(verbose: bool, log_format: LogFormat | None) -> None:
    """`-v` and `--log-format` given after the command name: they add to those given before."""
    if verbose or log_format is not None:
        _logging["verbose"] = _logging["verbose"] or verbose
        _logging["log_format"] = log_format or _logging["log_format"]
        configure_logging(**_logging)


def exits_by_error(command: F) -> F:
    """Turn leadscore's errors into a message (and with --json, a JSON object) and an exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except LeadscoreError as error:
            code = _exit_code(error)
            if kwargs.get("as_json"):
                print(json.dumps(_error_object(command.__name__, error, code), ensure_ascii=False))
            # The message quotes user input (keys, values, file names): never read it as markup.
            stderr().print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def _error_object(command: str, error: LeadscoreError, code: int) -> dict[str, Any]:
    name = command.removesuffix("_command")
    detail = {"type": type(error).__name__, "message": str(error), "exit_code": code}
    return {"command": name, "ok": False, "error": detail}


def _exit_code(error: LeadscoreError) -> int:
    for group, code in EXIT_CODES.items():
        if isinstance(error, group):
            return code
    return 3


def stderr() -> Console:
    """A console on stderr (messages, progress)."""
    return Console(stderr=True, soft_wrap=True)


def stdout() -> Console:
    """A console on stdout (tables)."""
    return Console(soft_wrap=True)


class _Redacting:
    """A text stream that writes through `redacted`: no secret reaches the terminal or a pipe."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text` with secrets replaced."""
        return self._stream.write(redacted(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def redacted_output() -> Iterator[None]:
    """Everything printed meanwhile, on stdout and stderr, passes through `redacted`."""
    out, err = cast(IO[str], _Redacting(sys.stdout)), cast(IO[str], _Redacting(sys.stderr))
    with redirect_stdout(out), redirect_stderr(err):
        yield
