"""Validating very large plans: the shipped Bình Định plan's tasks repeated until the file is
1, 2.5 and 5 MB (5 MB is the limit), then one past the limit. Prints the time and peak memory
of `validate_plan` for each, beside the bare fast YAML parse of the same file (the least any
validation must do), and the time to refuse the oversized one.

    uv run python bench/validate_bench.py

Targets (issue "Hardening"): validation linear in the file's size (seconds at the limit, not
minutes); a file over the limit refused at once.
"""

from __future__ import annotations

import re
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ruamel.yaml import YAML  # noqa: E402

from best_of import best_of  # noqa: E402
from models.org.directory import load_directory  # noqa: E402
from models.plans.validate import validate_plan  # noqa: E402
from models.common.yamlio import MAX_INPUT_BYTES  # noqa: E402

PLAN = ROOT / "plans" / "binh-dinh-53-2019.yaml"
ORG = ROOT / "plans" / "org" / "binh-dinh.yaml"


def grown_plan(size: int, folder: Path) -> Path:
    """The shipped plan with its tasks repeated under new ids until the file has `size` bytes."""
    head, tasks = PLAN.read_text(encoding="utf-8").split("\ntasks:\n", 1)
    blocks = [b for b in re.split(r"(?m)^(?=  - id: )", tasks) if b.strip()]
    parts, total, copy = [head, "\ntasks:\n"], len(head.encode()) + 8, 0
    while True:
        for block in blocks:
            renamed = re.sub(r"^  - id: '?([0-9.]+)'?", rf"  - id: 'x{copy}.\1'", block, count=1)
            if total + len(renamed.encode()) > size:
                path = folder / f"plan-{size}.yaml"
                path.write_text("".join(parts), encoding="utf-8")
                return path
            parts.append(renamed)
            total += len(renamed.encode())
        copy += 1


def peak_memory(run) -> int:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    directory = load_directory(ORG)
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'file':>8} {'tasks':>7} {'validate':>9} {'peak':>8} {'bare parse':>11} {'ratio':>6}")
        for size in (MAX_INPUT_BYTES // 5, MAX_INPUT_BYTES // 2, MAX_INPUT_BYTES):
            path = grown_plan(size, Path(folder))
            seconds, report = best_of(lambda: validate_plan(path, directory), repeat=1)
            assert report.ok, report.errors[:3]
            parse, _ = best_of(lambda: YAML(typ="safe").load(path.read_text(encoding="utf-8")), repeat=1)
            memory = peak_memory(lambda: validate_plan(path, directory))
            print(f"{path.stat().st_size / 2**20:>6.1f}MB {report.tasks:>7} {seconds:>8.2f}s "
                  f"{memory / 2**20:>6.0f}MB {parse:>10.2f}s {seconds / parse:>6.1f}")
        over = Path(folder) / "over.yaml"
        over.write_bytes(PLAN.read_bytes() * (MAX_INPUT_BYTES // PLAN.stat().st_size + 1))
        seconds, report = best_of(lambda: validate_plan(over, directory), repeat=1)
        print(f"{over.stat().st_size / 2**20:.1f} MB refused in {seconds * 1000:.1f} ms: {report.errors[0]}")


if __name__ == "__main__":
    main()
