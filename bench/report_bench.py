"""The coordinator's documents at national load: the 63 provinces of the opening benchmark,
three quarters of 2019 opened (about 290,000 obligations), a fifth of them done. Prints the
time to build one province's digest and its XLSX report for a quarter, and the national
rollup, each beside the bare SQL aggregation it stands on.

    uv run python bench/report_bench.py [--provinces 63] [--rounds 100]

Targets (issue "Roll-up for the coordinator"): digest < 1 s; XLSX for one province < 3 s;
rollup <= 1.5 x the bare aggregation; (issue "Speed where people wait") the digest <= 2 x its two
core aggregations written by hand (counts by area and category, overdue by unit).
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

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from open_bench import build  # noqa: E402
from best_of import best_of, interleaved  # noqa: E402
from models.store.db import make_engine  # noqa: E402
from models.common.clock import utcnow  # noqa: E402
from models.report.digest import build_digest, digest_text  # noqa: E402
from models.engine.opening import Opener  # noqa: E402
from models.report.period import build_report, report_xlsx  # noqa: E402
from models.report.rollup import rollup  # noqa: E402
from models.store.tables import Obligation, Plan  # noqa: E402
from models.calendar.workcal import VN, WorkingCalendar  # noqa: E402

AT = dt.datetime(2019, 10, 20, 12, tzinfo=VN)
PLAN = "binh-dinh-53-2019"
# The same four-way judgement as models.report.rollup.category_at, written by hand in SQL.
BARE = """
SELECT u.directory_id, CASE
    WHEN o.status = 'cancelled' THEN 'cancelled'
    WHEN o.status = 'done' AND o.done_at <= :at AND (o.no_deadline OR o.done_at <= o.due_at) THEN 'done_on_time'
    WHEN o.status = 'done' AND o.done_at <= :at THEN 'done_late'
    WHEN o.status = 'postponed' THEN 'postponed'
    WHEN o.no_deadline THEN 'no_deadline'
    WHEN o.due_at < :at THEN 'open_overdue'
    ELSE 'open_on_time' END AS category, count(*)
FROM obligation o JOIN task t ON t.id = o.task_id JOIN unit u ON u.id = o.unit_id
WHERE o.starts_on <= :day {where}
GROUP BY 1, 2
"""




# The digest's two core aggregations, by hand: the plan's counts by area and category (with
# what is due within 7 days and what was extended), and its overdue obligations by unit.
OVERDUE = "o.status IN ('open', 'blocked', 'extension_requested') AND NOT o.no_deadline AND o.due_at < :at"
DIGEST_FLOOR = [
    "SELECT t.area_code, " + BARE.split("SELECT u.directory_id, ", 1)[1].split("FROM", 1)[0]
    + ", sum(CASE WHEN o.status IN ('open', 'blocked', 'extension_requested') AND NOT o.no_deadline "
      "AND o.due_at >= :at AND o.due_at <= :soon THEN 1 ELSE 0 END), "
      "sum(CASE WHEN o.status != 'cancelled' AND o.due_at != o.original_due_at THEN 1 ELSE 0 END) "
      "FROM obligation o JOIN task t ON t.id = o.task_id "
      "WHERE o.starts_on <= :day AND t.plan_id = :plan GROUP BY 1, 2",
    # the plan's tasks first (CROSS JOIN keeps that order in SQLite: else it walks the status index of every plan)
    f"SELECT u.name, count(*), min(o.due_at) FROM task t CROSS JOIN obligation o CROSS JOIN unit u "
    f"WHERE t.plan_id = :plan AND o.task_id = t.id AND u.id = o.unit_id AND o.starts_on <= :day AND {OVERDUE} "
    f"GROUP BY u.name",
]


def prepare(url: str, provinces: int) -> int:
    build(url, provinces)
    engine = make_engine(url)
    calendar = WorkingCalendar()
    with Session(engine) as session:
        for plan in session.exec(select(Plan.id)).all():
            opener = Opener(session, plan, calendar, actor="bench", now=dt.datetime(2019, 1, 2, 8, tzinfo=VN))
            for quarter in ("2019-Q1", "2019-Q2", "2019-Q3"):
                opener.period(quarter)
        session.commit()
        # a fifth done: every fifth obligation, on time for quarters before Q3, late for Q3
        session.connection().execute(text(
            "UPDATE obligation SET status = 'done', done_at = CASE WHEN period = '2019-Q3' "
            "THEN due_at + interval '1 day' ELSE due_at END WHERE id % 5 = 0"
            if engine.dialect.name == "postgresql" else
            "UPDATE obligation SET status = 'done', done_at = CASE WHEN period = '2019-Q3' "
            "THEN datetime(due_at, '+1 day') ELSE due_at END WHERE id % 5 = 0"))
        session.commit()
        return session.exec(select(Obligation.id)).all().__len__()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--rounds", type=int, default=100, help="interleaved rounds of the digest and its floor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'report.db'}"
        started = time.perf_counter()
        count = prepare(url, args.provinces)
        print(f"load: {args.provinces} provinces, {count} obligations (setup {time.perf_counter() - started:.0f} s, not timed)")
        engine = make_engine(url)
        with Session(engine) as session:
            params = {"at": AT, "day": AT.date()}
            national = interleaved({
                "bare": lambda: session.connection().execute(text(BARE.format(where="")), params).all(),
                "ours": lambda: rollup(session, "directory", AT, flags=False),  # BARE counts no flags
            }, rounds=5)
            (bare_min, bare_median), (ours_min, ours_median) = national["bare"], national["ours"]
            print(f"national rollup by province x category: min {ours_min:.3f} s, median {ours_median:.3f} s; bare SQL "
                  f"min {bare_min:.3f} s, median {bare_median:.3f} s; ratio of mins {ours_min / bare_min:.2f}, of "
                  f"medians {ours_median / bare_median:.2f} (target <= 1.5)")
            one = {"at": AT, "day": AT.date(), "plan": PLAN, "soon": AT + dt.timedelta(days=7)}
            digest = digest_text(build_digest(session, PLAN, AT, "weekly", "bench"))
            print(f"digest of one province ({PLAN}): {len(digest)} characters")
            now = utcnow()
            present = {"at": now, "day": now.date(), "plan": PLAN, "soon": now + dt.timedelta(days=7)}
            timed = interleaved({
                "floor as of": lambda: [session.connection().execute(text(q), one).all() for q in DIGEST_FLOOR],
                "digest as of": lambda: build_digest(session, PLAN, AT, "weekly", "bench"),
                "floor now": lambda: [session.connection().execute(text(q), present).all() for q in DIGEST_FLOOR],
                "digest now": lambda: build_digest(session, PLAN, utcnow(), "weekly", "bench"),
            }, rounds=args.rounds)
            for when, words in (("as of", f"as of {AT:%d/%m/%Y} (rebuilt from the audit trail; the floor reads the "
                                          f"present state)"), ("now", "now")):
                (floor_min, floor_median), (ours_min, ours_median) = timed[f"floor {when}"], timed[f"digest {when}"]
                print(f"digest {words}: min {ours_min * 1000:.1f} ms, median {ours_median * 1000:.1f} ms (target < 1 s); "
                      f"its two core aggregations by hand: min {floor_min * 1000:.1f} ms, median "
                      f"{floor_median * 1000:.1f} ms; ratio of mins {ours_min / floor_min:.2f}, of medians "
                      f"{ours_median / floor_median:.2f}" + (" (target <= 2)" if when == "now" else ""))
            xlsx_s, content = best_of(lambda: report_xlsx(build_report(session, PLAN, AT, period="2019-Q3")), 1)
            print(f"XLSX report of one province for 2019-Q3: {xlsx_s:.2f} s (target < 3 s), {len(content) // 1024} KB")


if __name__ == "__main__":
    main()
