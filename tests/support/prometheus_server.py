"""Moved to :mod:`devkit.prometheus_server` (a screenshot script uses it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import prometheus_server

sys.modules[__name__] = prometheus_server
