"""Moved to :mod:`devkit.factories` (the benches and scripts use it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import factories

sys.modules[__name__] = factories
