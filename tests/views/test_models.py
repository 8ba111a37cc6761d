"""Qt item models, tested without widgets and with pytest-qt's model tester."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from app.executor import Executor
from app.screens.snapshots import load_run_snapshot
from app.services.promotions import PromotionSummary
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion
from views.common.palette import status_colour
from views.promotions.model import (
    CREATED,
    DIGEST,
    ENVS,
    ID_ROLE,
    STATUS,
    PromotionFilterProxy,
    PromotionTableModel,
)
from views.run_timeline.model import MARK, SUMMARY, TimelineTableModel, timeline_rows
from views.step_detail.outputs import fields, record_tables
from views.step_detail.overview import KeyValueTableModel


def _summary(pid: str, status: str = "running", created: str = "2026-02-18T08:30:00Z",
             to_env: str = "eu-prod") -> PromotionSummary:
    return PromotionSummary(
        id=pid, release_name="platform", release_version="1.3.0-rc1",
        release_digest="sha256:" + "be" * 32, from_env="eu-stage", to_env=to_env,
        requester="alice", status=status, current_step="deploy-10",
        current_title="Deploy Canary 10%", created_at=created, event_count=7, head="ab" * 32)


def test_promotion_model_passes_the_model_tester(qtmodeltester):
    model = PromotionTableModel()
    model.set_rows([_summary("P-0001"), _summary("P-0002", "failed")])
    qtmodeltester.check(model)
    proxy = PromotionFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)


def test_promotion_model_shows_values_and_colours(qtbot):
    model = PromotionTableModel()
    model.set_rows([_summary("P-0001", "failed")])
    assert model.index(0, STATUS).data() == "FAILED"
    assert model.index(0, STATUS).data(Qt.ItemDataRole.ForegroundRole) == status_colour("failed")
    assert model.index(0, DIGEST).data() == "sha256:bebebebebebe…"
    assert model.index(0, DIGEST).data(Qt.ItemDataRole.ToolTipRole) == "sha256:" + "be" * 32
    assert model.index(0, ENVS).data() == "eu-stage → eu-prod"
    assert model.index(0, CREATED).data() == "Feb 18 2026, 08:30:00 UTC"
    assert model.index(0, 0).data(ID_ROLE) == "P-0001"


def test_same_ids_update_in_place_and_new_ids_reset(qtbot):
    model = PromotionTableModel()
    rows = [_summary("P-0001"), _summary("P-0002"), _summary("P-0003")]
    model.set_rows(rows)
    changed = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_rows([rows[0], replace(rows[1], status="paused"), rows[2]])
    assert changed == [(1, 1)]
    with qtbot.waitSignal(model.modelReset):
        model.set_rows([*rows, _summary("P-0004")])
    assert model.rowCount() == 4


def test_proxy_sorts_by_time_and_filters_any_column(qtbot):
    model = PromotionTableModel()
    model.set_rows([_summary("P-0001", created="2026-02-18T08:30:00Z"),
                    _summary("P-0002", created="2026-02-18T09:30:00Z", to_env="us-prod"),
                    _summary("P-0003", created="2026-02-17T23:00:00Z")])
    proxy = PromotionFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(CREATED, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["P-0002", "P-0001", "P-0003"]
    proxy.setFilterFixedString("US-PROD")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["P-0002"]


def test_timeline_model_over_a_real_run(qtmodeltester, site):
    pid = new_promotion(site)
    Executor(site, pid, doubles_registry()).run()
    snapshot = load_run_snapshot(site, pid, "bob")
    model = TimelineTableModel()
    model.set_rows(timeline_rows(snapshot))
    qtmodeltester.check(model)
    assert model.rowCount() == len(snapshot.state.steps)
    marks = [model.index(r, MARK).data() for r in range(5)]
    assert marks == ["✓", "✓", "✓", "…", "○"]
    approval = model.row_of("approval")
    assert model.index(approval, SUMMARY).data() == "1 approval(s) needed"
    assert model.row(approval).current
    assert snapshot.refusal("approve") is None  # bob is an approver, not the requester


def test_key_value_model(qtmodeltester):
    model = KeyValueTableModel()
    model.set_mapping({"targets": [{"name": "t01"}, {"name": "t02"}], "verdict": "PASS",
                       "count": 3, "ids": [1, 2]})
    qtmodeltester.check(model)
    # labelled fields; the list of records is a table of its own (record_tables)
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == \
        ["Count", "Ids", "Verdict"]
    assert model.index(1, 1).data() == "1, 2"
    assert record_tables({"targets": [{"name": "t01"}, {"name": "t02", "changed": True}]}) == \
        [("Targets", ["Name", "Changed"], [["t01", "—"], ["t02", "yes"]])]
    nested = {"policy": {"name": "baseline", "version": "3"}, "approval_required": False}
    assert fields(nested) == [("Approval required", "no"), ("Policy › Name", "baseline"),
                              ("Policy › Version", "3")]
