"""Deploy Stage View (seed §14.5) on real runs: fake targets on a fixed clock, the
product's deploy step and canary loop, the in-app executor, the run view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.executor import Executor
from app.qt.context import GuiContext
from app.screens.session import READ_ONLY
from app.services import promotions
from engine.canary.gate import percent
from engine.run import events as ev
from tests.support.deploy import advancing_wait
from tests.support.stage_fakes import StageEnv, SteppedWait
from tests.views.conftest import sign_in_as
from tests.views.deploy_helpers import GATE, TARGETS, run_view, stage_of, start
from views.common.reason_dialog import ReasonDialog
from views.deploy_stage.models import HEALTH, LOGS, StageTargetTableModel


@pytest.fixture
def stepped(site):
    wait = SteppedWait(site.clock.advance)
    yield wait
    wait.stop()


@pytest.fixture
def stage_env(site, stepped) -> StageEnv:
    return StageEnv(site, "fake-prod", TARGETS, GATE, stepped, error_rate=0.004)


@pytest.fixture
def stage_gui(qtbot, site, stage_env):
    """A context whose in-app executor runs the product's deploy steps on the fakes."""
    ctx = GuiContext(site, stage_env.registry, poll_interval_ms=100)
    sign_in_as(ctx, "olga")
    yield ctx
    stage_env.wait.stop()
    assert ctx.shutdown(10_000), "background tasks did not stop"


def test_the_view_follows_a_measuring_stage_and_continue_waits_for_the_criteria(
        qtbot, qtmodeltester, site, stage_env, stage_gui):
    pid = start(stage_env)
    view = run_view(qtbot, stage_gui, pid)
    stage_gui.executors.start(pid)
    qtbot.waitUntil(lambda: view.snapshot.status_of("deploy-10") == "running", timeout=10_000)
    assert not view.stage_button.isHidden()  # the run view leads to the current stage
    stage = stage_of(qtbot, view, "deploy-10")
    qtbot.waitUntil(lambda: stage.stage.phase == "measuring")  # the baseline is in
    stage_env.wait.step(3)
    qtbot.waitUntil(lambda: stage.stage.measurements == 3, timeout=10_000)

    measured = stage.stage
    assert (measured.healthy, measured.total, measured.environment_targets) == (1, 1, 10)
    assert measured.policy == "proceed if 95% healthy for 10s, error rate < 1%, p95 < 250ms"
    assert measured.slo == "MEASURING" and not measured.auto_rollback
    current = stage.fields["current"].text()
    assert "healthy <b>1/1</b> (of 10 in fake-prod)" in current
    assert f"Error rate: <b>{percent(measured.error_rate)}</b>" in current
    assert f"Latency p95: <b>{measured.p95_ms:.0f}ms</b>" in current and "MEASURING" in current
    assert "NOT TRIGGERED" in stage.fields["trigger"].text()
    assert stage.progress.value() == 300
    assert stage.fields["progress"].text().startswith("30% of the window — 3s of 10s observed")
    # the charts draw the measurements the gate decided on, with the gate's limits
    assert [round(s.seconds) for s in stage.error_chart.samples] == [1, 2, 3]
    assert stage.error_chart.limit == 0.01 and stage.latency_chart.limit == 250.0
    assert [s.value for s in stage.latency_chart.samples] == [p.p95_ms for p in measured.points]
    assert all(0 < s.value < 250 for s in stage.latency_chart.samples)
    # the targets: the stage's share on the release, the rest still old
    first, second = stage.model.row(0), stage.model.row(1)
    assert (first.name, first.health, first.in_stage) == ("t01", "healthy", True)
    assert first.version == f"1.3.0-rc1@{view.snapshot.state.release['digest'][7:15]}"
    assert first.notes.startswith("ok · err ")
    assert (second.name, second.version, second.health) == ("t02", "old", "pending")
    assert second.notes == "pending — joins at Deploy Canary 50%"
    assert stage.model.index(0, HEALTH).data() == "✓" and stage.model.index(1, HEALTH).data() == "○"
    qtmodeltester.check(stage.model)

    button = stage.continue_button
    assert button.text() == "Continue to 50%" and not button.isEnabled()
    assert button.toolTip().startswith("Not now: the stage's health criteria are not met yet (30% of the "
                                       "window")
    stage_env.wait.step(7)
    qtbot.waitUntil(lambda: button.isEnabled() and stage.stage.slo == "OK", timeout=10_000)
    assert stage.progress.value() == 1000
    assert button.toolTip() == "Continue to 50%: this stage's health criteria are met"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = stage.launcher.active_dialog
    assert isinstance(dialog, ReasonDialog) and dialog.action == "continue"
    assert dialog.ok_button.isEnabled()  # continue needs no reason
    with qtbot.waitSignal(stage.launcher.recorded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    events, state = promotions.load_run(site, pid)
    assert (events[-1].type, events[-1].actor) == (ev.ACTION_CONTINUE, "olga")
    assert state.step("deploy-10").status == "succeeded"


def test_a_breach_shows_the_trigger_and_the_returned_targets(qtbot, site, gui):
    env = StageEnv(site, "breach-prod", TARGETS, GATE, advancing_wait(site.clock), error_rate=0.2)
    pid = start(env)
    Executor(site, pid, env.registry()).run()  # breached at 10%: rolled back automatically
    assert set(env.versions().values()) == {"1.2.0"}
    sign_in_as(gui, "olga")
    view = run_view(qtbot, gui, pid)
    stage = stage_of(qtbot, view, "deploy-10")
    measured = stage.stage
    assert measured.slo == "BREACHED" and measured.auto_rollback
    assert measured.trigger_reason.startswith("error rate ")
    trigger = stage.fields["trigger"].text()
    assert "TRIGGERED" in trigger and "NOT TRIGGERED" not in trigger and "not below 1%" in trigger
    assert [s.failed for s in stage.error_chart.samples] == [True]
    first = stage.model.row(0)
    assert (first.version, first.notes) == ("old (1.2.0)", "returned to 1.2.0 by a rollback")
    assert not stage.continue_button.isEnabled()
    assert stage.continue_button.toolTip() == "Not now: the run has ended (rolled-back)"
    assert not stage.rollback_button.isEnabled()


def test_a_target_log_link_opens_that_target_lines(qtbot, site, gui):
    env = StageEnv(site, "logs-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run()
    sign_in_as(gui, "olga")
    stage = stage_of(qtbot, run_view(qtbot, gui, pid), "deploy-10")
    with qtbot.waitSignal(stage.log_opened) as opened:
        index = stage.model.index(0, LOGS)
        stage.table.clicked.emit(index)
    logs = opened.args[0]
    qtbot.addWidget(logs)
    qtbot.waitUntil(lambda: bool(logs.text.toPlainText()))
    lines = logs.text.toPlainText().splitlines()
    assert any("[t01] deploy 1.3.0-rc1 (was 1.2.0)" in line for line in lines)
    assert all("t01" in line for line in lines)
    assert logs.count.text().endswith("line(s) of this step mention t01")


def test_auditors_are_read_only(qtbot, site, gui):
    env = StageEnv(site, "audit-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run()  # waiting for continue: everything is possible
    sign_in_as(gui, "audrey")
    view = run_view(qtbot, gui, pid)
    stage = stage_of(qtbot, view, "deploy-10")
    for button in (stage.pause_button, stage.continue_button, stage.rollback_button,
                   *view.actions_bar.buttons.values(), view.run_button):
        assert not button.isEnabled(), button.text()
        assert button.toolTip() == f"Not now: {READ_ONLY}", button.text()
    assert stage.health_button.isEnabled()  # looking is not acting
    sign_in_as(gui, "olga")
    qtbot.waitUntil(stage.continue_button.isEnabled)


def test_the_open_platform_health_button_asks_for_that_page(qtbot, site, gui):
    env = StageEnv(site, "nav-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run(until="deploy-start")
    stage = stage_of(qtbot, run_view(qtbot, gui, pid), "deploy-50")
    assert stage.stage.attempt == 0 and stage.stage.slo == "NOT MEASURED"
    assert stage.model.row(4).notes == "pending — the stage has not started"
    assert stage.error_chart.empty_text == "No measurements yet."
    with qtbot.waitSignal(gui.navigate_requested) as asked:
        qtbot.mouseClick(stage.health_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["platform-health"]
    # and it is not left behind the Step Detail: a window of its own, above it
    health = stage.health_window
    assert health is not None and health.isVisible() and health.isWindow()
    assert health.parentWidget() is stage.window()
    qtbot.mouseClick(stage.health_button, Qt.MouseButton.LeftButton)
    assert stage.health_window is health  # one window, raised again
    health.close()


def test_the_targets_model_passes_the_model_tester(qtmodeltester, site):
    env = StageEnv(site, "model-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run()
    from app.screens.deploy_snapshots import load_deploy_stage

    model = StageTargetTableModel()
    model.set_rows(load_deploy_stage(site, pid, "deploy-10").targets)
    qtmodeltester.check(model)
    assert model.rowCount() == 10 and model.row_of("t10") == 9
    model.set_rows([])
    qtmodeltester.check(model)
