"""Status colours: one place, so the list, the timeline and the graph agree.

Colours are chosen to be told apart by people with the common colour-vision
deficiencies as well as possible; every status also has a mark and a word, so
colour is never the only signal.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

_COLOURS = {
    "succeeded": "#2e7d32",
    "completed": "#2e7d32",
    "warned": "#b26a00",
    "running": "#1565c0",
    "waiting": "#00838f",
    "paused": "#e65100",
    "halted": "#e65100",
    "failed": "#c62828",
    "interrupted": "#ad1457",
    "chain-broken": "#c62828",
    "rolled-back": "#6a1b9a",
    "skipped": "#757575",
    "cancelled": "#616161",
    "pending": "#9e9e9e",
    "scheduled": "#4527a0",
}
_UNKNOWN = "#455a64"


def status_hex(status: str) -> str:
    return _COLOURS.get(status, _UNKNOWN)


def status_colour(status: str) -> QColor:
    return QColor(status_hex(status))


def status_fill(status: str) -> QColor:
    """A light tint of the status colour, for node and badge backgrounds."""
    colour = status_colour(status)
    return QColor.fromHsvF(colour.hsvHueF() if colour.hsvHueF() >= 0 else 0.0,
                           min(colour.hsvSaturationF(), 1.0) * 0.18, 0.98)


def status_badge_css(status: str) -> str:
    return (f"color: white; background: {status_hex(status)}; border-radius: 4px; "
            "padding: 2px 8px; font-weight: bold;")
