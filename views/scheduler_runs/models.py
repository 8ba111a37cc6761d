"""Table models of the scheduling screens: one thin adapter over frozen rows, given its
columns. Status columns are coloured and bold (colour is never the only signal: the
word is there too); long texts are cut with the whole text in the tooltip."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.services.scheduler import AttemptInfo, DeadLetterInfo, ScheduleInfo
from app.services.scheduler_screens import LeaseView
from engine.clock import parse_rfc3339
from engine.schedule import duration_text
from views.common.palette import status_colour
from views.common.row_model import RowModel

R = TypeVar("R")
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
MAX_CELL = 110

# job and attempt statuses → the palette's run statuses
_PALETTE = {"scheduled": "waiting", "dead-lettered": "failed", "live": "running",
            "stale": "paused", "gone": "interrupted", "retried": "skipped", "open": "failed"}


def palette_status(status: str) -> str:
    return _PALETTE.get(status, status)


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    status: bool = False  # colour the cell by its own text (a status word)
    tooltip: Callable[[R], str] | None = None
    sort: Callable[[R], Any] | None = None
    limit: int = MAX_CELL  # characters shown; the tooltip has the rest


def _cut(text: str, limit: int = MAX_CELL) -> str:
    line = text.replace("\n", " ")
    return line if len(line) <= limit else line[:limit - 1] + "…"


class RowTableModel(RowModel[R]):
    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], object],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.HEADERS = tuple(c.title for c in self.columns)
        self._key = key

    def row_key(self, row: R) -> Hashable:
        return self._key(row)  # type: ignore[return-value]

    def changed_span(self, old: Sequence[R], new: Sequence[R]) -> tuple[int, int] | None:
        """Same keys in the same order: every row is announced, so the selection stays."""
        return (0, len(new) - 1) if new else None

    def rows(self) -> tuple[R, ...]:
        return tuple(self._rows)

    def cell(self, row: R, column_number: int, role: int) -> Any:
        column = self.columns[column_number]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cut(column.text(row), column.limit)
        if role == Qt.ItemDataRole.ToolTipRole:
            full = column.tooltip(row) if column.tooltip else column.text(row)
            return full if full else None
        if role == KEY_ROLE:
            return self._key(row)
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.text(row)
        if column.status and role == STATUS_ROLE:
            return column.text(row).lower()
        if column.status and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(palette_status(column.text(row).lower()))
        if column.status and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


# -- the columns of each table ---------------------------------------------------------
def _moment(stamp: str | None) -> datetime | None:
    try:
        return parse_rfc3339(stamp) if stamp else None
    except ValueError:
        return None


def _hm(stamp: str | None) -> str:
    """``Feb 18, 09:30`` — these tables are about minutes, not seconds."""
    moment = _moment(stamp)
    return moment.strftime("%b %d, %H:%M") if moment else "—"


def _clock(stamp: str | None) -> str:
    moment = _moment(stamp)
    return moment.strftime("%H:%M:%S") if moment else "—"


def _window(info: ScheduleInfo) -> str:
    closes = info.window.closes_at
    return f"{_hm(info.window.start)} – {closes:%H:%M} ({duration_text(info.window.length)})"


_SHORT = {"feeds-fresh": "feeds", "sbom-rescans-complete": "rescans",
          "integrations-healthy": "integrations"}


def _conditions(info: ScheduleInfo) -> str:
    """``feeds<1h, rescans, integrations (warn)``: the full labels are in the tooltip."""
    parts = []
    for p in info.preconditions:
        name = _SHORT.get(p.kind, p.kind)
        if p.max_age is not None:
            name += "<" + duration_text(p.max_age)
        parts.append(name + ("" if p.blocking else " (warn)"))
    return ", ".join(parts) or "none"


SCHEDULE_COLUMNS: tuple[Column[ScheduleInfo], ...] = (
    Column("Job", lambda i: i.id),
    Column("Promotion", lambda i: f"{i.promotion_id}  {i.release} → {i.to_env}"),
    Column("Runs", lambda i: i.scope_text),
    Column("Window (UTC)", _window, tooltip=lambda i: i.window.text(),
           sort=lambda i: i.window.start),
    Column("Status", lambda i: i.status.upper(), status=True),
    Column("Preconditions", _conditions,
           tooltip=lambda i: "\n".join(p.label for p in i.preconditions) or "none"),
    Column("Attempts", lambda i: str(i.attempts), sort=lambda i: i.attempts),
    Column("Where it stands", lambda i: i.state_text, limit=300),
)


def _attempt_when(attempt: AttemptInfo) -> str:
    if attempt.finished_at:
        return _hm(attempt.finished_at)
    if attempt.status == "waiting":
        return f"last check {_clock(attempt.checked_at)}"
    return "—"


ATTEMPT_COLUMNS: tuple[Column[AttemptInfo], ...] = (
    Column("#", lambda a: str(a.number), sort=lambda a: (a.slot, a.number)),
    Column("Status", lambda a: a.status.upper(), status=True),
    Column("Started", lambda a: _hm(a.started_at), sort=lambda a: a.started_at),
    Column("Finished", _attempt_when),
    Column("Checks", lambda a: str(a.checks), sort=lambda a: a.checks),
    Column("Why", lambda a: a.summary, tooltip=lambda a: "\n".join(a.diagnostics)),
    Column("Slot (window start)", lambda a: _hm(a.slot), tooltip=lambda a: a.slot),
    Column("By", lambda a: a.owner.rsplit(":", 1)[0], tooltip=lambda a: a.owner),
)

DEAD_LETTER_COLUMNS: tuple[Column[DeadLetterInfo], ...] = (
    Column("Job", lambda d: d.schedule_id),
    Column("State", lambda d: "OPEN" if d.open else "RETRIED", status=True),
    Column("Promotion", lambda d: f"{d.promotion_id}  {d.release} → {d.to_env}"),
    Column("Dead-lettered", lambda d: _hm(d.at), sort=lambda d: d.at),
    Column("Reason", lambda d: d.reason, limit=400),
    Column("Retried", lambda d: "" if d.open else
           f"{_hm(d.retried_at)} by {d.retried_by}: {d.retry_reason}"),
)


def _age(seconds: float) -> str:
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}m ago"


LEASE_COLUMNS: tuple[Column[LeaseView], ...] = (
    Column("Promotion", lambda v: f"{v.promotion_id}  {v.release} → {v.to_env}"),
    Column("Step", lambda v: v.step),
    Column("State", lambda v: v.state.upper(), status=True),
    Column("Held by", lambda v: ("this app" if v.this_process else f"process {v.pid}")
           + (f" (scheduled job {v.schedule_id})" if v.schedule_id else ""),
           tooltip=lambda v: v.owner),
    Column("Host", lambda v: v.host),
    Column("Heartbeat", lambda v: _age(v.heartbeat_age_seconds),
           sort=lambda v: v.heartbeat_age_seconds),
)

QUEUE_COLUMNS: tuple[Column[ScheduleInfo], ...] = (
    Column("Job", lambda i: i.id),
    Column("Promotion", lambda i: f"{i.promotion_id}  {i.release} → {i.to_env}"),
    Column("Window (UTC)", _window, sort=lambda i: i.window.start),
    Column("Status", lambda i: i.status.upper(), status=True),
    Column("Where it stands", lambda i: i.state_text, limit=300),
)
