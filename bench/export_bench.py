"""Other people's pages while a whole plan's PDF is being made.

The database is web_bench's (rollup_bench's map, `--quarters` quarters). A coordinator asks for
the PDF of a whole plan (thousands of rows: the heaviest file there is) while a second browser
requests the plan page of another plan, over and over. Printed side by side:

- idle: the plan page with nothing else running (the floor; 5x `--requests` of them, warm);
- in the request: the PDF made inside the web process, as a request's work would be (a
  thread of the server; the way before the background maker);
- in the background: the PDF asked for on the dashboard (POST /exports), made by the maker's
  own process.

For each: p50/p95 of the other page and how long the PDF took.

    uv run python bench/export_bench.py [--database sqlite:////tmp/web300k.db] [--requests 60]

Target (issue "What people read and see, round two"): exports never slow other requests: the
plan page's p95 while a PDF is made in the background within 1.5x of idle (2 cores: the PDF
takes one).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from web_bench import PERIOD, on_bench_database, p95, signed_in  # noqa: E402

from models.common.clock import utcnow  # noqa: E402
from models.report.period import build_report, report_pdf  # noqa: E402
from models.store.db import make_engine  # noqa: E402
from models.store.tables import Plan  # noqa: E402
from web.app import create_app  # noqa: E402
from web.server import Background  # noqa: E402


def pages_while(client: httpx.Client, path: str, busy: threading.Event, minimum: int) -> list[float]:
    """The page requested again and again while `busy` is set (and at least `minimum` times)."""
    times = []
    while busy.is_set() or len(times) < minimum:
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append(time.perf_counter() - start)
    return sorted(times)


def in_request(engine, plan_id: str, busy: threading.Event) -> None:
    with Session(engine) as session:
        report_pdf(build_report(session, plan_id, utcnow()))
    busy.clear()


def in_background(client: httpx.Client, plan_id: str, busy: threading.Event) -> None:
    page = client.get(f"/plans/{plan_id}").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    location = client.post("/exports", data={"fmt": "pdf", "query": f"plan={plan_id}", "csrf": csrf}).headers["location"]
    while "/file" not in client.get(location).text:
        time.sleep(0.5)
    busy.clear()


def measure(url: str, requests: int) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        first, second = session.exec(select(Plan).order_by(Plan.id).limit(2)).all()
        plans = [(first.id, first.coordinator_unit_id), (second.id, second.coordinator_unit_id)]
    server = Background(create_app(engine, Path(tempfile.gettempdir())), port=0).start()
    try:
        with httpx.Client(base_url=server.url, timeout=600) as asker, \
                httpx.Client(base_url=server.url, timeout=600) as reader:
            signed_in(asker, engine, plans[0][1])
            signed_in(reader, engine, plans[1][1])
            path = f"/plans/{plans[1][0]}?period={PERIOD}"
            reader.get(path).raise_for_status()  # warm
            idle = pages_while(reader, path, threading.Event(), requests * 5)
            print(f"idle: plan page p50 {statistics.median(idle) * 1000:.0f} ms, p95 {p95(idle) * 1000:.0f} ms",
                  flush=True)
            for label, work in (("in the request", lambda busy: in_request(engine, plans[0][0], busy)),
                                ("in the background", lambda busy: in_background(asker, plans[0][0], busy))):
                busy = threading.Event()
                busy.set()
                start = time.perf_counter()
                maker = threading.Thread(target=work, args=(busy,))
                maker.start()
                times = pages_while(reader, path, busy, requests)
                maker.join()
                print(f"{label}: PDF of {plans[0][0]} in {time.perf_counter() - start:.0f} s; meanwhile the plan page "
                      f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95(times) * 1000:.0f} ms "
                      f"({len(times)} requests; {p95(times) / p95(idle):.2f}x idle)", flush=True)
    finally:
        server.stop()


def main() -> None:
    on_bench_database(measure, 60)


if __name__ == "__main__":
    main()
