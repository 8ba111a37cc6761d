from __future__ import annotations

import json
from pathlib import Path

from app.cli.main import main

SAMPLES = Path(__file__).resolve().parents[2] / "airgap_bundles" / "samples"


def test_bundle_build_is_deterministic_and_verifies(tmp_path, capsys):
    assert main(["keys", "generate", "--out", str(tmp_path / "rm")]) == 0
    assert (tmp_path / "rm.key").stat().st_mode & 0o777 == 0o600
    outs = []
    for n in (1, 2):
        out = tmp_path / f"policy-{n}.tar.gz"
        assert main(["bundle", "build", str(SAMPLES / "src" / "policy-default"), "--kind", "policy",
                     "--name", "default", "--version", "7", "--key", str(tmp_path / "rm.key"),
                     "--created", "2026-02-18T08:00:00Z", "--expires", "30d",
                     "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    capsys.readouterr()
    # Signed by a key the sample trust root does not know: rejected, the rule is named.
    code = main(["bundle", "verify", str(tmp_path / "policy-1.tar.gz"), "--trust-root",
                 str(SAMPLES / "trust-root-v1.dsse.json"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    assert "signature" in report["error"].lower() or "trusted" in report["error"].lower()


def test_trust_on_first_use_needs_confirmation_then_import(tmp_path, capsys, monkeypatch):
    home = str(tmp_path / "home")
    secret = tmp_path / "secret"
    secret.write_text("one-passphrase-for-both\n")
    secret.chmod(0o600)
    monkeypatch.setenv("STELLA_PASSPHRASE", "one-passphrase-for-both")
    assert main(["--home", home, "init", "--admin", "ada"]) == 0
    assert main(["--home", home, "user", "add", "rm", "--role", "release-manager",
                 "--passphrase-file", str(secret), "--as", "ada"]) == 0
    root = str(SAMPLES / "trust-root-v1.dsse.json")
    assert main(["--home", home, "trust", "install", root, "--as", "rm"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert main(["--home", home, "trust", "install", root, "--as", "rm", "--yes"]) == 0
    bundle = str(SAMPLES / "bundles" / "release-platform-1.3.0-rc1.tar.gz")
    assert main(["--home", home, "import", bundle, "--as", "rm"]) == 0
    capsys.readouterr()
    assert main(["--home", home, "import", bundle, "--as", "rm", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    assert main(["--home", home, "import", bundle, "--as", "rm", "--allow-older"]) == 2
    assert main(["--home", home, "trust", "update", str(SAMPLES / "trust-root-v2.dsse.json"),
                 "--as", "rm"]) == 0
    capsys.readouterr()
    assert main(["--home", home, "trust", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 2
