"""Every list in the main window shows at least ten rows on a 1366×768 laptop — the
promotions and the selected run's timeline (sharing one page), and the list of every
other page — with rows in each list, so no page hides its table behind an empty state.

The window is given the size it opens at on a 1366×768 screen (tests/support/
devkit/window_tour.py measures the same on a screen of that size, test_fit_screen.py)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractItemView, QTableView, QTreeView
from pytestqt.exceptions import TimeoutError

import airgap_bundles
from app.services import bundles, replay, scheduler, trust
from tests.support import exporting
from tests.support.doubles import doubles_registry
from tests.support.factories import who
from tests.views.conftest import new_promotion, open_run
from tests.views.test_gate_detail import _gated
from tests.views.test_scheduler_runs import three_jobs
from views.common.page import LIST_ROWS

SAMPLES = airgap_bundles.__file__.rsplit("/", 1)[0] + "/samples"
ON_A_1366_SCREEN = (1350, 728)  # where fit_window puts the main window on 1366×768
# pages whose purpose is not a list: an overview of other screens, and forms
NOT_LISTS = {"operations"}
# the detail of the selected row below a page's list, sized for what it holds: a proof
# chain's sealed items, and the story of the evidence bundle being verified
DETAILS = {"sealedItemsTable", "storyTree"}


def rows_shown(view: QAbstractItemView) -> int:
    """How many whole rows fit the view's viewport."""
    if isinstance(view, QTableView):
        height = view.verticalHeader().defaultSectionSize()
    else:
        height = view.sizeHintForRow(0) if view.model().rowCount() \
            else view.fontMetrics().height() + 8
    return view.viewport().height() // max(height, 1)


def lists_on(page) -> list[QAbstractItemView]:
    return [view for view in page.findChildren(QAbstractItemView)
            if isinstance(view, (QTableView, QTreeView)) and view.isVisible()
            and view.objectName() not in DETAILS]


@pytest.fixture
def busy_site(site, tmp_path):
    """A site with something in every list: runs (one waiting for approval), schedules
    (one dead-lettered), an export, an imported bundle and a replayed gate verdict."""
    trust.install_first(site, open(f"{SAMPLES}/trust-root-v1.dsse.json", "rb").read(), "alice",
                        confirmed=True)
    bundles.import_bundle(site, f"{SAMPLES}/bundles/release-platform-1.2.4.tar.gz", "alice")
    three_jobs(site)
    from app.executor import Executor

    done = new_promotion(site, "eu-stage")
    Executor(site, done, doubles_registry()).run()
    (tmp_path / "exports").mkdir()
    exporting.export(site, done, "auditor", tmp_path / "exports", who(site, "audrey"))
    scheduler.create_schedule(site, new_promotion(site, "eu-stage"), at="+1h", window="2h",
                              actor="olga")
    Executor(site, new_promotion(site), doubles_registry()).run()  # waits for approval
    _gated(site)  # a real gate verdict, replayed
    replay.replay_all(site, "alice")
    return site, done


def test_every_list_page_shows_ten_rows_at_1366x768(qtbot, window, busy_site):
    site, done = busy_site
    window.showNormal()
    window.resize(*ON_A_1366_SCREEN)
    view = open_run(qtbot, window, done)
    qtbot.waitUntil(lambda: view.model.rowCount() >= LIST_ROWS)
    shown: dict[str, int] = {}
    empty: list[str] = []
    for key in list(window.pages):
        if key in NOT_LISTS:
            continue
        page = window.navigate(key)
        try:  # loaded: a list with rows (some lists of a page may stay empty)
            qtbot.waitUntil(lambda p=page: any(v.model() is not None and v.model().rowCount()
                                               for v in lists_on(p)), timeout=10_000)
        except TimeoutError:
            empty.append(key)
        for table in lists_on(page):
            shown[f"{key}/{table.objectName()}"] = rows_shown(table)
    assert not empty, f"pages that showed no list with rows: {empty}"
    assert shown["promotions/timelineTable"] >= LIST_ROWS  # the run shares the page
    assert shown["promotions/promotionsTable"] >= LIST_ROWS
    short = {name: rows for name, rows in shown.items() if rows < LIST_ROWS}
    assert not short, f"fewer than {LIST_ROWS} rows shown at 1366×768: {short} (all: {shown})"

