"""The Evidence Timeline as a tree: checkpoints in run order, their evidence below.

A thin adapter over :class:`~app.screens.evidence_snapshots.CheckpointEvidence` values.
Top-level rows are checkpoints (internal id 0); an entry's internal id is its
checkpoint's row + 1, so ``parent()`` needs no lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.screens.evidence_snapshots import CheckpointEvidence, EvidenceEntry
from views.common.format import mark
from views.common.palette import status_colour
from views.common.tree_model import TwoLevelTreeModel
from views.evidence.marks import (
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


class EvidenceTreeModel(TwoLevelTreeModel[CheckpointEvidence, EvidenceEntry]):
    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)

    def set_checkpoints(self, checkpoints: Sequence[CheckpointEvidence]) -> None:
        checkpoints = tuple(checkpoints)
        if checkpoints == self._groups:
            return
        self.beginResetModel()
        self._groups = checkpoints
        self.endResetModel()

    def checkpoint_row(self, step: str) -> int | None:
        for number, checkpoint in enumerate(self._groups):
            if checkpoint.step == step:
                return number
        return None

    def entry(self, index: _Index) -> EvidenceEntry | None:
        return self.data(index, ENTRY_ROLE) if index.isValid() else None

    # -- cells ----------------------------------------------------------------------
    def children_of(self, group: CheckpointEvidence) -> Sequence[EvidenceEntry]:
        return group.entries

    def group_cell(self, group: CheckpointEvidence, column: int, role: int) -> Any:
        return _checkpoint_data(group, column, role)

    def child_cell(self, group: CheckpointEvidence, child: EvidenceEntry, column: int,
                   role: int) -> Any:
        return _entry_data(child, column, role)


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
