"""Alembic environment: migrate the connection leadscore hands over, else `-x url=...`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from connector.state.schema import metadata


def run_on(connection: Connection) -> None:
    """Run the pending migrations on `connection`, in one transaction where the backend can."""
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Use the caller's connection (StateStore.open), else `-x url` (the alembic CLI)."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path/state.db ...")
    with create_engine(url).connect() as fresh:
        run_on(fresh)


main()
