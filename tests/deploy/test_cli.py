"""``stella`` for users' keys, signed approvals, authenticated actions and deploy settings."""

from __future__ import annotations

import json
import os

import pytest

from app.cli.main import main
from app.context import Site
from app.site import SiteConfig
from engine.clock import FixedClock
from tests.support.deploy import add_demo_release, product_registry
from tests.support.factories import START

ADMIN_PASS = "ada-admin-passphrase"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("STELLA_PASSPHRASE", raising=False)
    home = tmp_path / "home"
    assert main(["init", "--home", str(home), "--admin", "ada",
                 "--passphrase-file", passfile(tmp_path, "ada", ADMIN_PASS)]) == 0
    return home


def stella(home, *argv, capsys=None):
    code = main([*argv, "--home", str(home)], registry=product_registry())
    out = capsys.readouterr() if capsys else None
    return code, out


def passfile(tmp_path, name, text):
    path = tmp_path / f"{name}.pass"
    path.write_text(text + "\n")
    os.chmod(path, 0o600)
    return str(path)


def as_admin(tmp_path):
    """The options that make ada, the site's admin, the actor of a roster change."""
    return ["--as", "ada", "--passphrase-file", passfile(tmp_path, "ada", ADMIN_PASS)]


def enrol(home, tmp_path, name, role, secret):
    admin_file = passfile(tmp_path, "ada", ADMIN_PASS)
    return stella(home, "user", "add", name, "--role", role, "--passphrase-file",
                  passfile(tmp_path, name, secret), "--as", "ada",
                  "--admin-passphrase-file", admin_file)[0]


def test_users_keys_and_signed_approvals(home, tmp_path, capsys, monkeypatch):
    bob_pass = passfile(tmp_path, "bob", "bob-passphrase-1")
    alice_pass = passfile(tmp_path, "alice", "alice-passphrase-1")
    assert stella(home, "env", "add", "eu-prod", "--requires-approval", *as_admin(tmp_path))[0] == 0
    assert enrol(home, tmp_path, "alice", "release-manager", "alice-passphrase-1") == 0
    assert enrol(home, tmp_path, "audrey", "auditor", "audrey-passphrase-1") == 0
    capsys.readouterr()
    code, out = stella(home, "user", "add", "bob", "--role", "approver", "--passphrase-file", bob_pass,
                       "--as", "ada", "--admin-passphrase-file", passfile(tmp_path, "ada", ADMIN_PASS),
                       capsys=capsys)
    assert code == 0 and "key " in out.out and "keys/users/bob.key" in out.out
    site = Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    site.close()
    assert stella(home, "promote", "create", "--release", "platform@1.3.0-rc1", "--to", "eu-prod",
                  "--as", "alice", "--passphrase-file", alice_pass)[0] == 0
    code, out = stella(home, "run", "P-0001", capsys=capsys)
    assert code == 0 and "waiting for approval" in out.out

    code, out = stella(home, "approve", "P-0001", "--as", "alice", "--reason", "mine", capsys=capsys)
    assert code == 4 and "cannot approve or reject it (separation of duties)" in out.err
    code, out = stella(home, "approve", "P-0001", "--as", "audrey", "--reason", "ok", capsys=capsys)
    assert code == 1 and "audrey is 'auditor' and may not approve" in out.err
    code, out = stella(home, "approve", "P-0001", "--as", "bob", "--reason", " ", capsys=capsys)
    assert code == 2 and "a reason is required" in out.err
    code, out = stella(home, "approve", "P-0001", "--as", "bob", capsys=capsys)
    assert code == 2 and "the following arguments are required: --reason" in out.err
    monkeypatch.setenv("STELLA_PASSPHRASE", "not-bobs-passphrase")
    code, out = stella(home, "approve", "P-0001", "--as", "bob", "--reason", "ok", capsys=capsys)
    assert code == 1 and "wrong passphrase for bob's key" in out.err
    monkeypatch.delenv("STELLA_PASSPHRASE")
    code, out = stella(home, "approve", "P-0001", "--as", "bob", "--reason", "window agreed",
                       "--passphrase-file", bob_pass, capsys=capsys)
    assert code == 0, out.err
    assert "approve signed by bob (key " in out.out
    code, out = stella(home, "events", "P-0001", "--json", capsys=capsys)
    granted = [e for e in json.loads(out.out) if e["type"] == "approval.granted"]
    assert granted[0]["actor"] == "bob" and granted[0]["data"]["keyid"]
    assert granted[0]["data"]["signature"]["keyid"] == granted[0]["data"]["keyid"]


def test_every_action_needs_the_actor_passphrase(home, tmp_path, capsys, monkeypatch):
    olga_pass = passfile(tmp_path, "olga", "olga-passphrase-1")
    stella(home, "env", "add", "eu-stage", *as_admin(tmp_path))
    assert enrol(home, tmp_path, "olga", "operator", "olga-passphrase-1") == 0
    site = Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    site.close()
    capsys.readouterr()
    code, out = stella(home, "promote", "create", "--release", "platform@1.3.0-rc1", "--to", "eu-stage",
                       "--as", "olga", capsys=capsys)
    assert code == 1 and "olga acts with their own key: give its passphrase" in out.err
    code, out = stella(home, "promote", "create", "--release", "platform@1.3.0-rc1", "--to", "eu-stage",
                       capsys=capsys)
    assert code == 1 and "say who you are" in out.err
    monkeypatch.setenv("STELLA_PASSPHRASE", "olga-passphrase-1")
    assert stella(home, "promote", "create", "--release", "platform@1.3.0-rc1", "--to", "eu-stage",
                  "--as", "olga")[0] == 0
    monkeypatch.delenv("STELLA_PASSPHRASE")
    capsys.readouterr()
    code, out = stella(home, "pause", "P-0001", "--as", "olga", "--reason", "check", capsys=capsys)
    assert code == 1 and "olga acts with their own key: give its passphrase" in out.err
    code, out = stella(home, "pause", "P-0001", "--as", "olga", "--reason", "check",
                       "--passphrase-file", olga_pass, capsys=capsys)
    assert code == 0 and "pause recorded" in out.out
    code, out = stella(home, "events", "P-0001", "--json", capsys=capsys)
    paused = [e for e in json.loads(out.out) if e["type"] == "run.paused"]
    assert paused[0]["actor"] == "olga" and paused[0]["data"]["signature"]["sig"]


def test_deploy_settings_from_a_file(home, tmp_path, capsys):
    stella(home, "env", "add", "eu-stage", *as_admin(tmp_path))
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"gates": {"deploy-100": {"window_seconds": "10m"}},
                                    "auto_continue": False}))
    capsys.readouterr()
    code, out = stella(home, "env", "configure", "eu-stage", "--file", str(settings),
                       *as_admin(tmp_path), capsys=capsys)
    assert code == 0, out.err
    assert "deploy-10: proceed if 95% healthy for 5m, error rate < 1% (measured every 10s" in out.out
    assert "deploy-100: proceed if 95% healthy for 10m" in out.out
    settings.write_text(json.dumps({"gates": {"deploy-100": {"window_seconds": "1s"}}}))
    code, out = stella(home, "env", "configure", "eu-stage", "--file", str(settings),
                       *as_admin(tmp_path), capsys=capsys)
    assert code == 2 and "deploy setting 'gates.deploy-100'" in out.err
    code, out = stella(home, "env", "configure", "eu-stage", "--json", capsys=capsys)
    assert json.loads(out.out)["gates"]["deploy-100"] == {"window_seconds": "10m"}
