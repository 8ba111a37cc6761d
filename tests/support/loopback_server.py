"""Moved to :mod:`devkit.loopback_server` (a screenshot script uses it too): this name is the same
module, kept for the tests that import it from here."""

from __future__ import annotations

import sys

from devkit import loopback_server

sys.modules[__name__] = loopback_server
