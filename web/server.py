"""Serving the dashboard beside other work in one process (`dondoc serve`, the browser tests):
uvicorn in a thread of its own, stopped cleanly."""

from __future__ import annotations

import threading
import time

import uvicorn


class Background:
    """An ASGI app served on host:port from a daemon thread until `stop()`."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 8080):
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=True, lifespan="off",
                                timeout_graceful_shutdown=2)  # `dondoc serve` stops within seconds
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dondoc-web", daemon=True)

    def start(self, timeout: float = 10.0) -> "Background":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start on {self.server.config.host}:{self.server.config.port}")
            time.sleep(0.02)
        return self

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        runner = getattr(getattr(self.server.config.app, "state", None), "exports", None)
        if runner is not None:  # a report being made goes back to the queue for the next start
            runner.stop()
