"""Driver options are checked against each driver's declaration when a target is added."""

from __future__ import annotations

import pytest

from app.drivers.options import (
    BOOLEAN,
    DECLARED,
    HOST,
    INTEGER,
    PORT,
    TEXT,
    OptionSpec,
    validate_options,
)
from app.errors import UsageError

EXAMPLE = {"ssh": (OptionSpec("host", HOST, "the host", required=True),
                   OptionSpec("port", PORT, "the SSH port"),
                   OptionSpec("retries", INTEGER, "retries", low=0, high=10),
                   OptionSpec("sudo", BOOLEAN, "use sudo"),
                   OptionSpec("user", TEXT, "the login", max_length=32))}


def test_every_built_in_driver_declares_its_options():
    assert set(DECLARED) == {"command", "demo-fleet", "ssh"}


def test_the_ssh_driver_needs_its_host_user_pinned_key_and_client_key():
    with pytest.raises(UsageError, match="needs option client_key, host, host_key, user"):
        validate_options("ssh", {})
    given = {"host": "10.0.0.5", "port": "2222", "user": "deploy", "client_key": "file:ssh-deploy-key",
             "host_key": "[10.0.0.5]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"}
    assert validate_options("ssh", given) == given


@pytest.mark.parametrize("driver", sorted(d for d, specs in DECLARED.items() if not specs))
def test_a_driver_without_options_refuses_any(driver):
    assert validate_options(driver, {}) == {}
    with pytest.raises(UsageError, match=f"driver {driver} has no option port: it takes no"):
        validate_options(driver, {"port": "abc"})


def test_values_are_checked_by_type_and_made_canonical():
    given = {"host": "Web-01.Example", "port": "022", "retries": "3", "sudo": "YES",
             "user": "deploy"}
    assert validate_options("ssh", given, EXAMPLE) == {
        "host": "web-01.example", "port": "22", "retries": "3", "sudo": "true", "user": "deploy"}


@pytest.mark.parametrize(("options", "says"), [
    ({"host": "h", "port": "abc"}, r"port='abc'.*whole number from 1 to 65535"),
    ({"host": "h", "port": "70000"}, r"out of range"),
    ({"host": "h", "port": "٢٢"}, r"whole number"),
    ({"host": "h", "retries": "11"}, r"out of range, give 0 to 10"),
    ({"host": "h", "sudo": "maybe"}, r"true or false"),
    ({"host": "h_1"}, r"not a host name"),
    ({"host": "h", "user": "x" * 33}, r"at most 32"),
    ({"host": "h", "user": "a\x1bb"}, r"printable"),
    ({"port": "22"}, r"needs option host"),
    ({"host": "h", "colour": "red"}, r"no option colour: it accepts host, port"),
])
def test_bad_values_are_refused_with_the_option_named(options, says):
    with pytest.raises(UsageError, match=says):
        validate_options("ssh", options, EXAMPLE)


def test_an_unknown_driver_is_refused():
    with pytest.raises(UsageError, match="driver must be one of"):
        validate_options("ftp", {})


def test_adding_a_target_checks_its_options(site, capsys, monkeypatch):
    from app.cli.main import main

    monkeypatch.setenv("STELLA_PASSPHRASE", "admin-passphrase")
    home = str(site.paths.home)
    code = main(["--home", home, "--as", "admin", "target", "add", "eu-prod", "eu-prod-01",
                 "--driver", "demo-fleet", "--option", "port=abc"])
    assert code == 2
    assert "driver demo-fleet has no option port" in capsys.readouterr().err
