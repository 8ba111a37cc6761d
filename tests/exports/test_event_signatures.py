"""Someone who can write the database adds or rewrites a run's events with the product's
own code: the hash chain and the site log hold, but no valid signature backs the rows.
`stella timeline` (and the GUI chain line, through the same check) and `stella verify`
with the shipped roster both refuse, naming the promotion and the event."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.cli.main import main
from app.services import promotions
from app.services.history import history_of
from engine.roster import sign_new_events
from engine.run import events as ev
from models import run_store
from models.tables import RunEvent
from tests.support import exporting
from tests.support.factories import signer_of, who


def _append(site, pid, new):
    with site.db.write() as session:
        events, state = promotions.load_run_in(session, pid)
        return run_store.append(session, pid, state.head, new(len(events), state.head))


def _export(site, pid, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    return out / outcome.files.archive.name


def _refused_everywhere(site, pid, tmp_path, capsys, words):
    check = history_of(site, pid)
    assert not check.ok and f"promotion {pid}" in check.summary and words in check.summary
    capsys.readouterr()
    assert main(["timeline", pid, "--home", str(site.paths.home)]) == 1
    err = capsys.readouterr().err
    assert pid in err and words in err
    archive = _export(site, pid, tmp_path)
    assert main(["verify", str(archive), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failing = [c["message"] for c in report["checks"]
               if c["level"] == "event-chain" and c["status"] == "fail"]
    assert any(f"promotion {pid}" in m and words in m for m in failing), failing


def test_a_signed_history_passes_and_says_so(sealed, tmp_path, capsys):
    site, pid = sealed
    check = history_of(site, pid)
    assert check.ok and "signed by their actors' roster keys" in check.summary
    archive = _export(site, pid, tmp_path)
    assert main(["verify", str(archive), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert any(c["level"] == "event-chain" and c["status"] == "pass" and "signed by their actors" in
               c["message"] for c in report["checks"])


def test_an_unsigned_event_added_to_the_chain_is_refused(sealed, tmp_path, capsys):
    site, pid = sealed
    [added] = _append(site, pid, lambda _seq, _head: [
        ev.NewEvent(ev.RUN_REQUESTED, actor="olga", at=site.now(), reason="again")])
    _refused_everywhere(site, pid, tmp_path, capsys,
                        f"event #{added.seq} (run.requested by olga) carries no signature")


def test_an_event_signed_by_a_key_the_roster_never_held_is_refused(sealed, tmp_path, capsys):
    site, pid = sealed
    new = [ev.NewEvent(ev.RUN_REQUESTED, actor="olga", at=site.now(), reason="again")]
    [added] = _append(site, pid, lambda seq, head: sign_new_events(
        pid, seq, head, new, signer_of("mallory")))
    _refused_everywhere(site, pid, tmp_path, capsys,
                        f"event #{added.seq} (run.requested by olga) is signed by key")


def test_a_rewritten_event_keeping_its_old_signature_is_refused(sealed, tmp_path, capsys):
    """The last event's row replaced by a copy with another reason, its hash recomputed."""
    site, pid = sealed
    with site.db.write() as session:
        last = session.scalars(select(RunEvent).where(RunEvent.promotion_id == pid)
                               .order_by(RunEvent.seq.desc()).limit(1)).one()
        body = json.loads(bytes(last.raw))
        rewritten = ev.Event.seal(
            ev.NewEvent(body["type"], actor=body["actor"], at=body["at"], step=body["step"],
                        reason="rewritten", data=body["data"]), seq=body["seq"], prev=body["prev"])
        assert "signature" in rewritten.data
        last.raw, last.hash = rewritten.raw, rewritten.hash
    _refused_everywhere(site, pid, tmp_path, capsys, "the signature does not match the event")
