"""How an evidence entry reads on screen: its mark, its state word and its colour.

A mark and a word always go with the colour, so colour is never the only signal.
"""

from __future__ import annotations

from app.screens.evidence_snapshots import EvidenceEntry
from views.common.format import short, when

CAPTURED = "✓"
PENDING = "○"
FAILED = "✗"
GREEN = "#2e7d32"
GREY = "#9e9e9e"
RED = "#c62828"
AMBER = "#b26a00"


def entry_mark(entry: EvidenceEntry) -> str:
    return CAPTURED if entry.captured else PENDING


def entry_state(entry: EvidenceEntry) -> str:
    if entry.is_export:
        return "exported" if entry.captured else "not exported"
    return "captured" if entry.captured else "pending"


def entry_colour(entry: EvidenceEntry) -> str:
    return GREEN if entry.captured else GREY


def entry_digest(entry: EvidenceEntry) -> str:
    return short(entry.digest) if entry.digest else "—"


def entry_log_index(entry: EvidenceEntry) -> str:
    return str(entry.log_index) if entry.log_index is not None else "—"


def entry_attempt(entry: EvidenceEntry) -> str:
    return str(entry.attempt) if entry.attempt else "—"


def compact_time(stamp: str) -> str:
    """``2026-02-18 08:30:12`` (UTC, as stored): narrow enough for a table column."""
    return stamp.replace("T", " ").removesuffix("Z")[:19] if stamp else "—"


def entry_created(entry: EvidenceEntry) -> str:
    return compact_time(entry.created_at)


def entry_created_tip(entry: EvidenceEntry) -> str | None:
    return when(entry.created_at) if entry.created_at else None
