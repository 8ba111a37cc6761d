"""Moved to :mod:`devkit.exporting` (the screenshot scripts use it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import exporting

sys.modules[__name__] = exporting
