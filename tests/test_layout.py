"""The code's rooms import one way: models' rooms only the rooms below them, models nothing
outside models, web never bots, and no two modules import each other."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ["common", "store", "calendar", "org", "plans", "engine", "access", "chase", "report"]  # bottom first
TOP = {"models": 0, "web": 1, "bots": 1, "flows": 2, "cli": 3}
MAY_NOT = {("web", "bots")}  # same layer, one direction: bots' stand-ins and serve may use web, never the reverse


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    """Every dondoc module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name.split(".")[0] in TOP}


def graph() -> dict[str, set[str]]:
    files = [p for top in TOP for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts]
    known = {module_of(p) for p in files}
    return {module_of(p): {m for m in imports(p) if m in known} - {module_of(p)} for p in files}


def room(module: str) -> int:
    parts = module.split(".")
    return ROOMS.index(parts[1]) if parts[0] == "models" and len(parts) > 2 and parts[1] in ROOMS else -1


def test_every_model_module_lives_in_a_room():
    loose = [p.name for p in (ROOT / "models").glob("*.py") if p.name != "__init__.py"]
    assert loose == [] and sorted(p.name for p in (ROOT / "models").iterdir() if p.is_dir()
                                  and p.name != "__pycache__") == sorted(ROOMS)


def test_rooms_import_downward_only():
    upward = []
    for module, targets in graph().items():
        top = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if TOP[other] > TOP[top] or (top, other) in MAY_NOT:
                upward.append(f"{module} -> {target}")
            elif top == other == "models" and room(target) > room(module):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_two_modules_import_each_other():
    edges = graph()
    pairs = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert pairs == []
