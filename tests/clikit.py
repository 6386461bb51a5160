"""The `dondoc` command on a SQLite file with the Bình Định plan applied, for tests of commands."""

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


@pytest.fixture
def dondoc(tmp_path, monkeypatch):
    from tests.conftest import ORG, PLAN

    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*args):
        return runner.invoke(app, [str(a) for a in args])
    assert run("plan", "apply", PLAN, "--org", ORG).exit_code == 0
    return run
