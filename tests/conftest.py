"""Suite-wide settings: offscreen Qt, a fresh site home per test, nothing from the
developer's own settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("STELLA_HOME", None)
os.environ.pop("STELLA_DB", None)

import pytest  # noqa: E402

from tests.support.factories import make_site  # noqa: E402


@pytest.fixture
def site(tmp_path):
    site = make_site(tmp_path / "home")
    yield site
    site.close()
