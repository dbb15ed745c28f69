"""Opening a state database: the engine, its SQLite settings, migrations, and clear errors."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from connector.errors import StateError
from connector.state import lock

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
SQLITE_BUSY_TIMEOUT_SECONDS = 30
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
# Serialises first-use migrations of replicas starting together on one PostgreSQL database.
MIGRATION_LOCK_KEY = 0x6C73_6D69  # "lsmi"
#: The longest pause between two attempts to reach a database server that is not up yet.
CONNECT_RETRY_MAX_WAIT_SECONDS = 5

log = logging.getLogger("leadscore.state")


def default_state_url(config_dir: Path) -> str:
    """`sqlite:///<config_dir>/.leadscore/state.db`, creating the folder."""
    folder = config_dir.absolute() / ".leadscore"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'state.db').as_posix()}"


def describe(url: URL) -> str:
    """The URL as it can be shown to a user: the password hidden."""
    return url.render_as_string(hide_password=True)


def parse_url(url: str) -> URL:
    """The URL parsed and checked to name a supported backend."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise StateError(f"invalid state url: {error}. Fix [state] url.") from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise StateError(
            f"state url {describe(parsed)} uses {parsed.get_backend_name()!r}; "
            "leadscore keeps its state in SQLite or PostgreSQL. Fix [state] url."
        )
    return parsed


def build_engine(url: URL) -> Engine:
    """An engine for `url`, set up for its backend."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if "connect_timeout" not in url.query:
        # A silent host should fail the run in seconds, not hang it for minutes.
        url = url.update_query_dict({"connect_timeout": str(POSTGRES_CONNECT_TIMEOUT_SECONDS)})
    try:
        return create_engine(url, pool_pre_ping=True)
    except NoSuchModuleError as error:
        raise StateError(f"no driver for state url {describe(url)}: {error}") from None


def _sqlite_engine(url: URL) -> Engine:
    """A SQLite engine with WAL and a busy timeout; its folder is created if missing."""
    if not url.database or url.database == ":memory:":
        # One shared connection, or every thread would see its own empty database.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on while a sync writes; the busy timeout waits out short writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def wait_for_server(engine: Engine, timeout_seconds: float) -> None:
    """Retry the first connection for up to `timeout_seconds`: the server may still be starting.

    Containers start together (compose, a pod), and not every tool waits for the database's
    healthcheck; SQLite has no server to wait for. StateError once the time is up.
    """
    if engine.dialect.name == "sqlite" or timeout_seconds <= 0:
        return
    retrying = Retrying(
        retry=retry_if_exception_type(OperationalError),
        stop=stop_after_delay(timeout_seconds),
        wait=wait_exponential(multiplier=0.5, max=CONNECT_RETRY_MAX_WAIT_SECONDS),
        before_sleep=lambda state: _log_retry(state, engine.url),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt, engine.connect():
                pass
    except OperationalError as error:
        raise StateError(
            f"cannot reach the state database {describe(engine.url)} within "
            f"{timeout_seconds:g} s: {_reason(error, engine.url)}. Check [state] url "
            "(LEADSCORE_STATE__URL) and that the server is up; [state] "
            "connect_timeout_seconds sets how long leadscore waits for it."
        ) from None


def _log_retry(state: RetryCallState, url: URL) -> None:
    """One warning per failed attempt, with the URL's password hidden."""
    error = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "state database not reachable yet, retrying",
        extra={
            "url": describe(url),
            "attempt": state.attempt_number,
            "retry_in_seconds": round(state.upcoming_sleep, 1),
            "reason": _reason(error, url) if isinstance(error, DatabaseError) else str(error),
        },
    )


def _reason(error: DatabaseError, url: URL) -> str:
    """The driver's message, first line only, with the URL's password (if it shows) hidden."""
    reason = str(error.orig) if error.orig is not None else str(error)
    reason = reason.strip().splitlines()[0] if reason.strip() else type(error).__name__
    return reason.replace(url.password, "***") if url.password else reason


def migrate(engine: Engine) -> None:
    """Bring the schema to head; refuse a schema written by a newer leadscore."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    with lock.migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        current = MigrationContext.configure(connection).get_current_heads()
        _refuse_unknown(script, current, engine.url)
        if set(current) != set(script.get_heads()):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def _refuse_unknown(script: ScriptDirectory, revisions: tuple[str, ...], url: URL) -> None:
    """Raise StateError when a revision is not one of ours: a newer leadscore migrated it."""
    for revision in revisions:
        try:
            script.get_revision(revision)
        except CommandError:
            raise StateError(
                f"the state database {describe(url)} has schema version {revision!r}, "
                "written by a newer leadscore. Upgrade leadscore, or point [state] url "
                "at another database."
            ) from None


def translate(error: DatabaseError, url: URL) -> StateError:
    """A database failure on open, as a StateError that says what to do."""
    reason = _reason(error, url)
    where = describe(url)
    if url.get_backend_name() == "sqlite" and not isinstance(error, OperationalError):
        return StateError(
            f"the state file {where} is not a usable SQLite database ({reason}). Move it "
            "aside and rerun: leadscore starts a fresh state and rescores every lead."
        )
    return StateError(
        f"cannot open the state database {where}: {reason}. Check [state] url "
        "(LEADSCORE_STATE__URL), that the server is up and the path writable."
    )
