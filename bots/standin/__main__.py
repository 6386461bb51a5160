"""Run the stand-in on its own: `python -m bots.standin --port 8081 --scale 10`.

Benchmarks run it in a separate process so that the stand-in and the code under test do
not share one interpreter lock."""

from __future__ import annotations

import argparse
import signal
import threading

from bots.standin.server import StandIn
from bots.standin.world import Limits, World


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scale", type=float, default=1.0, help="loosen Telegram's limits this many times")
    args = parser.parse_args()
    server = StandIn(World(limits=Limits().scaled(args.scale)), port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with server:
        print(f"stand-in listening on {server.base_url}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
