"""Helpers for the deploy screens' tests: a promotion onto fake targets, the run view
on it, and a stage's Deploy Stage View."""

from __future__ import annotations

from devkit.stage_fakes import start as start  # the promotion these tests watch
from views.deploy_stage.view import DeployStageView
from views.run_timeline.view import RunTimelineView

GATE = {"window_seconds": "10s", "interval_seconds": "1s", "max_p95_ms": "250ms"}
TARGETS = tuple(f"t{i:02d}" for i in range(1, 11))


def run_view(qtbot, ctx, pid: str) -> RunTimelineView:
    view = RunTimelineView(ctx)
    qtbot.addWidget(view)
    view.show_promotion(pid)
    qtbot.waitUntil(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid)
    return view


def stage_of(qtbot, view: RunTimelineView, step: str) -> DeployStageView:
    dialog = view.open_step_detail(step)
    qtbot.addWidget(dialog)
    stage = dialog.overview
    assert isinstance(stage, DeployStageView)
    qtbot.waitUntil(lambda: stage.stage is not None)
    return stage
