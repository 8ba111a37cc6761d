"""Export custody intents: an export is recorded, or its leftovers are cleaned, even
when the process dies in the middle (DESIGN §7).

An export writes ``<home>/custody/<id>.json`` (0600, atomic) before the first byte
reaches the medium, saying where it writes; before the rename into place it rewrites
it with the signed custody receipt, the event it will append and the digest of every
file; after the ``export.recorded`` event is committed it removes it. While the
export runs it holds an exclusive lock on ``<id>.lock``, so a second process starting
meanwhile leaves a live export alone.

:func:`recover` runs when a site is opened. For each intent nobody holds:

* the event is already in the run → only the custody file beside the export and the
  intent are left to tidy;
* every exported file is on the medium with the recorded size and SHA-256 → the
  event is appended then (the export happened; now the site knows it);
* otherwise the export never completed → the files it had renamed and its hidden
  temporary files are removed, and nothing is recorded;
* the destination cannot be reached (the medium is out) → nothing is decided and the
  intent stays, to be reported at every start until the medium is back.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.site_keys import executor_signer
from engine.canonical import canonical_bytes
from engine.crypto.atomic import atomic_write_bytes
from engine.roster import EXECUTOR

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

INTENT_MODE = 0o600
WRITING = "writing"
RENAMING = "renaming"
RECORDED = "recorded"
ABANDONED = "abandoned"
UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class Recovery:
    """What start-up did with one interrupted export."""

    outcome: str  # RECORDED, ABANDONED or UNRESOLVED
    promotion: str
    archive: str
    message: str


def hidden_temporaries(directory: Path, name: str) -> list[Path]:
    """The temporary files an export named ``name`` writes before its rename
    (``.<name>.….partial``, and ``.<name>.custody….tmp`` for the receipt)."""
    prefix = f".{name}."
    try:
        entries = list(directory.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.name.startswith(prefix)
            and (p.name.endswith(".partial") or p.name.endswith(".tmp"))]


def remove(paths: list[Path]) -> list[Path]:
    """Remove ``paths``; return those that could not be removed."""
    left = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            left.append(path)
    return left


class Intent:
    """One export's intent file and the lock held while the export runs."""

    def __init__(self, folder: Path, ident: str, record: dict[str, Any], lock_fd: int) -> None:
        self.folder = folder
        self.ident = ident
        self.record = record
        self._lock_fd = lock_fd

    @property
    def path(self) -> Path:
        return self.folder / f"{self.ident}.json"

    @classmethod
    def begin(cls, folder: Path, promotion: str, bundle: str, actor: str, directory: Path,
              name: str) -> Intent:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        fd = os.open(folder / f"{ident}.lock", os.O_RDWR | os.O_CREAT, INTENT_MODE)
        _lock(fd, wait=True)
        intent = cls(folder, ident, {"phase": WRITING, "promotion": promotion, "bundle": bundle,
                                     "actor": actor, "directory": str(directory), "name": name},
                     fd)
        intent._save()
        return intent

    def ready(self, event_data: dict[str, Any], receipt: bytes,
              files: list[dict[str, Any]], manifests: list[str]) -> None:
        """Before the rename: everything needed to record the export without this process."""
        self.record.update(phase=RENAMING, event=event_data,
                           receipt=base64.b64encode(receipt).decode("ascii"),
                           files=files, manifests=manifests)
        self._save()

    def _save(self) -> None:
        atomic_write_bytes(self.path, canonical_bytes(self.record), INTENT_MODE)

    def done(self) -> None:
        """The export is recorded (or left nothing behind): forget the intent."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.release()

    def release(self) -> None:
        """Let go of the lock, keeping the intent for start-up to resolve."""
        if self._lock_fd < 0:
            return
        with contextlib.suppress(FileNotFoundError):
            if not self.path.exists():
                (self.folder / f"{self.ident}.lock").unlink()
        os.close(self._lock_fd)
        self._lock_fd = -1


def abandon(intent: Intent) -> list[Path]:
    """An export that failed in this process: remove what it put on the medium (files it
    renamed, hidden temporaries). The intent is forgotten once nothing is left; what
    could not be removed is returned, and start-up tries again."""
    left = _remove_traces(intent.record)
    if left:
        intent.release()
    else:
        intent.done()
    return left


def _remove_traces(record: dict[str, Any]) -> list[Path]:
    return remove(_traces(record))


def _traces(record: dict[str, Any]) -> list[Path]:
    """What an unfinished export may have left: files it renamed, hidden temporaries."""
    directory, name = Path(record["directory"]), record["name"]
    renamed = [directory / f["name"] for f in record.get("files", ())] + \
        [directory / m for m in record.get("manifests", ())]
    return [p for p in renamed if p.exists()] + hidden_temporaries(directory, name)


def _lock(fd: int, wait: bool) -> bool:
    """An exclusive lock on ``fd`` that the OS drops when the process dies."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
    try:  # pragma: no cover - Windows
        msvcrt.locking(fd, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, INTENT_MODE)
    if not _lock(fd, wait=False):
        os.close(fd)
        return None
    return fd


def pending(folder: Path) -> list[dict[str, Any]]:
    """Intents no running export holds (what the next start resolves), read only."""
    found = []
    try:
        names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    except OSError:
        return []
    for file_name in names:
        fd = _try_lock(folder / f"{file_name.removesuffix('.json')}.lock")
        if fd is None:
            continue
        try:
            found.append(json.loads((folder / file_name).read_bytes()))
        except (OSError, ValueError):
            found.append({"promotion": "?", "directory": "?", "name": file_name})
        finally:
            os.close(fd)
    return found


def recover(site) -> list[Recovery]:
    """Resolve every intent no running export holds; see the module docstring."""
    folder = site.paths.custody
    try:
        names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    except FileNotFoundError:
        return []
    results = []
    for file_name in names:
        ident = file_name.removesuffix(".json")
        fd = _try_lock(folder / f"{ident}.lock")
        if fd is None:
            continue  # a live export in another process
        intent = Intent(folder, ident, {}, fd)
        try:
            intent.record = json.loads(intent.path.read_bytes())
        except FileNotFoundError:
            intent.release()  # finished while we looked
            continue
        except (OSError, ValueError) as exc:
            intent.release()
            results.append(Recovery(UNRESOLVED, "?", file_name,
                                    f"the export intent {intent.path} cannot be read ({exc})"))
            continue
        try:
            result = _resolve(site, intent)
        except Exception as exc:  # a read-only or busy site: try again at the next start
            result = Recovery(UNRESOLVED, intent.record.get("promotion", "?"),
                              intent.record.get("name", file_name),
                              f"an interrupted export could not be resolved now ({exc})")
        if result.outcome == UNRESOLVED:
            intent.release()
        else:
            intent.done()
        results.append(result)
    return results


def recover_at_start(site, report: Callable[[str], None] | None = None) -> list[Recovery]:
    """:func:`recover`, each outcome said on stderr (or to ``report``)."""
    results = recover(site)
    say = report or (lambda line: print(line, file=sys.stderr))
    for result in results:
        say(f"stella: {result.message}")
    return results


def _resolve(site, intent: Intent) -> Recovery:
    from app.services import exports

    record = intent.record
    directory = Path(record["directory"])
    name = record["name"]
    promotion = record["promotion"]
    if not directory.is_dir():
        return Recovery(UNRESOLVED, promotion, name,
                        f"an interrupted export of {promotion} to {directory} cannot be "
                        f"checked: {directory} is not reachable (insert the medium and open the "
                        "site again)")
    receipt = base64.b64decode(record["receipt"]) if record["phase"] == RENAMING else None
    if receipt is not None and _recorded(site, promotion, record["event"]["receiptDigest"]):
        _write_custody(directory, name, receipt)
        remove(hidden_temporaries(directory, name))
        return Recovery(RECORDED, promotion, name,
                        f"the export {directory / name} of {promotion} was already recorded")
    if receipt is not None and _all_present(directory, record):
        signer = executor_signer(site.paths.keys)
        if signer is None:
            return Recovery(UNRESOLVED, promotion, name,
                            f"an interrupted export of {promotion} to {directory} is complete "
                            "but cannot be recorded: this site has no executor key to sign "
                            "the record")
        # Nobody is signed in at start-up: the executor key signs the record, and the
        # receipt inside it still names who exported.
        seq = exports.append_custody_event(
            site, promotion, EXECUTOR, record["event"], signer,
            reason=f"recorded at start-up: {record['actor']}'s export was interrupted")
        _write_custody(directory, name, receipt)
        remove(hidden_temporaries(directory, name))
        return Recovery(RECORDED, promotion, name,
                        f"an interrupted export of {promotion} was complete on the medium: "
                        f"{directory / name} is verified and now recorded as event #{seq}")
    traces = _traces(record)
    left = remove(traces)
    if left:
        return Recovery(UNRESOLVED, promotion, name,
                        f"an interrupted export of {promotion} to {directory} left files that "
                        f"could not be removed: {', '.join(str(p) for p in left)}")
    if not traces and receipt is not None:
        # It was complete and read back, yet nothing of it is here: another medium at
        # the same path, or its files were moved. Say so rather than guess.
        return Recovery(ABANDONED, promotion, name,
                        f"an interrupted export of {promotion} ({name}) is not in {directory}: "
                        "if it is on another medium it was never recorded; export again")
    return Recovery(ABANDONED, promotion, name,
                    f"an export of {promotion} to {directory} was interrupted before it was "
                    "complete; nothing was recorded and its files were removed")


def _recorded(site, promotion: str, receipt_digest: str) -> bool:
    from engine.run import events as ev
    from models.tables import RunEvent

    with site.db.read() as session:
        raws = session.scalars(select(RunEvent.raw).where(
            RunEvent.promotion_id == promotion, RunEvent.type == ev.EXPORT_RECORDED))
        return any(json.loads(bytes(raw)).get("data", {}).get("receiptDigest") == receipt_digest
                   for raw in raws)


def _all_present(directory: Path, record: dict[str, Any]) -> bool:
    for file in record["files"]:
        if _digest(directory / file["name"]) != (file["size"], file["sha256"]):
            return False
    return all((directory / m).is_file() for m in record["manifests"])


def _digest(path: Path) -> tuple[int, str] | None:
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError:
        return None
    return size, digest.hexdigest()


def _write_custody(directory: Path, name: str, receipt: bytes) -> None:
    from airgap_bundles.export.writer import CUSTODY_FILE_MODE, custody_name

    path = directory / custody_name(name)
    if not path.exists():
        with contextlib.suppress(OSError):
            atomic_write_bytes(path, receipt, CUSTODY_FILE_MODE)
