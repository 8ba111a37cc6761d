"""A full disk, a failing medium, a bad read-back, a cancel or a failure to record the
export: each leaves no file that looks complete, says so, and records nothing."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest

from app.errors import Rejected
from app.services import promotions
from engine.run import events as ev
from models import run_store
from tests.support import exporting
from tests.support.factories import who


def _events(site, pid):
    events, _ = promotions.load_run(site, pid)
    return events


def _budget_write(monkeypatch, budget: int, err: int = errno.ENOSPC) -> None:
    """os.write accepts ``budget`` bytes in total (the last write partially), then fails."""
    real = os.write
    left = [budget]

    def write(fd, data):
        if left[0] <= 0:
            raise OSError(err, os.strerror(err))
        n = min(len(data), left[0])
        left[0] -= n
        return real(fd, bytes(data[:n]))

    monkeypatch.setattr(os, "write", write)


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "medium"
    folder.mkdir()
    return folder


def test_a_full_medium_leaves_nothing_that_looks_complete(sealed, out, monkeypatch):
    site, pid = sealed
    before = _events(site, pid)
    _budget_write(monkeypatch, 20_000)
    with pytest.raises(Rejected, match="is full after 20000 bytes") as caught:
        exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    assert "nothing that looks complete was left" in caught.value.message
    assert list(out.iterdir()) == []
    assert [e.hash for e in _events(site, pid)] == [e.hash for e in before]


def test_a_full_medium_while_writing_parts_removes_every_part(sealed, out, monkeypatch):
    site, pid = sealed
    _budget_write(monkeypatch, 30_000)
    with pytest.raises(Rejected, match="full"):
        exporting.export(site, pid, "auditor", out, who(site, "audrey"), split_size=8 << 10)
    assert list(out.iterdir()) == []


def test_an_io_error_on_fsync_is_reported_and_cleaned_up(sealed, out, monkeypatch):
    site, pid = sealed

    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(out)):  # the medium only
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(Rejected, match="Input/output error") as caught:
        exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    assert "nothing that looks complete was left" in caught.value.message
    assert list(out.iterdir()) == []


def test_bytes_that_read_back_differently_are_refused(sealed, out, monkeypatch):
    site, pid = sealed
    real = os.read

    def read(fd, n):
        data = real(fd, n)
        return bytes([data[0] ^ 1]) + data[1:] if data else data

    monkeypatch.setattr(os, "read", read)
    with pytest.raises(Rejected, match="read back from the medium differ"):
        exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    assert list(out.iterdir()) == []


def test_cancel_removes_the_temporary_file(sealed, out):
    site, pid = sealed
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Rejected, match="cancelled"):
        exporting.export(site, pid, "auditor", out, who(site, "audrey"), cancel=cancel)
    assert list(out.iterdir()) == []
    assert not any(e.type == ev.EXPORT_RECORDED for e in _events(site, pid))


def test_a_temporary_file_that_cannot_be_removed_is_named(sealed, out, monkeypatch):
    site, pid = sealed
    _budget_write(monkeypatch, 20_000)
    real_unlink = Path.unlink

    def unlink(self, missing_ok=False):
        if self.name.endswith(".partial"):
            raise OSError(errno.EIO, "the stick was pulled")
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(Rejected, match=r"could not be removed; their names end in \.partial"):
        exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".") and left[0].endswith(".partial")


def test_an_export_that_cannot_be_recorded_is_removed(sealed, out, monkeypatch):
    site, pid = sealed

    def append(*args, **kwargs):
        raise run_store.HeadMoved(pid, "a", "b")

    monkeypatch.setattr(run_store, "append", append)
    with pytest.raises(Rejected, match="could not be recorded.*exported files were removed"):
        exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    assert list(out.iterdir()) == []


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    path.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is None or done.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root; the injected ENOSPC tests cover this")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], capture_output=True, timeout=10)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to mount")
def test_a_real_small_filesystem_fills_up(sealed, tmp_path):
    site, pid = sealed
    with _tmpfs(tmp_path / "small", "16k") as small:
        with pytest.raises(Rejected, match="full") as caught:
            exporting.export(site, pid, "auditor", small, who(site, "audrey"))
        assert "nothing that looks complete was left" in caught.value.message
        assert list(small.iterdir()) == []
