from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from app.executor import Executor
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion, open_run


def test_overview_shows_timing_outcome_and_outputs(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    Executor(site, pid, doubles_registry()).run(until="deploy-10")
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("inputs-materialized")
    qtbot.addWidget(dialog)
    fields = dialog.overview.fields
    assert fields["status"].text() == "SUCCEEDED"
    assert fields["attempt"].text() == "1"
    assert fields["start"].text() == "Feb 18 2026, 08:30:00 UTC"
    assert fields["summary"].text() == "0 missing"
    assert fields["criteria"].text() == "—"
    assert dialog.overview.outputs.rowCount() == 0
    assert dialog.overview.no_outputs.isVisibleTo(dialog)
    assert dialog.tabs.tabText(2) == "Artifacts" and dialog.tabs.tabText(3) == "Evidence"
    # a canary stage's overview is the Deploy Stage View, with the targets it deployed
    stage = view.open_step_detail("deploy-10")
    qtbot.addWidget(stage)
    qtbot.waitUntil(lambda: stage.overview.stage is not None)
    assert [stage.overview.model.row(0).name, stage.overview.model.row(0).notes] == \
        ["t01", "deployed; not measured"]


def test_logs_arrive_while_the_step_runs_and_are_not_repeated(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("inputs-materialized")
    qtbot.addWidget(dialog)
    logs = dialog.logs
    qtbot.waitUntil(lambda: logs.text.toPlainText() == "" and not logs._refresher.busy)
    window.ctx.executors.registry_factory = lambda: doubles_registry(delay=0.05)
    with qtbot.waitSignal(window.ctx.executors.finished, timeout=15_000):
        window.ctx.executors.start(pid)
    qtbot.waitUntil(lambda: logs.shown == 2)
    lines = logs.text.toPlainText().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "inputs-materialized: working (attempt 1)", "inputs-materialized: 0 missing"]
    assert lines[0].startswith("2026-02-18T08:30:00Z [attempt 1]")


def test_save_log_writes_the_whole_log_in_a_worker(qtbot, window, site, tmp_path, monkeypatch):
    pid = new_promotion(site, "eu-stage")
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("gate-eval")
    qtbot.addWidget(dialog)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "gate.log"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(target), "")))
    with qtbot.waitSignal(dialog.logs.saved):
        dialog.logs.save_button.click()
    assert target.read_text(encoding="utf-8").splitlines() == [
        "2026-02-18T08:30:00Z [attempt 1] gate-eval: working (attempt 1)",
        "2026-02-18T08:30:00Z [attempt 1] gate-eval: PASS",
    ]
    assert dialog.logs.state_label.text() == f"Saved 2 line(s) to {target}"
    assert [p.name for p in out.iterdir()] == ["gate.log"]  # no temp file left
