"""Connecting to the database and bringing its schema up to date (through Alembic)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration. A database already there is used without importing Alembic (a quarter
# of a command's start); a test holds this equal to Alembic's own head.
SCHEMA_HEAD = "0022"


def database_url() -> str:
    """DONDOC_DATABASE_URL, or a SQLite file in the working directory (the embedded default)."""
    return os.environ.get("DONDOC_DATABASE_URL") or f"sqlite:///{Path.cwd() / 'dondoc.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked
    cursor.execute("PRAGMA busy_timeout=10000")  # wait for the single writer, don't fail
    # Write-ahead log: readers (the bot, reports) never wait for the writer (a flow), and a
    # commit costs one sync, not two. synchronous stays FULL: a commit survives power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def schema_revision(engine: Engine) -> str | None:
    """The migration the database stands at; None for a database without dondoc's schema."""
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no such table: a new database
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied, in one transaction per run."""
    if revision == "head" and schema_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def insert_for(session: Session):
    """The INSERT construct of the session's database: both dialects' have ON CONFLICT, which
    keeps concurrent writers from creating a row twice."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str):
    """The INSERT construct, with ON CONFLICT, of a database by its dialect's name."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together, or not at all."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
