"""GUI fixtures: a GuiContext on the per-test site with step doubles, and the main
window. Teardown stops every background task before the site is closed."""

from __future__ import annotations

import gc

import pytest

from app.context import Site
from app.gui import main_window
from app.qt.context import GuiContext
from app.services import promotions
from app.site import SiteConfig
from devkit.factories import sign_in_as as sign_in_as  # the views' tests import it from here
from engine.clock import FixedClock
from tests.support.doubles import doubles_registry
from tests.support.factories import START, add_release, make_site, who
from tests.support.postgres import copy_home

POLL_MS = 100


@pytest.fixture(scope="session")
def _site_template(tmp_path_factory):
    """One site built by the real set-up services; each test gets its own copy."""
    home = tmp_path_factory.mktemp("site-template") / "home"
    make_site(home).close()
    return home


@pytest.fixture
def site(_site_template, tmp_path):
    """A fresh site home per test: a copy of the template (migrations and key
    generation once per session, not once per test)."""
    home = tmp_path / "home"
    copy_home(_site_template, home)
    opened = Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _window_settings(tmp_path):
    """Window geometry is remembered per user: each test starts with none, and none
    is written to the user's own settings file."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    yield


@pytest.fixture
def gui(qtbot, site):
    """A context for widgets tested on their own (no main window)."""
    ctx = GuiContext(site, doubles_registry, poll_interval_ms=POLL_MS)
    yield ctx
    assert ctx.shutdown(10_000), "background tasks did not stop"


@pytest.fixture
def window(qtbot, site):
    """The main window, built by the same bootstrap as ``stella gui``."""
    win = main_window(site, doubles_registry, poll_interval_ms=POLL_MS)
    qtbot.addWidget(win)
    sign_in_as(win, "alice")  # every acting user signs in with their own key
    win.show()
    qtbot.waitUntil(lambda: win.site_info is not None and win.ctx.actor is not None)
    yield win
    assert win.ctx.shutdown(10_000), "background tasks did not stop"
    gc.unfreeze()  # the bootstrap froze the heap; let the next test's garbage go


def new_promotion(site, to_env: str = "eu-prod", requester: str = "alice") -> str:
    """A promotion with real events: created by ``requester``, not advanced."""
    add_release(site)  # idempotent: the same manifest is the same release
    return promotions.create_promotion(site, "platform@1.3.0-rc1", to_env, who(site, requester),
                                       "eu-stage" if to_env == "eu-prod" else None)


def open_run(qtbot, window, promotion_id: str):
    """Select ``promotion_id`` in the list and wait until its run is on screen."""
    page = window.promotions
    qtbot.waitUntil(lambda: page.model.row_of(promotion_id) is not None)
    assert page.select(promotion_id)
    view = page.run_view
    qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.promotion_id == promotion_id)
    return view


