"""`dondoc plan import/validate`: the shipped plan passes, broken YAML gets file:line:field."""

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import ORG, PLAN, PLAN_TEXT

runner = CliRunner()


def dondoc(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_import_then_validate_reports_35_tasks_8_areas_no_errors(tmp_path):
    draft = tmp_path / "x.yaml"
    result = dondoc("plan", "import", PLAN_TEXT, "-o", draft)
    assert result.exit_code == 0, result.output
    result = dondoc("plan", "validate", draft, "--org", ORG, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["ok"], report["areas"], report["tasks"], report["errors"]) == (True, 8, 35, [])
    assert report["needs_decision"] == ["1.2", "3.2", "5.1", "6.2", "6.3", "6.4", "6.5", "6.6",
                                        "7.2", "7.3", "7.4", "8.1", "8.2", "8.3"]
    # for each, what to write: the plan's own phrase kept, a schedule to choose
    hints = {d["field"].split()[1]: d["message"] for d in report["decisions"]}
    assert list(hints) == report["needs_decision"]
    assert 'timing: {phrase: "Theo Kế hoạch của UBND tỉnh", kind: annual, due: "15/12"}' in hints["5.1"]
    assert "kind: window, start:" in hints["1.2"]  # "Trước và trong quá trình bầu cử": a window without dates
    printed = dondoc("plan", "validate", draft, "--org", ORG).stdout
    assert "14 task(s) need an admin decision on timing (not tracked until then):" in printed


def test_the_shipped_plan_is_the_imported_one(tmp_path):
    draft = tmp_path / "x.yaml"
    dondoc("plan", "import", PLAN_TEXT, "-o", draft)
    # ... but for the index each area serves, which the admin added (the plan's text does not say)
    shipped = [line for line in PLAN.read_text(encoding="utf-8").split("\n") if not line.startswith("    serves: ")]
    assert draft.read_text(encoding="utf-8") == "\n".join(shipped)


def _broken(tmp_path, old: str, new: str):
    text = PLAN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(marker: str, path) -> int:
    """1-based line of the last line holding the marker."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return max(i for i, line in enumerate(lines, 1) if marker in line)


@pytest.mark.parametrize("old,new,marker,field,message", [
    ("lead: [Sở Tư pháp, UBND", "lead: [Sở Tư Phap, UBND", "Sở Tư Phap", "tasks[0].lead[0]",
     'unknown "Sở Tư Phap": expected a unit or class from the directory; did you mean "Sở Tư pháp"?'),
    ("- id: '1.2'", "- id: '1.1'", "- id: '1.1'", "tasks[1].id", 'duplicate id "1.1"'),
    ("issued_on: '2019-06-24'", "issued_on: '2019-02-30'", "2019-02-30", "plan.issued_on",
     "Input should be a valid date"),
    ("kind: quarterly}", "kind: quaterly}", "quaterly", "tasks[0].timing.kind", "Input should be"),
    ("    area: '1'\n", "    area: '9'\n", "area: '9'", "tasks[0].area", 'unknown area "9"'),
    ("    text: Tăng cường", "    txet: Tăng cường", "txet:", "tasks[0].txet", "unknown field"),
    ("coordinator: Sở Nội vụ", "coordinator: Sở Nội Vu", "Sở Nội Vu", "plan.coordinator", 'did you mean "Sở Nội vụ"'),
    ("kind: once", "kind: once", None, None, None),
])
def test_broken_plans_get_one_line_errors(tmp_path, old, new, marker, field, message):
    if marker is None:  # a once timing with no date
        path = _broken(tmp_path, "{phrase: Định kỳ hằng quý, kind: quarterly}", "{phrase: Quý III/2022, kind: once}")
        marker, field, message = "kind: once", "tasks[0].timing", "a once timing needs its date"
    else:
        path = _broken(tmp_path, old, new)
    result = dondoc("plan", "validate", path, "--org", ORG, "--json")
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    error = next((e for e in errors if e["field"] == field), None)
    assert error is not None, errors
    assert (error["file"], error["line"], error["field"]) == (str(path), _line_of(marker, path), field)
    assert message in error["message"]
    human = dondoc("plan", "validate", path, "--org", ORG)
    assert human.exit_code == 1 and f"{path}:{error['line']}: {field}:" in human.stderr
    assert "Traceback" not in human.output


def test_removing_a_required_field(tmp_path):
    path = _broken(tmp_path, "    text: Tăng cường thông tin", "    note: Tăng cường thông tin")
    errors = json.loads(dondoc("plan", "validate", path, "--org", ORG, "--json").stdout)["errors"]
    fields = {(e["field"], e["message"]) for e in errors}
    assert ("tasks[0].text", "required field is missing") in fields
    assert all(e["line"] for e in errors)


@pytest.mark.parametrize("content,line,message", [
    ("plan: {id: x\ntasks: []\n", 2, "malformed YAML"),
    ("plan:\n  id: a\n  id: b\n", 3, "malformed YAML: found duplicate key"),
    ("- just\n- a list\n", 1, "expected a mapping at the top"),
    ("\t\tbad: indent", 1, "malformed YAML"),
])
def test_malformed_yaml(tmp_path, content, line, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = dondoc("plan", "validate", path, "--org", ORG, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["errors"][0]
    assert error["line"] == line and message in error["message"]


def test_missing_and_binary_files(tmp_path):
    missing = dondoc("plan", "validate", tmp_path / "nope.yaml", "--org", ORG, "--json")
    assert missing.exit_code == 1 and "file not found" in missing.stdout
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = dondoc("plan", "validate", binary, "--org", ORG, "--json")
    assert result.exit_code == 1 and "not UTF-8" in result.stdout


def test_import_refuses_a_source_it_cannot_read(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_text("Kế hoạch không có bảng\n", encoding="utf-8")
    result = dondoc("plan", "import", source, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and "no responsibility matrix found" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_import_refuses_a_file_that_is_not_utf8(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_bytes("Số TT\nNhiệm vụ\n".encode("utf-8") + "Đơn vi chu tri".encode("utf-16"))
    result = dondoc("plan", "import", source, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and f"{source}:3: not UTF-8" in result.stderr


def test_a_plan_or_directory_over_the_size_limit_is_refused_in_one_line(tmp_path):
    from models.common.yamlio import MAX_INPUT_BYTES

    huge = tmp_path / "huge.yaml"
    huge.write_text("# padding\n" * (MAX_INPUT_BYTES // 10 + 1), encoding="utf-8")
    for args in (["plan", "validate", huge, "--org", ORG], ["org", "validate", huge]):
        result = dondoc(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"{huge}: file too large" in result.output and "the limit is 5 MB" in result.output


def test_line_numbers_come_from_the_file_even_though_it_is_read_fast(tmp_path):
    # The fast reader keeps no lines; a problem's line comes from a second, line-keeping read.
    path = _broken(tmp_path, "coordinator: Sở Nội vụ", "coordinator: Sở Không Có")
    result = dondoc("plan", "validate", path, "--org", ORG)
    assert f"{path}:{_line_of('coordinator: Sở Không Có', path)}: plan.coordinator" in result.output


def test_a_partner_outside_the_directory_is_a_warning_and_a_compound_cells_parts_are_listed(tmp_path, applied):
    """A ministry named only as a coordinating party never stops a plan: warned, kept as text;
    the reports a compound cell asks for are listed as the tasks they become."""
    from sqlmodel import Session, select

    from models.engine.apply import apply_plan
    from models.org.directory import load_directory
    from models.store.tables import Task

    path = _broken(tmp_path, "coordinating: [Các cơ quan thông tấn báo chí]\n    timing: {phrase: Định kỳ hằng quý, "
                             "kind: quarterly}",
                   "coordinating: [Các cơ quan thông tấn báo chí, Bộ Tư pháp]\n    timing: {phrase: 'Thường xuyên, "
                   "hằng quý báo cáo', kind: continuous, then: [{phrase: hằng quý báo cáo, kind: quarterly}]}")
    result = dondoc("plan", "validate", path, "--org", ORG, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (warning,) = [w for w in report["warnings"] if "Bộ Tư pháp" in w["message"]]
    assert warning["field"] == "tasks[0].coordinating[1]" and "never chased" in warning["message"]
    assert report["parts"] == ["1.1-BC: hằng quý báo cáo"]
    human = dondoc("plan", "validate", path, "--org", ORG)
    assert "1 further part(s) opened and chased as tasks of their own:\n  1.1-BC: hằng quý báo cáo" in human.stdout
    apply_plan(applied, path, load_directory(ORG))
    with Session(applied) as session:
        task = session.exec(select(Task).where(Task.code == "1.1")).one()
        assert task.partners == ["Bộ Tư pháp"]
