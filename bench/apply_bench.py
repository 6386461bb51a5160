"""Applying very large plans: the shipped plan's tasks repeated until the file is 1, 2.5 and
5 MB (the limit), applied to a fresh SQLite database. Printed beside the baseline measured in
the same run: the same task and assignment rows written by the standard library's sqlite3
`executemany` into the same schema (no YAML, no validation, no change records): the least
any apply must do.

    uv run python bench/apply_bench.py

Target (issue "Hostile input", part 9): linear in the file's size, memory bounded (the
measured run before: 10 minutes and 4.7 GB at 5 MB).
"""

from __future__ import annotations

import datetime as dt
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from validate_bench import ORG, grown_plan  # noqa: E402

from models.common.yamlio import MAX_INPUT_BYTES  # noqa: E402


def apply_once(path: Path, database: Path) -> None:
    """In a process of its own, so its peak memory is its own."""
    from models.engine.apply import apply_plan
    from models.org.directory import load_directory
    from models.store.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    apply_plan(engine, path, load_directory(ORG), today=dt.date(2019, 7, 1))


def bare_insert(applied: Path, database: Path) -> float:
    """The applied database's plan, task and assignment rows, written again by sqlite3 alone."""
    source = sqlite3.connect(applied)
    target = sqlite3.connect(database)
    target.executescript(";".join(row[0] for row in source.execute(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name IN ('plan', 'area', 'task', 'assignment')")))
    tables = {name: source.execute(f'SELECT * FROM "{name}"').fetchall() for name in ("plan", "area", "task",
                                                                                      "assignment")}
    began = time.perf_counter()
    with target:
        for name, rows in tables.items():
            if rows:
                target.executemany(f'INSERT INTO "{name}" VALUES ({",".join("?" * len(rows[0]))})', rows)
    return time.perf_counter() - began


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--apply":
        apply_once(Path(sys.argv[2]), Path(sys.argv[3]))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'file':>8} {'tasks':>7} {'assignments':>12} {'apply':>8} {'peak RSS':>9} {'bare insert':>12} {'ratio':>6}")
        for size in (MAX_INPUT_BYTES // 5, MAX_INPUT_BYTES // 2, MAX_INPUT_BYTES):
            path, database = grown_plan(size, Path(folder)), Path(folder) / f"applied-{size}.db"
            began = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--apply", str(path), str(database)],
                                  capture_output=True, text=True, check=True)
            seconds, peak_kb = time.perf_counter() - began, int(done.stdout.split()[-1])
            counts = sqlite3.connect(database).execute(
                "SELECT (SELECT count(*) FROM task), (SELECT count(*) FROM assignment)").fetchone()
            bare = bare_insert(database, Path(folder) / f"bare-{size}.db")
            print(f"{path.stat().st_size / 2**20:>6.1f}MB {counts[0]:>7} {counts[1]:>12} {seconds:>7.1f}s "
                  f"{peak_kb / 1024:>7.0f}MB {bare:>11.2f}s {seconds / bare:>6.1f}")


if __name__ == "__main__":
    main()
