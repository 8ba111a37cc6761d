"""The columns of the scheduling screens' tables (views.common.columns is the model):
status columns are coloured by the run palette; long texts are cut with the whole
text in the tooltip."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from app.screens.scheduler_screens import LeaseView
from app.services.scheduler import AttemptInfo, DeadLetterInfo, ScheduleInfo
from engine.clock import parse_rfc3339
from engine.schedule import duration_text
from views.common.columns import KEY_ROLE, SORT_ROLE, STATUS_ROLE, Column
from views.common.columns import RowTableModel as ColumnsModel
from views.common.palette import status_colour

__all__ = ["KEY_ROLE", "SORT_ROLE", "STATUS_ROLE", "Column", "RowTableModel", "column"]

R = TypeVar("R")
MAX_CELL = 110

# job and attempt statuses → the palette's run statuses
_PALETTE = {"scheduled": "waiting", "dead-lettered": "failed", "live": "running",
            "stale": "paused", "gone": "interrupted", "retried": "skipped", "open": "failed"}


def palette_status(status: str) -> str:
    return _PALETTE.get(status, status)


def _status_colour(word: str) -> Any:
    return status_colour(palette_status(word))


def column(title: str, text: Callable[[R], str], *, status: bool = False,
           tooltip: Callable[[R], str] | None = None, sort: Callable[[R], Any] | None = None,
           limit: int = MAX_CELL) -> Column[R]:
    """A scheduling column: cut at ``limit`` characters (the tooltip has the whole
    text), a status word coloured by the palette."""
    return Column(title, text, tooltip=tooltip, sort=sort,
                  status=_status_colour if status else None, limit=limit)


class RowTableModel(ColumnsModel[R]):
    def changed_span(self, old: Sequence[R], new: Sequence[R]) -> tuple[int, int] | None:
        """Same keys in the same order: every row is announced, so the selection stays."""
        return (0, len(new) - 1) if new else None


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
    column("Job", lambda i: i.id),
    column("Promotion", lambda i: f"{i.promotion_id}  {i.release} → {i.to_env}"),
    column("Runs", lambda i: i.scope_text),
    column("Window (UTC)", _window, tooltip=lambda i: i.window.text(),
           sort=lambda i: i.window.start),
    column("Status", lambda i: i.status.upper(), status=True),
    column("Preconditions", _conditions,
           tooltip=lambda i: "\n".join(p.label for p in i.preconditions) or "none"),
    column("Attempts", lambda i: str(i.attempts), sort=lambda i: i.attempts),
    column("Where it stands", lambda i: i.state_text, limit=300),
)


def _attempt_when(attempt: AttemptInfo) -> str:
    if attempt.finished_at:
        return _hm(attempt.finished_at)
    if attempt.status == "waiting":
        return f"last check {_clock(attempt.checked_at)}"
    return "—"


ATTEMPT_COLUMNS: tuple[Column[AttemptInfo], ...] = (
    column("#", lambda a: str(a.number), sort=lambda a: (a.slot, a.number)),
    column("Status", lambda a: a.status.upper(), status=True),
    column("Started", lambda a: _hm(a.started_at), sort=lambda a: a.started_at),
    column("Finished", _attempt_when),
    column("Checks", lambda a: str(a.checks), sort=lambda a: a.checks),
    column("Why", lambda a: a.summary, tooltip=lambda a: "\n".join(a.diagnostics)),
    column("Slot (window start)", lambda a: _hm(a.slot), tooltip=lambda a: a.slot),
    column("By", lambda a: a.owner.rsplit(":", 1)[0], tooltip=lambda a: a.owner),
)

DEAD_LETTER_COLUMNS: tuple[Column[DeadLetterInfo], ...] = (
    column("Job", lambda d: d.schedule_id),
    column("State", lambda d: "OPEN" if d.open else "RETRIED", status=True),
    column("Promotion", lambda d: f"{d.promotion_id}  {d.release} → {d.to_env}"),
    column("Dead-lettered", lambda d: _hm(d.at), sort=lambda d: d.at),
    column("Reason", lambda d: d.reason, limit=400),
    column("Retried", lambda d: "" if d.open else
           f"{_hm(d.retried_at)} by {d.retried_by}: {d.retry_reason}"),
)


def _age(seconds: float) -> str:
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}m ago"


LEASE_COLUMNS: tuple[Column[LeaseView], ...] = (
    column("Promotion", lambda v: f"{v.promotion_id}  {v.release} → {v.to_env}"),
    column("Step", lambda v: v.step),
    column("State", lambda v: v.state.upper(), status=True),
    column("Held by", lambda v: ("this app" if v.this_process else f"process {v.pid}")
           + (f" (scheduled job {v.schedule_id})" if v.schedule_id else ""),
           tooltip=lambda v: v.owner),
    column("Host", lambda v: v.host),
    column("Heartbeat", lambda v: _age(v.heartbeat_age_seconds),
           sort=lambda v: v.heartbeat_age_seconds),
)

QUEUE_COLUMNS: tuple[Column[ScheduleInfo], ...] = (
    column("Job", lambda i: i.id),
    column("Promotion", lambda i: f"{i.promotion_id}  {i.release} → {i.to_env}"),
    column("Window (UTC)", _window, sort=lambda i: i.window.start),
    column("Status", lambda i: i.status.upper(), status=True),
    column("Where it stands", lambda i: i.state_text, limit=300),
)
