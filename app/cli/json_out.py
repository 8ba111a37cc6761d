"""Machine-readable output of every command (no other import: listings load only this)."""

from __future__ import annotations

import json
import sys
from typing import Any

from engine.text import UNSAFE


def emit_json(value: Any) -> None:
    """JSON escapes C0 itself; DEL, C1, bidi controls and lone surrogates are written as
    \\u escapes too, so the document is the same and a terminal shows it safely."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write(text.translate(_JSON_UNSAFE) + "\n")


_JSON_UNSAFE = {cp: f"\\u{cp:04x}" for cp in UNSAFE if cp >= 0x7F}
