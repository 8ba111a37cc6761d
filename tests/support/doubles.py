"""Moved to :mod:`devkit.doubles` (the benches and scripts use it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import doubles

sys.modules[__name__] = doubles
