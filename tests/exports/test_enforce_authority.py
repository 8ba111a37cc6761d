"""What someone who can write the database could do, found by the site and offline:
an approval forged into the run's events, and the tail of a history cut off."""

from __future__ import annotations

from sqlalchemy import delete, select

from airgap_bundles.audit import verify_path
from app.cli.main import main
from app.executor import Executor
from app.services import approvals, promotions
from app.services.history import history_of
from engine.run import events as ev
from models import run_store
from models.event_leaf import EventLeaf
from models.tables import RunEvent
from tests.support import exporting
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, passphrase_of, who


def _export(site, pid, tmp_path, name="out"):
    out = tmp_path / name
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    return out / outcome.files.archive.name


def _cut(site, pid, count, with_log_records=False):
    """Delete the last ``count`` events of a run, as a database writer could."""
    with site.db.write() as session:
        last = session.scalar(select(RunEvent.seq).where(RunEvent.promotion_id == pid)
                              .order_by(RunEvent.seq.desc()).limit(1))
        session.execute(delete(RunEvent).where(RunEvent.promotion_id == pid,
                                               RunEvent.seq > last - count))
        if with_log_records:
            session.execute(delete(EventLeaf).where(EventLeaf.promotion_id == pid,
                                                    EventLeaf.seq > last - count))


def test_a_complete_history_verifies_everywhere(sealed, tmp_path, capsys):
    site, pid = sealed
    assert history_of(site, pid).ok
    assert main(["timeline", pid, "--home", str(site.paths.home)]) == 0
    report = verify_path(_export(site, pid, tmp_path))
    assert report.ok, report.text()
    assert any(c.level == "completeness" and c.ok for c in report.checks)


def test_a_cut_tail_fails_the_timeline_and_the_verifier_naming_the_promotion(sealed, tmp_path,
                                                                               capsys):
    site, pid = sealed
    _export(site, pid, tmp_path, "first")  # its custody event is the run's last event
    _cut(site, pid, 1)
    capsys.readouterr()
    assert main(["timeline", pid, "--home", str(site.paths.home)]) == 1
    err = capsys.readouterr().err
    assert pid in err and "events were deleted" in err
    assert not history_of(site, pid).ok
    archive = _export(site, pid, tmp_path, "second")
    assert main(["verify", str(archive)]) == 1
    text = capsys.readouterr().out
    assert "NOT VERIFIED" in text and f"promotion {pid}" in text and "history was cut" in text


def test_a_cut_tail_with_its_log_records_is_still_found(sealed, tmp_path, capsys):
    site, pid = sealed
    _export(site, pid, tmp_path, "first")
    _cut(site, pid, 1, with_log_records=True)
    check = history_of(site, pid)
    assert not check.ok and "log records were deleted" in check.summary
    capsys.readouterr()
    assert main(["timeline", pid, "--home", str(site.paths.home)]) == 1
    assert pid in capsys.readouterr().err


def test_a_forged_approval_fails_the_auditor_bundle(trusted_site, tmp_path, monkeypatch, capsys):
    """As before signatures were enforced: the site let the forged rows through (the
    executor's check is switched off here), sealed and exported the run; `stella
    verify` must still refuse it, offline."""
    site = trusted_site
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"),
                                      "eu-stage")
    assert Executor(site, pid, doubles_registry()).run().why == "waiting for approval"
    with site.db.write() as session:
        _, state = promotions.load_run_in(session, pid)
        run_store.append(session, pid, state.head, [
            ev.NewEvent(ev.APPROVAL_GRANTED, actor="bob", at=site.now(), step="approval",
                        reason="looks fine"),
            ev.NewEvent(ev.STEP_SUCCEEDED, actor="bob", at=site.now(), step="approval",
                        data={"summary": "approved by bob", "outputs": {"approvers": ["bob"]}})])
    monkeypatch.setattr("app.executor.approval_refusal", lambda *a: None, raising=False)
    Executor(site, pid, doubles_registry()).run()
    assert promotions.load_run(site, pid)[1].status == "completed"
    archive = _export(site, pid, tmp_path)
    capsys.readouterr()
    assert main(["verify", str(archive)]) == 1
    text = capsys.readouterr().out
    assert "NOT VERIFIED" in text and "approval by bob is not backed by a valid signature" in text



def test_a_signed_approval_verifies_offline(trusted_site, tmp_path):
    site = trusted_site
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"),
                                      "eu-stage")
    Executor(site, pid, doubles_registry()).run()
    approvals.approve(site, pid, "bob", passphrase_of("bob"), "change window agreed")
    Executor(site, pid, doubles_registry()).run()
    assert promotions.load_run(site, pid)[1].status == "completed"
    report = verify_path(_export(site, pid, tmp_path))
    assert report.ok, report.text()
    passed = [c.message for c in report.checks if c.level == "approvals" and c.ok]
    assert any("signed by an approver the roster enrolled (bob)" in m for m in passed)
    assert "first admin admin" in report.facts["roster genesis"]
