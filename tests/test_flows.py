"""Flows are thin: their bodies run as plain functions here (no Prefect engine)."""

import datetime as dt

from ruamel.yaml import YAML

from flows.opening import open_obligations
from tests.conftest import ROOT


def test_open_obligations_flow_opens_every_plan_once(applied, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", applied.url.render_as_string(hide_password=False))
    calendar = str(ROOT / "plans" / "calendar" / "vn.yaml")
    first = open_obligations.fn(as_of=dt.date(2019, 8, 1), calendar=calendar)
    assert first == {"binh-dinh-53-2019": 1463 + 343}
    assert open_obligations.fn(as_of=dt.date(2019, 8, 1), calendar=calendar) == {"binh-dinh-53-2019": 0}


def test_prefect_yaml_deploys_the_flow_on_a_vietnam_cron():
    config = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    module, name = deployment["entrypoint"].split(":")
    assert (ROOT / module).is_file() and name == "open_obligations"
    assert deployment["schedules"][0]["timezone"] == "Asia/Ho_Chi_Minh"
    assert deployment["concurrency_limit"] == 1
