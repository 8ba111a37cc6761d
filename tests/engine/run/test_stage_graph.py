from __future__ import annotations

import pytest

from engine.run import graph
from engine.run.stages import Workflow


def _layout(name: str = "canary-10-50-100") -> graph.StageGraphLayout:
    return graph.layout_steps(Workflow.parse(name).steps())


def test_steps_are_in_run_order_one_column_each():
    steps = Workflow.parse("canary-10-50-100").steps()
    result = graph.layout_steps(steps)
    columns = [result.node(name).column for name in steps]
    assert columns == [float(i) for i in range(len(steps))]
    assert result.columns == len(steps)
    assert {result.node(name).lane for name in steps} == {graph.MAIN_LANE}


def test_approval_branch_skips_from_gate_to_deploy_start():
    result = _layout()
    branches = [e for e in result.edges if e.kind == graph.BRANCH]
    assert [(e.source, e.target) for e in branches] == [("gate-eval", "deploy-start")]
    assert branches[0].label == "no approval required"


def test_every_canary_stage_has_a_rollback_edge_to_the_side_node():
    result = _layout("canary-5-25-60-100")
    rollbacks = sorted((e.source, e.target) for e in result.edges if e.kind == graph.ROLLBACK)
    assert rollbacks == sorted((f"deploy-{p}", graph.ROLLBACK_NODE) for p in (5, 25, 60, 100))
    side = result.node(graph.ROLLBACK_NODE)
    assert side.lane == graph.ROLLBACK_LANE and side.kind == graph.SIDE
    deploy_columns = [result.node(f"deploy-{p}").column for p in (5, 25, 60, 100)]
    assert side.column == sum(deploy_columns) / 4


def test_forward_edges_chain_the_steps():
    steps = Workflow.parse("canary-50-100").steps()
    result = graph.layout_steps(steps)
    forward = [(e.source, e.target) for e in result.edges if e.kind == graph.FORWARD]
    assert forward == list(zip(steps, steps[1:], strict=False))


def test_layout_is_deterministic():
    assert _layout() == _layout()


def test_steps_without_approval_or_deploys_have_no_extra_edges():
    result = graph.layout_steps(["promotion-created", "inputs-materialized", "complete"])
    assert {e.kind for e in result.edges} == {graph.FORWARD}
    assert [n.name for n in result.nodes] == ["promotion-created", "inputs-materialized", "complete"]


@pytest.mark.parametrize("steps, match", [([], "at least one"), (["a", "b", "a"], "twice")])
def test_bad_step_lists_are_refused(steps, match):
    with pytest.raises(graph.StageGraphError, match=match):
        graph.stage_graph(steps)

