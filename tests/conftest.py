"""Shared fixtures. Every database test runs on SQLite, and also on PostgreSQL when
DONDOC_TEST_PG_URL points at a server (`.ci/run` starts a throwaway one)."""

from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as a timedelta, as PTB 23 will have it
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.engine.apply import apply_plan
from models.store.db import make_engine, upgrade
from models.org.directory import load_directory
from tests.mailkit import smtp  # noqa: F401  (fixtures the tests of several modules use)
from tests.webkit import web  # noqa: F401
from tests.clikit import dondoc  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
TEST_PLANS = ROOT / "tests" / "plans"  # copies of ../shared/plans: a clone alone carries what its tests read
PLAN_TEXT = TEST_PLANS / "binh-dinh-53-KH-UBND-2019-papi.txt"
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"
PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("DONDOC_TEST_PG_URL") else [])


@pytest.fixture(scope="session")
def directory():
    return load_directory(ORG)


def _server_url() -> str:
    return os.environ["DONDOC_TEST_PG_URL"].replace("postgresql://", "postgresql+psycopg://", 1)


def _postgres_database(template: str | None = None) -> tuple[str, callable]:
    """A new database on the test server (empty, or a copy of `template`), and how to drop it."""
    server = _server_url()
    name = f"dondoc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    url = server.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _new_database(backend: str, folder: Path, template: str | None = None) -> tuple[str, callable]:
    if backend == "postgresql":
        return _postgres_database(template)
    path = folder / f"{uuid.uuid4().hex[:8]}.db"
    if template:
        shutil.copyfile(template, path)
    return f"sqlite:///{path}", (lambda: None)


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """An empty database at the newest schema, on each backend under test."""
    url, drop = _new_database(request.param, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop()


APPLIED_ON = dt.date(2019, 7, 1)


@pytest.fixture(scope="session")
def _applied_templates(tmp_path_factory, directory):
    """Per backend, a database with the shipped plan applied (on 1/7/2019), made once."""
    templates, drops = {}, []

    def get(backend: str) -> str:
        if backend not in templates:
            url, drop = _new_database(backend, tmp_path_factory.mktemp("template"))
            drops.append(drop)
            engine = make_engine(url)
            upgrade(engine)
            apply_plan(engine, PLAN, directory, today=APPLIED_ON)
            engine.dispose()
            templates[backend] = url.rsplit("/", 1)[1] if backend == "postgresql" else url.removeprefix("sqlite:///")
        return templates[backend]

    yield get
    for drop in drops:
        drop()


@pytest.fixture(params=BACKENDS)
def applied(request, tmp_path, _applied_templates):
    """A database with the shipped Bình Định plan and directory applied on 1/7/2019."""
    url, drop = _new_database(request.param, tmp_path, _applied_templates(request.param))
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect database and local server for every test that runs a real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def pytest_collection_modifyitems(items):
    """The tests that start the Prefect harness (~20 s) run on one xdist worker, which starts it
    once, instead of on every worker (`--dist loadgroup` in pyproject.toml)."""
    for item in items:
        if "prefect_harness" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("prefect"))
