"""How fast the installed `dondoc` command starts: `dondoc --help`, and `dondoc status` on a
database with the Bình Định plan applied and a quarter open, beside the honest floor measured
in the same run: `python -c "import sqlmodel"` of the same interpreter (a command that reads a
database cannot start faster than the library it reads it with; the project's own modules are
not part of the floor). Rounds are interleaved (each round runs every command once, in turn), so
a busy moment of the machine falls on all of them; min and median of the rounds are printed.

    uv run python bench/start_bench.py [--rounds 9]

Target (issue "Speed where people wait"): `dondoc status` ≤ 1.2 × the floor.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from best_of import interleaved  # bench/ is on the path of a script run from it

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DONDOC = BIN / "dondoc"  # the command the project installs, as a person types it
PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"


def once(command: list[str], env: dict) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    python = str(BIN / "python")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DONDOC_DATABASE_URL": f"sqlite:///{Path(folder) / 'start.db'}"}
        for args in (["plan", "apply", str(PLAN), "--org", str(ORG)],
                     ["open", "--plan", "binh-dinh-53-2019", "--period", "2019-Q3"]):
            subprocess.run([str(DONDOC), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        commands = {
            'python -c "import sqlmodel" (floor)': [python, "-c", "import sqlmodel"],
            "dondoc --help": [str(DONDOC), "--help"],
            "dondoc status --plan binh-dinh-53-2019": [str(DONDOC), "status", "--plan", "binh-dinh-53-2019"],
        }
        times = interleaved({name: (lambda command=command: once(command, env)) for name, command in commands.items()},
                            rounds)
    floor = times['python -c "import sqlmodel" (floor)'][0]
    print(f"{rounds} interleaved rounds of fresh processes (min, median; × the floor's min)")
    for name, (least, median) in times.items():
        print(f"  {name:<44} min {least:6.3f} s  median {median:6.3f} s  {least / floor:5.2f}×")


if __name__ == "__main__":
    main()
