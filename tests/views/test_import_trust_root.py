"""The first trust root from the Import screen: trust on first use, shown as such, only
after the operator ticks that the fingerprint was compared; then bundles import."""

from __future__ import annotations

from pathlib import Path

import pytest

import airgap_bundles
from app.errors import NotFound
from app.screens.import_jobs import CONFIRM_FIRST_ROOT, IMPORTED, REJECTED
from app.services import bundles, trust
from tests.views.conftest import sign_in_as
from views.bundles.page import BundlesPage
from views.import_dialog.dialog import ImportReportDialog
from views.import_dialog.first_root import FirstRootDialog

SAMPLES = Path(airgap_bundles.__file__).parent / "samples"


@pytest.fixture
def page(qtbot, gui):
    sign_in_as(gui, "alice")
    page = BundlesPage(gui, media_scan=lambda: ())
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.show()
    return page


def test_first_root_needs_a_confirmed_fingerprint(qtbot, page, site):
    assert page.snapshot.trust_root is None
    assert "No trust root is installed" in page.trust_panel.label.text()
    assert "Import the trust root first" in page.empty_label.text()
    qtbot.waitUntil(lambda: "No removable medium detected" in page.media.state_label.text())
    with qtbot.waitSignal(page.report_shown, timeout=10_000) as shown:
        page.import_files([str(SAMPLES / "trust-root-v1.dsse.json")])
    dialog = shown.args[0]
    assert isinstance(dialog, FirstRootDialog)
    root = dialog.preview
    assert root.version == 1 and root.demo_only
    assert root.digest.startswith("sha256:")
    with pytest.raises(NotFound):  # nothing is installed before the confirmation
        trust.in_force(site)
    assert not dialog.install_button.isEnabled()
    dialog.confirm_box.setChecked(True)
    assert dialog.install_button.isEnabled()
    with qtbot.waitSignal(page.report_shown, timeout=10_000) as shown:
        dialog.install_button.click()
    report = shown.args[0]
    assert isinstance(report, ImportReportDialog)
    assert report.outcome.status == IMPORTED
    assert report.outcome.message == "trust root installed (trust on first use) version 1"
    assert trust.in_force(site).root.digest == root.digest
    qtbot.waitUntil(lambda: page.snapshot.trust_root is not None)
    assert "trust on first use" in page.trust_panel.label.text()


def test_cancelling_the_confirmation_installs_nothing(qtbot, page, site):
    with qtbot.waitSignal(page.report_shown, timeout=10_000) as shown:
        page.import_files([str(SAMPLES / "trust-root-v1.dsse.json")])
    shown.args[0].reject()
    qtbot.waitUntil(lambda: not page.importer.busy)  # idle once the worker has finished
    with pytest.raises(NotFound):
        trust.in_force(site)
    assert page.dialogs == [] or not page.dialogs[-1].isVisible()


def test_a_bundle_before_any_trust_root_is_refused_with_a_message(qtbot, page, site):
    release = SAMPLES / "bundles" / "release-platform-1.2.4.tar.gz"
    with qtbot.waitSignal(page.import_failed, timeout=10_000) as failed:
        page.import_files([str(release)])
    assert "no trust root" in failed.args[0]
    assert bundles.list_bundles(site) == []


def test_a_damaged_trust_root_file_is_rejected(qtbot, page, site, tmp_path):
    damaged = tmp_path / "root.dsse.json"
    damaged.write_bytes((SAMPLES / "trust-root-v1.dsse.json").read_bytes().replace(b'"sig"',
                                                                                   b'"sig0"'))
    with qtbot.waitSignal(page.import_done, timeout=10_000) as done:
        page.import_files([str(damaged)])
    outcome = done.args[0]
    assert outcome.status == REJECTED and outcome.status != CONFIRM_FIRST_ROOT
    assert outcome.rule_title == "The trust root is well formed, self-signed and not expired"
    with pytest.raises(NotFound):
        trust.in_force(site)
