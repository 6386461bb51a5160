"""The engine's commands end to end on a SQLite file: apply, open, event, status."""

import datetime as dt
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import ORG, PLAN, PLAN_TEXT

runner = CliRunner()
PLAN_ID = "binh-dinh-53-2019"


def test_open_a_period_twice(dondoc):
    first = dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    assert first.exit_code == 0 and "1463 obligation(s) opened" in first.stdout
    assert "0 obligation(s) opened" in dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3").stdout


def test_periods_as_officials_write_them(dondoc):
    opened = dondoc("open", "--plan", PLAN_ID, "--period", "Quý III/2019")
    assert opened.exit_code == 0 and "1463 obligation(s) opened" in opened.stdout
    assert "0 obligation(s) opened" in dondoc("open", "--plan", PLAN_ID, "--period", "quí 3 năm 2019").stdout
    digest = dondoc("digest", "--plan", PLAN_ID, "--period", "Quý III/2019", "--as-of", "2019-10-20")
    assert digest.exit_code == 0, digest.output
    wrong = dondoc("open", "--plan", PLAN_ID, "--period", "Quý V/2019")
    assert wrong.exit_code == 1 and '"Quý V/2019" is not a period' in wrong.stderr


def test_a_mistyped_plan_or_unit_gets_a_did_you_mean(dondoc):
    typo = dondoc("open", "--plan", "binh-dinh-53-2091", "--period", "2019-Q3")
    assert typo.exit_code == 1 and 'did you mean "binh-dinh-53-2019"?' in typo.stderr
    status = dondoc("digest", "--plan", "binh-dinh-35-2019")
    assert status.exit_code == 1 and 'did you mean "binh-dinh-53-2019"?' in status.stderr
    unit = dondoc("invite", "--unit", "xa-2155", "--contact", "An")
    assert unit.exit_code == 1 and "did you mean" in unit.stderr


def test_a_bad_day_and_an_unreachable_database_are_one_line_in_words(dondoc, monkeypatch):
    february = dondoc("open", "--plan", PLAN_ID, "--as-of", "31/02/2019")
    assert february.exit_code == 2 and '"31/02/2019" is no day: February 2019 has 28 days' in february.output
    words = dondoc("open", "--plan", PLAN_ID, "--as-of", "hôm qua")
    assert words.exit_code == 2 and "write it as 31/10/2019" in words.output
    monkeypatch.setenv("DONDOC_DATABASE_URL", "postgresql+psycopg://dondoc:s3cret@127.0.0.1:1/dondoc")
    down = dondoc("digest", "--plan", PLAN_ID)
    assert down.exit_code == 1 and "cannot reach the database postgresql+psycopg://dondoc:***@127.0.0.1:1" in down.stderr
    assert "Traceback" not in down.output and "s3cret" not in down.output and len(down.stderr.splitlines()) == 1


def test_open_errors_are_one_line(dondoc):
    bad_period = dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q5")
    assert bad_period.exit_code == 1 and "is not a period (expected" in bad_period.stderr
    unknown = dondoc("open", "--plan", "nope", "--period", "2019-Q3")
    assert unknown.exit_code == 1 and 'no plan "nope"' in unknown.stderr
    both = dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3", "--as-of", "2019-08-01")
    assert both.exit_code == 2


def test_event_record_and_status(dondoc):
    recorded = dondoc("event", "record", "--plan", PLAN_ID, "--task", "2.4", "--date", "2019-08-01",
                      "--note", "QĐ phê duyệt quy hoạch")
    assert recorded.exit_code == 0 and "1 obligation(s) opened" in recorded.stdout
    later = dondoc("event", "record", "--plan", PLAN_ID, "--task", "2.4", "--date", "2019-11-04")
    assert later.exit_code == 0 and "1 obligation(s) opened" in later.stdout
    again = dondoc("event", "record", "--plan", PLAN_ID, "--task", "2.4", "--date", "2019-11-04")
    assert "already recorded" in again.stdout and "0 obligation(s) opened" in again.stdout
    wrong = dondoc("event", "record", "--plan", PLAN_ID, "--task", "1.1", "--date", "2019-08-01")
    assert wrong.exit_code == 1 and "not on_event" in wrong.stderr
    status = dondoc("status", "--plan", PLAN_ID, "--by", "plan", "--as-of", "2019-09-01", "--lang", "en")
    assert status.exit_code == 0 and status.stdout.startswith("53/KH-UBND: Cải thiện và nâng cao")  # the plan in words


def test_dry_run_says_so(dondoc, tmp_path):
    changed = tmp_path / "plan.yaml"
    changed.write_text(PLAN.read_text(encoding="utf-8").replace("kind: quarterly}", "kind: annual}", 1),
                       encoding="utf-8")
    result = dondoc("plan", "apply", changed, "--org", ORG, "--dry-run")
    assert result.exit_code == 0 and "dry run: nothing changed" in result.stdout
    assert "already up to date" in dondoc("plan", "apply", PLAN, "--org", ORG).stdout


def test_a_dry_run_counts_what_would_happen_to_people_s_work(dondoc, tmp_path):
    import json

    dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    text = PLAN.read_text(encoding="utf-8")
    # 1.1 loses Sở Tư pháp for Sở Nội vụ (its obligation moves); 1.3, the communes' task, is dropped
    text = text.replace("lead: [Sở Tư pháp, UBND cấp huyện, UBND cấp xã]", "lead: [Sở Nội vụ, UBND cấp huyện, UBND cấp xã]")
    start = text.index("  - id: '1.3'")
    text = text[:start] + text[text.index("  - id: '1.4'"):]
    changed = tmp_path / "plan.yaml"
    changed.write_text(text, encoding="utf-8")
    human = dondoc("plan", "apply", changed, "--org", ORG, "--dry-run").stdout
    machine = json.loads(dondoc("plan", "apply", changed, "--org", ORG, "--dry-run", "--json").stdout)
    summary = machine["summary"]
    assert summary["task"] == {"no longer listed": 1} and summary["obligation"]["moved"] == 1
    cancelled = summary["obligation"]["cancelled"]
    assert cancelled > 100 and len(machine["changes"]) == sum(n for actions in summary.values()
                                                              for n in actions.values())
    counts = re.search(r"\n  obligations +(.*)\n", human).group(1).split(" · ")
    assert sorted(counts) == sorted(["1 moved", f"{cancelled} cancelled"])
    # in detail: the task, then its obligations in one line, then the one that moved
    assert (f"  task 1.3: no longer listed\n  {cancelled} obligations: cancelled (task 1.3 was removed from the "
            "plan)\n  obligation ") in human
    assert re.search(r"  obligation \d+: lead changed from binh-dinh/so-tu-phap to binh-dinh/so-noi-vu", human)
    assert "dry run: nothing changed" in human
    assert machine["dry_run"] and "already up to date" in dondoc("plan", "apply", PLAN, "--org", ORG).stdout


@pytest.fixture
def in_2019():
    from models.common import clock
    from models.calendar.workcal import VN

    clock.travel_to(dt.datetime(2019, 7, 1, 8, tzinfo=VN))  # the quarter opens on its first day
    yield
    clock.back_to_now()


def test_preview_counts_each_day_and_lists_up_to_the_limit(dondoc, in_2019):
    dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    days = dondoc("preview", "--plan", PLAN_ID, "--from", "14/10/2019", "--to", "21/10/2019", "--limit", "3").stdout
    # Monday 14/10, the quarter's deadline: each unit one message listing its tasks due; four days list
    # three messages each (14, 16, 17, 18/10), the 21st its one
    monday = re.search(r"Mon 14/10/2019: (\d+) message\(s\) \(\1 to units\), (\d+) item\(s\)", days)
    assert monday and 100 < int(monday.group(1)) < int(monday.group(2))
    assert days.count("  → ") == 4 * 3 + 1 and "more message(s) that day (--limit 0 shows all)" in days
    # a week later the coordinator hears of every unit still late: one message, not one per unit
    assert re.search(r"Mon 21/10/2019: 1 message\(s\) \(1 to the coordinator\), (\d+) item\(s\)\n"
                     r"  → Sở Nội vụ \[coordinator\]: \1 item\(s\) of \d+ unit\(s\)", days)
    everything = dondoc("preview", "--plan", PLAN_ID, "--from", "14/10/2019", "--to", "14/10/2019", "--limit", "0")
    assert everything.stdout.count("  → ") == int(monday.group(1))
    short = dondoc("preview", "--plan", PLAN_ID, "--from", "11/10/2019", "--to", "11/10/2019", "--unit", "xa-21550")
    assert short.exit_code == 0 and "1 message(s) (1 to unit), 3 item(s)" in short.stdout
    assert "1.1 Q3/2019 T-1" in short.stdout
    unknown = dondoc("preview", "--plan", PLAN_ID, "--from", "11/10/2019", "--to", "11/10/2019", "--unit", "xa-1")
    assert unknown.exit_code == 1 and "xa-1" in unknown.stderr


def test_history_names_the_plan_the_unit_and_the_periods_as_officials_do(dondoc):
    dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    shown = dondoc("history", "--plan", PLAN_ID, "--unit", "xa-21550").stdout
    assert "Kế hoạch 53/KH-UBND · UBND phường Nhơn Bình" in shown and "Kỳ" in shown and "Quý III/2019" in shown
    assert "Period" in dondoc("history", "--plan", PLAN_ID, "--lang", "en").stdout
    assert dondoc("history", "--plan", "nope").exit_code == 1


def test_no_province_directory_is_assumed(dondoc, monkeypatch):
    monkeypatch.delenv("DONDOC_ORG", raising=False)
    for command in ("validate", "apply"):
        missing = dondoc("plan", command, PLAN)
        assert missing.exit_code == 1 and missing.stderr.startswith("error no org directory: give --org FILE")
    monkeypatch.setenv("DONDOC_ORG", str(ORG))  # the admin's configured directory
    assert "already up to date" in dondoc("plan", "apply", PLAN).stdout


def test_invite_and_unlink(dondoc, tmp_path):
    link = dondoc("invite", "--unit", "xa-21550", "--contact", "Nguyễn Văn An")
    assert link.exit_code == 0
    url = link.stdout.strip()
    assert url.startswith("https://t.me/dondoc_bot?start=") and len(url.split("=", 1)[1]) <= 64
    assert dondoc("invite", "--unit", "nowhere", "--contact", "x").exit_code == 1
    assert dondoc("unlink", "--chat", "42").exit_code == 1


def test_invitations_in_bulk_from_a_csv_all_or_none(dondoc, tmp_path, monkeypatch):
    from sqlmodel import Session, select

    from models.store.db import make_engine
    from models.store.tables import Invitation, Outbox

    good = tmp_path / "contacts.csv"
    good.write_text("unit,contact,channel,address,role\n"
                    "xa-21550,Nguyễn Văn An,zalo,,assignee\n"
                    "xa-21553,Trần Thị Bình,email,binh.tt@example.gov.vn,assignee\n"
                    "xa-21556,Phạm Văn Cường,sms,0912 345 678,head\n"
                    "so-noi-vu,Lê Thị Hoa,telegram,,coordinator\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,contact,channel,address,role\nxa-21550,An,zalo,,assignee\nnowhere,B,email,b@x.vn,assignee\n"
                   "xa-21553,C,sms,not-a-phone,assignee\n", encoding="utf-8")
    refused = dondoc("invite", "--csv", bad)
    assert refused.exit_code == 1
    assert f"{bad}:3: unit: no unit" in refused.output and f"{bad}:4: not a phone number" in refused.output
    monkeypatch.setenv("DONDOC_WEB_SECRET", "test-secret")
    engine = make_engine()
    with Session(engine) as session:
        assert session.exec(select(Invitation)).all() == []  # nothing half-applied
    done = dondoc("invite", "--csv", good)
    assert done.exit_code == 0, done.output
    assert "Zalo pairing code" in done.output and "https://t.me/" in done.output
    with Session(engine) as session:
        assert sorted(i.channel for i in session.exec(select(Invitation))) == ["email", "sms", "telegram", "zalo"]
        assert sorted(r.channel for r in session.exec(select(Outbox))) == ["email", "sms"]


def test_the_dashboard_outcome_and_sms_commands(dondoc):
    from tests.conftest import ROOT

    link = dondoc("web", "login-link", "--unit", "so-noi-vu", "--contact", "Lê Thị Hoa")
    assert link.exit_code == 0 and "/login?token=" in link.stdout
    assert dondoc("web", "login-link", "--unit", "so-noi-vu", "--contact", "x", "--role", "boss").exit_code == 2
    figures = dondoc("outcome", "import", ROOT / "plans" / "outcomes" / "binh-dinh.yaml")
    assert figures.exit_code == 0 and "1 index figure(s) added, 0 replaced for binh-dinh" in figures.stdout
    assert "0 index figure(s) added, 1 replaced" in dondoc("outcome", "import", ROOT / "plans" / "outcomes" / "binh-dinh.yaml").stdout
    usage = dondoc("sms", "usage")
    assert usage.exit_code == 0 and "0 message(s), 0 part(s)" in usage.stdout
    assert dondoc("web", "--help").exit_code == 0 and dondoc("email", "bounces", "/nowhere").exit_code == 1


@pytest.mark.parametrize("args, message", [
    (["open", "--plan", PLAN_ID, "--period", "9999-Q4"], '"9999-Q4": the year must be 1990-2100'),
    (["open", "--plan", PLAN_ID, "--period", "0001-Q1"], '"0001-Q1": the year must be 1990-2100'),
    (["open", "--plan", PLAN_ID, "--period", ""], '"" is not a period (expected'),
    (["open", "--plan", PLAN_ID, "--as-of", "9999-12-31"], "--as-of 9999-12-31: the year must be 1990-2100"),
    (["status", "--plan", PLAN_ID, "--as-of", "9999-12-31"], "the year must be 1990-2100"),
    (["report", "--plan", PLAN_ID, "--period", "2019-Q9", "--format", "xlsx"], '--period "2019-Q9": binh-dinh-53-2019 '
                                                                               "has no obligations in it"),
    (["digest", "--plan", PLAN_ID, "--period", "2019-Q9"], "has no obligations in it"),
])
def test_bad_periods_and_days_are_one_line_errors(dondoc, args, message):
    result = dondoc(*args)
    assert result.exit_code in (1, 2) and message in result.output and "Traceback" not in result.output


def test_dates_as_officials_write_them_version_and_no_silent_overwrite(dondoc, tmp_path):
    iso = dondoc("status", "--plan", PLAN_ID, "--by", "plan", "--as-of", "2019-09-01")
    written = dondoc("status", "--plan", PLAN_ID, "--by", "plan", "--as-of", "01/09/2019")
    assert written.exit_code == 0 and written.stdout == iso.stdout
    assert dondoc("--version").stdout.startswith("dondoc ")
    draft = tmp_path / "draft.yaml"
    draft.write_text("# edited by hand\n", encoding="utf-8")
    refused = dondoc("plan", "import", PLAN_TEXT, "-o", draft)
    assert refused.exit_code == 1 and "exists (perhaps edited by hand)" in refused.stderr
    assert draft.read_text(encoding="utf-8") == "# edited by hand\n"
    assert dondoc("plan", "import", PLAN_TEXT, "-o", draft, "--force").exit_code == 0


def test_report_as_a_word_document(dondoc, tmp_path):
    assert dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3").exit_code == 0
    out = tmp_path / "bao-cao.docx"
    result = dondoc("report", "--plan", PLAN_ID, "--period", "2019-Q3", "--format", "docx", "-o", out)
    assert result.exit_code == 0 and out.read_bytes().startswith(b"PK")  # a .docx is a zip


def test_status_by_level_names_levels_as_officials_do(dondoc):
    dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    by_level = dondoc("status", "--plan", PLAN_ID, "--by", "level", "--as-of", "01/08/2019").stdout
    assert "UBND cấp xã" in by_level and "commune" not in by_level


def test_help_shows_what_to_type_not_python_types():
    import typer

    from cli.main import app as cli

    def commands(group, prefix=()):
        for name, command in group.commands.items():
            yield (*prefix, name)
            if hasattr(command, "commands"):
                yield from commands(command, (*prefix, name))
    for path in commands(typer.main.get_command(cli)):
        shown = runner.invoke(cli, [*path, "--help"], env={"COLUMNS": "200"}).stdout
        assert not re.search(r"<(bool|str|int|path|float)>|<%|--[\w-]+ None\b|\{[a-z_]+\}", shown), (path, shown)


def test_a_missing_database_file_is_an_error_not_a_new_empty_database(tmp_path, monkeypatch):
    missing = tmp_path / "typo.db"
    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{missing}")
    result = runner.invoke(app, ["status", "--plan", PLAN_ID])
    assert result.exit_code == 1 and f"no database at {missing}" in result.stderr and not missing.exists()
    monkeypatch.setenv("DONDOC_DATABASE_URL", "sqlite:///no/such/folder/x.db")  # relative, from another folder
    result = runner.invoke(app, ["status", "--plan", PLAN_ID])
    assert result.exit_code == 1 and "does not exist" in result.stderr and "Traceback" not in result.output
    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{missing}")  # the commands that make databases do
    assert runner.invoke(app, ["plan", "apply", str(PLAN), "--org", str(ORG)]).exit_code == 0 and missing.exists()


def test_days_out_of_range_and_spans_backwards_are_refused_in_one_line(dondoc):
    for args in (("event", "record", "--plan", PLAN_ID, "--task", "2.3", "--date", "9999-12-31"),
                 ("event", "record", "--plan", PLAN_ID, "--task", "2.3", "--date", "0001-01-01"),
                 ("report", "--plan", PLAN_ID, "--from", "31/12/2019", "--to", "01/07/2019", "--format", "xlsx"),
                 ("history", "--plan", PLAN_ID, "--unit", "xa-21550", "--from", "31/12/2019", "--to", "01/07/2019")):
        result = dondoc(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, args
        assert len(result.output.strip().splitlines()) == 1 and "error" in result.output, result.output


def test_status_names_areas_as_the_plan_does(dondoc):
    dondoc("open", "--plan", PLAN_ID, "--period", "2019-Q3")
    by_area = dondoc("status", "--plan", PLAN_ID, "--by", "area", "--as-of", "2019-10-20")
    assert by_area.exit_code == 0 and by_area.stdout.startswith("1. Tham gia của người dân ở cấp cơ sở (")
    assert "binh-dinh-53-2019" not in by_area.stdout
