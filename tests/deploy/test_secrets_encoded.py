"""A secret stays out of what the site stores in every spelling a command is likely to
print it in: base64 (also in the middle of a longer encoded stream), base64url, hex in
either case, percent-encoding."""

from __future__ import annotations

import base64
import binascii
import os
import tarfile
import urllib.parse

import pytest

from app.executor import Executor
from app.secrets.redact import REDACTED, Redactor, encoded_forms
from app.services import promotions
from app.services.logs import step_logs
from tests.support import exporting
from tests.support.deploy import add_demo_release, add_environment, product_registry
from tests.support.factories import who

SECRET = "s3cr3t-Pa55word/9f1c+0e?&"


def spellings(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "hex": binascii.hexlify(raw).decode(),
        "HEX": binascii.hexlify(raw).decode().upper(),
        "percent": urllib.parse.quote(secret, safe=""),
        "percent lower": urllib.parse.quote(secret, safe="").replace("%2F", "%2f"),
        "form": urllib.parse.quote_plus(secret + " x"),
    }


@pytest.mark.parametrize("name", list(spellings(SECRET)))
def test_each_spelling_is_redacted(name):
    scrub = Redactor([SECRET])
    line = f"token={spellings(SECRET)[name]};"
    assert scrub(line) in (f"token={REDACTED};", f"token={REDACTED}%2Bx;", f"token={REDACTED}+x;")


@pytest.mark.parametrize("prefix", [b"", b"u", b"us", b"user:", b"Basic credentials for me:"])
def test_base64_of_a_longer_text_holding_the_secret_hides_its_bytes(prefix):
    """``echo "user:$SECRET" | base64``: the secret starts anywhere in a 3-byte group."""
    encoded = base64.b64encode(prefix + SECRET.encode() + b"\n").decode()
    scrubbed = Redactor([SECRET])(encoded)
    assert REDACTED in scrubbed
    for kept in scrubbed.split(REDACTED):
        # what is left decodes to at most 2 bytes of the secret at either edge
        assert len(kept) <= len(base64.b64encode(prefix)) + 4 + 8


def test_forms_of_a_short_secret_do_not_include_tiny_fragments():
    assert all(len(form) >= 2 for form in encoded_forms("ab"))
    assert "YWI" in encoded_forms("ab")  # the whole value, unpadded, still counts


DEPLOY = ("sh -c 'echo \"deploying $1 to $2\"; "
          "printf %s \"$STELLA_INPUT_API_TOKEN\" | base64; "
          "printf %s \"$STELLA_INPUT_API_TOKEN\" | od -A n -v -t x1 | tr -d \" \\n\"; echo; "
          "printf %s \"$STELLA_INPUT_API_TOKEN\" | od -A n -v -t x1 | tr -d \" \\n\" | tr a-f A-F; echo; "
          "printf \"user:%s\" \"$STELLA_INPUT_API_TOKEN\" | base64 -w 0; echo; "
          "echo \"$3 $1\" > \"$STELLA_TEST_OUT/$2.state\"' sh {version} {target} {digest}")
STATUS = "sh -c 'cat \"$STELLA_TEST_OUT/$1.state\" 2>/dev/null || echo none' sh {target}"
GATE = {"max_error_rate": None, "window_seconds": 0.4, "interval_seconds": 0.2, "max_gap_seconds": 2}


@pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell")
def test_a_command_printing_the_secret_encoded_leaves_no_trace_in_logs_or_exports(
        live_site, tmp_path, monkeypatch):
    site = live_site
    secrets = site.paths.home / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "api-token").write_text(SECRET + "\n")
    os.chmod(secrets / "api-token", 0o600)
    monkeypatch.setenv("STELLA_TEST_OUT", str(tmp_path))
    add_environment(site, "enc-prod", ("c1",), "command", {
        "commands": {"deploy": DEPLOY, "status": STATUS, "health": "true", "timeout_seconds": 20},
        "gates": {"default": GATE}, "auto_continue": True})
    add_demo_release(site, "1.3.0-rc1", artifacts=False, inputs=["file:api-token"])
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "enc-prod", who(site, "alice"))
    Executor(site, pid, product_registry()).run()

    lines = [line for *_, line in step_logs(site, pid)]
    assert "[c1] deploying 1.3.0-rc1 to c1" in lines
    printed = [line for line in lines if line.startswith("[c1] ") and REDACTED in line]
    assert len(printed) >= 4, lines  # the command did print each form, and each was hidden
    forms = [*spellings(SECRET).values(), SECRET]
    for line in lines:
        for form in forms:
            assert form not in line, line


    out = tmp_path / "medium"
    out.mkdir()
    outcome = exporting.export(site, pid, "evidence", out, who(site, "olga"), allow_partial=True,
                             renderer=lambda content: b"%PDF-1.4 test report\n")
    with tarfile.open(out / outcome.files.archive.name, "r:gz") as tar:
        for member in (m for m in tar.getmembers() if m.isfile()):
            data = tar.extractfile(member).read()
            for form in forms:
                assert form.encode() not in data, member.name
    site.db.dispose()
    for path in site.paths.home.glob("stella.db*"):
        blob = path.read_bytes()
        for form in forms:
            assert form.encode() not in blob, path.name
