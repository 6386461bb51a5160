"""Shared fixtures. Every database test runs on SQLite, and also on PostgreSQL when
DONDOC_TEST_PG_URL points at a server (`.ci/run` starts a throwaway one)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.db import make_engine, upgrade
from models.org import load_directory

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PLAN_TEXT = SHARED / "plans" / "binh-dinh-53-KH-UBND-2019-papi.txt"
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"
PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DONDOC_TEST_PG_URL") else [])


@pytest.fixture(scope="session")
def directory():
    return load_directory(ORG)


def _postgres_database() -> tuple[str, callable]:
    """A new, empty database on the test server, and how to drop it."""
    server = os.environ["DONDOC_TEST_PG_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"dondoc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """An empty database at the newest schema, on each backend under test."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'test.db'}", (lambda: None)
    else:
        url, drop = _postgres_database()
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop()
