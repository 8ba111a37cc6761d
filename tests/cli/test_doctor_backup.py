"""``stella doctor``, ``backup`` and ``restore``, and the clean-up of staging left by
killed imports and exports."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys

import pytest

from app.cli.main import main
from app.leftovers import find_leftovers, staging_prefix
from tests.support.factories import make_site


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home"
    make_site(folder).close()
    return folder


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _host() -> str:
    return "".join(ch for ch in socket.gethostname() if ch.isalnum() or ch == ".")[:64] or "host"


def test_a_sound_site_is_sound(home, capsys):
    code, output = run(capsys, "--home", home, "doctor")
    assert code == 0, output
    assert "integrity check ok" in output and "every event chain verifies" in output
    assert "the site is sound" in output


def test_doctor_reports_then_fixes_leftovers_and_loose_modes(home, capsys):
    dead = home / "staging" / f"import-{_dead_pid()}-{_host()}-abc123"
    dead.mkdir(parents=True)
    (dead / "blob").write_bytes(b"x" * 1000)
    mine = home / "staging" / f"{staging_prefix('export')}live"
    mine.mkdir()
    elsewhere = home / "staging" / "import-1-otherhost-abc"
    elsewhere.mkdir()
    os.chmod(home / "stella.db", 0o644)
    code, output = run(capsys, "--home", home, "doctor")
    assert code == 1
    assert "has ended" in output and "doctor --fix removes it" in output
    assert "mode 0644" in output
    assert dead.exists()  # reporting changes nothing
    code, output = run(capsys, "--home", home, "doctor", "--fix")
    assert code == 0, output
    assert not dead.exists()
    assert mine.exists() and elsewhere.exists()  # a live owner, another host: untouched
    assert os.stat(home / "stella.db").st_mode & 0o777 == 0o600


def test_opening_a_site_removes_what_killed_imports_left(home, capsys):
    dead = home / "staging" / f"import-{_dead_pid()}-{_host()}-abc123"
    dead.mkdir(parents=True)
    assert find_leftovers(home / "staging")
    assert run(capsys, "--home", home, "promotions")[0] == 0
    assert not dead.exists()


def test_backup_is_verified_and_restore_brings_it_back(home, tmp_path, capsys):
    backup = tmp_path / "site.backup"
    code, output = run(capsys, "--home", home, "backup", backup)
    assert code == 0, output
    assert "verified: integrity ok" in output
    assert os.stat(backup).st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    code, output = run(capsys, "--home", home, "backup", backup)
    assert code == 4 and "already exists" in output  # never overwritten

    data = bytearray((home / "stella.db").read_bytes())
    data[100] ^= 0xFF  # the header: the site cannot be opened any more
    (home / "stella.db").write_bytes(bytes(data))
    code, output = run(capsys, "--home", home, "user", "list")
    assert code == 1 and "is damaged" in output and "stella restore" in output
    code, output = run(capsys, "--home", home, "doctor")
    assert code == 1 and "damaged" in output

    code, output = run(capsys, "--home", home, "restore", backup)
    assert code == 0, output
    kept = [p for p in home.iterdir() if ".before-restore-" in p.name and p.suffix != ""]
    assert kept, "the replaced database is kept"
    code, output = run(capsys, "--home", home, "user", "list")
    assert code == 0 and "alice" in output


def test_restore_refuses_what_is_not_a_site(home, tmp_path, capsys):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    before = (home / "stella.db").read_bytes()
    code, output = run(capsys, "--home", home, "restore", empty)
    assert code == 1 and ("not a usable site database" in output or "holds no site" in output)
    assert (home / "stella.db").read_bytes() == before
    assert not [p for p in home.iterdir() if ".before-restore-" in p.name]


def test_backup_and_restore_are_for_sqlite(tmp_path, capsys):
    code, output = run(capsys, "--db", "postgresql+psycopg://u@127.0.0.1:1/x", "backup",
                       tmp_path / "b")
    assert code == 2 and "SQLite" in output


def test_read_commands_work_on_a_site_that_cannot_be_written(home, tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files; tests/cli/test_bad_invocations.py covers "
                    "the read-only home with a read-only tmpfs")
    copy = shutil.copytree(home, tmp_path / "copy")
    for path in [copy / "stella.db", copy]:
        os.chmod(path, 0o500 if path.is_dir() else 0o400)
    try:
        assert run(capsys, "--home", copy, "user", "list")[0] == 0
        code, output = run(capsys, "--home", copy, "--as", "alice", "import", copy / "x.tar")
        assert code in (3, 4)
    finally:
        os.chmod(copy, 0o700)
