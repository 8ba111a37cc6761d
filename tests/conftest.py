"""Suite-wide settings: offscreen Qt, a fresh site home per test, nothing from the
developer's own settings."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("STELLA_HOME", None)
os.environ.pop("STELLA_DB", None)

import pytest

from engine.crypto import key_wrap
from tests.support import postgres
from tests.support.factories import make_site

# Keys written by tests use a light scrypt (each key records its own parameters, so
# loading is unchanged); tests/engine/crypto/test_key_wrap.py checks the real ones.
TEST_SCRYPT = key_wrap.ScryptParams(n=2**10, r=8, p=1)


@pytest.fixture(autouse=True)
def _light_key_kdf(monkeypatch):
    monkeypatch.setattr(key_wrap, "DEFAULT_SCRYPT", TEST_SCRYPT)


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass runs every test that reaches the database through the site;
    a module that opens the SQLite file itself (to tamper with it, say), or says why it is
    about SQLite only (``SQLITE_ONLY = "…"``), stays SQLite's."""
    if postgres.server_url() is None:
        return
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        reason = getattr(module, "SQLITE_ONLY", None) or (
            "opens the site's SQLite file directly" if "sqlite3" in vars(module) else None)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _automatic_gc():
    """A GUI context turns automatic garbage collection off while it lives (it collects
    on the GUI thread); a test that never shut its context down must not leave it off."""
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _drop_test_databases():
    """On the PostgreSQL pass, each test's databases go when the test ends. Databases
    made before it (by session or module fixtures, set up first) are templates that
    later tests copy: they stay until the throw-away cluster goes."""
    postgres.created.clear()
    yield
    if postgres.created:
        postgres.drop_created()


@pytest.fixture
def site(tmp_path):
    site = make_site(tmp_path / "home")
    yield site
    site.close()
