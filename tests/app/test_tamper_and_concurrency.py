from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from app.cli.main import main
from app.executor import Executor
from app.services import promotions
from devkit.doubles import doubles_registry
from tests.support.factories import add_release, who

ROOT = Path(__file__).resolve().parents[2]


def test_tampered_event_breaks_the_timeline(site, capsys):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    home = str(site.paths.home)
    assert main(["--home", home, "timeline", pid]) == 0
    db = sqlite3.connect(site.paths.db_file)
    raw = bytearray(db.execute("SELECT raw FROM run_events WHERE promotion_id=? AND seq=4",
                               (pid,)).fetchone()[0])
    raw[raw.index(b"gate-eval")] ^= 0x20  # one byte: 'g' -> 'G'
    db.execute("UPDATE run_events SET raw=? WHERE promotion_id=? AND seq=4", (bytes(raw), pid))
    db.commit()
    db.close()
    capsys.readouterr()
    assert main(["--home", home, "timeline", pid]) == 1
    err = capsys.readouterr().err
    assert "broken at event #4" in err and "altered" in err


def _executor(home: str, pid: str, delay: str) -> subprocess.Popen:
    env = {**os.environ, "STELLA_TEST_STEP_DELAY": delay, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "devkit.run_with_doubles", "--home", home,
                             "run", pid], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_executors_exactly_one_advances(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    home = str(site.paths.home)
    first, second = _executor(home, pid, "0.15"), _executor(home, pid, "0.15")
    results = [(p.wait(timeout=120), p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 4], results
    loser_err = next(out[1] for code, out in results if code == 4)
    assert "only one executor may advance a run" in loser_err
    events, state = promotions.load_run(site, pid)
    assert state.status == "completed"
    started = [e.step for e in events if e.type == "step.started"]
    assert len(started) == len(set(started))  # every step ran exactly once
