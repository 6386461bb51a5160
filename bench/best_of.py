"""The timing every benchmark here uses: the best of a few runs of the same work."""

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
