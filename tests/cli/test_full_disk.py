"""A site on a full disk: read commands open it read-only and answer with its data;
commands that write refuse with "no space left" and change nothing."""

from __future__ import annotations

import argparse
import sqlite3

import pytest

from app.cli.main import build_parser, main
from app.cli.reads import READ_COMMANDS, only_reads
from models.readonly import read_only_uri


def _dump(db) -> list[str]:
    connection = sqlite3.connect(read_only_uri(db, no_shm=True), uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def full_home(places):
    if "full" not in places:
        pytest.skip("a full tmpfs needs root and permission to mount")
    return places["full"] / "home"


def test_reads_answer_with_the_site_data(full_home, capsys):
    assert main(["--home", str(full_home), "user", "list"]) == 0
    assert "alice" in capsys.readouterr().out
    assert main(["--home", str(full_home), "trust", "show"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("trust root v1") and not err


def test_writes_refuse_and_change_nothing(full_home, capsys):
    before = _dump(full_home / "stella.db")
    code = main(["--home", str(full_home), "--as", "admin", "env", "add", "zz"])
    assert code == 4
    assert "no space left" in capsys.readouterr().err
    assert _dump(full_home / "stella.db") == before


def test_an_empty_wal_is_read_immutable_and_a_wal_with_frames_is_read(tmp_path):
    db = tmp_path / "s.db"
    db.write_bytes(b"")
    assert "immutable=1" in read_only_uri(db, no_shm=True)
    wal = tmp_path / "s.db-wal"
    wal.write_bytes(b"")
    assert "immutable=1" in read_only_uri(db, no_shm=True)
    wal.write_bytes(b"\0" * 32)  # committed frames live only here: they must be read
    assert "immutable=1" not in read_only_uri(db, no_shm=True)
    assert "immutable=1" not in read_only_uri(db)  # a writable disk with room: never


def _handlers(parser: argparse.ArgumentParser, prefix: str, found: dict) -> dict:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                handler = sub.get_default("handler")
                if handler is not None:
                    found[prefix + name] = handler
                _handlers(sub, f"{prefix}{name} ", found)
    return found


def test_every_read_command_names_a_real_handler_and_no_writer_is_listed():
    handlers = _handlers(build_parser(), "", {})
    refs = {f"{h.module}:{h.name}" for h in handlers.values() if hasattr(h, "module")}
    assert READ_COMMANDS <= refs
    assert only_reads(handlers["promotions"]) and only_reads(handlers["timeline"])
    for name in ("import", "approve", "promote create", "env add", "user add", "backup",
                 "restore", "doctor", "run", "schedule create", "trust install"):
        assert not only_reads(handlers[name]), name
