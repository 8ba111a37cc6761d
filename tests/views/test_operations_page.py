"""Operations: an overview of its screens from a real site, each one a click away."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.gate_data import store_feed
from views.operations.page import OperationsPage

KEYS = ["orchestrator", "scheduler-runs", "dead-letter", "feeds-airgap", "platform-health"]


def test_the_overview_says_where_each_screen_stands_and_opens_it(qtbot, gui, site):
    page = OperationsPage(gui)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000) as loaded:
        page.show()
    overview = loaded.args[0]
    assert [item.key for item in overview.items] == KEYS
    items = {item.key: item for item in overview.items}
    assert items["dead-letter"].text == "no failed jobs"
    assert items["orchestrator"].text.startswith("0 runs held by an executor")
    # no feed imported yet: the feeds line says so and the page is not OK
    assert items["feeds-airgap"].status != "OK" and overview.status != "OK"
    assert "FAIL" in page.summary.text() or "WARN" in page.summary.text()
    assert page.lines["feeds-airgap"].text() == items["feeds-airgap"].text
    with qtbot.waitSignal(page.open_requested) as opened:
        qtbot.mouseClick(page.buttons["dead-letter"], Qt.MouseButton.LeftButton)
    assert opened.args == ["dead-letter"]

    store_feed(site)  # a fresh snapshot: the feeds line turns OK on the next change
    with qtbot.waitSignal(page.loaded, timeout=10_000) as again:
        page.refresh()
    feeds = {item.key: item for item in again.args[0].items}["feeds-airgap"]
    assert feeds.status == "OK" and feeds.text.endswith("all fresh")


def test_the_main_window_shows_operations_instead_of_a_placeholder(qtbot, window):
    page = window.navigate("operations")
    assert page is window.operations
    assert window.current_page() is page
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    qtbot.mouseClick(page.buttons["platform-health"], Qt.MouseButton.LeftButton)
    assert window.current_page() is window.pages["platform-health"]
