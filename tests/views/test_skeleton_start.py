"""``stella gui`` paints its frame before the site is open (issue 13): the frame needs
no data layer, rows read without it show at once, and the opened site takes over the
same page."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from app.gui import main_window
from app.services.promotion_listing import quick_listing
from tests.support.doubles import doubles_registry
from tests.views.conftest import POLL_MS, new_promotion, sign_in_as
from views.main_window.navigation import all_entries
from views.main_window.pages import LOADING

ROOT = Path(__file__).resolve().parents[2]


def test_the_frame_imports_no_data_layer_and_no_other_page():
    code = ("import sys; import app.cli.gui_command, app.gui, views.main_window.window; "
            "heavy = ('sqlalchemy', 'alembic', 'app.context', 'app.services.promotions', "
            "'views.promotions.page', 'views.run_timeline.view', 'networkx', 'cryptography'); "
            "print(','.join(m for m in heavy if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True, env={"QT_QPA_PLATFORM": "offscreen",
                                                       "PATH": "/usr/bin:/bin"})
    assert found.stdout.strip() == ""


def test_the_frame_shows_loading_until_it_has_a_site(qtbot):
    from views.main_window.window import KEY_ROLE, MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.opening("/somewhere")
    window.show()
    assert window.current_page() is window.loading
    assert LOADING in window.loading.label.text()
    assert window.navigate("security") is window.loading  # no page is built without a site
    assert not window.sign_in_action.isEnabled() and not window.refresh_action.isEnabled()
    keys = [window.nav.topLevelItem(i).data(0, KEY_ROLE)
            for i in range(window.nav.topLevelItemCount())]
    assert keys == [e.key for e in all_entries() if e.key in keys] and len(keys) > 5
    window.close()  # closing before the site opened needs no site


def test_rows_read_before_the_site_opens_are_kept_by_the_opened_site(qtbot, site):
    from views.main_window.window import MainWindow

    if not site.config.db_url.startswith("sqlite"):
        pytest.skip("the quick read is for a SQLite site")
    first = new_promotion(site, "eu-stage")
    second = new_promotion(site, "eu-stage")
    rows = quick_listing(site.config)
    assert rows is not None and {r.id for r in rows} == {first, second}
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_preview(rows)
    page = window.promotions
    assert window.current_page() is page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)  # once the page is laid out
    assert page.select(first)  # chosen before the site is open: shown once it is
    main_window(site, doubles_registry, poll_interval_ms=POLL_MS, window=window)
    try:
        sign_in_as(window, "alice")
        assert window.promotions is page
        qtbot.waitUntil(lambda: window.site_info is not None)
        view = page.run_view
        qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.promotion_id == first)
        assert page.model.rowCount() == 2
    finally:
        assert window.ctx.shutdown(10_000)
        gc.unfreeze()


def test_a_quick_read_that_cannot_answer_leaves_the_loading_page(qtbot):
    from views.main_window.window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show_preview(None)
    assert window.promotions is None
    assert window.current_page() is window.loading
