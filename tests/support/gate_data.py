"""Moved to :mod:`devkit.gate_data` (the benches and scripts use it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import gate_data

sys.modules[__name__] = gate_data
