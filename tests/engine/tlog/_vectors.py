"""Paths to the published vectors copied into tests/data/vectors (see SOURCES.md there)."""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "data" / "vectors"
NOTES = VECTORS / "notes"


@cache
def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def b64(text: str) -> bytes:
    """Go's []byte JSON encoding: standard base64 (may be empty or a non-hash string)."""
    return base64.b64decode(text)
