"""The one atomic-write recipe: all or nothing under the final name, and a folder fsync
that a filesystem may refuse (FAT on a stick) but a failing disk may not."""

from __future__ import annotations

import errno
import os

import pytest

from engine.crypto import atomic
from engine.crypto.atomic import atomic_output, atomic_write_bytes, fsync_directory


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new", mode=0o600)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk pulled")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("refusal", [errno.EINVAL, errno.ENOTSUP, errno.EBADF])
def test_a_folder_that_refuses_fsync_is_fine(tmp_path, monkeypatch, refusal):
    def refuse(fd):
        raise OSError(refusal, os.strerror(refusal))

    monkeypatch.setattr(atomic.os, "fsync", refuse)
    fsync_directory(tmp_path)  # no error
    fsync_directory(tmp_path / "gone")  # a folder that cannot be opened: nothing to make durable


def test_a_failing_disk_is_not_hidden(tmp_path, monkeypatch):
    def fail(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(atomic.os, "fsync", fail)
    with pytest.raises(OSError, match="I/O error"):
        fsync_directory(tmp_path)
