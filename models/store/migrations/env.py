"""Alembic environment: runs on the connection dondoc hands it, or on the configured URL."""

from alembic import context

import models.store.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from sqlmodel import SQLModel

config = context.config
target_metadata = SQLModel.metadata


def run(connection) -> None:
    # Batch mode lets later migrations alter columns on SQLite, which has no ALTER COLUMN.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from models.store.db import make_engine

    with make_engine(config.get_main_option("sqlalchemy.url")).begin() as own_connection:
        run(own_connection)
