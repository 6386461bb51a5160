"""One run at a time per database for a job (chase, deliver, ...), whichever scheduler
fired it: `dondoc serve`'s APScheduler, a Prefect worker, or an admin at the command line.

PostgreSQL: a session-level advisory lock, held by one connection for the run and released
by the server if that process dies. SQLite: a file lock beside the database file, released
by the operating system if the process dies. Either way a dead run never leaves a lock behind.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout
from sqlalchemy import Engine, func, select


class Busy(Exception):
    """Another run of the same job holds the lock: this one does nothing."""


_memory_locks: dict[str, threading.Lock] = {}  # SQLite in memory: one process is the whole world


@contextmanager
def run_lock(engine: Engine, job: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, job):
            yield
    elif engine.url.database and engine.url.database != ":memory:":
        lock = FileLock(f"{engine.url.database}.{job}.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise Busy(f"another {job} run is going on for {Path(engine.url.database).name}") from None
        try:
            yield
        finally:
            lock.release()
    else:
        lock = _memory_locks.setdefault(job, threading.Lock())
        if not lock.acquire(blocking=False):
            raise Busy(f"another {job} run is going on")
        try:
            yield
        finally:
            lock.release()


@contextmanager
def _advisory_lock(engine: Engine, job: str) -> Iterator[None]:
    key = int.from_bytes(hashlib.sha256(f"dondoc:{job}".encode()).digest()[:8], "big", signed=True)
    with engine.connect() as connection:
        if not connection.execute(select(func.pg_try_advisory_lock(key))).scalar():
            raise Busy(f"another {job} run is going on in this database")
        connection.commit()  # leave no transaction open while the run works on its own sessions
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(key)))
            connection.commit()
