from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from app.screens.snapshots import load_run_snapshot
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion
from views.common.palette import status_colour
from views.stage_graph.view import StageGraphView


def _graph(qtbot, site, to_env: str, **run) -> tuple[StageGraphView, str]:
    pid = new_promotion(site, to_env)
    Executor(site, pid, doubles_registry()).run(**run)
    view = StageGraphView()
    qtbot.addWidget(view)
    view.show_snapshot(load_run_snapshot(site, pid, "olga"))
    return view, pid


def test_nodes_are_coloured_by_status_and_rollback_edges_are_dashed(qtbot, site):
    view, _ = _graph(qtbot, site, "eu-stage", until="deploy-10")
    assert view.nodes["deploy-10"].status == "succeeded"
    assert view.nodes["deploy-10"].pen().color() == status_colour("succeeded")
    assert view.nodes["deploy-50"].status == "pending"
    assert view.nodes["auto-rollback"].side
    rollbacks = [(s, t) for s, t, kind in view.edge_kinds if kind == "rollback"]
    assert rollbacks == [("deploy-10", "auto-rollback"), ("deploy-50", "auto-rollback"),
                         ("deploy-100", "auto-rollback")]
    for key in rollbacks:
        assert view.edges[key][0].pen().style() == Qt.PenStyle.DashLine
    forward = view.edges[("deploy-10", "deploy-50")][0]
    assert forward.pen().style() == Qt.PenStyle.SolidLine
    # columns follow the layout: each step right of the one before
    xs = [view.nodes[name].pos().x() for name in ("gate-eval", "approval", "deploy-start")]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert view.nodes["auto-rollback"].pos().y() > view.nodes["deploy-50"].pos().y()


def test_the_approval_branch_is_marked_taken_when_approval_was_skipped(qtbot, site):
    skipped, _ = _graph(qtbot, site, "eu-stage", until="deploy-start")
    branch = skipped.edges[("gate-eval", "deploy-start")][0]
    assert branch.pen().color() == status_colour("succeeded")
    assert skipped.edges[("gate-eval", "approval")][0].pen().style() == Qt.PenStyle.DotLine

    waiting, _ = _graph(qtbot, site, "eu-prod")
    branch = waiting.edges[("gate-eval", "deploy-start")][0]
    assert branch.pen().color() != status_colour("succeeded")
    assert waiting.nodes["approval"].status == "waiting"


def test_double_clicking_a_stage_asks_for_its_detail(qtbot, site):
    view, _ = _graph(qtbot, site, "eu-stage", until="gate-eval")
    view.resize(1400, 400)
    view.show()
    qtbot.waitExposed(view)
    point = view.mapFromScene(view.nodes["gate-eval"].pos())
    with qtbot.waitSignal(view.node_activated) as activated:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert activated.args == ["gate-eval"]
