"""A table of bad invocations, one per row: each gets its own sentence and the exit code
of DESIGN §10 (1 rejected, 2 usage, 3 not found, 4 not now), never a traceback, and
the site they were pointed at is unchanged afterwards.

Rows name places from ``conftest.places`` in braces. Rows needing a read-only home or
a full disk run when root may mount a tmpfs and are skipped otherwise; rows reading a
file as another user drop to ``nobody`` in a subprocess (root only)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main
from tests.cli.conftest import ESC

ROOT_DIR = Path(__file__).resolve().parents[2]
BAD = "\udcff\udcfe"  # the bytes ff fe on a command line, as Python hands them over
HUGE = "9" * 30


@dataclass(frozen=True)
class Row:
    id: str
    argv: tuple[str, ...]
    code: int
    says: str  # a regular expression the message must match
    needs: str = ""  # "readonly", "full" or "nobody"


def row(id_: str, argv: str | list[str], code: int, says: str, needs: str = "") -> Row:
    args = argv.split() if isinstance(argv, str) else argv
    return Row(id_, tuple(args), code, says, needs)


H = ["--home", "{home}"]
AS = ["--as", "alice"]
NOT_FOUND = r"no such file|does not exist|no folder|not a file|no backup file"
FOLDER = r"is a folder|not a file"
UTF8 = r"not valid UTF-8"
DAMAGED = r"is damaged.*stella doctor.*stella restore"
READ_ONLY = r"read-only"
FULL = r"no space left|disk is full|database or disk is full"

ROWS = [
    # -- usage -----------------------------------------------------------------------
    row("unknown-command", "frob", 2, r"^stella: argument command: invalid choice"),
    row("unknown-subcommand", "env frob", 2, r"^stella: env: .*invalid choice"),
    row("missing-positional", "import", 2, r"^stella: import: the following arguments are required: file"),
    row("missing-required-option", "promote create --to eu-stage", 2, r"required: --release"),
    row("bad-choice", "rollback P-1 --scope nowhere", 2, r"invalid choice: 'nowhere'"),
    row("unknown-option", "promotions --frobnicate", 2, r"unrecognized arguments"),
    row("driver-choice", H + ["target", "add", "eu-stage", "t1", "--driver", "telnet"], 2, r"invalid choice: 'telnet'"),
    row("role-choice", H + ["user", "add", "zed", "--role", "god"], 2, r"invalid choice: 'god'"),
    row("kind-choice", "bundle build {src} --kind nope --name n --version 1 --key k --out o", 2, r"invalid choice"),
    row("allow-older-no-reason", H + AS + ["import", "{good}", "--allow-older"], 2, r"--allow-older needs --reason"),
    row("verify-reassemble-not-split", H + ["bundle", "verify", "{good}", "--allow-older"], 2, r"--allow-older needs --reason"),
    row("missing-to", "promote create --release platform@1", 2, r"required: --to"),
    row("option-without-value", "--home {home} promotions --as", 2, r"--as.*expected one argument"),
    # -- missing ---------------------------------------------------------------------
    row("import-missing", H + AS + ["import", "{missing}"], 3, NOT_FOUND),
    row("bundle-verify-missing", H + ["bundle", "verify", "{missing}"], 3, NOT_FOUND),
    row("bundle-verify-root-missing", ["bundle", "verify", "{good}", "--trust-root", "{missing}"], 3, NOT_FOUND),
    row("verify-missing", "verify {missing}", 3, NOT_FOUND),
    row("trust-install-missing", H + AS + ["trust", "install", "{missing}", "--yes"], 3, NOT_FOUND),
    row("trust-update-missing", H + AS + ["trust", "update", "{missing}"], 3, NOT_FOUND),
    row("env-configure-file-missing", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{missing}"], 3, NOT_FOUND),
    row("keys-out-missing-folder", "keys generate --out {root}/nowhere/k", 3, r"does not exist"),
    row("bundle-build-missing-source", "bundle build {root}/nowhere --kind release --name n --version 1 --key k --out {root}/o.tar", 3, r"no folder"),
    row("bundle-build-out-missing-folder", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {root}/nowhere/o.tar", 3, r"does not exist"),
    row("passphrase-file-missing", "keys generate --out {root}/k2 --passphrase-file {missing}", 3, NOT_FOUND),
    row("backup-missing-folder", H + ["backup", "{root}/nowhere/b.db"], 3, r"does not exist"),
    row("restore-missing", H + ["restore", "{missing}"], 3, r"no backup file"),
    row("home-missing", "--home {root}/no-home promotions", 3, r"no site at .*stella init"),
    row("home-missing-doctor", "--home {root}/no-home doctor", 1, r"no database"),
    row("db-missing-folder", "--db sqlite:///{root}/nowhere/x.db promotions", 3, r"folder does not exist"),
    row("timeline-unknown", H + ["timeline", "P-9999"], 3, r"no promotion P-9999"),
    row("events-unknown", H + ["events", "P-9999"], 3, r"no promotion P-9999"),
    row("logs-unknown", H + ["logs", "P-9999"], 3, r"no promotion P-9999"),
    row("run-unknown", H + ["run", "P-9999"], 3, r"P-9999"),
    row("export-missing-folder", H + AS + ["export", "evidence", "P-9999", "--to", "{root}/nowhere"], 3, r"not a folder|no promotion"),
    row("schedule-show-unknown", H + ["schedule", "show", "S-9999"], 3, r"S-9999"),
    # -- a folder where a file belongs ---------------------------------------------------
    row("import-folder", H + AS + ["import", "{dir}"], 2, FOLDER),
    row("bundle-verify-folder", H + ["bundle", "verify", "{dir}"], 2, FOLDER),
    row("trust-install-folder", H + AS + ["trust", "install", "{dir}", "--yes"], 2, FOLDER),
    row("env-configure-folder", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{dir}"], 2, FOLDER),
    row("bundle-build-out-folder", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {dir}", 2, FOLDER),
    row("backup-to-folder", H + ["backup", "{dir}"], 2, FOLDER),
    row("restore-folder", H + ["restore", "{dir}"], 3, r"no backup file"),
    row("passphrase-file-folder", "keys generate --out {root}/k3 --passphrase-file {dir}", 2, FOLDER),
    row("verify-root-folder", ["bundle", "verify", "{good}", "--trust-root", "{dir}"], 2, FOLDER),
    # -- invalid UTF-8 ---------------------------------------------------------------
    row("utf8-timeline", H + ["timeline", BAD], 2, UTF8),
    row("utf8-logs-step", H + ["logs", "P-1", "--step", BAD], 2, UTF8),
    row("utf8-replay", H + ["replay", BAD], 2, UTF8),
    row("utf8-run", H + ["run", BAD], 2, UTF8),
    row("utf8-approve-as", H + ["approve", "P-1", "--as", BAD, "--reason", "r"], 2, UTF8),
    row("utf8-promote-release", H + AS + ["promote", "create", "--release", BAD, "--to", "eu-stage"], 2, UTF8),
    row("utf8-import-path", H + AS + ["import", "/tmp/" + BAD], 2, UTF8),
    row("utf8-env-name", H + ["env", "add", BAD], 2, UTF8),
    row("utf8-home", ["--home", "/tmp/" + BAD, "promotions"], 2, UTF8),
    row("utf8-reason", H + AS + ["pause", "P-1", "--reason", BAD], 2, UTF8),
    row("nul-in-path", H + ["approve", "P-1", "--reason", "r", "--passphrase-file", "a\x00b"], 2, r"NUL"),
    row("utf8-file-content", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{latin1}"], 2, r"not JSON.*UTF-8"),
    # -- numbers, dates, sizes and durations out of range ---------------------------------
    row("approvals-overflow", H + ["env", "add", "x", "--requires-approval", "999999999999999999999"], 2, r"out of range: give 0 to 100"),
    row("approvals-negative", H + ["env", "add", "x", "--requires-approval", "-1"], 2, r"out of range"),
    row("approvals-not-number", H + ["env", "add", "x", "--requires-approval", "abc"], 2, r"not a whole number"),
    row("approvals-unicode-digit", H + ["env", "add", "x", "--requires-approval", "١"], 2, r"not a whole number"),
    row("schedule-at-far-delay", H + AS + ["schedule", "create", "P-1", "--at", "+99999999999m", "--window", "2h"], 2, r"time '\+99999999999m'"),
    row("schedule-at-year-9999", H + AS + ["schedule", "create", "P-1", "--at", "9999-12-31 23:59", "--window", "2h"], 2, r"more than 10 years"),
    row("schedule-at-garbage", H + AS + ["schedule", "create", "P-1", "--at", "soonish", "--window", "2h"], 2, r"time 'soonish'"),
    row("schedule-window-huge", H + AS + ["schedule", "create", "P-1", "--at", "now", "--window", HUGE + "d"], 2, r"window"),
    row("schedule-max-failures-huge", H + AS + ["schedule", "create", "P-1", "--at", "now", "--window", "2h", "--max-failures", HUGE], 2, r"out of range"),
    row("schedule-require-huge", H + AS + ["schedule", "create", "P-1", "--at", "now", "--window", "2h", "--require", f"feeds-fresh<{HUGE}h"], 2, r"precondition|duration"),
    row("runs-limit-huge", H + ["scheduler", "runs", "--limit", HUGE], 2, r"out of range"),
    row("runs-limit-zero", H + ["scheduler", "runs", "--limit", "0"], 2, r"out of range"),
    row("version-huge", "bundle build {src} --kind release --name n --version " + HUGE + " --key k --out {root}/o.tar", 2, r"out of range"),
    row("version-zero", "bundle build {src} --kind release --name n --version 0 --key k --out {root}/o.tar", 2, r"out of range"),
    row("expires-huge", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {root}/o.tar --expires 99999999999d", 2, r"--expires"),
    row("expires-garbage", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {root}/o.tar --expires soon", 2, r"--expires"),
    row("created-garbage", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {root}/o.tar --created garbage", 2, r"--created"),
    row("created-year-10000", "bundle build {src} --kind release --name n --version 1 --key {missing} --out {root}/o.tar --created 10000-01-01T00:00:00Z", 2, r"--created"),
    row("split-size-huge", H + AS + ["export", "evidence", "P-1", "--to", "{dir}", "--split-size", HUGE + "G"], 2, r"size|split"),
    row("split-size-garbage", H + AS + ["export", "evidence", "P-1", "--to", "{dir}", "--split-size", "lots"], 2, r"not a size"),
    row("health-hours-huge", H + ["--as", "admin", "health", "thresholds", "--feed-warn-hours", HUGE], 2, r"out of range|hours"),
    row("health-hours-infinite", H + ["--as", "admin", "health", "thresholds", "--feed-warn-hours", "1", "--feed-fail-hours", "inf"], 2, r"out of range: give 0 to 8760"),
    row("agent-grace-nan", H + ["agent", "status", "--grace", "nan"], 2, r"grace|out of range|number"),
    # -- deep, huge and strict JSON ------------------------------------------------------
    row("deep-settings", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{deep}"], 2, r"nested deeper than 64"),
    row("huge-settings", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{huge}"], 2, r"larger than 8 MiB"),
    row("nan-settings", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{nan}"], 2, r"not JSON"),
    row("dup-settings", H + ["--as", "admin", "env", "configure", "eu-stage", "--file", "{dup}"], 2, r"duplicate key"),
    row("deep-trust-root", H + AS + ["trust", "update", "{deep}"], 1, r"nested|JSON|trust root"),
    row("deep-verify-root", ["bundle", "verify", "{good}", "--trust-root", "{deep}"], 1, r"nested|JSON|trust root"),
    row("garbage-bundle", H + ["bundle", "verify", "{garbage}"], 1, r"tar|archive"),
    row("garbage-import", H + AS + ["import", "{garbage}"], 1, r"tar|archive"),
    row("garbage-restore", H + ["restore", "{garbage}"], 1, r"not a usable site database"),
    row("garbage-verify", "verify {garbage}", 1, r"NOT VERIFIED|gzip|tar"),
    # -- database URLs -------------------------------------------------------------------
    row("db-unknown-scheme", "--db foo://bar promotions", 2, r"unknown database kind 'foo'"),
    row("db-not-a-url", "--db notaurl promotions", 2, r"not a database URL"),
    row("db-mysql-no-driver", "--db mysql://u@127.0.0.1:1/x promotions", 2, r"driver|unknown database|cannot reach"),
    # without the driver a usage error (2); with it, the server cannot be reached now (4)
    row("db-postgres", "--db postgresql+psycopg://u:secret@127.0.0.1:1/x promotions",
        4 if importlib.util.find_spec("psycopg") else 2, r"driver .* not installed|cannot reach"),
    row("db-sqlite-no-site", "--db sqlite:///{root}/empty.db releases", 3, r"no site|stella init"),
    row("db-sqlite-folder", "--db sqlite:///{dir} promotions", 1, r"cannot open the database|is a folder"),
    row("db-garbage-file", "--db sqlite:///{garbage} promotions", 1, DAMAGED),
    # -- a damaged database ----------------------------------------------------------------
    *[row(f"damaged-{'-'.join(cmd)}", ["--home", "{damaged}", *cmd], 1, DAMAGED) for cmd in (
        ["promotions"], ["releases"], ["user", "list"], ["env", "list"], ["bundles"],
        ["timeline", "P-1"], ["events", "P-1"], ["trust", "show"], ["feeds"], ["schedule", "list"],
        ["--as", "alice", "import", "{good}"], ["--as", "admin", "env", "add", "zz"],
        ["backup", "{root}/from-damaged.db"])],
    row("damaged-doctor", "--home {damaged} doctor", 1, r"damaged.*stella restore"),
    # -- a read-only home: reads work, writes say why they cannot ---------------------------
    *[row(f"readonly-read-{'-'.join(cmd)}", ["--home", "{readonly}", *cmd], 0, r"^$", "readonly")
      for cmd in (["promotions"], ["releases"], ["user", "list"], ["env", "list"], ["bundles"],
                  ["trust", "show"])],
    row("readonly-doctor", "--home {readonly} doctor", 0, r"^$", "readonly"),
    row("readonly-import", ["--home", "{readonly}", "--as", "alice", "import", "{good}"], 4, READ_ONLY, "readonly"),
    row("readonly-backup-into", H + ["backup", "{readonly}/b.db"], 4, READ_ONLY, "readonly"),
    row("readonly-keys", "keys generate --out {readonly}/k", 4, READ_ONLY, "readonly"),
    # -- a full disk: reads work (opened read-only), writes say there is no space --------
    *[row(f"full-read-{'-'.join(cmd)}", ["--home", "{full}/home", *cmd], 0, r"^$", "full")
      for cmd in (["promotions"], ["releases"], ["user", "list"], ["env", "list"], ["bundles"],
                  ["trust", "show"], ["feeds"], ["schedule", "list"])],
    row("full-timeline-missing", "--home {full}/home timeline P-404", 3, r"no promotion P-404", "full"),
    row("full-pause", "--home {full}/home --as alice pause P-1 --reason r", 4, FULL, "full"),
    row("full-env-add", "--home {full}/home --as admin env add zz", 4, FULL, "full"),
    row("full-user-add", "--home {full}/home --as admin user add zed --role operator", 4, FULL, "full"),
    row("full-import", ["--home", "{full}/home", "--as", "alice", "import", "{good}"], 4, FULL, "full"),
    row("full-backup", H + ["backup", "{full}/b.db"], 4, FULL, "full"),
    row("full-keys", "keys generate --out {full}/k", 4, FULL, "full"),
    row("full-bundle-build", "bundle build {src} --kind release --name n --version 1 --key {root}/k-full.key --out {full}/o.tar", 1, r"no space|rejected|not built|release", "full"),
    # -- another user's file ------------------------------------------------------------------
    row("nobody-verify", "verify {unreadable}", 1, r"permission denied|cannot read", "nobody"),
    row("nobody-bundle-verify", ["bundle", "verify", "{unreadable}", "--trust-root", "{unreadable}"], 1, r"permission denied", "nobody"),
    row("nobody-keys-private", "keys generate --out {private}/k", 1, r"permission denied", "nobody"),
    row("nobody-home", H + ["promotions"], 1, r"permission denied|cannot open", "nobody"),
    # -- escape-laden names ----------------------------------------------------------------
    row("escape-timeline", H + ["timeline", ESC], 3, r"no promotion \\x1b\[2J"),
    row("escape-import-missing", H + AS + ["import", "/tmp/" + ESC], 3, r"\\x1b\[2J"),
    row("escape-home", ["--home", "/tmp/" + ESC, "promotions"], 3, r"\\x1b\[2J"),
    row("escape-as", H + ["--as", ESC, "pause", "P-1", "--reason", "r"], 3, r"\\x1b\[2J|no user|no promotion"),
    row("escape-env-configure", H + ["env", "configure", ESC], 3, r"\\x1b\[2J|no environment"),
    row("escape-bundle-file", H + ["bundle", "verify", "{escape_file}"], 0, r"^$"),
]


def _fill(value: str, places: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(places[m.group(1)]), value)


def _dump(home: Path) -> list[str]:
    connection = sqlite3.connect(home / "stella.db")
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def before(places):
    return _dump(places["home"])


def _as_nobody(argv: list[str]) -> tuple[int, str]:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("reading as another user needs root (to drop to nobody) and setpriv")
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         "from app.cli.main import entry; entry()", *argv],
        cwd=ROOT_DIR, capture_output=True, text=True, timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": "/tmp", "PYTHONPATH": str(ROOT_DIR),
             "LANG": "C.UTF-8"})
    return done.returncode, done.stdout + done.stderr


def test_the_table_is_large_and_covers_every_class():
    assert len(ROWS) >= 100
    assert len({r.id for r in ROWS}) == len(ROWS)
    ids = " ".join(r.id for r in ROWS)
    for word in ("missing", "folder", "nobody", "utf8", "overflow", "huge", "deep", "db-",
                 "damaged", "readonly", "full", "escape"):
        assert word in ids, word


@pytest.mark.parametrize("case", ROWS, ids=lambda r: r.id)
def test_bad_invocation(case, places, before, capsys, monkeypatch):
    if case.needs in ("readonly", "full") and case.needs not in places:
        pytest.skip(f"a {case.needs} tmpfs needs root and permission to mount")
    monkeypatch.setenv("STELLA_PASSPHRASE", "alice-passphrase")
    argv = [_fill(a, places) for a in case.argv]
    if case.needs == "nobody":
        code, output = _as_nobody(argv)
        err = output
    else:
        code = main(argv)
        captured = capsys.readouterr()
        output, err = captured.out + captured.err, captured.err
    assert "Traceback" not in output
    assert "\x1b" not in output and "\u202e" not in output
    assert "stella: stella:" not in output
    assert code == case.code, output
    if case.says == r"^$":
        assert not err.strip() or "warning" in err.lower(), err
    else:
        assert re.search(case.says, output, re.S), output
        if err.strip():
            assert err.startswith("stella: ") or "REJECTED" in err, err
            assert len(err.strip().splitlines()) <= 12  # a sentence, not a dump


def test_the_site_is_unchanged_by_every_refusal(places, before):
    assert _dump(places["home"]) == before
    assert not any(places["home"].joinpath("staging").iterdir())
