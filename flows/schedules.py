"""The flows' schedules, read from `prefect.yaml`: the one place they are declared, for the
Prefect server + workers path and for `dondoc serve` alike."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from ruamel.yaml import YAML

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


@dataclass(frozen=True)
class Scheduled:
    name: str  # the deployment's name
    entrypoint: str  # "flows/chase.py:chase"
    cron: str
    timezone: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def flow(self):
        """The flow object the entrypoint names (flows/chase.py:chase → flows.chase.chase)."""
        path, name = self.entrypoint.split(":")
        return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))


def load_schedules(path: Path = PREFECT_YAML) -> list[Scheduled]:
    config = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [Scheduled(d["name"], d["entrypoint"], s["cron"], s.get("timezone", "UTC"), d.get("parameters") or {})
            for d in config["deployments"] for s in d.get("schedules") or []]
