"""The dashboard at the national synthetic load: a plan page and a filtered list, requested
over HTTP from the served app, beside the bare SQL that returns the same counts.

The database is rollup_bench's: every province of today's map with a plan of 30 quarterly
tasks led by every commune, opened for `--quarters` quarters (3: about 300,000 obligations;
20: about 2 million), a fifth done, a tenth extended. A coordinator of one province signs in
with a real link; each page is requested `--requests` times, p50 and p95 of the wall time
on loopback printed beside the floor:

- plan page (`/plans/<plan>?period=2021-Q3`): areas × levels (totals and areas add up from
  them), the on-time trend and the periods; floor: those aggregations by hand (SQL, no HTTP).
- filtered list (`/obligations?plan=…&period=…&level=commune&category=open_overdue`): the count
  and the first page of 50; floor: the count and the page's rows by hand.

    uv run python bench/web_bench.py [--provinces 34] [--quarters 3] [--requests 40]

Ours and the floor are timed in turn, request by request. Target (issue "Speed where people
wait"): at 2 million obligations (`--quarters 20`), p95 under 150 ms and within 1.5x of the
bare SQL, for both pages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from rollup_bench import CATEGORY, build  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from models.common.clock import utcnow  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.store.tables import Plan  # noqa: E402
from models.access.weblogin import create_login_link  # noqa: E402
from web.app import create_app  # noqa: E402
from web.server import Background  # noqa: E402

PERIOD = "2021-Q3"
PLAN_FLOOR = [  # what the plan page counts: areas × levels (its totals and areas add up from them), the
    # trend by period, the periods to pick from
    "SELECT t.area_code, u.level, {cat}, count(*) FROM obligation o JOIN task t ON t.id = o.task_id "
    "JOIN unit u ON u.id = o.unit_id WHERE t.plan_id = :plan AND o.period = :period AND o.starts_on <= :day "
    "GROUP BY 1, 2, 3",
    "SELECT o.period, {cat}, count(*) FROM obligation o JOIN task t ON t.id = o.task_id "
    "WHERE t.plan_id = :plan AND o.starts_on <= :day GROUP BY 1, 2",
    "SELECT DISTINCT o.period FROM obligation o JOIN task t ON t.id = o.task_id WHERE t.plan_id = :plan",
]
LIST_WHERE = ("FROM obligation o JOIN task t ON t.id = o.task_id JOIN unit u ON u.id = o.unit_id "
              "WHERE t.plan_id = :plan AND o.period = :period AND o.starts_on <= :day AND u.level = 'commune' "
              "AND {cat} = 'overdue'")
LIST_FLOOR = [f"SELECT count(*) {LIST_WHERE}",
              f"SELECT o.*, t.code, t.text, u.name {LIST_WHERE} ORDER BY o.no_deadline, o.due_at, u.name, t.id "
              f"LIMIT 50"]


def floor(session: Session, statements: list[str], plan_id: str) -> int:
    at = utcnow()
    params = {"plan": plan_id, "period": PERIOD, "at": at, "day": at.date()}
    rows = 0
    for statement in statements:
        rows += len(session.connection().execute(text(statement.format(cat=CATEGORY.format(o="o"))), params).all())
    return rows


def timed(request, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]


def signed_in(client: httpx.Client, engine, unit_id: str) -> None:
    """The client signed in as the unit's coordinator, with a real sign-in link."""
    with Session(engine) as session:
        token = create_login_link(session, unit_id, "Bench", "coordinator", "bench")
        session.commit()
    assert client.post("/login", data={"token": token}).status_code == 303


def measure(url: str, requests: int) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        session.connection().execute(text("ANALYZE"))
        plan = session.exec(select(Plan).order_by(Plan.id)).first()
        plan_id, coordinator = plan.id, plan.coordinator_unit_id
    server = Background(create_app(engine, Path(tempfile.gettempdir())), port=0).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            signed_in(client, engine, coordinator)
            pages = [
                ("plan page", f"/plans/{plan_id}?period={PERIOD}", PLAN_FLOOR),
                ("filtered list", f"/obligations?plan={plan_id}&period={PERIOD}&level=commune"
                                  f"&category=open_overdue", LIST_FLOOR),
            ]
            for label, path, statements in pages:
                assert client.get(path).status_code == 200  # warm: templates compiled, caches filled
                ours, bare = [], []
                with Session(engine) as session:
                    for _ in range(requests):  # interleaved: a busy moment falls on both
                        ours += timed(lambda: client.get(path).raise_for_status(), 1)
                        bare += timed(lambda: floor(session, statements, plan_id), 1)
                ours.sort(), bare.sort()
                print(f"{label}: p50 {statistics.median(ours) * 1000:.0f} ms, p95 {p95(ours) * 1000:.0f} ms over HTTP; "
                      f"bare SQL p50 {statistics.median(bare) * 1000:.0f} ms, p95 {p95(bare) * 1000:.0f} ms; "
                      f"ratio p50 {statistics.median(ours) / statistics.median(bare):.2f}, "
                      f"p95 {p95(ours) / p95(bare):.2f} (target p95 < 150 ms and <= 1.5x bare)", flush=True)
    finally:
        server.stop()


def on_bench_database(measure, requests: int) -> None:
    """The command line the dashboard's benches share: build the national database (or reuse
    the one `--database` names, brought to the current schema), then `measure(url, requests)`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--quarters", type=int, default=3)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--database", help="A database URL to build in (PostgreSQL), or to measure again if "
                                           "it holds obligations already.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.db"
        start = time.perf_counter()
        total = existing(url) or build(url, args.provinces, args.quarters)
        upgrade(make_engine(url))  # a database built by an earlier version
        print(f"[{url.split(':')[0]}] setup (not timed): {total:,} obligations, {time.perf_counter() - start:.0f} s",
              flush=True)
        measure(url, args.requests)


def main() -> None:
    on_bench_database(measure, 40)


def existing(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM obligation")).scalar()
    except Exception:  # no schema yet: build it
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
