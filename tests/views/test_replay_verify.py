"""Replay/Verify (seed §14.8): reached from the run view, pre-filled, requests in a worker,
the request list with diffs, determinism metrics, and what-if."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from sqlalchemy import update

from app.executor import Executor
from app.services import promotions
from engine.canonical import canonical_bytes
from models.tables import GateVerdict
from tests.support.factories import who
from tests.support.gate_data import (
    PERMISSIVE,
    add_shop_release,
    fixture_records,
    gate_registry,
    store_feed,
    store_policy_doc,
)
from tests.views.conftest import open_run, sign_in_as
from views.replay.models import ReplayRequestTableModel, WhatIfTableModel
from views.replay.page import ReplayVerifyPage

CRITICAL_RECORDS = ("GHSA-fjxv-7rqg-78g4", "GHSA-jf85-cpcp-j695", "GHSA-h4j5-c7cj-74xg")


def _two_verdicts(site) -> tuple[str, str]:
    store_feed(site)
    store_policy_doc(site)
    ids = []
    for version in ("11.1.2", "11.1.3"):
        pid = promotions.create_promotion(site, add_shop_release(site, version), "eu-stage",
                                          who(site, "alice"))
        Executor(site, pid, gate_registry()).run(until="gate-eval")
        ids.append(pid)
    return ids[0], ids[1]


def _replay_page(qtbot, window, pid) -> ReplayVerifyPage:
    view = open_run(qtbot, window, pid)
    qtbot.mouseClick(view.replay_button, Qt.MouseButton.LeftButton)
    page = window.current_page()
    assert isinstance(page, ReplayVerifyPage) and page.promotion_id == pid
    qtbot.waitUntil(lambda: page.snapshot is not None and page.snapshot.promotion_id == pid)
    return page


def test_replay_policy_opens_a_prefilled_request_for_this_promotion(qtbot, window, site):
    first, second = _two_verdicts(site)
    page = _replay_page(qtbot, window, second)
    assert page.title.text() == f"Replay/Verify — for promotion {second}"
    assert page.scope.currentData() == second
    assert [page.scope.itemText(i) for i in range(page.scope.count())] == [
        "All promotions", first, second]
    choice = page.snapshot.verdicts[0]
    assert page.verdict_combo.currentData() == choice.verdict_id
    assert page.verdict_combo.count() == 1  # this promotion's verdicts only
    assert page.bundle_label.text().startswith(f"juice-shop 11.1.3 manifest "
                                               f"{choice.release_digest[:19]}")
    assert "(bundle sha256:" in page.bundle_label.text()
    assert page.baseline_label.text().startswith("eu-stage (sha256:")
    assert page.reason_edit.text() == "Audit verification"
    assert "total 0 | matching 0 | mismatches 0 | match rate —" in page.metrics_label.text()


def test_request_replay_runs_in_a_worker_and_lists_the_request(qtbot, window, site):
    _, second = _two_verdicts(site)
    sign_in_as(window, "audrey")
    page = _replay_page(qtbot, window, second)
    page.reason_edit.setText("Quarterly audit")
    with qtbot.waitSignal(page.replay_finished, timeout=10_000) as done:
        qtbot.mouseClick(page.request_button, Qt.MouseButton.LeftButton)
    record = done.args[0]
    assert (record.request_id, record.result, record.requested_by, record.reason) == (
        "rr-001", "match", "audrey", "Quarterly audit")
    assert page.request_state.text() == "rr-001: match — same decision digest"
    qtbot.waitUntil(lambda: page.requests.rowCount() == 1)
    assert [page.requests.index(0, c).data() for c in range(4)] == [
        "rr-001", "COMPLETED", "Feb 18 2026, 08:30:00 UTC", "match"]
    assert "total 1 | matching 1 | mismatches 0 | match rate 100%" in page.metrics_label.text()


def test_a_mismatch_shows_its_diff_and_the_metrics_for_all_promotions(qtbot, window, site):
    first, second = _two_verdicts(site)
    with site.db.write() as session:  # the stored baseline of the first verdict is altered
        row = session.get(GateVerdict, 1)
        material = json.loads(row.replay)
        material["baseline"]["known"] = ["GHSA-29mw-wpgm-hmr9"]
        session.execute(update(GateVerdict).where(GateVerdict.id == 1)
                        .values(replay=canonical_bytes(material)))
    page = _replay_page(qtbot, window, first)
    with qtbot.waitSignal(page.replay_finished, timeout=10_000):
        page.request_button.click()
    page.scope.setCurrentIndex(0)
    page.scope.activated.emit(0)  # "All promotions", as a user's choice does
    qtbot.waitUntil(lambda: page.snapshot.promotion_id is None)
    with qtbot.waitSignal(page.replay_finished, timeout=10_000):
        page.verdict_combo.setCurrentIndex(0)  # the newest verdict: the second promotion's
        page.request_button.click()
    qtbot.waitUntil(lambda: page.requests.rowCount() == 2)
    assert "total 2 | matching 1 | mismatches 1 | match rate 50%" in page.metrics_label.text()
    mismatch = next(r for r in range(2) if page.requests.row(r).result == "mismatch")
    page.requests_view.selectRow(mismatch)
    text = page.request_detail.toPlainText()
    assert "input baseline/digest" in text
    assert "finding changed: GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19 (new)" in text


def test_what_if_lists_the_promotions_that_would_flip(qtbot, window, site):
    first, second = _two_verdicts(site)
    kept = [(p, d) for p, d in fixture_records() if json.loads(d)["id"] not in CRITICAL_RECORDS]
    store_feed(site, "2026-02-18T07:30:00Z", records=kept)
    store_policy_doc(site, PERMISSIVE)
    window.navigate("replay-verify")
    page = window.current_page()
    assert isinstance(page, ReplayVerifyPage) and page.promotion_id is None
    page.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(page.what_if_finished, timeout=20_000):
        qtbot.mouseClick(page.what_if_button, Qt.MouseButton.LeftButton)
    assert page.what_if.rowCount() == 2
    assert [page.what_if.index(0, c).data() for c in range(5)] == [
        first, page.what_if.row(0).verdict_id, "BLOCK", "PASS", "YES"]
    assert "2 would flip" in page.what_if_state.text()
    page.what_if_view.selectRow(0)
    text = page.what_if_detail.toPlainText()
    assert text.startswith(f"{first}: block → pass (WOULD FLIP)")
    assert "finding removed: GHSA-jf85-cpcp-j695 npm/lodash@2.4.2" in text
    assert page.requests.rowCount() == 0  # what-if is not a replay of the sealed verdict


def test_models_pass_the_model_tester(qtmodeltester, site):
    from app.services import replay

    first, _ = _two_verdicts(site)
    records = replay.replay_all(site, "audrey")
    requests = ReplayRequestTableModel()
    requests.set_rows(records)
    qtmodeltester.check(requests)
    what_if = WhatIfTableModel()
    what_if.set_rows(replay.what_if(site))
    qtmodeltester.check(what_if)
