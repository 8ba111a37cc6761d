"""Bundle import for the desktop app: the jobs workers run and the values the Bundles
page and the verification report draw.

The import itself is :func:`app.services.bundles.import_bundle`. Here a rejection is
an expected result, not an error: it reaches the GUI thread as an
:class:`ImportOutcome` carrying every check made, the failing one last. Refusals that
are not about the bundle (the acting user's role, a site without a trust root, an
unreadable file) stay errors, so the screen shows them as messages.

A top-level ``*.dsse.json`` file is a trust-root envelope (DESIGN §4.2): on a site
with a root it is a rotation; on a site without one the job first returns a preview
so an operator confirms the fingerprint (trust on first use) before it is installed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import airgap_bundles as ab
from airgap_bundles import media
from app.context import Site
from app.errors import NotFound, NotNow, Rejected
from app.services import bundles, trust
from engine.clock import rfc3339
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.trust_root import TrustRoot

IMPORTED = "imported"
REJECTED = "rejected"
CANCELLED = "cancelled"
CONFIRM_FIRST_ROOT = "confirm-first-root"

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tar.zst")
TRUST_ROOT_SUFFIX = ".dsse.json"
VERSION_NOT_NEWER = "version-not-newer"
EXPIRY_WARNING_DAYS = 30


def _rule_titles() -> dict[str, str]:
    """Every import rule in plain words, from the rejection classes themselves."""
    titles: dict[str, str] = {}
    stack: list[type[ab.BundleRejected]] = [ab.BundleRejected]
    while stack:
        klass = stack.pop()
        stack.extend(klass.__subclasses__())
        if klass is not ab.BundleRejected:
            titles[klass.rule] = klass.title
    titles["already-imported"] = "This exact bundle has not been imported before"
    titles["trust-root-rotation"] = "The new trust root is a valid rotation"
    titles["trust-root-invalid"] = "The trust root is well formed, self-signed and not expired"
    return titles


RULE_TITLES = _rule_titles()


def is_bundle_file(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(ARCHIVE_SUFFIXES) or lower.endswith(TRUST_ROOT_SUFFIX)


def is_trust_root_file(name: str) -> bool:
    return name.lower().endswith(TRUST_ROOT_SUFFIX)


# --- what an import produces -------------------------------------------------------------
@dataclass(frozen=True)
class ImportRequest:
    path: str
    allow_older_reason: str | None = None
    confirmed_first_root: bool = False

    @property
    def file_name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class ImportedSummary:
    kind: str
    label: str
    name: str
    version: int
    signer_keyids: tuple[str, ...]
    manifest_digest: str
    expires: str
    member_count: int
    archive_size: int
    override_reason: str | None = None
    overridden_version: int | None = None


@dataclass(frozen=True)
class RootPreview:
    """What an operator compares out of band before trusting a first root."""

    version: int
    digest: str
    expires: str
    roles: tuple[tuple[str, int, int], ...]  # (role, keys, threshold)
    key_names: tuple[tuple[str, str], ...]  # (keyid, description)

    @property
    def demo_only(self) -> bool:
        return any("DEMO-ONLY" in name for _, name in self.key_names)


@dataclass(frozen=True)
class ImportOutcome:
    request: ImportRequest
    status: str
    message: str
    checks: tuple[ab.Check, ...] = ()
    rule: str | None = None
    member: str | None = None
    summary: ImportedSummary | None = None
    root_preview: RootPreview | None = None
    report_json: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule_title(self) -> str | None:
        return RULE_TITLES.get(self.rule, self.rule) if self.rule else None

    @property
    def can_allow_older(self) -> bool:
        """Only an older (or equal) version may be overridden, and only with a reason."""
        return self.status == REJECTED and self.rule == VERSION_NOT_NEWER


class TaskControl(Protocol):
    """What an import needs of the worker running it (``app.qt.worker.TaskControl`` is one):
    report progress, and ask whether it was cancelled."""

    def progress(self, value: Any) -> None: ...

    def cancelled(self) -> bool: ...


class _Progress:
    """Forwards (bytes hashed, total) to the GUI at most once per 0.1 % of the file."""

    def __init__(self, control: TaskControl) -> None:
        self._control = control
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        step = done * 1000 // total if total > 0 else 1000
        if step != self._last:
            self._last = step
            self._control.progress((done, total))


def run_import(site: Site, request: ImportRequest, actor: str | None,
               control: TaskControl) -> ImportOutcome:
    """Runs on a worker: import one file as ``actor``; cancellable while hashing."""
    path = Path(request.path)
    if not path.is_file():
        raise Rejected(f"{request.path} is not a file that can be read")
    if is_trust_root_file(path.name):
        return _trust_root_file(site, request, actor or "")
    try:
        result = bundles.import_bundle(site, path, actor or "",
                                       allow_older_reason=request.allow_older_reason,
                                       progress=_Progress(control), cancel=control.cancelled)
    except bundles.ImportRejected as exc:
        return _rejected(request, exc.message, exc.rule, exc.member, exc.report)
    except NotNow as exc:
        if control.cancelled():
            return ImportOutcome(request, CANCELLED, exc.message)
        raise
    except OSError as exc:
        raise Rejected(f"{path.name}: {exc.strerror or exc}; nothing was imported") from None
    return _imported(request, result)


def _message(text: str) -> str:
    return text.removeprefix("bundle rejected: ")


def _rejected(request: ImportRequest, message: str, rule: str | None, member: str | None,
              report: ab.VerificationReport | None) -> ImportOutcome:
    checks = report.checks if report is not None else ()
    if not any(not check.passed for check in checks):  # refused after every check passed
        rule = rule or "rejected"
        checks = (*checks, ab.Check(rule, RULE_TITLES.get(rule, "Imported"), False,
                                    _message(message), rule))
    return ImportOutcome(request, REJECTED, _message(message), checks, rule, member,
                         report_json={"ok": False, "error": message, "rule": rule,
                                      "member": member,
                                      "report": {"checks": [c.to_json() for c in checks]}})


def _imported(request: ImportRequest, result: bundles.ImportResult) -> ImportOutcome:
    verified = result.bundle
    override = verified.override
    summary = ImportedSummary(
        kind=verified.kind, label=result.label, name=verified.name, version=verified.version,
        signer_keyids=verified.signer_keyids, manifest_digest=verified.manifest_digest,
        expires=rfc3339(verified.expires), member_count=len(verified.members),
        archive_size=verified.archive_size,
        override_reason=override.reason if override else None,
        overridden_version=override.previous_version if override else None)
    message = f"imported {verified.kind} {result.label}"
    if override is not None:
        message += f" (older than version {override.previous_version}: accepted by override)"
    return ImportOutcome(request, IMPORTED, message,
                         verified.report.checks, summary=summary,
                         report_json={**verified.to_json(), "label": result.label})


# --- trust-root envelopes ----------------------------------------------------------------
def _trust_root_file(site: Site, request: ImportRequest, actor: str) -> ImportOutcome:
    trust.require_installer(site, actor)
    data = Path(request.path).read_bytes()
    try:
        trust.in_force(site)
        first = False
    except NotFound:
        first = True
    if first:
        try:
            root = TrustRoot.first_install(dsse.Envelope.from_bytes(data), site.clock.now())
        except CryptoError as exc:
            return _rejected(request, exc.message, "trust-root-invalid", None, None)
        if not request.confirmed_first_root:
            return ImportOutcome(request, CONFIRM_FIRST_ROOT,
                                 "confirm the fingerprint to trust this root on first use",
                                 root_preview=preview(root))
        root = trust.install_first(site, data, actor, confirmed=True)
        method = trust.TOFU
    else:
        try:
            root = trust.update(site, data, actor)
        except Rejected as exc:
            return _rejected(request, exc.message, "trust-root-rotation", None, None)
        method = trust.ROTATION
    signers = tuple(sorted(root.root_signers))
    check = ab.Check(method, RULE_TITLES["trust-root-rotation"] if method == trust.ROTATION
                     else RULE_TITLES["trust-root-invalid"], True,
                     f"version {root.version}, {len(signers)} root signature(s), valid until "
                     f"{rfc3339(root.expires)}")
    summary = ImportedSummary(
        kind="trust-root", label=f"trust root v{root.version}", name="trust-root",
        version=root.version, signer_keyids=signers, manifest_digest=root.digest,
        expires=rfc3339(root.expires), member_count=1, archive_size=len(data))
    verb = "installed (trust on first use)" if method == trust.TOFU else "rotated to"
    return ImportOutcome(request, IMPORTED, f"trust root {verb} version {root.version}",
                         (check,), summary=summary,
                         report_json={"trustRoot": root.summary(), "method": method})


def _key_names(root: TrustRoot) -> dict[str, str]:
    """The optional ``description`` of each key (ignored by verification, shown to people)."""
    try:
        keys = json.loads(root.envelope.payload).get("keys", {})
    except (ValueError, AttributeError):
        return {}
    return {kid: str(entry.get("description", "")) for kid, entry in keys.items()
            if isinstance(entry, dict) and entry.get("description")}


def preview(root: TrustRoot) -> RootPreview:
    names = _key_names(root)
    return RootPreview(
        version=root.version, digest=root.digest, expires=rfc3339(root.expires),
        roles=tuple((name, len(role.keyids), role.threshold)
                    for name, role in sorted(root.roles.items())),
        key_names=tuple((kid, names.get(kid, "")) for kid in sorted(root.keys)))


# --- the Bundles page --------------------------------------------------------------------
@dataclass(frozen=True)
class TrustRootView:
    version: int
    digest: str
    expires: str
    days_left: float
    installed_at: str
    installed_by: str
    method: str
    preview: RootPreview
    history: tuple[tuple[int, str, str, str], ...]  # (version, method, by, at)

    @property
    def expiry_state(self) -> str:
        if self.days_left <= 0:
            return "expired"
        return "soon" if self.days_left < EXPIRY_WARNING_DAYS else "ok"

    @property
    def trust_on_first_use(self) -> bool:
        return self.method == trust.TOFU


@dataclass(frozen=True)
class BundlesSnapshot:
    trust_root: TrustRootView | None
    rows: tuple[bundles.BundleRow, ...]
    key_names: Mapping[str, str]  # keyid -> description, from every root installed


def load_bundles_snapshot(site: Site) -> BundlesSnapshot:
    rows = tuple(bundles.list_bundles(site))
    names: dict[str, str] = {}
    history = []
    for record in trust.history(site):
        root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(record.envelope))
        names.update(_key_names(root))
        history.append((record.version, record.method, record.installed_by,
                        record.installed_at))
    try:
        current = trust.in_force(site)
    except NotFound:
        return BundlesSnapshot(None, rows, names)
    now: datetime = site.clock.now()
    root = current.root
    view = TrustRootView(
        version=root.version, digest=root.digest, expires=rfc3339(root.expires),
        days_left=(root.expires - now).total_seconds() / 86400,
        installed_at=current.installed_at, installed_by=current.installed_by,
        method=current.method, preview=preview(root), history=tuple(history))
    return BundlesSnapshot(view, rows, names)


# --- removable media -----------------------------------------------------------------------
@dataclass(frozen=True)
class BundleFile:
    path: str
    name: str
    size: int


@dataclass(frozen=True)
class MediumBundles:
    name: str
    mount_point: str
    free_bytes: int
    total_bytes: int
    files: tuple[BundleFile, ...]
    error: str | None = None


def bundle_files(folder: Path) -> tuple[BundleFile, ...]:
    """Bundle files at the top level of ``folder`` (no recursion: media can be large)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if is_bundle_file(entry.name) and entry.is_file(follow_symlinks=False):
                found.append(BundleFile(entry.path, entry.name, entry.stat().st_size))
    return tuple(sorted(found, key=lambda f: f.name))


def scan_media(discover: Callable[[], list[media.Medium]] = media.discover
               ) -> tuple[MediumBundles, ...]:
    """Runs on a worker: the removable media mounted now, with their bundle files."""
    found = []
    for medium in discover():
        try:
            files, error = bundle_files(medium.mount_point), None
        except OSError as exc:
            files, error = (), f"cannot list {medium.mount_point}: {exc.strerror or exc}"
        found.append(MediumBundles(medium.name, str(medium.mount_point), medium.free_bytes,
                                   medium.total_bytes, files, error))
    return tuple(found)
