"""The run view's links open Orchestrator, and Security and Release Control on this
run's release and environment (seed §14.3)."""

from __future__ import annotations

from tests.views.conftest import new_promotion, open_run
from tests.views.test_gate_detail import _gated


def test_release_control_opens_on_the_runs_environment(qtbot, window, site):
    pid = new_promotion(site, "eu-prod")
    view = open_run(qtbot, window, pid)
    assert "Release Control (eu-prod)" in view.links.text()
    page = window.open_run_link("release-control")
    assert window.current_page() is page
    qtbot.waitUntil(lambda: page.selected() is not None and page.selected().name == "eu-prod")
    orchestrator = window.open_run_link("orchestrator")
    assert window.current_page() is orchestrator


def test_security_opens_on_the_findings_of_this_release_here(qtbot, window, site):
    pid = _gated(site)
    view = open_run(qtbot, window, pid)
    with qtbot.waitSignal(view.link_requested) as asked:
        view.links.linkActivated.emit("security")
    assert asked.args == ["security"]
    page = window.current_page()
    assert page is window.pages["security"]
    digest = view.snapshot.state.release["digest"]
    qtbot.waitUntil(lambda: page.selected() is not None
                    and (page.selected().release_digest, page.selected().environment)
                    == (digest, "eu-stage"), timeout=10_000)
