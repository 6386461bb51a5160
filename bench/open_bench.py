"""National-scale opening benchmark.

63 provinces (the official 63-province map from vietnam-provinces), each with its
drafted directory (~20 departments, its real districts and communes) and the Bình
Định matrix; one quarter opened for all. Prints obligations created, seconds,
rows/s and the opening process's peak RSS, the seconds a bare executemany of the
same rows takes (and the ratio), a second opening of the same quarter, and the
rollup of the whole load by province and category.

    uv run python bench/open_bench.py                               # SQLite
    bash .ci/with-postgres uv run python bench/open_bench.py        # SQLite and PostgreSQL

Targets (issue "Obligations engine"): ratio <= 2.0, second opening < 1/4 of the
first, peak RSS < 400 MB, rollup < 1 s on SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from models.apply import apply_spec  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402
from models.opening import Opener  # noqa: E402
from models.org import Directory, DirectorySpec  # noqa: E402
from models.orgdraft import _bare, _divisions, draft_directory  # noqa: E402
from models.plan import load_plan  # noqa: E402
from models.rollup import rollup  # noqa: E402
from models.tables import Obligation, Plan  # noqa: E402
from models.workcal import VN, WorkingCalendar  # noqa: E402

PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"
QUARTER = "2019-Q3"


def province_plan(base, directory: Directory, short: str):
    """The Bình Định matrix, re-issued by another province."""
    spec = base.model_copy(deep=True)
    slug = directory.spec.directory.id
    spec.plan = spec.plan.model_copy(update={"id": f"{slug}-53-2019", "issued_by": f"UBND {short}"})
    for task in spec.tasks:
        for column in ("lead", "coordinating"):
            setattr(task, column, [p.replace("Điện lực Bình Định", f"Điện lực {short}") for p in getattr(task, column)])
            assert all(directory.resolve(p) for p in getattr(task, column)), (short, task.id)
    return spec


def build(url: str, provinces: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    base, _ = load_plan(PLAN)
    for province in _divisions()[:provinces]:
        directory = Directory(DirectorySpec.model_validate(draft_directory(str(province["code"]))))
        spec = province_plan(base, directory, _bare(province["name"]))
        apply_spec(engine, spec, directory, content_hash="bench", actor="bench", today=dt.date(2019, 7, 1))
    engine.dispose()


def open_all(url: str) -> dict:
    """Runs in its own process so that its peak RSS is the opening's alone."""
    engine = make_engine(url)
    calendar = WorkingCalendar()
    calendar.deadline(dt.date(2019, 9, 30))  # load the holiday tables before the clock starts
    with Session(engine) as session:
        plans = list(session.exec(select(Plan.id)))
    figures = {}
    for run in ("first", "second"):
        start = time.perf_counter()
        with Session(engine) as session:
            created = sum(Opener(session, plan, calendar, actor="bench").period(QUARTER) for plan in plans)
            session.commit()
        figures[run] = {"created": created, "seconds": time.perf_counter() - start}
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def bare_executemany(url: str) -> float:
    """The same rows, taken out and put back with one plain executemany."""
    engine = make_engine(url)
    columns = [c.name for c in Obligation.__table__.columns if c.name != "id"]
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*[Obligation.__table__.c[c] for c in columns]))]
        conn.execute(text("DELETE FROM obligation"))
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Obligation.__table__), rows)
    return time.perf_counter() - start


def time_rollup(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    moment = dt.datetime(2019, 10, 20, 12, tzinfo=VN)
    with Session(engine) as session:
        start = time.perf_counter()
        tallies = rollup(session, "directory", moment)
        return time.perf_counter() - start, len(tallies)


def run_backend(name: str, url: str, provinces: int) -> None:
    start = time.perf_counter()
    build(url, provinces)
    print(f"[{name}] setup: {provinces} provinces applied in {time.perf_counter() - start:.1f} s", flush=True)
    worker = subprocess.run([sys.executable, __file__, "--worker", url], capture_output=True, text=True, check=True)
    figures = json.loads(worker.stdout)
    first, second = figures["first"], figures["second"]
    bare = bare_executemany(url)
    rollup_seconds, groups = time_rollup(url)
    rate = first["created"] / first["seconds"]
    print(f"[{name}] open {QUARTER}: {first['created']} obligations in {first['seconds']:.2f} s "
          f"({rate:,.0f} rows/s), peak RSS {figures['peak_rss_mb']:.0f} MB")
    print(f"[{name}] bare executemany of the same rows: {bare:.2f} s; ratio {first['seconds'] / bare:.2f} "
          "(target <= 2.0)")
    print(f"[{name}] second opening: {second['created']} created in {second['seconds']:.2f} s "
          f"({second['seconds'] / first['seconds']:.0%} of the first; target < 25%)")
    print(f"[{name}] rollup by province and category: {rollup_seconds:.3f} s for {groups} provinces "
          "(target < 1 s on SQLite)")


def postgres_database(server: str, name: str) -> str:
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(open_all(args.worker)))
        return
    with tempfile.TemporaryDirectory() as folder:
        run_backend("sqlite", f"sqlite:///{folder}/bench.db", args.provinces)
    if os.environ.get("DONDOC_TEST_PG_URL"):
        run_backend("postgresql", postgres_database(os.environ["DONDOC_TEST_PG_URL"], "dondoc_bench"),
                    args.provinces)
    else:
        print("[postgresql] skipped: run under .ci/with-postgres to measure it too")


if __name__ == "__main__":
    main()
