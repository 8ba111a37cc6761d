"""The data health banner on the run view, its links, and the Feeds and Platform Health pages."""

from __future__ import annotations

from tests.support.factories import add_target
from tests.support.gate_data import store_feed
from tests.views.conftest import new_promotion, open_run
from views.platform_health.pages import FeedsPage, PlatformHealthPage


def test_the_banner_says_what_is_wrong_and_links_to_ops(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    banner = view.health_banner
    assert banner.isVisible()
    qtbot.waitUntil(lambda: banner.report is not None)
    assert banner.report.status == "FAIL"
    assert "Data health: FAIL</b> — no feed snapshot has been imported" in banner.label.text()
    assert "#ffebee" in banner.styleSheet()
    store_feed(site, "2026-02-18T01:30:00Z", ecosystems=["npm"])  # 7 h old: WARN
    with qtbot.waitSignal(banner.report_loaded, timeout=10_000):
        banner.refresh()
    assert banner.report.status == "WARN"
    assert "osv stale 7h (npm)" in banner.label.text()
    assert "#fff8e1" in banner.styleSheet()
    for key, page_type in (("feeds-airgap", FeedsPage), ("platform-health", PlatformHealthPage)):
        banner.links.linkActivated.emit(key)
        assert isinstance(window.current_page(), page_type)
    banner.links.linkActivated.emit("integrations")
    assert window.current_page() is window.pages["integrations"]


def test_feeds_page_lists_freshness_and_every_snapshot(qtbot, window, site):
    old = store_feed(site, "2026-02-16T05:30:00Z", ecosystems=["npm", "PyPI"])
    new = store_feed(site, "2026-02-18T05:30:00Z", ecosystems=["npm"])
    window.navigate("feeds-airgap")
    page = window.current_page()
    qtbot.waitUntil(lambda: page.snapshot is not None)
    rows = [(page.freshness.index(r, 0).data(), page.freshness.index(r, 2).data(),
             page.freshness.index(r, 4).data(), page.freshness.index(r, 6).data())
            for r in range(page.freshness.rowCount())]
    assert rows == [("FAIL", "PyPI", "2d", old), ("OK", "npm", "3h", new)]
    assert [page.snapshots.row(r).digest for r in range(page.snapshots.rowCount())] == [new, old]
    assert "FAIL" in page.summary.text()


def test_platform_health_shows_targets_secret_providers_and_jobs(qtbot, window, site):
    store_feed(site)
    add_target(site, "eu-prod", "eu-prod-01", "command")
    window.navigate("platform-health")
    page = window.current_page()
    qtbot.waitUntil(lambda: page.report is not None, timeout=10_000)
    kinds = [(page.integrations.row(r).kind, page.integrations.row(r).name,
              page.integrations.index(r, 0).data()) for r in range(page.integrations.rowCount())]
    assert kinds[0] == ("deploy-target", "eu-prod-01", "WARN")
    assert ("secret-provider", "environment variables (env:)", "OK") in kinds
    assert page.report.status == "WARN"
    assert "integrations: " in page.sections.text()
    assert page.jobs.rowCount() == 0
