"""The Import screen end to end on a real site: drop a sample bundle on the main window,
see the report and the bundle in the list; a tampered one names its rule; the audited
version override; cancel leaves nothing; a role that may not import gets a message."""

from __future__ import annotations

import gzip
import io
import tarfile
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

import airgap_bundles
from app.screens import import_jobs
from app.screens.import_jobs import CANCELLED, IMPORTED, REJECTED, BundleFile, MediumBundles
from app.services import bundles, trust
from tests.views.conftest import sign_in_as
from views.bundles.model import LABEL, OVERRIDE, VERSION
from views.bundles.page import BundlesPage
from views.import_dialog.dialog import ImportReportDialog
from views.import_dialog.text import WARNING
from views.main_window.navigation import BUNDLES

SAMPLES = Path(airgap_bundles.__file__).parent / "samples"
RC1 = SAMPLES / "bundles" / "release-platform-1.3.0-rc1.tar.gz"
OLD = SAMPLES / "bundles" / "release-platform-1.2.4.tar.gz"
FEED = SAMPLES / "bundles" / "feed-osv-2026-02-18.tar.zst"


@pytest.fixture
def site(site):
    """The per-test site with the sample trust root v1 installed (trust on first use)."""
    trust.install_first(site, (SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    return site


def tampered(source: Path, target: Path, member: str = "release.json") -> Path:
    """A copy of a sample bundle with one byte flipped inside ``member``."""
    raw = gzip.decompress(source.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        offset = archive.getmember(member).offset_data
    flipped = bytearray(raw)
    flipped[offset + 5] ^= 0x01
    target.write_bytes(gzip.compress(bytes(flipped), mtime=0))
    return target


def drop_files(window, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()


def report_after(qtbot, page: BundlesPage, start) -> ImportReportDialog:
    with qtbot.waitSignal(page.report_shown, timeout=10_000) as shown:
        start()
    dialog = shown.args[0]
    assert isinstance(dialog, ImportReportDialog)
    return dialog


def store_is_empty(site) -> bool:
    folder = site.paths.store / "bundles"
    staging = site.paths.staging
    return (not folder.exists() or not any(folder.iterdir())) and \
        (not staging.exists() or not any(staging.iterdir()))


def test_dropping_a_sample_bundle_imports_it_and_shows_the_report(qtbot, window, site):
    page = window.navigate(BUNDLES)  # the page loads when it is first shown
    qtbot.waitUntil(lambda: page.snapshot is not None)
    assert "Trust root version 1" in page.trust_panel.label.text()
    assert "trust on first use" in page.trust_panel.label.text()
    window.navigate("promotions")
    with qtbot.waitSignal(window.ctx.changes.changed, timeout=10_000,
                          check_params_cb=lambda change: bool(change.changes.bundles)) as change:
        dialog = report_after(qtbot, page, lambda: drop_files(window, [RC1]))
    assert change.args[0].changes.bundles == {"release"}
    assert change.args[0].changes.promotion_list  # screens listing releases refresh too
    assert window.current_page() is page is window.pages[BUNDLES]
    assert dialog.outcome.status == IMPORTED
    assert "✓ Imported" in dialog.headline.text()
    assert dialog.summary_fields["Label"].text() == "<b>platform 1.3.0-rc1</b>"
    assert "DEMO-ONLY release-1" in dialog.summary_fields["Signed by"].text()
    digest = dialog.outcome.summary.manifest_digest
    assert digest in dialog.summary_fields["Manifest digest"].text()
    text = dialog.checks_view.toPlainText()
    assert "✗" not in text and text.count("✓") == len(dialog.outcome.checks) >= 12
    assert dialog.allow_older_button is None
    qtbot.waitUntil(lambda: page.model.row_of(digest) is not None)
    row = page.model.row_of(digest)
    assert page.model.index(row, LABEL).data() == "platform 1.3.0-rc1"
    assert page.model.index(row, VERSION).data() == "2"
    assert [r.manifest_digest for r in bundles.list_bundles(site)] == [digest]
    assert not page.progress_frame.isVisible()


def test_a_tampered_bundle_is_rejected_with_its_rule(qtbot, window, site, tmp_path):
    bad = tampered(OLD, tmp_path / "release-platform-1.2.4.tar.gz")
    page = window.bundles
    dialog = report_after(qtbot, page, lambda: drop_files(window, [bad]))
    outcome = dialog.outcome
    assert outcome.status == REJECTED and outcome.rule == "digest-mismatch"
    assert "✗ Rejected: Every member matches its signed digest" in dialog.headline.text()
    assert "nothing from it was imported" in dialog.headline.text()
    assert "release.json" in dialog.reason.text()
    marks = [c for c in dialog.checks_view.toPlainText() if c in "✓✗"]
    assert marks[-1] == "✗" and marks.count("✗") == 1  # the failing check comes last
    assert len(marks) == len(outcome.checks) >= 9  # the checks that passed are listed too
    assert dialog.allow_older_button is None
    assert "rejected" in page.status_label.text()
    assert bundles.list_bundles(site) == [] and store_is_empty(site)


def test_older_version_needs_a_reason_and_the_override_shows_in_the_list(qtbot, window, site):
    page = window.bundles
    first = report_after(qtbot, page, lambda: page.import_files([str(RC1)]))
    first.close()
    rejected = report_after(qtbot, page, lambda: page.import_files([str(OLD)]))
    assert rejected.outcome.rule == "version-not-newer"
    assert "Newer than the last import" in rejected.headline.text()
    button = rejected.allow_older_button
    assert button is not None and button.isVisibleTo(rejected)
    button.click()
    reason_dialog = rejected.reason_dialog
    ok = reason_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    reason_dialog.reason_edit.setText("   ")
    assert not ok.isEnabled()
    reason_dialog.reason_edit.setText("roll back to 1.2.4 after INC-1234")
    assert ok.isEnabled()
    accepted = report_after(qtbot, page, ok.click)
    summary = accepted.outcome.summary
    assert accepted.outcome.status == IMPORTED
    assert summary.override_reason == "roll back to 1.2.4 after INC-1234"
    assert summary.overridden_version == 2
    assert "older version accepted" in accepted.summary_fields["Override"].text()
    qtbot.waitUntil(lambda: page.model.row_of(summary.manifest_digest) is not None)
    index = page.model.index(page.model.row_of(summary.manifest_digest), OVERRIDE)
    assert index.data() == "⚠ roll back to 1.2.4 after INC-1234"
    assert index.data(Qt.ItemDataRole.ForegroundRole) == QColor(WARNING)


def test_cancel_imports_nothing(qtbot, window, site, monkeypatch):
    real = bundles.import_bundle
    cancelled = threading.Event()

    def held(site_, path, actor, *, progress, cancel, **kw):
        def report(done: int, total: int) -> None:
            progress(done, total)
            cancelled.wait(10)  # hold the hashing until the test pressed Cancel

        return real(site_, path, actor, progress=report, cancel=cancel, **kw)

    monkeypatch.setattr(import_jobs.bundles, "import_bundle", held)
    page = window.navigate(BUNDLES)
    with qtbot.waitSignal(page.importer.progress, timeout=10_000):
        page.import_files([str(FEED)])
    assert page.progress_frame.isVisible() and page.cancel_button.isEnabled()
    assert "hashed" in page.progress_bar.format()
    with qtbot.waitSignal(page.import_done, timeout=10_000) as done:
        page.cancel_button.click()
        cancelled.set()
    assert done.args[0].status == CANCELLED
    assert "import cancelled; nothing was imported" in page.status_label.text()
    assert page.dialogs == []
    qtbot.waitUntil(lambda: not page.progress_frame.isVisible())
    assert bundles.list_bundles(site) == [] and store_is_empty(site)


def test_a_role_that_may_not_import_gets_a_message(qtbot, window, site):
    sign_in_as(window, "audrey")
    page = window.bundles
    with qtbot.waitSignal(window.errors.presented, timeout=10_000) as shown:
        page.import_files([str(RC1)])
    assert "audrey is 'auditor' and may not import bundles" in shown.args[0]
    assert "may not import bundles" in page.status_label.text()
    assert page.dialogs == [] and bundles.list_bundles(site) == []


def test_a_file_on_a_removable_medium_imports_with_one_click(qtbot, gui, site, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / FEED.name).write_bytes(FEED.read_bytes())
    (stick / "notes.txt").write_text("not a bundle")
    media = (MediumBundles("BUNDLES", str(stick), 1 << 30, 2 << 30,
                           import_jobs.bundle_files(stick)),)
    sign_in_as(gui, "olga")  # an operator may import too
    page = BundlesPage(gui, media_scan=lambda: media)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.media.scanned, timeout=10_000):
        page.show()
    assert list(page.media.file_buttons) == [str(stick / FEED.name)]
    button = page.media.file_buttons[str(stick / FEED.name)]
    dialog = report_after(qtbot, page, button.click)
    assert dialog.outcome.summary.kind == "feed-snapshot"
    assert "307 records" in dialog.outcome.summary.label
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)


def test_media_scan_lists_top_level_bundle_files(tmp_path):
    from airgap_bundles.media import Medium

    stick = tmp_path / "stick"
    (stick / "deeper").mkdir(parents=True)
    for name in ("a.tar", "b.tar.gz", "c.tar.zst", "root.dsse.json", "d.zip", "e.json"):
        (stick / name).write_bytes(b"x")
    (stick / "deeper" / "f.tar").write_bytes(b"x")
    medium = Medium(stick, "/dev/sdz1", "STICK", "vfat", True, 100, 50)
    gone = Medium(tmp_path / "gone", "/dev/sdy1", "", "vfat", True, 0, 0)
    found = import_jobs.scan_media(lambda: [medium, gone])
    assert [f.name for f in found[0].files] == ["a.tar", "b.tar.gz", "c.tar.zst",
                                                "root.dsse.json"]
    assert found[0].files[0] == BundleFile(str(stick / "a.tar"), "a.tar", 1)
    assert found[1].files == () and "cannot list" in found[1].error


def test_a_trust_root_file_rotates_the_root(qtbot, window, site):
    page = window.bundles
    dialog = report_after(qtbot, page,
                          lambda: drop_files(window, [SAMPLES / "trust-root-v2.dsse.json"]))
    assert dialog.outcome.status == IMPORTED
    assert dialog.outcome.message == "trust root rotated to version 2"
    qtbot.waitUntil(lambda: page.snapshot is not None and page.snapshot.trust_root is not None
                    and page.snapshot.trust_root.version == 2)
    text = page.trust_panel.label.text()
    assert "Trust root version 2" in text and "rotation signed by the previous root" in text
    assert trust.in_force(site).root.version == 2


def test_overriding_onto_the_very_same_bundle_is_refused_with_its_own_rule(qtbot, site):
    from app.qt.worker import TaskControl, WorkerSignals

    control = TaskControl(WorkerSignals())
    first = import_jobs.run_import(site, import_jobs.ImportRequest(str(RC1)), "alice", control)
    assert first.status == IMPORTED
    again = import_jobs.ImportRequest(str(RC1), allow_older_reason="try it again")
    outcome = import_jobs.run_import(site, again, "alice", control)
    assert outcome.status == REJECTED and outcome.rule == "already-imported"
    assert outcome.rule_title == "This exact bundle has not been imported before"
    assert [c.passed for c in outcome.checks][-1] is False  # every verification check passed
    assert all(c.passed for c in outcome.checks[:-1]) and not outcome.can_allow_older
    assert "already imported" in outcome.message and len(bundles.list_bundles(site)) == 1
