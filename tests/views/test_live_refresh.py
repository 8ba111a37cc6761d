"""The run view follows a run that advances elsewhere, without blocking the GUI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QTimer

from app.context import Site
from app.executor import Executor
from app.services import promotions
from app.steps.base import StepRegistry
from devkit.doubles import doubles_registry
from tests.views.conftest import new_promotion, open_run

ROOT = Path(__file__).resolve().parents[2]


def _advance_in_thread(config, pid: str, delay: float) -> tuple[threading.Thread, list]:
    """The real executor on its own Site (own engine, as another process would have)."""
    errors: list[BaseException] = []

    def work() -> None:
        other = Site.open(config)
        try:
            Executor(other, pid, doubles_registry(delay=delay)).run()
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)
        finally:
            other.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, errors


def test_a_run_advancing_in_another_thread_refreshes_the_view(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    seen: list[str] = []
    view.snapshot_loaded.connect(lambda snap: seen.append(snap.state.current_step or "end"))
    thread, errors = _advance_in_thread(site.config, pid, delay=0.03)
    qtbot.waitUntil(lambda: view.snapshot.state.status == "completed", timeout=15_000)
    thread.join(5)
    assert not errors
    assert view.header.status_badge.text() == "COMPLETED"
    marks = {view.model.row(r).step: view.model.row(r).mark for r in range(view.model.rowCount())}
    assert marks.pop("approval") == "–"  # eu-stage needs no approval: skipped
    assert set(marks.values()) == {"✓"}
    # it was followed step by step, not just seen at the end
    assert len(set(seen)) >= 4
    row = window.promotions.model.row_of(pid)
    qtbot.waitUntil(lambda: window.promotions.model.summary(row).status == "completed")


def test_the_gui_thread_never_blocks_while_a_run_advances(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    clock = QElapsedTimer()
    clock.start()
    gaps: list[int] = []
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    loads = []
    view.snapshot_loaded.connect(loads.append)
    # the in-app executor (broadcasts every append and log line) and the poller both
    # drive refreshes while the steps take a little time each
    window.ctx.executors.registry_factory = lambda: doubles_registry(delay=0.05)
    assert window.ctx.executors.start(pid)
    qtbot.waitUntil(lambda: view.snapshot.state.status == "completed", timeout=15_000)
    timer.stop()
    assert len(loads) >= 4 and len(gaps) >= 20
    assert max(gaps) < 100, f"GUI thread blocked for {max(gaps)} ms"


def test_a_missing_step_implementation_is_a_clear_error(qtbot, window, site):
    window.ctx.executors.registry_factory = StepRegistry  # a build with no step at all
    pid = new_promotion(site, "eu-stage")
    open_run(qtbot, window, pid)
    with qtbot.waitSignal(window.errors.presented, timeout=10_000) as shown:
        window.ctx.executors.start(pid)  # the in-app executor, asked for explicitly
    message = shown.args[0]
    assert message.startswith("cannot start Inputs Materialized: this build has no "
                              "implementation for the 'inputs-materialized' step")
    assert "Traceback" not in message
    window.errors.boxes[-1].accept()
    _, state = promotions.load_run(site, pid)
    assert state.step("inputs-materialized").status == "pending"


def test_a_run_advancing_in_another_process_refreshes_the_view(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    env = {**os.environ, "STELLA_TEST_STEP_DELAY": "0.02", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "devkit.run_with_doubles", "--home",
         str(site.paths.home), "run", pid], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        qtbot.waitUntil(lambda: view.snapshot.state.status == "completed", timeout=30_000)
    finally:
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    assert time.monotonic() - started < 30
    assert view.header.status_badge.text() == "COMPLETED"
