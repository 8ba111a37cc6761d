"""The dependency rule of DESIGN §2: arrows only point down
``views → app → {airgap_bundles, models} → engine``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "shiboken6")
SQL = ("sqlalchemy", "alembic")

# layer -> top-level names it must never import
FORBIDDEN = {
    "engine": {*QT, *SQL, "app", "views", "models", "airgap_bundles"},
    "models": {*QT, "app", "views", "airgap_bundles"},
    "airgap_bundles": {*QT, *SQL, "app", "views", "models"},
    "app": set(),
    # views talk to app (services, the Qt bridge); engine values may pass through them
    "views": {*SQL, "models", "airgap_bundles"},
    "resources": {"app", "views", "models", "engine", "airgap_bundles", *SQL},
}
# Inside app/, only the GUI bootstrap and the Qt bridge may touch Qt or views
# (views are imported by app only, DESIGN §2).
APP_QT_ALLOWED = ("app/gui.py", "app/qt/")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(layer: str) -> list[Path]:
    return sorted(p for p in (ROOT / layer).rglob("*.py") if "migrations/versions" not in str(p))


def violations(layer: str) -> list[str]:
    found = []
    for path in sources(layer):
        relative = path.relative_to(ROOT).as_posix()
        forbidden = set(FORBIDDEN[layer])
        if layer == "app" and not relative.startswith(APP_QT_ALLOWED):
            forbidden |= {*QT, "views"}
        for module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{relative} imports {module}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_rule(layer):
    assert violations(layer) == []


def test_views_are_imported_only_by_app_gui():
    for layer in ("engine", "models", "airgap_bundles", "resources"):
        for path in sources(layer):
            assert not any(m.split(".")[0] == "views" for m in imported_modules(path)), path


def test_the_check_catches_a_wrong_arrow(tmp_path, monkeypatch):
    bad = ROOT / "engine" / "_layer_probe_tmp.py"
    bad.write_text("import PySide6.QtCore\nfrom sqlalchemy import select\n", encoding="utf-8")
    try:
        assert len(violations("engine")) == 2
    finally:
        bad.unlink()
