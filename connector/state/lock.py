"""The run lock: one sync at a time per state store, released by the OS if its holder dies.

PostgreSQL: a session-level advisory lock held on a dedicated connection, keyed by the
schema so that stores in different schemas of one database do not exclude each other.
SQLite: an exclusive lock on a file beside the database (`flock`, or `msvcrt` on Windows).
Either way the `lock_holder` row only says who holds it, for the refusal message.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, func, select

from connector.errors import StateError
from connector.state.schema import lock_holder

LOCK_NAME = "sync"


class RunLockHeld(StateError):
    """Another sync holds the run lock (and `wait` was false)."""


WINDOWS_RETRY_SECONDS = 0.5


@contextmanager
def run_lock(engine: Engine, *, wait: bool, local: threading.Lock) -> Iterator[None]:
    """Hold the store's run lock for the block; StateError when held and `wait` is false."""
    with _acquired(engine, wait=wait, local=local):
        _record_holder(engine)
        yield


def is_held(engine: Engine, *, local: threading.Lock) -> bool:
    """Whether a sync holds the run lock now: tried without waiting, released at once."""
    try:
        with _acquired(engine, wait=False, local=local):
            return False
    except StateError:
        return True


def _acquired(engine: Engine, *, wait: bool, local: threading.Lock) -> AbstractContextManager[None]:
    if engine.dialect.name == "postgresql":
        return _advisory_lock(engine, wait=wait)
    if engine.url.database and engine.url.database != ":memory:":
        return _file_lock(Path(f"{engine.url.database}.lock"), engine, wait=wait)
    # An in-memory database lives in this store alone: a thread lock is the whole story.
    return _thread_lock(local, engine, wait=wait)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema creation between processes opening one SQLite file for the first time.

    SQLite reads the schema version without a write lock, so two first runs would both see
    no schema and both create it. The run lock cannot serve: `status` opens the store while a
    sync holds it. PostgreSQL takes an advisory lock inside the migration transaction instead.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.migrate.lock").open("a+b") as handle:
        _lock_file(handle, wait=True)
        try:
            yield
        finally:
            _unlock_file(handle)


def _refusal(engine: Engine) -> RunLockHeld:
    """The error for a held lock, naming its holder when known."""
    with engine.connect() as connection:
        row = connection.execute(
            select(lock_holder.c.pid, lock_holder.c.host, lock_holder.c.since).where(
                lock_holder.c.name == LOCK_NAME
            )
        ).first()
    holder = "holder unknown" if row is None else f"pid {row.pid} on {row.host}"
    since = "" if row is None else f", since {row.since.isoformat(timespec='seconds')}"
    return RunLockHeld(f"another leadscore sync is running ({holder}{since})")


def _record_holder(engine: Engine) -> None:
    """Note this process as the holder; a crashed holder's row is simply overwritten."""
    row = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(UTC)}
    with engine.begin() as connection:
        updated = connection.execute(
            lock_holder.update().where(lock_holder.c.name == LOCK_NAME).values(**row)
        )
        if updated.rowcount == 0:
            connection.execute(lock_holder.insert().values(name=LOCK_NAME, **row))


@contextmanager
def _advisory_lock(engine: Engine, *, wait: bool) -> Iterator[None]:
    """A session-level advisory lock on a connection kept for the whole block."""
    connection = engine.connect()
    try:
        key = _advisory_key(connection)
        function = func.pg_advisory_lock if wait else func.pg_try_advisory_lock
        acquired = connection.execute(select(function(key))).scalar_one()
        # The lock belongs to the session: end the transaction rather than idle inside it.
        connection.commit()
        if acquired is False:
            raise _refusal(engine)
        try:
            yield
        finally:
            _advisory_unlock(connection, key)
    finally:
        connection.close()


def _advisory_key(connection: Connection) -> int:
    """A 64-bit key for leadscore's sync lock in this connection's schema."""
    schema = connection.execute(select(func.current_schema())).scalar_one()
    digest = hashlib.sha256(f"leadscore.sync:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _advisory_unlock(connection: Connection, key: int) -> None:
    """Release the lock; if the connection broke, discard it (the server freed the lock)."""
    try:
        connection.execute(select(func.pg_advisory_unlock(key)))
        connection.commit()
    except Exception:
        connection.invalidate()
        raise


@contextmanager
def _file_lock(path: Path, engine: Engine, *, wait: bool) -> Iterator[None]:
    """An exclusive OS lock on `path`, freed by the OS when the process ends."""
    with path.open("a+b") as handle:
        if not _lock_file(handle, wait=wait):
            raise _refusal(engine)
        try:
            yield
        finally:
            _unlock_file(handle)


if sys.platform == "win32":
    import msvcrt

    def _lock_file(handle: IO[bytes], *, wait: bool) -> bool:
        """Lock the first byte; msvcrt cannot block forever, so waiting is polling."""
        while True:
            try:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not wait:
                    return False
                time.sleep(WINDOWS_RETRY_SECONDS)

    def _unlock_file(handle: IO[bytes]) -> None:
        """Unlock the first byte."""
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_file(handle: IO[bytes], *, wait: bool) -> bool:
        """`flock` the file: per open file, so two stores in one process exclude each other."""
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def _unlock_file(handle: IO[bytes]) -> None:
        """Release the `flock`."""
        fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _thread_lock(lock: threading.Lock, engine: Engine, *, wait: bool) -> Iterator[None]:
    """The store's own lock, for a database no other store can open."""
    if not lock.acquire(blocking=wait):
        raise _refusal(engine)
    try:
        yield
    finally:
        lock.release()
