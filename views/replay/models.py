"""Replay requests and what-if results as Qt table models (thin adapters over frozen rows)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from app.services.replay import ReplayRecord, WhatIf
from views.common.format import when
from views.common.row_model import RowModel

STATUS_COLOURS = {"running": "#1565c0", "failed": "#c62828", "completed": "#455a64"}
RESULT_COLOURS = {"match": "#2e7d32", "mismatch": "#c62828", "error": "#ad1457",
                  "running": "#1565c0"}


REQUEST_ID, STATUS, REQUESTED, RESULT, VERDICT, PROMOTION, BY, REASON = range(8)


class ReplayRequestTableModel(RowModel[ReplayRecord]):
    HEADERS = ("Request", "Status", "Requested", "Result", "Verdict", "Promotion", "By",
               "Reason")

    def cell(self, row: ReplayRecord, column: int, role: int) -> Any:
        result = row.result or ("running" if row.status == "running" else "")
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.request_id, row.status.upper(), when(row.requested_at), result,
                    row.verdict_id, row.promotion_id, row.requested_by, row.reason)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == RESULT:
            return QColor(RESULT_COLOURS.get(result, "#455a64"))
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return QColor(STATUS_COLOURS.get(row.status, "#455a64"))
        if role == Qt.ItemDataRole.FontRole and column == RESULT:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.error:
                return row.error
            return (f"recorded {row.recorded_digest}\nreplayed {row.replayed_digest or '—'}\n"
                    f"finished {row.finished_at or '—'}")
        return None


WI_PROMOTION, WI_VERDICT, WI_BEFORE, WI_AFTER, WI_FLIP, WI_FINDINGS = range(6)


def findings_delta(item: WhatIf) -> str:
    diff = item.diff or {}
    return (f"+{len(diff.get('findings_added', []))} −{len(diff.get('findings_removed', []))} "
            f"~{len(diff.get('findings_changed', []))}")


class WhatIfTableModel(RowModel[WhatIf]):
    HEADERS = ("Promotion", "Verdict", "Recorded", "Now", "Would flip", "Findings (+ − ~)")

    def cell(self, row: WhatIf, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            flip = "error" if row.error else ("YES" if row.flips else "no")
            return (row.promotion_id, row.verdict_id, row.before.upper(),
                    (row.after or "—").upper(), flip,
                    "" if row.error else findings_delta(row))[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == WI_FLIP:
            return QColor("#c62828" if row.flips or row.error else "#2e7d32")
        if role == Qt.ItemDataRole.FontRole and row.flips:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and row.error:
            return row.error
        return None
