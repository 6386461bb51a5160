"""The dashboard's report maker: a thread that takes queued reports one at a time and makes
each in a spawned process, so a minute of PDF layout holds neither a request nor the web
process's interpreter (other pages keep their speed).

It starts when a report is asked for or waited on and ends when the queue is empty; stopping
the dashboard ends the making and puts the report back in the queue for the next start.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading

from sqlalchemy import Engine
from sqlmodel import Session

from models.report import exports

log = logging.getLogger("dondoc.web")


class ExportRunner:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)  # handed to the child, never logged
        self.name = exports.runner_name()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Make sure queued reports are being made."""
        with self._lock:
            if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="dondoc-exports", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        with Session(self.engine) as session:
            exports.requeue_orphans(session)
            while not self._stop.is_set():
                export_id = exports.claim_next(session, self.name)
                if export_id is None:
                    return
                self._make(session, export_id)

    def _make(self, session: Session, export_id: int) -> None:
        child = multiprocessing.get_context("spawn").Process(
            target=exports.produce_in_child, args=(self.url, export_id), name=f"dondoc-export-{export_id}", daemon=True)
        child.start()
        while child.is_alive() and not self._stop.is_set():
            child.join(0.2)
        if child.is_alive():  # the dashboard is stopping: the report waits for the next start
            child.terminate()
            child.join(5)
            exports.give_back(session, export_id)
            return
        if child.exitcode != 0:
            log.error("report %s: its process ended with code %s", export_id, child.exitcode)
        exports.fail_unfinished(session, export_id, "export_crashed")
