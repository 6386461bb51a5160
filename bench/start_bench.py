"""How fast the installed `dondoc` command starts: `dondoc --help`, and `dondoc status` on a
database with the Bình Định plan applied and a quarter opened. Each is the best of several
runs of a fresh process, printed beside the floors measured in the same run:

- the interpreter alone (`python -c pass`);
- the least a command that reads our tables must import: typer, SQLModel and
  `models.store.tables` (the declared schema), in one process that does nothing else.

    uv run python bench/start_bench.py [--runs 7]

Targets (issue "What people read and type"): --help under 0.3 s, status under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DONDOC = BIN / "dondoc"  # the command the project installs, as a person types it
PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"


def best_start(command: list[str], runs: int, env: dict) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DONDOC_DATABASE_URL": f"sqlite:///{Path(folder) / 'start.db'}"}
        for args in (["plan", "apply", str(PLAN), "--org", str(ORG)],
                     ["open", "--plan", "binh-dinh-53-2019", "--period", "2019-Q3"]):
            subprocess.run([str(DONDOC), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        python = str(BIN / "python")
        rows = [
            ("python -c pass (floor)", best_start([python, "-c", "pass"], runs, env)),
            ("import typer, sqlmodel, models.store.tables (floor)",
             best_start([python, "-c", "import typer, sqlmodel, models.store.tables"], runs, env)),
            ("dondoc --help", best_start([str(DONDOC), "--help"], runs, env)),
            ("dondoc status --plan binh-dinh-53-2019",
             best_start([str(DONDOC), "status", "--plan", "binh-dinh-53-2019"], runs, env)),
        ]
    print(f"best of {runs} fresh processes")
    for name, seconds in rows:
        print(f"  {name:<48} {seconds:6.3f} s")


if __name__ == "__main__":
    main()
