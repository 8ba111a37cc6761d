"""A site created before the site roster is adopted by `stella init --admin NAME`: the
first admin signs what the site already holds; until then nothing acts."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import delete, update

from app.cli.main import main
from app.errors import Rejected
from app.services import identity, setup, site_roster
from models.tables import RosterRecordRow, User
from tests.support.factories import add_release, passphrase_of


def _legacy(site):
    """The site as an older build left it: no roster, no executor key, one user keyless."""
    with site.db.write() as session:
        session.execute(delete(RosterRecordRow))
        session.execute(update(User).where(User.name == "audrey").values(key_id=None,
                                                                          public_key_pem=None))
        session.execute(delete(User).where(User.name == "admin"))
    (site.paths.keys / "executor.key").unlink()


def test_a_site_without_roster_is_adopted_by_its_first_admin(site, tmp_path, capsys):
    from app.services import promotions
    from tests.support.factories import who

    _legacy(site)
    add_release(site)
    with pytest.raises(Rejected, match="run `stella init --admin NAME`"):
        identity.authenticate(site, "alice", passphrase_of("alice"))
    secret = tmp_path / "ada.pass"
    secret.write_text("ada-admin-passphrase\n")
    os.chmod(secret, 0o600)
    setup.init_site(site.config, "ignored", admin="ada", passphrase="ada-admin-passphrase")
    roster = site_roster.read(site)
    assert roster.is_admin("ada") and roster.executor_keys()
    assert [e.name for e in roster.environments()] == ["eu-prod", "eu-stage"]
    assert roster.environment("eu-prod").approvals_required == 1
    assert {u.name: u.role for u in roster.users()} == {
        "ada": "admin", "alice": "release-manager", "bob": "approver", "carol": "approver",
        "olga": "operator"}
    assert "audrey" not in [u.name for u in setup.list_users(site)]  # no key: not enrolled
    assert identity.authenticate(site, "olga", passphrase_of("olga")).role == "operator"
    promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    ada = identity.authenticate(site, "ada", "ada-admin-passphrase")
    identity.create_user(site, ada, "audrey", "auditor", "audrey-new-passphrase")
    assert identity.authenticate(site, "audrey", "audrey-new-passphrase").role == "auditor"
    capsys.readouterr()
    assert main(["init", "--home", str(site.paths.home), "--admin", "zed",
                 "--passphrase-file", str(secret)]) == 1
    assert "a site already exists" in capsys.readouterr().err
