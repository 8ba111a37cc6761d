"""Auditor mode: an export verified offline, every check per item, green or red —
with no site at all, only the files an auditor was handed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from tests.support import exporting
from tests.support.factories import make_site, who
from tests.views.evidence_helpers import extract, flip_byte, install_trust_root, promotion
from views.auditor.model import GREEN, ITEM, RED, RESULT, AuditTreeModel
from views.auditor.view import AuditorView
from views.auditor.window import AuditorWindow

GATE = "evidence/03-gate-eval/policy-decision.dsse.json"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(qapp, tmp_path_factory):
    """One sealed run exported once as an auditor bundle (whole and split), read-only."""
    root = tmp_path_factory.mktemp("audit")
    site = make_site(root / "home")
    try:
        install_trust_root(site)
        pid = promotion(site)
        whole, split = root / "whole", root / "split"
        whole.mkdir()
        split.mkdir()
        outcome = exporting.export(site, pid, "auditor", whole, who(site, "audrey"))
        parts = exporting.export(site, pid, "auditor", split, who(site, "audrey"),
                                 split_size=20_000)
    finally:
        site.close()
    return {"archive": whole / outcome.files.archive.name,
            "first_part": split / parts.files.parts[0].name, "root": root, "pid": pid}


def _verified(qtbot, view: AuditorView, path) -> object:
    with qtbot.waitSignal(view.verified, timeout=20_000) as done:
        view.verify(path)
    return done.args[0]


def _item_colour(model: AuditTreeModel, name: str) -> str:
    from PySide6.QtCore import Qt

    row = model.item_row(name)
    return model.index(row, RESULT).data(Qt.ItemDataRole.ForegroundRole).name()


def test_a_good_bundle_is_all_green(qtbot, bundle):
    view = AuditorView()
    qtbot.addWidget(view)
    result = _verified(qtbot, view, bundle["archive"])
    assert result.ok and result.failed == 0
    assert view.banner.text().startswith("✓ VERIFIED — all")
    assert "#2e7d32" in view.banner.styleSheet()
    model = view.model
    assert model.rowCount() == len(result.items) > 20
    results = {model.index(r, RESULT).data() for r in range(model.rowCount())}
    assert results <= {"✓ pass", "· note"}
    assert _item_colour(model, GATE) == GREEN
    gate = model.index(model.item_row(GATE), 0)
    levels = [model.index(r, ITEM, gate).data() for r in range(model.rowCount(gate))]
    assert levels == ["file digest", "DSSE signature", "log inclusion"]
    facts = dict(result.facts)
    assert facts["promotion"] == bundle["pid"]
    assert facts["checkpoint"].endswith(" entries")  # evidence and every run event are entries
    assert facts["release"].startswith("platform 1.3.0-rc1 sha256:")
    assert {roles for _, roles in result.keys} >= {"site", "log"}
    assert "Signer key:" in [view.facts.itemAt(i, view.facts.ItemRole.LabelRole).widget().text()
                             for i in range(view.facts.rowCount())]


def test_one_flipped_byte_shows_the_failing_file_in_red(qtbot, bundle, tmp_path):
    folder = extract(bundle["archive"], tmp_path / "extracted")
    flip_byte(folder / GATE)
    view = AuditorView()
    qtbot.addWidget(view)
    result = _verified(qtbot, view, folder)
    assert not result.ok
    assert GATE in result.failing_items
    assert view.banner.text().startswith("✗ NOT VERIFIED")
    assert GATE in view.banner.text()
    model = view.model
    row = model.item_row(GATE)
    assert model.index(row, RESULT).data() == "✗ FAIL"
    assert _item_colour(model, GATE) == RED
    assert "differs from index.json" in model.index(row, 3).data()
    assert view.tree.isExpanded(model.index(row, 0))  # failures open by themselves
    assert _item_colour(model, "index.json") == GREEN
    view.only_failures.setChecked(True)
    assert sorted(model.item(r).name for r in range(model.rowCount())) == \
        sorted(result.failing_items)


def test_a_damaged_archive_names_the_archive(qtbot, bundle, tmp_path):
    damaged = tmp_path / bundle["archive"].name
    shutil.copyfile(bundle["archive"], damaged)
    flip_byte(damaged, offset=damaged.stat().st_size // 2)
    view = AuditorView()
    qtbot.addWidget(view)
    result = _verified(qtbot, view, damaged)
    assert result.failing_items == (damaged.name,)
    assert _item_colour(view.model, damaged.name) == RED


def test_split_parts_verify_and_reassemble(qtbot, bundle, tmp_path):
    view = AuditorView()
    qtbot.addWidget(view)
    result = _verified(qtbot, view, bundle["first_part"])
    assert result.ok and result.split
    assert view.reassemble_button.isEnabled()
    with qtbot.waitSignal(view.reassembled, timeout=20_000) as joined:
        view.reassemble_into(str(tmp_path))
    assert _verified(qtbot, view, joined.args[0]).ok


def test_a_pinned_key_of_another_site_is_refused(qtbot, bundle):
    view = AuditorView()
    qtbot.addWidget(view)
    view.pin_edit.setText("ab" * 32)
    result = _verified(qtbot, view, bundle["archive"])
    assert not result.ok
    assert "another site" in " ".join(c.message for i in result.items for c in i.checks)


def test_the_window_opens_a_bundle_with_no_site_and_saves_the_report(qtbot, bundle, tmp_path,
                                                                     monkeypatch):
    window = AuditorWindow()
    qtbot.addWidget(window)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bundle["archive"]), "")))
    with qtbot.waitSignal(window.view.verified, timeout=20_000):
        window.view.open_file_button.click()
    assert window.windowTitle().startswith("✓ " + bundle["archive"].name)
    report = tmp_path / "report.txt"
    window.view.save_report(str(report))
    qtbot.waitUntil(lambda: report.exists())
    assert report.read_text(encoding="utf-8").splitlines()[-1].startswith("VERIFIED")


def test_the_file_menu_opens_auditor_mode_beside_the_site(qtbot, window, bundle):
    auditor = window.evidence_pages.open_auditor_window(str(bundle["archive"]))
    qtbot.addWidget(auditor)
    qtbot.waitUntil(lambda: auditor.view.result is not None, timeout=20_000)
    assert auditor.view.result.ok
    assert auditor.view.result.path == str(bundle["archive"])


AUDIT_ONLY = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from views.auditor.window import AuditorWindow
window = AuditorWindow()
window.view.verified.connect(lambda result: (print("ok" if result.ok else "failed"), app.quit()))
window.view.verify(sys.argv[1])
app.exec()
window.close()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "models")
                or m in ("app.context", "app.site"))
print("loaded:", ",".join(loaded))
"""


def test_auditor_mode_never_loads_the_data_layer(bundle):
    """Run in a fresh process: auditor mode works with no site and imports no database code."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", AUDIT_ONLY, str(bundle["archive"])], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "loaded:"]


def test_stella_gui_audit_opens_auditor_mode_alone(bundle, tmp_path):
    """``stella gui --audit PATH`` with no site anywhere: the auditor window only."""
    env = {**os.environ, "STELLA_HOME": str(tmp_path / "no-site-here"),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.support.gui_audit_driver",
                           str(bundle["archive"])], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "verified ok=True" in done.stdout
    assert not (tmp_path / "no-site-here").exists()
