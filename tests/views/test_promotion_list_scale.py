"""The promotions table stays responsive with 10,000 rows: the model sorts in Python
(a sorting proxy asks data() for both sides of every comparison) and the filter reads
one cached line of text per row, while selections follow their rows across sorts."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from app.services.promotions import PromotionSummary
from views.promotions.model import (
    CREATED,
    ID,
    STATUS,
    PromotionFilterProxy,
    PromotionTableModel,
)


def _rows(count: int) -> list[PromotionSummary]:
    statuses = ("completed", "waiting", "failed", "running")
    return [PromotionSummary(
        id=f"P-{n:05d}", release_name="platform", release_version=f"1.{n % 7}.0",
        release_digest="sha256:" + f"{n:064x}", from_env=None, to_env=("eu-stage", "us-prod")[n % 2],
        requester="alice", status=statuses[n % 4], current_step=None, current_title="",
        created_at=f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
        event_count=25, head="0" * 64) for n in range(count)]


class _Counting(PromotionTableModel):
    calls = 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        _Counting.calls += 1
        return super().data(index, role)


def test_ten_thousand_rows_sort_without_asking_every_cell(qtbot):
    model, proxy = _Counting(), PromotionFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(CREATED, Qt.SortOrder.DescendingOrder)
    rows = _rows(10_000)
    _Counting.calls = 0
    model.set_rows(rows)
    assert _Counting.calls < 1_000  # a proxy sort asked ~150,000
    shown = [proxy.index(r, ID).data() for r in range(proxy.rowCount())]
    expected = [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]
    assert shown == expected


def test_every_column_sorts_both_ways_and_the_selection_follows_its_row(qtbot):
    model, proxy = PromotionTableModel(), PromotionFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(_rows(50))
    selection = QItemSelectionModel(proxy)
    flags = QItemSelectionModel.SelectionFlag
    selection.select(proxy.index(7, 0), flags.ClearAndSelect | flags.Rows)
    chosen = proxy.index(7, ID).data()
    for column in range(8):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            keys = [proxy.index(r, column).data(Qt.ItemDataRole.UserRole + 2)
                    for r in range(proxy.rowCount())]
            assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)
            assert proxy.index(selection.selectedRows()[0].row(), ID).data() == chosen


def test_the_filter_matches_any_shown_column_case_insensitively(qtbot):
    model, proxy = PromotionTableModel(), PromotionFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(_rows(10_000))
    proxy.setFilterFixedString("P-0999")
    assert proxy.rowCount() == 10
    proxy.setFilterFixedString("US-PROD")
    assert proxy.rowCount() == 5_000
    proxy.setFilterFixedString("FAILED")
    assert {proxy.index(r, STATUS).data() for r in range(proxy.rowCount())} == {"FAILED"}
    proxy.setFilterFixedString("")
    assert proxy.rowCount() == 10_000
