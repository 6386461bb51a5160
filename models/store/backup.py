"""Backing up an installation and restoring it: the database (an online SQLite backup, or
pg_dump's custom format) with what lives beside it and is worth as much: the site's secret
(without it, every link already sent stops working), the evidence files and the reports.
One archive (tar.gz) with a manifest; a restore refuses to overwrite unless told to."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url


class BackupError(Exception):
    """What went wrong, in one line (a missing pg_dump, an archive that is not ours, …)."""


@dataclass(frozen=True)
class Places:
    """Where the files beside the database live."""
    secret: Path  # var/web-secret (absent when DONDOC_WEB_SECRET is set)
    evidence: Path
    reports: Path

    def folders(self) -> dict[str, Path]:
        return {"evidence": self.evidence, "reports": self.reports}


def backup(engine: Engine, archive: Path, places: Places) -> dict:
    """Write the archive; returns its manifest."""
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "database"
        kind = _dump(engine, dump)
        manifest = {"format": "dondoc-backup-1", "database": kind, "made_at": dt.datetime.now(dt.timezone.utc)
                    .isoformat(), "schema": _revision(engine), "secret": places.secret.is_file(),
                    "files": {name: _count(folder) for name, folder in places.folders().items()}}
        partial = archive.with_name(archive.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(dump, arcname=f"database.{kind}")
            if places.secret.is_file():
                tar.add(places.secret, arcname="web-secret")
            for name, folder in places.folders().items():
                if folder.is_dir():
                    tar.add(folder, arcname=name)
        partial.replace(archive)  # never a half-written archive under the final name
    return manifest


def restore(archive: Path, url: str, places: Places, force: bool = False) -> dict:
    """Put the archive's database at `url` and its files in their places; returns its manifest."""
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive}: not a dondoc backup ({exc})") from None
    with tar, tempfile.TemporaryDirectory() as scratch:
        try:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        except (KeyError, ValueError, AttributeError):
            raise BackupError(f"{archive}: not a dondoc backup (no manifest)") from None
        if manifest.get("format") != "dondoc-backup-1":
            raise BackupError(f"{archive}: a backup of an unknown format {manifest.get('format')!r}")
        tar.extractall(scratch, filter="data")  # no path leaves the folder, no links, no devices
        _check_free(url, places, manifest, force)
        _load(Path(scratch) / f"database.{manifest['database']}", manifest["database"], url)
        if manifest.get("secret"):
            places.secret.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(scratch) / "web-secret", places.secret)
            places.secret.chmod(0o600)
        for name, folder in places.folders().items():
            source = Path(scratch) / name
            if source.is_dir():
                shutil.copytree(source, folder, dirs_exist_ok=True)
    return manifest


# --- the database ----------------------------------------------------------------------------

def _dump(engine: Engine, target: Path) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            with sqlite3.connect(target) as copy:
                source.backup(copy)  # consistent while others write
        finally:
            source.close()
        return "sqlite"
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)
    return "pgdump"


def _load(dump: Path, kind: str, url: str) -> None:
    target = make_url(url)
    if kind == "sqlite":
        if target.get_backend_name() != "sqlite":
            raise BackupError("this backup is of a SQLite database: restore it to a sqlite:/// address")
        Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dump, target.database)
        return
    if target.get_backend_name() != "postgresql":
        raise BackupError("this backup is of a PostgreSQL database: restore it to a postgresql:// address")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          str(dump)], target)


def _run(command: list[str], url) -> None:
    """pg_dump or pg_restore against `url`, its password passed in the environment, not the command."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([*command, f"--dbname={plain}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")


def _revision(engine: Engine) -> str | None:
    from models.store.db import schema_revision

    return schema_revision(engine)


def _check_free(url: str, places: Places, manifest: dict, force: bool) -> None:
    """Refuse to overwrite a database or files that are there, unless forced."""
    if force:
        return
    target = make_url(url)
    there = []
    if target.get_backend_name() == "sqlite" and target.database and Path(target.database).exists():
        there.append(f"database {target.database}")
    if target.get_backend_name() == "postgresql" and _has_schema(url):
        there.append(f"the dondoc database at {target.render_as_string(hide_password=True)}")
    if manifest.get("secret") and places.secret.exists():
        there.append(f"secret {places.secret}")
    there += [f"{name} folder {folder}" for name, folder in places.folders().items()
              if folder.is_dir() and any(folder.iterdir())]
    if there:
        raise BackupError("refusing to overwrite " + ", ".join(there) + " (--force to restore over them)")


def _has_schema(url: str) -> bool:
    from models.store.db import make_engine, schema_revision

    engine = make_engine(url)
    try:
        return schema_revision(engine) is not None
    finally:
        engine.dispose()


def _count(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
