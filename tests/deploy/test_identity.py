"""Users' own keys: enrolled by an admin, created encrypted and owner-only, opened only
with the passphrase, checked against the site roster; every refusal says what to do."""

from __future__ import annotations

import os
import stat

import pytest

from app.errors import NotFound, Rejected, UsageError
from app.services import identity, setup, site_roster
from engine.crypto.keys import PublicKey, keyid_of
from tests.support.factories import admin, passphrase_of

PASS = "correct horse battery"


def test_a_user_with_a_passphrase_gets_an_encrypted_owner_only_key(site):
    user = identity.create_user(site, admin(site), "dana", "approver", PASS,
                                entropy=lambda n: b"\x07" * n)
    path = identity.key_path(site, "dana")
    assert path == site.paths.keys / "users" / "dana.key"
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    public = PublicKey.from_pem(user.public_key_pem)
    assert user.key_id == public.keyid == keyid_of(public.spki_der)
    me = identity.authenticate(site, "dana", PASS)
    assert (me.name, me.role, me.key_id) == ("dana", "approver", user.key_id)
    assert PASS not in repr(me) and "signer" not in repr(me)


def test_refusals_say_why(site):
    identity.create_user(site, admin(site), "dana", "approver", PASS)
    with pytest.raises(identity.AuthenticationFailed, match="^wrong passphrase for dana's key$"):
        identity.authenticate(site, "dana", "not the passphrase")
    with pytest.raises(identity.AuthenticationFailed, match="give its passphrase"):
        identity.authenticate(site, "dana", None)
    with pytest.raises(identity.AuthenticationFailed, match="wrong passphrase for bob's key"):
        identity.authenticate(site, "bob", PASS)
    with pytest.raises(NotFound, match="no user named nobody"):
        identity.authenticate(site, "nobody", PASS)
    with pytest.raises(Rejected, match="user dana already exists"):
        identity.create_user(site, admin(site), "dana", "operator", PASS)
    with pytest.raises(Rejected, match="say who you are"):
        identity.authenticate(site, "", PASS)


def test_a_short_passphrase_is_refused_before_anything_is_written(site):
    with pytest.raises(UsageError, match="at least 8 characters"):
        identity.create_user(site, admin(site), "erin", "approver", "short")
    with pytest.raises(NotFound):
        setup.get_user(site, "erin")
    assert not identity.key_path(site, "erin").exists()
    assert site_roster.read(site).user("erin") is None


def test_a_replaced_key_file_is_refused(site):
    identity.create_user(site, admin(site), "dana", "approver", PASS)
    identity.create_user(site, admin(site), "fred", "approver", PASS)
    identity.key_path(site, "fred").replace(identity.key_path(site, "dana"))
    with pytest.raises(identity.AuthenticationFailed,
                       match="which the site roster does not hold for dana .replaced or revoked."):
        identity.authenticate(site, "dana", PASS)


def test_passphrases_from_a_file_or_the_environment(tmp_path):
    file = tmp_path / "pass"
    file.write_text(PASS + "\n")
    os.chmod(file, 0o600)
    assert identity.read_passphrase(file) == PASS
    assert identity.read_passphrase(None, {"STELLA_PASSPHRASE": "from-env-pass"}) == "from-env-pass"
    assert identity.read_passphrase(None, {}) is None
    if os.name == "posix":
        os.chmod(file, 0o644)
        with pytest.raises(Rejected, match=r"readable by others \(mode 0644\): chmod 600"):
            identity.read_passphrase(file)
    with pytest.raises(UsageError, match="cannot read the passphrase file"):
        identity.read_passphrase(tmp_path / "absent")


def test_every_actor_needs_their_passphrase(site):
    with pytest.raises(identity.AuthenticationFailed, match="olga acts with their own key"):
        identity.confirm_actor(site, "olga", None)
    assert identity.confirm_actor(site, "olga", passphrase_of("olga")).name == "olga"


def test_a_replaced_key_counts_from_then_on_and_the_old_one_stops(site):
    old = identity.authenticate(site, "olga", passphrase_of("olga"))
    new_keyid = identity.replace_key(site, admin(site), "olga", PASS)
    roster = site_roster.read(site)
    assert roster.user("olga").keyids == (new_keyid,)
    assert roster.key(old.key_id) is None and roster.key(new_keyid).user == "olga"
    assert identity.authenticate(site, "olga", PASS).key_id == new_keyid


def test_role_changes_and_revocation_are_admin_records(site):
    identity.change_role(site, admin(site), "olga", "release-manager")
    assert identity.authenticate(site, "olga", passphrase_of("olga")).role == "release-manager"
    identity.revoke_user(site, admin(site), "olga")
    with pytest.raises(identity.AuthenticationFailed, match="olga was revoked"):
        identity.authenticate(site, "olga", passphrase_of("olga"))
    assert "olga" not in [u.name for u in setup.list_users(site)]
    with pytest.raises(Rejected, match="olga was already revoked"):
        identity.revoke_user(site, admin(site), "olga")
    with pytest.raises(Rejected, match="rule: last-admin"):
        identity.revoke_user(site, admin(site), "admin")
