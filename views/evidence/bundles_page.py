"""Evidence → Evidence Bundles: open an exported pack or auditor bundle in auditor
mode — one this site wrote (listed from its custody receipts) or any other archive,
folder or set of parts — and see every check per item."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from app.qt.context import GuiContext
from app.screens.evidence_lists import ExportedFile, list_export_files
from views.auditor.view import AuditorView
from views.evidence.export_center_page import COLUMNS as EXPORT_COLUMNS
from views.evidence.list_page import ListPage

ARCHIVE = 4


def _present(site) -> list[ExportedFile]:
    return [f for f in list_export_files(site) if f.present]


class EvidenceBundlesPage(ListPage[ExportedFile]):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Evidence — Evidence Bundles", EXPORT_COLUMNS,
                         lambda f: (f.record.promotion_id, f.record.seq), _present,
                         "No export of this site is at hand; open any bundle with Open "
                         "archive or part… or Open extracted folder….", ARCHIVE, parent)
        self.table.setObjectName("bundlesTable")
        self.set_intro("Exports of this site that are still where they were written — "
                       "double-click one to verify it — or open any archive, extracted folder "
                       "or split part. Verification reads only the bundle, never this site's "
                       "database.")
        self.auditor = AuditorView(ctx.tasks)
        layout = self.page_layout
        splitter = QSplitter(Qt.Orientation.Vertical)
        layout.removeWidget(self.table)
        splitter.addWidget(self.table)
        splitter.addWidget(self.auditor)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([140, 560])
        layout.insertWidget(layout.indexOf(self.empty_label), splitter, 1)
        self.splitter = splitter
        self.table.activated.connect(lambda _index: self.verify_selected())

    def verify_selected(self) -> None:
        chosen: ExportedFile | None = self.selected()
        if chosen is not None:
            self.auditor.verify(chosen.path)

    def verify(self, path: str) -> None:
        self.auditor.verify(path)
