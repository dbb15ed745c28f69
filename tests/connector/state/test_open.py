"""Opening a state store: migrations on first use, clear errors for unusable databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from connector.errors import StateError
from connector.state import StateStore, default_state_url
from connector.state.schema import metadata

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def schema_versions(engine: Engine) -> tuple[str, ...]:
    """The Alembic revisions the database says it is at."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def test_first_open_creates_the_schema(state_store: StateStore, raw_state_engine: Engine) -> None:
    state_store.set_cursor("leads", NOW)

    assert len(schema_versions(raw_state_engine)) == 1
    assert state_store.cursor("leads") == NOW


def test_reopening_keeps_data_and_version(
    open_state_store: Callable[[], StateStore], raw_state_engine: Engine
) -> None:
    open_state_store().set_ruleset_hash("rules-1")
    version = schema_versions(raw_state_engine)

    reopened = open_state_store()

    assert reopened.ruleset_hash() == "rules-1"
    assert schema_versions(raw_state_engine) == version


def test_migrations_build_exactly_the_declared_tables(
    state_store: StateStore, raw_state_engine: Engine
) -> None:
    with raw_state_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


def test_schema_from_a_newer_leadscore_is_refused(
    open_state_store: Callable[[], StateStore], raw_state_engine: Engine
) -> None:
    open_state_store().close()
    with raw_state_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))

    with pytest.raises(StateError, match="newer leadscore.*Upgrade leadscore"):
        open_state_store()


def test_corrupt_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database, just bytes \x00\xff" * 64)

    with pytest.raises(StateError, match="not a usable SQLite database.*Move it aside"):
        StateStore.open(f"sqlite:///{path.as_posix()}")


def test_unreachable_server_is_reported() -> None:
    url = "postgresql+psycopg://leadscore:s3cret@127.0.0.1:1/state"

    with pytest.raises(StateError, match="cannot open the state database") as raised:
        StateStore.open(url)

    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("url", ["mysql://localhost/state", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(StateError, match=r"\[state\] url"):
        StateStore.open(url)


def test_default_url_is_a_file_beside_the_config(tmp_path: Path) -> None:
    url = default_state_url(tmp_path)

    with StateStore.open(url) as store:
        store.set_ruleset_hash("rules-1")

    assert (tmp_path / ".leadscore" / "state.db").is_file()
    assert url == f"sqlite:///{(tmp_path / '.leadscore' / 'state.db').as_posix()}"


def test_in_memory_sqlite_works(tmp_path: Path) -> None:
    with StateStore.open("sqlite://") as store, store.run_lock():
        store.set_cursor("leads", NOW)

        assert store.cursor("leads") == NOW


def test_a_table_dropped_under_the_store_gives_state_error(
    state_store: StateStore, raw_state_engine: Engine
) -> None:
    with raw_state_engine.begin() as connection:
        connection.execute(text("DROP TABLE cursors"))

    with pytest.raises(StateError, match="state database .* failed"):
        state_store.cursor("leads")
