"""The Evidence section of the navigation (seed §14.1): its pages, built on demand and
linked — a packet or proof chain leads to its promotion's timeline, an export to
auditor mode — and the stand-alone auditor window of the File menu."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from app.qt.context import GuiContext
from views.auditor.window import AuditorWindow

EVIDENCE = "evidence"
PACKETS = "evidence-packets"
PROOF_CHAINS = "proof-chains"
EXPORT_CENTER = "export-center"
BUNDLES = "evidence-bundles"
KEYS = frozenset({EVIDENCE, PACKETS, PROOF_CHAINS, EXPORT_CENTER, BUNDLES})


class EvidencePages(QObject):
    def __init__(self, ctx: GuiContext, navigate: Callable[[str], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._navigate = navigate
        self.pages: dict[str, QWidget] = {}
        self.auditor_windows: list[AuditorWindow] = []

    def page(self, key: str) -> QWidget | None:
        """The page for navigation ``key``, or None when the key is not an Evidence page."""
        if key not in KEYS:
            return None
        if key not in self.pages:
            self.pages[key] = self._build(key)
        return self.pages[key]

    def _build(self, key: str) -> QWidget:
        from views.evidence.bundles_page import EvidenceBundlesPage
        from views.evidence.export_center_page import ExportCenterPage
        from views.evidence.packets_page import PacketsPage
        from views.evidence.page import EvidencePage
        from views.evidence.proof_chains_page import ProofChainsPage

        if key == EVIDENCE:
            return EvidencePage(self.ctx)
        if key == BUNDLES:
            return EvidenceBundlesPage(self.ctx)
        page: QWidget
        if key == PACKETS:
            page = PacketsPage(self.ctx)
        elif key == PROOF_CHAINS:
            page = ProofChainsPage(self.ctx)
        else:
            page = ExportCenterPage(self.ctx)
            page.audit_requested.connect(self.audit)
        page.timeline_requested.connect(self.show_timeline)
        return page

    def show_timeline(self, promotion_id: str) -> None:
        self._navigate(EVIDENCE)
        self.page(EVIDENCE).show_promotion(promotion_id)  # type: ignore[union-attr]

    def audit(self, path: str) -> None:
        self._navigate(BUNDLES)
        self.page(BUNDLES).verify(path)  # type: ignore[union-attr]

    def open_auditor_window(self, path: str | None = None) -> AuditorWindow:
        """Auditor mode in its own window: it needs no site, only the bundle."""
        window = AuditorWindow()
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.auditor_windows.append(window)
        window.destroyed.connect(lambda *_: self._forget(window))
        window.show()
        if path:
            window.view.verify(path)
        else:
            window.view.choose_file()
        return window

    def _forget(self, window: AuditorWindow) -> None:
        if window in self.auditor_windows:
            self.auditor_windows.remove(window)
