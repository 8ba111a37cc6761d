"""``stella export`` and ``stella verify`` end to end, with DESIGN §10 exit codes."""

from __future__ import annotations

import json

from app.cli.main import main
from app.executor import Executor
from app.services import promotions
from tests.exports.conftest import extract
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, passphrase_of, who


def test_export_then_verify(sealed, tmp_path, capsys, monkeypatch):
    site, pid = sealed
    monkeypatch.setenv("STELLA_PASSPHRASE", passphrase_of("audrey"))  # audrey signs custody
    home = str(site.paths.home)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", "auditor", pid, "--to", str(out), "--as", "audrey",
                 "--home", home, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    archive = out / result["archive"]["name"]
    assert archive.exists() and result["partial"] is False
    assert (out / (archive.name + ".custody.dsse.json")).exists()

    assert main(["verify", str(archive)]) == 0
    text = capsys.readouterr().out
    assert "VERIFIED" in text and "✓ proof-chain.dsse.json" in text

    assert main(["verify", str(archive), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["failing"] == []
    assert {c["level"] for c in report["checks"]} >= {
        "archive", "files", "keys", "signatures", "inclusion", "proof-chain", "event-chain",
        "custody"}

    folder = extract(archive, tmp_path / "x")
    log = folder / "logs" / "06-deploy-10.log"
    log.write_bytes(log.read_bytes().replace(b"1/10", b"9/10"))
    assert main(["verify", str(folder)]) == 1
    text = capsys.readouterr().out
    assert "✗ logs/06-deploy-10.log" in text and "NOT VERIFIED" in text


def test_verify_needs_no_site(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STELLA_HOME", str(tmp_path / "nowhere"))
    assert main(["verify", str(tmp_path / "missing.tar.gz")]) == 3  # not found (DESIGN §10)
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_exit_codes_for_unsealed_runs_and_unknown_promotions(trusted_site, tmp_path, capsys,
                                                             monkeypatch):
    site = trusted_site
    monkeypatch.setenv("STELLA_PASSPHRASE", passphrase_of("olga"))
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    home = str(site.paths.home)
    common = ["--to", str(tmp_path), "--as", "olga", "--home", home]
    assert main(["export", "auditor", pid, *common]) == 4
    assert main(["export", "evidence", pid, *common]) == 4
    assert "--partial" in capsys.readouterr().err
    assert main(["export", "evidence", pid, "--partial", *common]) == 0
    assert "(PARTIAL)" in capsys.readouterr().out
    assert main(["export", "evidence", "P-9999", "--partial", *common]) == 3
    assert main(["export", "evidence", pid, "--partial", "--to", str(tmp_path), "--home",
                 home]) == 1  # who is exporting must be said
    assert main(["export", "evidence", pid, "--split-size", "lots", *common]) == 2


def test_media_lists_without_failing(capsys):
    assert main(["media", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
