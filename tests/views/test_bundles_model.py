"""The imported-bundles table model and the trust-root panel, without a site."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.screens.import_jobs import RootPreview, TrustRootView
from app.services.bundles import BundleRow
from views.bundles.model import (
    DIGEST,
    IMPORTED_AT,
    KIND,
    OVERRIDE,
    SIGNERS,
    VERSION,
    BundleFilterProxy,
    BundleTableModel,
)
from views.bundles.trust_panel import NO_ROOT, TrustRootPanel
from views.import_dialog.text import FAILED, PASSED, WARNING

KEY = "50173d94d00479cd98bca66e68c3434ac2aa2d7bcbba276690d224e4d205f475"
NAMES = {KEY: "DEMO-ONLY release-1: sample key from a published seed"}


def row(version: int, at: str, override: str | None = None, kind: str = "release") -> BundleRow:
    digest = f"sha256:{version:02d}" + "ab" * 31
    return BundleRow(kind, "platform", version, f"platform 1.{version}.0", digest, (KEY,),
                     "alice", at, "2030-01-01T00:00:00Z", override)


ROWS = [row(2, "2026-02-18T08:31:00Z"), row(10, "2026-02-18T08:30:00Z"),
        row(1, "2026-02-18T08:32:00Z", "hotfix INC-1234"),
        row(3, "2026-02-18T08:33:00Z", kind="feed-snapshot")]


def test_bundle_model_passes_the_model_tester(qtmodeltester):
    model = BundleTableModel()
    model.set_rows(ROWS, NAMES)
    qtmodeltester.check(model)
    proxy = BundleFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    model.set_rows([])
    qtmodeltester.check(model)


def test_bundle_model_shows_short_values_with_the_full_ones_in_tooltips():
    model = BundleTableModel()
    model.set_rows(ROWS, NAMES)
    first = ROWS[0]
    assert model.index(0, KIND).data() == "Release"
    assert model.index(3, KIND).data() == "Feed"
    assert model.index(3, KIND).data(Qt.ItemDataRole.ToolTipRole) == "Feed snapshot"
    assert model.index(0, SIGNERS).data() == "50173d94d004 (demo release-1)"
    assert KEY in model.index(0, SIGNERS).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, DIGEST).data() == first.manifest_digest[:19] + "…"
    assert model.index(0, DIGEST).data(Qt.ItemDataRole.ToolTipRole) == first.manifest_digest
    assert model.index(0, IMPORTED_AT).data() == "Feb 18 2026, 08:31 UTC"
    assert model.index(0, IMPORTED_AT).data(Qt.ItemDataRole.ToolTipRole) == \
        "Feb 18 2026, 08:31:00 UTC"
    assert model.index(0, OVERRIDE).data() == ""
    assert model.index(0, OVERRIDE).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(2, OVERRIDE).data() == "⚠ hotfix INC-1234"
    assert model.index(2, OVERRIDE).data(Qt.ItemDataRole.ForegroundRole) == QColor(WARNING)
    assert model.row_of(ROWS[2].manifest_digest) == 2 and model.row_of("sha256:none") is None


def test_bundle_proxy_sorts_versions_as_numbers_and_filters_any_column():
    model = BundleTableModel()
    model.set_rows(ROWS, NAMES)
    proxy = BundleFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(VERSION, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, VERSION).data() for r in range(4)] == ["1", "2", "3", "10"]
    proxy.sort(IMPORTED_AT, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, VERSION).data() for r in range(4)] == ["3", "1", "2", "10"]
    proxy.setFilterFixedString("INC-1234")
    assert proxy.rowCount() == 1
    proxy.setFilterFixedString("feed")
    assert proxy.rowCount() == 1


def root_view(days_left: float, method: str = "trust-on-first-use") -> TrustRootView:
    preview = RootPreview(1, "sha256:" + "cd" * 32, "2030-01-01T00:00:00Z",
                          (("release", 1, 1), ("root", 2, 2)), ((KEY, NAMES[KEY]),))
    return TrustRootView(1, preview.digest, "2030-01-01T00:00:00Z", days_left,
                         "2026-02-18T08:30:00Z", "alice", method, preview,
                         ((1, method, "alice", "2026-02-18T08:30:00Z"),))


def test_trust_panel_colours_the_expiry(qtbot):
    panel = TrustRootPanel()
    qtbot.addWidget(panel)
    panel.show_root(None)
    assert panel.label.text() == NO_ROOT
    cases = {1412.6: (PASSED, "1412 days left"), 12.2: (WARNING, "12 days left"),
             0.5: (WARNING, "expires today"), -3: (FAILED, "EXPIRED")}
    for days, (colour, words) in cases.items():
        panel.show_root(root_view(days))
        text = panel.label.text()
        assert f"color:{colour}; font-weight:bold'>expires Jan 01 2030" in text
        assert words in text
    assert "trust on first use" in text and "DEMO-ONLY keys" in text
    assert "release 1 of 1 key · root 2 of 2 keys" in text
    assert "sha256:" + "cd" * 32 in panel.label.toolTip()
    panel.show_root(root_view(400, "rotation"))
    assert "rotation signed by the previous root" in panel.label.text()
