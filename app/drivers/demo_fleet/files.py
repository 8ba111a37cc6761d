"""Small JSON files of the demo fleet (port files, pointers, state), written atomically.

The recipe is the product's one (``engine.crypto.atomic``, standard library only, so a
demo target process still starts without loading the crypto stack).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.crypto.atomic import atomic_write_bytes, fsync_directory

__all__ = ["atomic_write_bytes", "atomic_write_json", "fsync_directory"]


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8"))
