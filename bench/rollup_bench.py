"""Roll-ups at two million obligations: five years of today's 34-province map, every commune.

Each of the 34 provinces (drafted from the 2025 map: its communes, wards and special zones,
its departments) gets a plan of 30 quarterly tasks led by "UBND cấp xã"; 20 quarters are
opened (2021-Q1 … 2025-Q4): about 2,000,000 obligations. A fifth are done, part of them late,
and one in ten had its deadline extended, each change an event at its moment, so a count as
of a past day has history to undo. Prints, each beside the bare SQL aggregation it rests on
(the same CASE, the same joins, written by hand; for the as-of count, the same rebuild from
the events):

- the rollup of one period (2025-Q3) by province and category;
- the as-of rollup of that period on 20/10/2025, before extensions approved later;
- the national rollup of everything, now.

    uv run python bench/rollup_bench.py [--provinces 34] [--quarters 20]

Targets: one period and as of a past day < 0.5 s at 2 million, ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from best_of import interleaved  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models.engine.apply import apply_spec  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from models.engine.opening import Opener  # noqa: E402
from models.org.directory import Directory, DirectorySpec  # noqa: E402
from models.org.draft import draft_2025  # noqa: E402
from models.plans.plan import PlanSpec  # noqa: E402
from models.report.rollup import rollup  # noqa: E402
from models.calendar.workcal import VN, WorkingCalendar  # noqa: E402

PERIOD = "2025-Q3"
AS_OF = dt.datetime(2025, 10, 20, 12, tzinfo=VN)

CATEGORY = """CASE
    WHEN {o}.status = 'cancelled' THEN 'cancelled'
    WHEN {o}.status = 'done' AND {o}.done_at <= :at AND ({o}.no_deadline OR {o}.done_at <= {o}.due_at) THEN 'on_time'
    WHEN {o}.status = 'done' AND {o}.done_at <= :at THEN 'late'
    WHEN {o}.status = 'postponed' THEN 'postponed'
    WHEN {o}.no_deadline THEN 'no_deadline'
    WHEN {o}.due_at < :at THEN 'overdue'
    ELSE 'open' END"""
# The same outputs as models.report.rollup: count, due soon (within 7 days), extended.
BARE = """SELECT u.directory_id, {category}, count(*),
    sum(CASE WHEN o.status IN ('open', 'blocked', 'extension_requested') AND NOT o.no_deadline
             AND o.due_at >= :at AND o.due_at <= :soon THEN 1 ELSE 0 END),
    sum(CASE WHEN o.status != 'cancelled' AND o.due_at != o.original_due_at THEN 1 ELSE 0 END)
FROM {source} JOIN task t ON t.id = o.task_id JOIN unit u ON u.id = o.unit_id
WHERE o.starts_on <= :day {where} GROUP BY 1, 2"""
# The state as of :at, rebuilt the way models.engine.asof does, by hand.
AS_OF_SOURCE = """(SELECT ob.id, ob.task_id, ob.period, ob.starts_on, ob.no_deadline, ob.original_due_at,
    CASE WHEN ob.status = 'done' AND ob.done_at <= :at THEN ob.status
         WHEN e.id IS NULL THEN ob.status ELSE e.was_status END AS status,
    CASE WHEN e.id IS NULL THEN ob.unit_id ELSE e.was_unit_id END AS unit_id,
    CASE WHEN e.id IS NULL THEN ob.due_at ELSE e.was_due_at END AS due_at,
    CASE WHEN ob.status = 'done' AND ob.done_at <= :at THEN ob.done_at
         WHEN e.id IS NULL THEN ob.done_at ELSE e.was_done_at END AS done_at
  FROM obligation ob
  LEFT JOIN (SELECT obligation_id, min(id) AS id FROM event WHERE at > :at AND was_status IS NOT NULL
             GROUP BY obligation_id) f ON f.obligation_id = ob.id
  LEFT JOIN event e ON e.id = f.id) o"""


def plan_spec(directory: Directory) -> PlanSpec:
    slug = directory.spec.directory.id
    tasks = [{"id": f"1.{n}", "area": "1", "text": f"Nhiệm vụ {n}", "lead": ["UBND cấp xã"],
              "timing": {"phrase": "Định kỳ hằng quý", "kind": "quarterly"}} for n in range(1, 31)]
    return PlanSpec.model_validate({
        "plan": {"id": f"{slug}-bench", "number": "1/KH-UBND", "title": "Kế hoạch đo tải",
                 "issued_by": f"UBND {directory.spec.directory.name}", "issued_on": "2021-01-04",
                 "coordinator": "Sở Nội vụ"},
        "areas": [{"id": "1", "title": "Cải cách hành chính"}], "tasks": tasks})


def build(url: str, provinces: int, quarters: int) -> int:
    from vietnamadminunits.database import get_data
    engine = make_engine(url)
    upgrade(engine)
    codes = sorted({int(r["provinceCode"]) for r in get_data(["provinceCode"], table="admin_units")})[:provinces]
    calendar = WorkingCalendar()
    periods = [f"{2021 + q // 4}-Q{q % 4 + 1}" for q in range(quarters)]
    for code in codes:
        directory = Directory(DirectorySpec.model_validate(draft_2025(str(code))))
        spec = plan_spec(directory)
        apply_spec(engine, spec, directory, content_hash="bench", actor="bench", today=dt.date(2021, 1, 4))
        with Session(engine) as session:
            for period in periods:
                Opener(session, spec.plan.id, calendar, actor="bench").period(period)
            session.commit()
    with engine.begin() as conn:
        total = conn.execute(text("SELECT count(*) FROM obligation")).scalar()
        history(conn)
    engine.dispose()
    return total


def history(conn) -> None:
    """A fifth done (on time, or a week late), one in ten extended by a month two days after
    its first deadline: the extension an event at its moment, with the state before it, as
    models.engine.lifecycle writes them."""
    def plus(column: str, days: int) -> str:
        if conn.dialect.name == "postgresql":
            return f"{column} + interval '{days} days'"
        return f"datetime({column}, '{days:+d} days')"

    conn.execute(text(f"""
        INSERT INTO event (at, kind, actor, obligation_id, was_status, was_unit_id, was_due_at)
        SELECT {plus("due_at", 2)}, 'extension_approved', 'bench', id, 'extension_requested', unit_id, due_at
        FROM obligation WHERE id % 10 = 3"""))
    conn.execute(text(f"UPDATE obligation SET due_at = {plus('due_at', 30)} WHERE id % 10 = 3"))
    conn.execute(text(f"UPDATE obligation SET status = 'done', done_at = {plus('due_at', -3)} WHERE id % 5 = 0"))
    conn.execute(text(f"UPDATE obligation SET done_at = {plus('done_at', 10)} WHERE id % 15 = 0"))




def bare(session: Session, at: dt.datetime, source: str, where: str = "", **params) -> int:
    sql = BARE.format(category=CATEGORY.format(o="o"), source=source, where=where)
    rows = session.connection().execute(text(sql), {"at": at, "day": at.astimezone(VN).date(),
                                                    "soon": at + dt.timedelta(days=7), **params}).all()
    return sum(r[2] for r in rows)


def measure(url: str) -> None:
    engine = make_engine(url)
    now = dt.datetime.now(dt.timezone.utc)
    with Session(engine) as session:
        session.connection().execute(text("ANALYZE"))
        cases = [
            (f"one period ({PERIOD}), now", lambda: rollup(session, "directory", now, period=PERIOD),
             lambda: bare(session, now, "obligation o", "AND o.period = :period", period=PERIOD)),
            (f"one period ({PERIOD}) as of {AS_OF:%d/%m/%Y}", lambda: rollup(session, "directory", AS_OF, period=PERIOD),
             lambda: bare(session, AS_OF, AS_OF_SOURCE, "AND o.period = :period", period=PERIOD)),
            ("everything, now (national)", lambda: rollup(session, "directory", now),
             lambda: bare(session, now, "obligation o")),
        ]
        for label, ours, floor in cases:
            total, counted = sum(t.total for t in ours()), floor()
            assert total == counted, (label, total, counted)
            timed = interleaved({"ours": ours, "floor": floor}, rounds=3)
            (ours_min, ours_median), (floor_min, floor_median) = timed["ours"], timed["floor"]
            print(f"{label}: {total:,} obligations in min {ours_min:.3f} s, median {ours_median:.3f} s; bare SQL "
                  f"min {floor_min:.3f} s, median {floor_median:.3f} s; ratio of mins {ours_min / floor_min:.2f}, "
                  f"of medians {ours_median / floor_median:.2f} (target < 0.5 s, ratio <= 1.5)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--quarters", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        start = time.perf_counter()
        total = build(url, args.provinces, args.quarters)
        print(f"[sqlite] setup (not timed): {total:,} obligations in {args.provinces} provinces, "
              f"{args.quarters} quarters, {time.perf_counter() - start:.0f} s", flush=True)
        measure(url)


if __name__ == "__main__":
    main()
