"""An export killed between its rename and its custody event is recorded at the next
start; one killed while writing leaves nothing on the medium after the next start;
a medium that is out is reported and resolved when it is back."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from airgap_bundles.audit import verify_path
from app.context import Site
from app.services import doctor, history, promotions
from app.site import SiteConfig
from engine.roster import EXECUTOR
from engine.run import events as ev
from tests.support import exporting
from tests.support.factories import who

REPO = Path(__file__).resolve().parents[2]


def _custody_events(site, pid):
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == ev.EXPORT_RECORDED]


def _export_and_kill(site, pid, out: Path, where: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.export_then_die", str(site.paths.home), pid,
         str(out), where], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr


def _reopen(site, lines: list[str]) -> Site:
    config = SiteConfig.resolve(home=site.paths.home, clock=site.clock)
    import app.services.export_intents as intents

    real = intents.recover_at_start
    try:
        intents.recover_at_start = lambda s: real(s, report=lines.append)
        return Site.open(config)
    finally:
        intents.recover_at_start = real


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "medium"
    folder.mkdir()
    return folder


def test_a_kill_between_rename_and_custody_is_recorded_at_the_next_start(sealed, out):
    site, pid = sealed
    before = len(_custody_events(site, pid))
    _export_and_kill(site, pid, out, "after-rename")

    archive = out / f"{pid}-auditor-bundle.tar.gz"
    assert archive.is_file()  # complete on the medium…
    assert len(_custody_events(site, pid)) == before  # …and unknown to the site
    assert len(list(site.paths.custody.glob("*.json"))) == 1
    assert [f.area for f in doctor.examine(site.config).problems] == ["custody"]

    lines: list[str] = []
    reopened = _reopen(site, lines)
    try:
        assert [r.outcome for r in reopened.export_recovery] == ["recorded"]
        assert len(lines) == 1 and "verified and now recorded" in lines[0]
        assert not doctor.examine(site.config).problems
        [custody] = _custody_events(reopened, pid)[before:]
        # nobody is signed in at start-up: the executor key signs, the reason names who exported
        assert custody.actor == EXECUTOR and "audrey" in (custody.reason or "")
        assert custody.data["archive"] == archive.name
        assert history.history_of(reopened, pid).ok  # the recovered record is signed
        receipt = out / f"{archive.name}.custody.dsse.json"
        assert receipt.is_file() and stat.S_IMODE(receipt.stat().st_mode) == 0o600
        assert not list(site.paths.custody.glob("*.json"))
        assert sorted(p.name for p in out.iterdir()) == [archive.name, receipt.name]
        report = verify_path(archive)
        assert report.ok, report.text()
    finally:
        reopened.close()
    again: list[str] = []
    _reopen(site, again).close()
    assert again == []  # resolved once, not at every start


def test_a_kill_while_writing_leaves_no_hidden_file_after_the_next_start(sealed, out):
    site, pid = sealed
    before = len(_custody_events(site, pid))
    _export_and_kill(site, pid, out, "while-writing")
    hidden = [p.name for p in out.iterdir()]
    assert hidden and all(n.startswith(".") and n.endswith(".partial") for n in hidden)

    lines: list[str] = []
    reopened = _reopen(site, lines)
    try:
        assert [r.outcome for r in reopened.export_recovery] == ["abandoned"]
        assert "interrupted before it was complete" in lines[0]
        assert list(out.iterdir()) == []
        assert len(_custody_events(reopened, pid)) == before
        assert not list(site.paths.custody.iterdir())
    finally:
        reopened.close()


def test_an_absent_medium_is_reported_until_it_is_back(sealed, tmp_path):
    site, pid = sealed
    stick = tmp_path / "stick"
    stick.mkdir()
    _export_and_kill(site, pid, stick, "after-rename")
    away = tmp_path / "elsewhere"
    shutil.move(stick, away)

    for _ in range(2):
        lines: list[str] = []
        _reopen(site, lines).close()
        assert len(lines) == 1 and "is not reachable" in lines[0]
        assert len(list(site.paths.custody.glob("*.json"))) == 1

    shutil.move(away, stick)
    lines = []
    reopened = _reopen(site, lines)
    try:
        assert [r.outcome for r in reopened.export_recovery] == ["recorded"]
        assert _custody_events(reopened, pid)[-1].data["archive"] == f"{pid}-auditor-bundle.tar.gz"
    finally:
        reopened.close()


def test_a_live_export_in_another_process_is_left_alone(sealed, out, monkeypatch):
    """Start-up elsewhere while an export runs must not take its files away."""
    site, pid = sealed
    from airgap_bundles.export import writer

    seen: list[list[str]] = []
    real_commit = writer.PreparedExport.commit

    def commit(self):
        lines: list[str] = []
        _reopen(site, lines).close()  # another start while this export holds its intent
        seen.append(lines)
        return real_commit(self)

    monkeypatch.setattr(writer.PreparedExport, "commit", commit)
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    assert seen == [[]]
    assert (out / outcome.files.archive.name).is_file()
    assert not list(site.paths.custody.glob("*.json"))


def test_custody_receipt_is_private_under_umask_022(sealed, out):
    site, pid = sealed
    old = os.umask(0o022)
    try:
        outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(outcome.custody_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / outcome.files.archive.name).stat().st_mode) == 0o600


def test_another_medium_at_the_same_path_is_said_not_guessed(sealed, out):
    site, pid = sealed
    before = len(_custody_events(site, pid))
    _export_and_kill(site, pid, out, "after-rename")
    for path in out.iterdir():  # the stick with the export went away; an empty one is here
        path.unlink()
    lines: list[str] = []
    reopened = _reopen(site, lines)
    try:
        assert [r.outcome for r in reopened.export_recovery] == ["abandoned"]
        assert "is not in" in lines[0] and "never recorded" in lines[0]
        assert len(_custody_events(reopened, pid)) == before
    finally:
        reopened.close()
