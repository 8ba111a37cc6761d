"""The dependency rule of DESIGN §2 and the rooms of docs/ARCHITECTURE.md.

Layers: arrows only point down ``views → app → {airgap_bundles, models} → engine``.
Rooms inside ``app``: Qt only in the Qt bridge (``app/qt/``) and the GUI bootstrap; the
screen loaders (``app/screens/``) have no Qt and no SQL; SQL lives in ``models/`` and the
services (``app/services/``), plus the few files named in ``SQL_ELSEWHERE`` with the reason.
Each room names what it must never import; the most specific room of a file applies.
No room imports what only develops the product (``devkit/``, ``tests/``, ``bench/``,
``scripts/``): none of it is shipped.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "shiboken6")
SQL = ("sqlalchemy", "alembic")
LAYERS = ("engine", "models", "airgap_bundles", "app", "views", "resources")
# What develops the product and is never shipped: no product room may import it.
DEVELOPMENT = ("devkit", "tests", "bench", "scripts")


@dataclass(frozen=True)
class Room:
    """A folder (or file) and the modules its code must never import (dotted prefixes)."""

    path: str
    forbidden: frozenset[str]
    why: str


def room(path: str, why: str, *forbidden: str) -> Room:
    return Room(path, frozenset(forbidden) | frozenset(DEVELOPMENT), why)


# Most specific first: a file belongs to the first room whose path it starts with.
ROOMS = (
    room("engine/", "pure rules: no I/O frameworks, no one above it",
         *QT, *SQL, "app", "views", "models", "airgap_bundles"),
    room("models/", "tables and queries; knows nothing of the app or the screens",
         *QT, "app", "views", "airgap_bundles"),
    room("airgap_bundles/", "bundle formats, read and written without a database",
         *QT, *SQL, "app", "views", "models"),
    room("resources/", "icons and styles only", *SQL, "app", "views", "models", "engine",
         "airgap_bundles"),
    room("views/", "widgets: talk to app (loaders, services, the Qt bridge), never SQL",
         *SQL, "models", "airgap_bundles"),
    room("app/gui.py", "the GUI bootstrap: builds the window, may use every room"),
    room("app/qt/", "the Qt bridge: workers, operations, change signals; knows no widget",
         *SQL, "views"),
    room("app/screens/", "screen loaders: plain Python read by workers, tests and the CLI",
         *QT, *SQL, "views", "app.qt"),
    room("app/services/", "the use cases: may use SQL; never Qt, a screen or a loader",
         *QT, "views", "app.qt", "app.screens"),
    room("app/", "the rest of the application (cli, executor, steps, drivers, agent, deploy)",
         *QT, *SQL, "views", "app.qt"),
)

# Files outside models/ and app/services/ that use SQLAlchemy, each with the reason.
SQL_ELSEWHERE = {
    "app/context.py": "the site opens its database (saying so when it cannot) and reads its "
                      "own row",
    "app/boundary.py": "turns a database error into a sentence (catches SQLAlchemy's errors)",
}
# Files outside views/, app/gui.py and app/qt/ that may import the Qt bridge, with the reason.
QT_BRIDGE_ELSEWHERE = {
    "app/cli/commands.py": "stella export hands the PDF report renderer to the export, "
                           "imported only when a report is made",
}
EXCEPTIONS = {path: {*SQL} for path in SQL_ELSEWHERE} | {
    path: {"app.qt"} for path in QT_BRIDGE_ELSEWHERE}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports (also inside functions), ``from a import b``
    counted as both ``a`` and ``a.b`` (``b`` may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def room_of(relative: str) -> Room | None:
    return next((r for r in ROOMS if relative.startswith(r.path)), None)


def _matches(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


def sources(root: Path, layer: str) -> list[Path]:
    return sorted(p for p in (root / layer).rglob("*.py") if "migrations/versions" not in str(p))


def violations(root: Path = ROOT, layers: tuple[str, ...] = LAYERS) -> list[str]:
    found = []
    for layer in layers:
        for path in sources(root, layer):
            relative = path.relative_to(root).as_posix()
            home = room_of(relative)
            assert home is not None, f"{relative} is in no room"
            allowed = EXCEPTIONS.get(relative, set())
            bad = {m for m in imported_modules(path)
                   if any(_matches(m, f) for f in home.forbidden)
                   and not any(_matches(m, a) for a in allowed)}
            # ``from a import b`` is reported once, as ``a``, not again as ``a.b``
            found += [f"{relative} imports {m} ({home.path}: {home.why})" for m in bad
                      if not any(m.startswith(other + ".") for other in bad)]
    return sorted(found)


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_and_room_rules(layer):
    assert violations(layers=(layer,)) == []


def test_each_exception_is_still_needed():
    """The named exceptions only shrink: one whose file no longer needs it must go."""
    for path, allowed in EXCEPTIONS.items():
        modules = imported_modules(ROOT / path)
        assert any(_matches(m, a) for m in modules for a in allowed), \
            f"{path} no longer imports {sorted(allowed)}: remove it from the exceptions"


def test_views_are_imported_only_by_app_gui():
    for layer in ("engine", "models", "airgap_bundles", "resources", "app"):
        for path in sources(ROOT, layer):
            if path.relative_to(ROOT).as_posix() == "app/gui.py":
                continue
            assert not any(m.split(".")[0] == "views" for m in imported_modules(path)), path


def qt_free_bridge_files(root: Path = ROOT) -> list[str]:
    """Files of the Qt bridge that use no Qt: they are screen loaders (app/screens/)."""
    return sorted(p.relative_to(root).as_posix() for p in sources(root, "app/qt")
                  if p.name != "__init__.py"
                  and not any(m.split(".")[0] in QT for m in imported_modules(p)))


def test_the_qt_bridge_holds_only_qt_code(tmp_path):
    assert qt_free_bridge_files() == []
    (tmp_path / "app" / "qt").mkdir(parents=True)
    (tmp_path / "app" / "qt" / "loader.py").write_text("from app.services import gate\n",
                                                       encoding="utf-8")
    assert qt_free_bridge_files(tmp_path) == ["app/qt/loader.py"]

def screens_opening_sessions(root: Path = ROOT) -> list[str]:
    """Screen loaders that open a database transaction themselves (``site.db.read()``):
    what they read is a service's or a ``models/`` query's job."""
    found = []
    for path in sources(root, "app/screens"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("read", "write")
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "db"):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return sorted(found)


def test_screen_loaders_open_no_transaction(tmp_path):
    assert screens_opening_sessions() == []
    (tmp_path / "app" / "screens").mkdir(parents=True)
    (tmp_path / "app" / "screens" / "probe.py").write_text(
        "def load(site):\n    with site.db.read() as session:\n        return session\n",
        encoding="utf-8")
    assert screens_opening_sessions(tmp_path) == ["app/screens/probe.py:2"]

def private_imports(root: Path = ROOT, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """``from a.b import _name`` where ``a.b`` is not the importing file's own package:
    a private name used across packages (make it public where it is defined)."""
    found = []
    for layer in layers:
        for path in sources(root, layer):
            relative = path.relative_to(root).as_posix()
            package = relative.rsplit("/", 1)[0].replace("/", ".")
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                    continue
                owner = node.module.rsplit(".", 1)[0]
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and owner != package and node.module != package:
                        found.append(f"{relative} imports {node.module}.{alias.name}")
    return sorted(found)


def test_no_private_name_crosses_a_package():
    assert private_imports() == []


def test_the_private_check_catches_a_planted_import(tmp_path):
    (tmp_path / "app" / "services").mkdir(parents=True)
    (tmp_path / "app" / "services" / "ok.py").write_text(
        "from app.services.promotions import _load\n", encoding="utf-8")  # same package
    (tmp_path / "app" / "executor.py").write_text(
        "from app.services.promotions import _load\n", encoding="utf-8")
    assert private_imports(tmp_path, ("app",)) == [
        "app/executor.py imports app.services.promotions._load"]

PLANTED = {
    "engine/probe.py": "import PySide6.QtCore\nfrom sqlalchemy import select\n",
    "app/screens/probe.py": "from sqlalchemy import select\nfrom app.qt import worker\n",
    "app/services/probe.py": "from app.screens.snapshots import load_run_snapshot\n",
    "app/cli/probe.py": "def later():\n    from PySide6.QtWidgets import QApplication\n",
    "views/probe.py": "from models.tables import Promotion\n",
    "models/probe.py": "import app.services\n",
    "app/drivers/probe.py": "from devkit.doubles import InstantStep\n",
    # allowed: these must not be reported
    "app/qt/ok.py": "from PySide6.QtCore import QObject\nfrom app.screens import session\n",
    "app/services/ok.py": "from sqlalchemy import select\nfrom engine.clock import rfc3339\n",
    "views/ok.py": "from PySide6.QtWidgets import QWidget\nfrom app.qt.worker import Worker\n",
}


def test_the_check_catches_a_planted_bad_import(tmp_path):
    for relative, text in PLANTED.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    found = [line.split(" (")[0] for line in violations(tmp_path)]
    assert found == [
        "app/cli/probe.py imports PySide6.QtWidgets",
        "app/drivers/probe.py imports devkit.doubles",
        "app/screens/probe.py imports app.qt",
        "app/screens/probe.py imports sqlalchemy",
        "app/services/probe.py imports app.screens.snapshots",
        "engine/probe.py imports PySide6.QtCore",
        "engine/probe.py imports sqlalchemy",
        "models/probe.py imports app.services",
        "views/probe.py imports models.tables",
    ]
