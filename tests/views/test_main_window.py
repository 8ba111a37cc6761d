from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion, open_run
from views.common.placeholder import NOT_YET, PlaceholderPage
from views.main_window.navigation import all_entries
from views.run_timeline.model import STATUS, STEP


def test_window_title_users_and_placeholders(qtbot, window):
    assert window.windowTitle().endswith("— test-site")
    combo = window.actor_combo
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names == ["admin", "alice", "audrey", "bob", "carol", "olga"]
    assert window.ctx.actor == "alice"
    placeholders = [e for e in all_entries() if not e.available and e.key != "releases"]
    assert not {e.key for e in placeholders} & {"approvals", "release-control",
                                                "integrations", "security"}
    for entry in placeholders:
        page = window.navigate(entry.key)
        assert isinstance(page, PlaceholderPage)
        assert window.current_page() is page
        assert page.badge.text() == NOT_YET
    assert window.navigate("promotions") is window.promotions


def test_select_a_promotion_shows_its_timeline(qtbot, window, site):
    first = new_promotion(site)
    Executor(site, first, doubles_registry()).run()
    second = new_promotion(site, "eu-stage")
    window.refresh_all()
    # no agent runs on this site: the toolbar, the status bar and the run view offer it
    qtbot.waitUntil(lambda: window.ctx.agent.status is not None)
    assert window.agent_action.isEnabled() and not window.agent_button.isHidden()
    view = open_run(qtbot, window, first)
    assert view.run_button.text() == "▶ Start agent" and view.run_button.isEnabled()
    titles = [view.model.index(r, STEP).data() for r in range(view.model.rowCount())]
    assert titles == ["Promotion Created", "Inputs Materialized", "Gate Eval (Policy)",
                      "Approval", "Deploy Workflow Start", "Deploy Canary 10%",
                      "Deploy Canary 50%", "Deploy 100%", "Post-Deploy Verify", "Seal Evidence",
                      "Promotion Complete"]
    statuses = [view.model.index(r, STATUS).data() for r in range(4)]
    assert statuses == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "WAITING"]
    assert view.header.status_badge.text() == "WAITING"
    assert "Next:" in view.now_label.text() and "Deploy Workflow Start" in view.now_label.text()
    assert "verified" in view.header.chain.text()
    # the graph shows the same statuses
    assert view.graph.nodes["approval"].status == "waiting"
    assert view.graph.nodes["deploy-10"].status == "pending"
    # moving the selection moves the run view
    open_run(qtbot, window, second)
    assert view.header.title.text().count(second) == 1


def test_filter_narrows_the_list(qtbot, window, site):
    new_promotion(site)
    new_promotion(site, "eu-stage")
    window.refresh_all()
    page = window.promotions
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 2)
    page.filter_edit.setText("eu-prod")
    assert page.proxy.rowCount() == 1
    page.filter_edit.clear()
    assert page.proxy.rowCount() == 2


def test_double_click_opens_step_detail(qtbot, window, site):
    pid = new_promotion(site)
    Executor(site, pid, doubles_registry()).run()
    view = open_run(qtbot, window, pid)
    row = view.model.row_of("gate-eval")
    index = view.model.index(row, STEP)
    rect = view.table.visualRect(index)
    with qtbot.waitSignal(view.step_detail_opened) as opened:
        # an item view acts on a double-click only after the press that precedes it
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
    dialog = opened.args[0]
    assert dialog.step == "gate-eval"
    # the step doubles record no verdict: Gate Eval's overview shows the step's own status
    assert dialog.overview.result_badge.text() == "SUCCEEDED"
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == \
        ["Overview", "Logs", "Artifacts", "Evidence"]


def test_the_window_fits_a_1366_pixel_wide_screen_with_a_run_shown(qtbot, window, site):
    pid = new_promotion(site)
    Executor(site, pid, doubles_registry()).run()
    window.refresh_all()
    open_run(qtbot, window, pid)
    assert window.minimumSizeHint().width() <= 1366
