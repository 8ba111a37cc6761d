"""Throw-away sites and awkward places for the command-line edge tests: a damaged copy,
a read-only copy and a full disk (tmpfs, when root may mount), and files that are
missing, folders, unreadable, deep, huge or not UTF-8."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.services import trust
from tests.bundles.helpers import ROOT, bundle_bytes, predicate, release_files
from tests.exports.conftest import _templates, auditor_export  # noqa: F401 (shared fixtures)
from tests.support.factories import make_site

ESC = "\x1b[2J\x1b[32mok\x1b[0m\u202e"


def _mount(target: Path, options: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True)
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """Everything the bad-invocation table refers to, by name."""
    root = tmp_path_factory.mktemp("edges")
    home = root / "home"
    site = make_site(home)
    trust.install_first(site, ROOT.envelope.to_bytes(), "alice", confirmed=True)
    site.close()
    p: dict[str, object] = {"root": root, "home": home}
    p["missing"] = root / "no-such-file.tar"
    p["dir"] = root / "a-folder"
    (root / "a-folder").mkdir()
    deep = root / "deep.json"
    deep.write_text("[" * 50_000 + "]" * 50_000)
    p["deep"] = deep
    huge = root / "huge.json"
    with open(huge, "wb") as handle:
        handle.write(b'{"a":"')
        handle.write(b"x" * (9 << 20))
        handle.write(b'"}')
    p["huge"] = huge
    latin = root / "latin1.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    p["latin1"] = latin
    nan = root / "nan.json"
    nan.write_text('{"a": NaN}')
    p["nan"] = nan
    dup = root / "dup.json"
    dup.write_text('{"a": 1, "a": 2}')
    p["dup"] = dup
    garbage = root / "garbage.tar"
    garbage.write_bytes(os.urandom(4096))
    p["garbage"] = garbage
    good = root / "good.tar"
    good.write_bytes(bundle_bytes(release_files(name="edge-app", version="1.0.0"),
                                  predicate(name="edge-app", version=1)))
    p["good"] = good
    locked = root / "unreadable.tar"
    locked.write_bytes(good.read_bytes())
    locked.chmod(0)
    p["unreadable"] = locked
    private = root / "private"
    private.mkdir(mode=0o700)
    p["private"] = private
    escape_file = root / f"bundle{ESC}.tar"
    escape_file.write_bytes(good.read_bytes())
    p["escape_file"] = escape_file
    src = root / "src"
    src.mkdir()
    (src / "release.json").write_text("{}")
    p["src"] = src
    key = root / "author"
    p["key"] = key

    damaged = root / "damaged"
    shutil.copytree(home, damaged)
    _flip(damaged / "stella.db", 100)  # in the header: every open fails
    p["damaged"] = damaged

    mounts = []
    readonly = root / "readonly"
    if _mount(readonly, "size=64m"):
        mounts.append(readonly)
        shutil.copytree(home, readonly, dirs_exist_ok=True)
        for leftover in ("stella.db-wal", "stella.db-shm"):
            with contextlib.suppress(FileNotFoundError):
                (readonly / leftover).unlink()
        if subprocess.run(["mount", "-o", "remount,ro", str(readonly)]).returncode == 0:
            p["readonly"] = readonly
    full = root / "full"
    if _mount(full, "size=4m"):
        mounts.append(full)
        shutil.copytree(home, full / "home")
        with contextlib.suppress(OSError), open(full / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * (64 << 10))
                handle.flush()
        p["full"] = full
    yield p
    for mount in mounts:
        _umount(mount)
