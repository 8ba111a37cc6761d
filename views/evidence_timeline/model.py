"""The Evidence Timeline as a tree: checkpoints in run order, their evidence below.

A thin adapter over :class:`~app.qt.evidence_snapshots.CheckpointEvidence` values.
Top-level rows are checkpoints (internal id 0); an entry's internal id is its
checkpoint's row + 1, so ``parent()`` needs no lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.qt.evidence_snapshots import CheckpointEvidence, EvidenceEntry
from views.common.format import mark
from views.common.palette import status_colour
from views.evidence_timeline.marks import (
    entry_attempt,
    entry_colour,
    entry_created,
    entry_created_tip,
    entry_digest,
    entry_log_index,
    entry_mark,
    entry_state,
)

NAME, STATE, NOTE, DIGEST, LOG_INDEX, ATTEMPT, CREATED, KIND = range(8)
HEADERS = ("Checkpoint / evidence", "State", "Note", "Digest", "Log index", "Attempt",
           "Created (UTC)", "Predicate type / kind")
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
STEP_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


class EvidenceTreeModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._checkpoints: tuple[CheckpointEvidence, ...] = ()

    def set_checkpoints(self, checkpoints: Sequence[CheckpointEvidence]) -> None:
        checkpoints = tuple(checkpoints)
        if checkpoints == self._checkpoints:
            return
        self.beginResetModel()
        self._checkpoints = checkpoints
        self.endResetModel()

    def checkpoint_row(self, step: str) -> int | None:
        for number, checkpoint in enumerate(self._checkpoints):
            if checkpoint.step == step:
                return number
        return None

    def entry(self, index: _Index) -> EvidenceEntry | None:
        return self.data(index, ENTRY_ROLE) if index.isValid() else None

    # -- structure ----------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._checkpoints) \
                else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= len(self._checkpoints):
            return QModelIndex()
        if row >= len(self._checkpoints[parent.row()].entries):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        if not parent.isValid():
            return len(self._checkpoints)
        if parent.internalId() == 0 and parent.column() == 0 \
                and parent.row() < len(self._checkpoints):
            return len(self._checkpoints[parent.row()].entries)
        return 0

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    # -- data -----------------------------------------------------------------------
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            if index.row() >= len(self._checkpoints):
                return None
            return _checkpoint_data(self._checkpoints[index.row()], index.column(), role)
        checkpoint = self._checkpoints[index.internalId() - 1]
        if index.row() >= len(checkpoint.entries):
            return None
        return _entry_data(checkpoint.entries[index.row()], index.column(), role)


def _checkpoint_data(checkpoint: CheckpointEvidence, column: int, role: int) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        if column == NAME:
            return f"{mark(checkpoint.status)} {checkpoint.title}"
        if column == STATE:
            return checkpoint.status.upper()
        if column == NOTE:
            if checkpoint.note:
                return checkpoint.note
            captured = len(checkpoint.captured)
            return f"{captured} item(s) captured" if captured else ""
        return ""
    if role == Qt.ItemDataRole.ForegroundRole and column in (NAME, STATE):
        return status_colour(checkpoint.status)
    if role == Qt.ItemDataRole.FontRole and column == NAME:
        font = QFont()
        font.setBold(True)
        return font
    if role == Qt.ItemDataRole.ToolTipRole and column == NAME:
        return f"{checkpoint.title} ({checkpoint.step}): {checkpoint.status}"
    if role == STEP_ROLE:
        return checkpoint.step
    return None


def _entry_data(entry: EvidenceEntry, column: int, role: int) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        if column == NAME:
            return f"{entry_mark(entry)} {entry.name}"
        if column == STATE:
            return entry_state(entry)
        if column == KIND:
            return entry.kind
        if column == DIGEST:
            return entry_digest(entry)
        if column == LOG_INDEX:
            return entry_log_index(entry)
        if column == ATTEMPT:
            return entry_attempt(entry)
        if column == CREATED:
            return entry_created(entry)
        if column == NOTE:
            return entry.note
        return ""
    if role == Qt.ItemDataRole.ForegroundRole and column in (NAME, STATE):
        return QColor(entry_colour(entry))
    if role == Qt.ItemDataRole.ToolTipRole:
        if column == DIGEST and entry.digest:
            return entry.digest
        if column == CREATED:
            return entry_created_tip(entry)
        if column == KIND:
            return entry.kind
        return entry.note or None
    if role == ENTRY_ROLE:
        return entry
    if role == STEP_ROLE:
        return entry.step
    return None
