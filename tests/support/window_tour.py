"""Moved to :mod:`devkit.window_tour` (the screenshot scripts run it): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import window_tour

sys.modules[__name__] = window_tour
