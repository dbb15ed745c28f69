"""Database fixtures for the state store: every state test runs on SQLite and on PostgreSQL.

Every test also gets the leadscore logger back as it found it (see `_logging_restored`).

PostgreSQL runs at LEADSCORE_TEST_POSTGRES_URL, by default the local server on 127.0.0.1:5432,
each test in a schema of its own that is dropped afterwards, so reruns and parallel runs never
see each other's rows or locks. Where no server answers, the PostgreSQL tests are skipped with
the reason; with LEADSCORE_REQUIRE_POSTGRES=1 (CI) they fail instead.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from connector.logs import ROOT_LOGGER
from connector.state import StateStore
from tests.cli_support import copy_example


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """The leadscore logger's handlers, level and propagation restored after each test."""
    # A CLI run configures a handler on the test's captured stderr, closed once the test ends:
    # a later test's log line would then fail to write ("I/O operation on closed file").
    logger = logging.getLogger(ROOT_LOGGER)
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate
    yield
    for handler in list(logger.handlers):
        if handler not in handlers:
            logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate


POSTGRES_URL_VARIABLE = "LEADSCORE_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "LEADSCORE_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_unavailable(reason: str) -> NoReturn:
    """Skip the PostgreSQL tests, or fail them when CI requires PostgreSQL."""
    if os.environ.get(REQUIRE_POSTGRES_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason}; set {POSTGRES_URL_VARIABLE} to a server the state tests may use")


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    """An engine on the test PostgreSQL server, to create and drop per-test schemas."""
    url = make_url(os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL)
    # A machine without PostgreSQL should skip at once, not wait on the OS connect timeout.
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        where = url.render_as_string(hide_password=True)
        _postgres_unavailable(f"no PostgreSQL answers at {where}: {error.orig}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgresql_state_url(postgres_admin_engine: Engine) -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own, dropped after the test."""
    schema = f"leadscore_test_{uuid.uuid4().hex}"
    with postgres_admin_engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A session time zone other than UTC proves datetimes come back in UTC all the same.
    options = f"-csearch_path={schema} -ctimezone=Asia/Tokyo"
    url = postgres_admin_engine.url.update_query_dict({"options": options})
    yield url.render_as_string(hide_password=False)
    with postgres_admin_engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def sqlite_state_url(tmp_path: Path) -> str:
    """A URL for a SQLite state file that does not exist yet."""
    return f"sqlite:///{(tmp_path / 'state.db').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def state_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty state database URL, on each backend in turn."""
    url: str = request.getfixturevalue(f"{request.param}_state_url")
    return url


@pytest.fixture
def open_state_store(state_url: str) -> Iterator[Callable[[], StateStore]]:
    """Opens stores on `state_url` (as many as a test needs) and closes them afterwards."""
    opened: list[StateStore] = []

    def open_store() -> StateStore:
        store = StateStore.open(state_url)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture
def state_store(open_state_store: Callable[[], StateStore]) -> StateStore:
    """An open store on a fresh database, on each backend in turn."""
    return open_state_store()


@pytest.fixture
def raw_state_engine(state_url: str) -> Iterator[Engine]:
    """A plain engine on the state database, to act as another program would."""
    engine = create_engine(make_url(state_url))
    yield engine
    engine.dispose()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the example project (config, mappings, sample data) in a temporary folder."""
    return copy_example(tmp_path)
