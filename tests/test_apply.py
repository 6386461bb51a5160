"""`plan apply`: one transaction, idempotent, history kept; the schema comes from Alembic."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

import models.engine.apply
from models.engine.apply import apply_plan
from models.store.tables import Assignment, ClassMember, Event, Plan, Task, Unit
from models.common.yamlio import InputError
from tests.conftest import PLAN


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Unit, ClassMember, Plan, Task, Assignment, Event)}


def test_migrations_build_exactly_the_declared_schema(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_the_schema_head_known_without_alembic_is_alembic_s(engine):
    from alembic.script import ScriptDirectory

    from models.store.db import SCHEMA_HEAD, alembic_config, schema_revision

    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == SCHEMA_HEAD
    assert schema_revision(engine) == SCHEMA_HEAD


def test_apply_loads_plan_and_directory(engine, directory):
    changes = apply_plan(engine, PLAN, directory)
    assert changes
    with Session(engine) as session:
        plan = session.get(Plan, "binh-dinh-53-2019")
        assert plan.coordinator_unit_id == "binh-dinh/so-noi-vu" and plan.applied_at.tzinfo is not None
        task = session.exec(select(Task).where(Task.code == "1.1")).one()
        leads = session.exec(select(Assignment).where(Assignment.task_id == task.id,
                                                      Assignment.role == "lead")).all()
        # Sở Tư pháp + 11 districts + 159 communes
        assert len(leads) == 1 + 11 + 159
        assert {a.phrase for a in leads} == {"Sở Tư pháp", "UBND cấp huyện", "UBND cấp xã"}
    assert counts(engine)["unit"] == len(directory.units)
    assert counts(engine)["event"] == 2  # the directory applied, then the plan (openings re-run per plan)


def test_applying_the_same_files_twice_changes_nothing(engine, directory):
    apply_plan(engine, PLAN, directory)
    before = counts(engine)
    assert apply_plan(engine, PLAN, directory) == []
    assert counts(engine) == before


def test_a_failed_apply_leaves_the_database_as_it_was(engine, directory, monkeypatch):
    apply_plan(engine, PLAN, directory)
    before = counts(engine)
    changed = PLAN.read_text(encoding="utf-8").replace("Định kỳ hằng quý, kind: quarterly",
                                                       "Hằng năm, kind: annual", 1)
    path = PLAN.parent.parent / "tests" / "_changed.yaml"

    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    try:
        path.write_text(changed, encoding="utf-8")
        monkeypatch.setattr(models.engine.apply, "_assignments", crash)  # after units, plan and tasks were written
        with pytest.raises(RuntimeError):
            apply_plan(engine, path, directory)
    finally:
        path.unlink()
    assert counts(engine) == before
    with Session(engine) as session:
        assert session.exec(select(Task).where(Task.code == "1.1")).one().timing_kind == "quarterly"


def test_an_invalid_plan_is_refused_before_touching_the_database(engine, directory, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(PLAN.read_text(encoding="utf-8").replace("Sở Tư pháp, UBND", "Sở Tư Phap, UBND", 1),
                    encoding="utf-8")
    with pytest.raises(InputError):
        apply_plan(engine, path, directory)
    assert counts(engine)["unit"] == 0


def test_a_changed_plan_keeps_history(engine, directory, tmp_path):
    apply_plan(engine, PLAN, directory)
    text = PLAN.read_text(encoding="utf-8")
    start = text.index("  - id: '8.3'")
    path = tmp_path / "changed.yaml"
    path.write_text(text[:start].replace("lead: [Sở Công Thương, Điện lực Bình Định]", "lead: [Sở Công Thương]"),
                    encoding="utf-8")
    changes = apply_plan(engine, path, directory)
    assert any(str(c) == "task 8.3: no longer listed" for c in changes)
    with Session(engine) as session:
        dropped = session.exec(select(Task).where(Task.code == "8.3")).one()
        assert dropped.active is False  # kept for history, not deleted
        task = session.exec(select(Task).where(Task.code == "6.5")).one()
        leads = session.exec(select(Assignment.unit_id).where(Assignment.task_id == task.id,
                                                              Assignment.role == "lead")).all()
        assert leads == ["binh-dinh/so-cong-thuong"]
        assert len(session.exec(select(Event)).all()) == 3  # directory and plan at first, the plan again


def test_migrations_upgrade_a_database_that_already_has_data(tmp_path, directory):
    """0003 adds a NOT NULL column to task: rows applied under 0002 must survive it."""
    from models.store.db import make_engine, upgrade
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO unit (id, directory_id, name, level, active) VALUES ('d/u', 'd', 'U', 'x', 1)")
        conn.exec_driver_sql("INSERT INTO plan (id, number, title, issued_by, issued_on, coordinator_unit_id, "
                             "directory_id, content_hash) VALUES ('p', '1', 't', 'i', '2019-01-01', 'd/u', 'd', 'h')")
        conn.exec_driver_sql("INSERT INTO task (plan_id, code, text, timing_phrase, timing_kind, active) "
                             "VALUES ('p', '1.1', 't', '', 'annual', 1)")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT evidence_required FROM task").scalar() in (0, False)
