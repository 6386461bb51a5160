"""The timings the benchmarks here use: the best of a few runs of the same work, and
several pieces of work run in turn, round after round, so that a busy moment of the machine
falls on all of them alike."""

import statistics
import time


def best_of(run, repeat: int = 3):
    """(the fastest of `repeat` runs in seconds, the last run's result)."""
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def interleaved(runs: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """name → (min, median) seconds of `runs[name]()`, each run once per round, in turn."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: (min(spent), statistics.median(spent)) for name, spent in times.items()}
