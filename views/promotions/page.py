"""Releases → Promotions: the promotions table above the selected promotion's run.

The run view (and the dialogs, stage graph and policy engine behind it) is built after
the list, the first time it is needed: the list is what start-up waits for. The page
can even be built before the site is open (``ctx`` None) to show rows read without
the data layer; ``attach`` then gives it the site and it loads and follows changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.errors import Failure
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.services.promotion_summary import PromotionSummary
from views.common.page import list_height, read_only_table
from views.promotions.model import (
    CREATED,
    CURRENT,
    ID_ROLE,
    PromotionFilterProxy,
    PromotionTableModel,
)

if TYPE_CHECKING:
    from app.context import Site
    from app.qt.context import GuiContext
    from views.run_timeline.view import RunTimelineView


class PromotionsPage(QWidget):
    selection_changed = Signal(str)  # promotion id, "" when nothing is selected
    rows_loaded = Signal(int)
    run_view_built = Signal(object)  # the RunTimelineView, once built
    load_failed = Signal(str)  # the failure's message

    def __init__(self, ctx: GuiContext | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext = None  # type: ignore[assignment]  # set by attach()
        self._refresher: Refresher | None = None
        self.model = PromotionTableModel(self)
        self.proxy = PromotionFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._restoring = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        title = QLabel("Releases — Promotions")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("promotionFilter")
        self.filter_edit.setAccessibleName("Filter promotions")
        self.filter_edit.setPlaceholderText("Filter (id, release, environment, status…)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(280)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        top.addWidget(self.filter_edit)
        layout.addLayout(top)

        self.table = read_only_table(self.proxy, "promotionsTable", accessible="Promotions",
                                     stretch=CURRENT, sortable=True)
        self.table.sortByColumn(CREATED, Qt.SortOrder.DescendingOrder)
        # column widths from the rows on screen, not from the first 1,000: on 10,000 rows
        # Qt's default measured ~6,000 cells at each reload, 0.3-0.9 s on the GUI thread
        self.table.horizontalHeader().setResizeContentsPrecision(0)
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        # Enter (or a double click) on a promotion: the keyboard goes on to its run
        self.table.activated.connect(lambda _index: self.run_view.table.setFocus())
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()

        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.table)
        list_layout.addWidget(self.empty_label)
        self._run_view: RunTimelineView | None = None
        self.run_slot = QLabel("Loading the run view…")  # until the run view is built
        self.run_slot.setObjectName("runViewLoading")
        self.run_slot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(list_box)
        self.splitter.addWidget(self.run_slot)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self._split_once = False
        self.run_view_built.connect(self._split_again)  # it takes the room of a placeholder
        layout.addWidget(self.splitter, 1)
        if ctx is not None:
            self.attach(ctx)

    def attach(self, ctx: GuiContext) -> None:
        """The open site: from now on the page loads its rows and follows changes."""
        self.ctx = ctx
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)

    def show_rows(self, rows: list[PromotionSummary]) -> None:
        """Rows read before the site was open (the same summaries a refresh loads)."""
        self._loaded(rows)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._split()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._split()

    def _split_again(self, _view: QWidget) -> None:
        self._split_once = False
        self._split()

    def _split(self) -> None:
        """Ten promotions above the run, once the page has its real height (a page
        shown before the window is laid out is a few pixels tall: splitting it then
        left the run view collapsed)."""
        if self._split_once or not self.isVisible():
            return
        total = self.splitter.height() - self.splitter.handleWidth()
        wanted = list_height(self.table, 10) + 4  # ten rows on a 1366×768 laptop
        if total < 2 * wanted:
            return
        self._split_once = True
        self.splitter.setSizes([wanted, total - wanted])

    @property
    def run_view(self) -> RunTimelineView:
        """The selected promotion's run, built the first time it is asked for."""
        if self._run_view is None:
            from views.run_timeline.view import RunTimelineView

            view = RunTimelineView(self.ctx)
            self.splitter.replaceWidget(1, view)
            self.run_slot.deleteLater()
            self._run_view = view
            self.run_view_built.emit(view)
            if (selected := self.selected_id()) is not None:
                view.show_promotion(selected)  # chosen while the run view was being built
        return self._run_view

    # -- loading --------------------------------------------------------------------
    def refresh(self) -> None:
        if self._refresher is not None:
            self._refresher.request()

    def _job(self):
        site, shown = self.ctx.site, self.model.rows()
        return lambda: _list_promotions(site, shown)

    def _on_change(self, change: Change) -> None:
        if change.changes.promotions or change.changes.promotion_list:
            self.refresh()

    def _loaded(self, rows: list[PromotionSummary]) -> None:
        selected = self.selected_id()
        self._restoring = True
        try:
            self.model.set_rows(rows)
            if selected is not None and self.selected_id() != selected:
                self.select(selected)
        finally:
            self._restoring = False
        if self.selected_id() != selected:
            self._selection_moved(QItemSelection(), QItemSelection())
        self.count_label.setText(f"{len(rows)} promotion(s)")
        if not rows:
            self.empty_label.setText(
                "No promotions yet. Create one with "
                "<code>stella promote create --release NAME@VERSION --to ENV --as USER</code>.")
            self.empty_label.show()
        else:
            self.empty_label.hide()
        self.rows_loaded.emit(len(rows))

    def _failed(self, failure: Failure) -> None:
        self.empty_label.setText(f"Could not load the promotions: {failure.message}")
        self.empty_label.setStyleSheet("color: #c62828;")
        self.empty_label.show()
        self.load_failed.emit(failure.message)

    # -- selection ------------------------------------------------------------------
    def selected_id(self) -> str | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return rows[0].data(ID_ROLE) if rows else None

    def select(self, promotion_id: str) -> bool:
        row = self.model.row_of(promotion_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _selection_moved(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._restoring:
            return  # the list was reloaded; the same promotion stays selected
        if self.ctx is None:
            return  # no site yet: the run view shows the selection once built
        pid = self.selected_id()
        self.run_view.show_promotion(pid)
        self.selection_changed.emit(pid or "")


def _list_promotions(site: Site, shown: Sequence[PromotionSummary]) -> list[PromotionSummary]:
    """Runs in a worker: the listing's service (and the ORM behind it) is imported there.

    A row equal to the one shown is handed back as that same object, so the GUI thread
    finds what changed by identity instead of comparing 10,000 rows field by field."""
    from app.services.promotions import list_promotions

    known = {row.id: row for row in shown}
    return [old if (old := known.get(row.id)) is not None and old == row else row
            for row in list_promotions(site)]
