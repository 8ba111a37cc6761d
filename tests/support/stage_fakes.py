"""Moved to :mod:`devkit.stage_fakes` (the benches and scripts use it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import stage_fakes

sys.modules[__name__] = stage_fakes
