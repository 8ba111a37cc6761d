"""Secret providers: the site secrets folder's permission rules, environment variables,
the resolver's reasons for what is missing, and redaction."""

from __future__ import annotations

import os

import pytest

from app.secrets import (
    EnvironmentProvider,
    InputRef,
    InputRefError,
    InputResolver,
    SecretMissing,
    SecretRefused,
    SecretValue,
    SiteSecretsFolder,
)
from app.secrets.redact import Redactor
from app.secrets.resolver import env_name

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "secrets"
    path.mkdir(mode=0o700)
    return path


def write(folder, name, data: bytes, mode=0o600):
    path = folder / name
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def test_an_owner_only_file_resolves_without_its_trailing_newline(folder):
    write(folder, "db-password", b"hunter2-long\n")
    value = SiteSecretsFolder(folder).resolve(InputRef.parse("file:db-password"))
    assert value.reveal() == b"hunter2-long"
    assert "hunter2" not in repr(value) and "hunter2" not in str(value)
    assert repr(value) == "SecretValue(<12 bytes>)"  # not even a digest: it would help guessing


@posix
@pytest.mark.parametrize(("mode", "who"), [(0o640, "group-readable"), (0o604, "world-readable"),
                                           (0o620, "group-writable")])
def test_a_file_others_can_touch_is_refused_saying_why(folder, mode, who):
    path = write(folder, "db-password", b"x", mode)
    with pytest.raises(SecretRefused) as refused:
        SiteSecretsFolder(folder).resolve(InputRef.parse("file:db-password"))
    assert f"{path} is {who} (mode {mode:04o})" in refused.value.message
    assert refused.value.message.endswith(f"chmod 600 {path}")


@posix
def test_links_other_kinds_and_unsafe_folders_are_refused(folder, tmp_path):
    outside = write(tmp_path, "elsewhere", b"x")
    (folder / "linked").symlink_to(outside)
    with pytest.raises(SecretRefused, match="is a symbolic link"):
        SiteSecretsFolder(folder).resolve(InputRef.parse("file:linked"))
    (folder / "sub").mkdir()
    with pytest.raises(SecretRefused, match="is not a regular file"):
        SiteSecretsFolder(folder).resolve(InputRef.parse("file:sub"))
    write(folder, "ok", b"x")
    os.chmod(folder, 0o777)
    try:
        with pytest.raises(SecretRefused, match=r"writable by group or others \(mode 0777\)"):
            SiteSecretsFolder(folder).resolve(InputRef.parse("file:ok"))
    finally:
        os.chmod(folder, 0o700)


def test_missing_empty_and_path_like_names(folder, tmp_path):
    provider = SiteSecretsFolder(folder)
    with pytest.raises(SecretMissing, match="no file nope in the secrets folder"):
        provider.resolve(InputRef.parse("file:nope"))
    write(folder, "empty", b"\n")
    with pytest.raises(SecretMissing, match="is empty"):
        provider.resolve(InputRef.parse("file:empty"))
    with pytest.raises(InputRefError, match="not a plain file name"):
        provider.resolve(InputRef.parse("file:../escape"))
    with pytest.raises(SecretMissing, match="does not exist"):
        SiteSecretsFolder(tmp_path / "absent").resolve(InputRef.parse("file:x"))


def test_environment_variables():
    provider = EnvironmentProvider({"REGION": "eu-west-1", "EMPTY": ""})
    assert provider.resolve(InputRef.parse("env:REGION")).reveal() == b"eu-west-1"
    with pytest.raises(SecretMissing, match="environment variable NOPE is not set"):
        provider.resolve(InputRef.parse("env:NOPE"))
    with pytest.raises(SecretMissing, match="EMPTY is empty"):
        provider.resolve(InputRef.parse("env:EMPTY"))
    with pytest.raises(InputRefError, match="not an environment variable name"):
        provider.resolve(InputRef.parse("env:not-a-name"))


def test_the_resolver_records_digests_and_says_why_each_missing_input_is_missing(folder):
    write(folder, "db-password", b"pw-123456")
    resolver = InputResolver([SiteSecretsFolder(folder), EnvironmentProvider({"REGION": "eu"})])
    result = resolver.resolve_all(["file:db-password", "env:REGION", "vault:secret/platform/x",
                                   "nonsense", 42])
    record = result.record()
    assert [r["status"] for r in record] == ["resolved", "resolved", "missing", "missing", "missing"]
    assert record[0]["digest"] == SecretValue(b"pw-123456").digest
    assert "pw-123456" not in str(record)
    assert record[2]["reason"] == ("no 'vault' secret provider is configured at this site (a "
                                   "Vault/OpenBao provider can be added to the site); configured: env, file")
    assert "not of the form scheme:reference" in record[3]["reason"]
    assert [r.ref for r in result.missing] == ["vault:secret/platform/x", "nonsense", "42"]
    assert result.environment() == {"STELLA_INPUT_DB_PASSWORD": "pw-123456", "STELLA_INPUT_REGION": "eu"}
    assert env_name("vault:secret/platform/db-password") == "STELLA_INPUT_SECRET_PLATFORM_DB_PASSWORD"


def test_redaction_replaces_every_value_longest_first():
    lines = []
    sink = Redactor([b"abc", "abcdef", b""]).sink(lines.append)
    sink("x abcdef y abc z")
    assert lines == ["x [redacted] y [redacted] z"]
    sink = lines.append
    assert Redactor([]).sink(sink) is sink
