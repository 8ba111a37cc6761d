"""Verify a bundle archive, streaming, against the trust root in force (DESIGN §4.3).

Order of checks (each becomes a line of the report):

1. the trust root in force has not expired;
2. the file is tar, gzip-tar or zstd-tar (by magic bytes);
3. the first member is ``manifest.dsse.json``; it is a DSSE envelope of type
   ``application/vnd.in-toto+json``;
4. at least one signature verifies with a key of the trust root — checked
   before the payload is even parsed;
5. the payload is an in-toto Statement v1 with predicate ``urn:stellaops:bundle:v1``
   whose subjects are safe, distinct paths;
6. keys of the role for the kind (release, feeds, policy, root) meet its threshold;
7. the bundle was not created further in the future than the allowed clock skew
   (``BundleLimits.max_clock_skew``, default one day); it has not expired; its
   version is newer than the last import of the
   same ``(kind, name)`` (or :class:`AllowOlder` is given, and recorded);
8. every member, streamed once in 1 MiB chunks: a regular file or folder, a safe
   path, no duplicate or colliding name, listed, within size limits, hashed and
   compared with the signed digest; the compression ratio stays plausible;
9. the archive ends properly and no listed member is missing;
10. the kind's content checks (release / feed snapshot / policy / trust root).

Staging: when ``staging_dir`` is given (an existing, empty folder), members are
written there while they are hashed. On any rejection or cancellation the
folder may hold partial files: **the caller removes it** (and should keep it
outside the site store, so nothing else is touched). Without ``staging_dir``
nothing is written anywhere (``bundle verify``).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from airgap_bundles.compression import open_source
from airgap_bundles.errors import (
    ArchiveTooLarge,
    BundleExpired,
    BundleRejected,
    CreatedInFuture,
    DigestMismatch,
    DuplicateMember,
    ManifestInvalid,
    ManifestNotFirst,
    MemberTooLarge,
    MissingMember,
    SignatureInvalid,
    StatementInvalid,
    ThresholdNotMet,
    TooManyMembers,
    TrustRootExpiredRejection,
    VersionNotNewer,
    WrongPayloadType,
    WrongRole,
)
from airgap_bundles.kinds import Inspector, inspector_for
from airgap_bundles.manifest import BundleManifest, ListedStatement
from airgap_bundles.metering import MeteredSource, ProgressCallback
from airgap_bundles.options import DEFAULT_LIMITS, AllowOlder, BundleLimits, VersionHistory
from airgap_bundles.paths import MANIFEST_NAME, check_member_path
from airgap_bundles.report import (
    Check,
    MemberInfo,
    VerificationReport,
    VerifiedBundle,
    VersionOverride,
)
from airgap_bundles.staging import Staging, write_all
from airgap_bundles.tarstream import TarMember, TarReader
from engine.clock import rfc3339
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE
from engine.crypto.large_envelope import LargeEnvelope, parse_large_envelope
from engine.crypto.trust_root import TrustRoot

CHUNK = 1 << 20

STEPS = {
    "trust-root": "The trust root in force is valid",
    "archive": "The file is a tar archive (plain, gzip or zstd)",
    "manifest-first": "manifest.dsse.json comes first",
    "manifest-envelope": "The manifest is a DSSE envelope of an in-toto statement",
    "signatures": "A trusted key signed the manifest",
    "statement": "The manifest is a valid bundle statement",
    "role-threshold": "Signed by enough keys of the right role",
    "not-future": "The bundle was not created in the future",
    "not-expired": "The bundle has not expired",
    "version": "Newer than the last import",
    "members": "Every member is safe, listed and matches its digest",
    "archive-end": "The archive is complete",
    "content": "The content is valid for its kind",
}


def _skew_text(skew: timedelta) -> str:
    hours = int(skew.total_seconds() // 3600)
    return f"{hours // 24} day(s)" if hours % 24 == 0 else f"{hours} hour(s)"


def _short(keyid: str) -> str:
    return keyid[:12]


class ManifestSteps(Protocol):
    """Receives each manifest check as it starts (``begin``) and passes (``ok``)."""

    def begin(self, step: str) -> None: ...

    def ok(self, detail: str) -> None: ...


@dataclass(frozen=True)
class SignedManifest:
    statement_digest: str  # sha256 of the statement payload
    manifest: BundleManifest
    signers: frozenset[str]  # keys of the bundle's role whose signatures verified


def verify_manifest(
    data: bytearray,
    trust_root: TrustRoot,
    *,
    limits: BundleLimits = DEFAULT_LIMITS,
    steps: ManifestSteps | None = None,
) -> SignedManifest:
    """Check a bundle's ``manifest.dsse.json`` against ``trust_root``: a DSSE envelope of
    an in-toto statement, signed by a key of the root, a valid bundle statement, and
    enough keys of the kind's role (rules manifest-envelope, signatures, statement,
    role-threshold). Raises the :class:`BundleRejected` naming the rule. A manifest
    larger than ``limits.max_preauth_json`` is decoded in place: ``data`` is consumed.
    The import's streaming verifier and a workstation filling its store folder from
    the site database both use it."""

    def begin(step: str) -> None:
        if steps is not None:
            steps.begin(step)

    def ok(detail: str) -> None:
        if steps is not None:
            steps.ok(detail)

    begin("manifest-envelope")
    envelope: dsse.Envelope | LargeEnvelope
    try:
        if len(data) > limits.max_preauth_json:  # bounded memory before auth
            envelope = parse_large_envelope(data, max_rest=limits.max_preauth_json)
        else:
            envelope = dsse.Envelope.from_bytes(bytes(data))
    except CryptoError as exc:
        raise ManifestInvalid(exc.message, member=MANIFEST_NAME) from None
    if envelope.payload_type != INTOTO_PAYLOAD_TYPE:
        raise WrongPayloadType(
            f"payloadType is {envelope.payload_type!r}, expected {INTOTO_PAYLOAD_TYPE!r}",
            member=MANIFEST_NAME,
        )
    ok(f"{len(envelope.signatures)} signature(s), payload {len(envelope.payload)} bytes")

    begin("signatures")
    # valid_signers reads only .signatures and .pae(), which a LargeEnvelope has too
    valid = dsse.valid_signers(envelope, trust_root.keys)  # type: ignore[arg-type]
    if not valid:
        raise SignatureInvalid(
            "no signature verifies with a key of the trust root (unknown signer or altered payload)",
            member=MANIFEST_NAME,
        )
    described = ", ".join(
        f"{_short(k)} ({'/'.join(trust_root.role_of(k))})" for k in sorted(valid)
    )
    ok(f"valid signatures from {described}")

    begin("statement")
    payload_digest = "sha256:" + hashlib.sha256(envelope.payload).hexdigest()
    payload: bytes | str
    if isinstance(envelope, LargeEnvelope):  # decoded once, then the buffer is let go
        try:
            payload = str(envelope.payload, "utf-8")
        except UnicodeDecodeError:
            raise StatementInvalid("statement is not UTF-8 text", member=MANIFEST_NAME) \
                from None
        envelope.message.clear()
    else:
        payload = envelope.payload
    try:  # subjects read lean: a manifest may list hundreds of thousands of them
        statement = ListedStatement.from_payload(payload)
    except CryptoError as exc:
        raise StatementInvalid(exc.message, member=MANIFEST_NAME) from None
    del payload
    manifest = BundleManifest.from_statement(statement, max_members=limits.max_members - 1)
    del statement
    predicate = manifest.predicate
    ok(
        f"{predicate.kind} {predicate.name!r} version {predicate.version}, "
        f"{len(manifest.members)} members listed"
    )

    begin("role-threshold")
    role = trust_root.role(predicate.role)
    signers = valid & set(role.keyids)
    if not signers:
        roles = sorted({r for k in valid for r in trust_root.role_of(k)})
        raise WrongRole(
            f"signed only by keys of role(s) {', '.join(roles)}; a {predicate.kind} bundle "
            f"needs role {predicate.role!r}",
            member=MANIFEST_NAME,
        )
    if len(signers) < role.threshold:
        raise ThresholdNotMet(
            f"{len(signers)} of the {role.threshold} required {predicate.role!r} keys signed",
            member=MANIFEST_NAME,
        )
    ok(
        f"{len(signers)} of {len(role.keyids)} {predicate.role!r} keys signed "
        f"(threshold {role.threshold})"
    )
    return SignedManifest(payload_digest, manifest, frozenset(signers))


@dataclass
class _Verification:
    path: Path
    trust_root: TrustRoot
    now: datetime
    history: VersionHistory
    staging: Staging | None
    allow_older: AllowOlder | None
    limits: BundleLimits
    progress: ProgressCallback | None
    cancel: Callable[[], bool] | None

    def __post_init__(self) -> None:
        self.checks: list[Check] = []
        self.step = "trust-root"
        self.buffer = memoryview(bytearray(CHUNK))

    def ok(self, detail: str) -> None:
        self.checks.append(Check(self.step, STEPS[self.step], True, detail))

    def report(self, failure: BundleRejected | None = None) -> VerificationReport:
        checks = list(self.checks)
        if failure is not None:
            checks.append(Check(self.step, STEPS[self.step], False, failure.message, failure.rule))
        return VerificationReport(tuple(checks))

    def run(self) -> VerifiedBundle:
        try:
            self.trust_root.check_not_expired(self.now)
        except CryptoError as exc:
            raise TrustRootExpiredRejection(exc.message) from None
        self.ok(
            f"version {self.trust_root.version}, valid until {rfc3339(self.trust_root.expires)}"
        )
        self.step = "archive"
        file_size = self.path.stat().st_size
        # what open(path, "rb", buffering=...) builds, typed as the BufferedReader it is
        with io.BufferedReader(io.FileIO(self.path), buffer_size=1 << 18) as raw:
            source, compression = open_source(raw)
            metered = MeteredSource(
                source,
                compressed=compression != "none",
                file_size=file_size,
                limits=self.limits,
                progress=self.progress,
                cancel=self.cancel,
            )
            self.ok(f"{'plain' if compression == 'none' else compression} tar, {file_size} bytes")
            reader = TarReader(metered, self.buffer)
            manifest_buffer, manifest_sha256 = self._manifest_member(reader)
            # Above max_preauth_json the buffer is consumed while it is authenticated
            # (decoded in place); its bytes are then only in staging, its digest here.
            large = len(manifest_buffer) > self.limits.max_preauth_json
            manifest_bytes = b"" if large else bytes(manifest_buffer)
            statement_digest, manifest, signers = self._manifest(manifest_buffer)
            del manifest_buffer
            override = self._freshness(manifest)
            inspector = inspector_for(
                manifest, self.limits, current_root=self.trust_root, now=self.now
            )
            self.step = "members"
            members = self._members(reader, manifest, inspector)
        self.step = "content"
        content, content_checks = inspector.finish()
        self.checks.extend(content_checks)
        predicate = manifest.predicate
        return VerifiedBundle(
            archive_path=str(self.path),
            kind=predicate.kind,
            name=predicate.name,
            version=predicate.version,
            created=predicate.created,
            expires=predicate.expires,
            producer=predicate.producer,
            description=predicate.description,
            signer_keyids=tuple(sorted(signers)),
            manifest_digest="sha256:" + manifest_sha256,
            statement_digest=statement_digest,
            manifest_bytes=manifest_bytes,
            compression=compression,
            archive_size=file_size,
            members=tuple(sorted(members.values(), key=lambda m: m.path)),
            content=content,
            override=override,
            report=self.report(),
            staged=self.staging is not None,
        )

    # --- manifest ---------------------------------------------------------------------

    def _manifest_member(self, reader: TarReader) -> tuple[bytearray, str]:
        self.step = "manifest-first"
        first = reader.next_member()
        if first is None:
            raise ManifestNotFirst("the archive is empty")
        check_member_path(first.name)
        if first.kind != "file" or first.name != MANIFEST_NAME:
            raise ManifestNotFirst(f"the first member must be {MANIFEST_NAME}", member=first.name)
        if first.size > self.limits.max_manifest_size:
            raise ManifestInvalid(
                f"is larger than {self.limits.max_manifest_size} bytes", member=first.name
            )
        data = bytearray(first.size)  # one buffer, filled in place: no growth, no copy
        filled = 0

        def keep(view: memoryview) -> None:
            nonlocal filled
            data[filled : filled + len(view)] = view
            filled += len(view)

        digest = self._read_member(reader, first, keep)
        self.ok(f"{first.size} bytes")
        return data, digest

    def _manifest(self, data: bytearray) -> tuple[str, BundleManifest, frozenset[str]]:
        signed = verify_manifest(data, self.trust_root, limits=self.limits, steps=self)
        return signed.statement_digest, signed.manifest, signed.signers

    def begin(self, step: str) -> None:
        self.step = step

    def _freshness(self, manifest: BundleManifest) -> VersionOverride | None:
        predicate = manifest.predicate
        self.step = "not-future"
        latest = self.now + self.limits.max_clock_skew
        if predicate.created > latest:
            raise CreatedInFuture(
                f"created {rfc3339(predicate.created)}, later than now plus the allowed clock "
                f"skew of {_skew_text(self.limits.max_clock_skew)} ({rfc3339(latest)}); check "
                "the clocks of this machine and of the machine that built it"
            )
        self.ok(f"created {rfc3339(predicate.created)}")
        self.step = "not-expired"
        if self.now >= predicate.expires:
            raise BundleExpired(f"expired at {rfc3339(predicate.expires)}")
        self.ok(f"valid until {rfc3339(predicate.expires)}")
        self.step = "version"
        last = self.history.last_version(predicate.kind, predicate.name)
        if last is None or predicate.version > last:
            self.ok(
                f"version {predicate.version}; last imported: {'none' if last is None else last}"
            )
            return None
        what = (
            "was already imported" if predicate.version == last else f"is older than version {last}"
        )
        if self.allow_older is None:
            raise VersionNotNewer(
                f"{predicate.kind} {predicate.name!r} version {predicate.version} {what}; "
                "versions must increase (an operator may override with a reason)"
            )
        self.ok(
            f"version {predicate.version} {what}: ACCEPTED BY OVERRIDE, reason: {self.allow_older.reason}"
        )
        return VersionOverride(self.allow_older.reason, last, predicate.version)

    # --- members --------------------------------------------------------------------------

    def _members(
        self, reader: TarReader, manifest: BundleManifest, inspector: Inspector
    ) -> dict[str, MemberInfo]:
        folders = {MANIFEST_NAME}  # and every folder entry; files are keys of `members`
        members: dict[str, MemberInfo] = {}
        declared_total = 0
        while (member := reader.next_member()) is not None:
            if len(folders) + len(members) >= self.limits.max_members:
                raise TooManyMembers(
                    f"more than {self.limits.max_members} members", member=member.name
                )
            if member.name not in manifest.members:  # listed names were checked with the manifest
                check_member_path(member.name)
            if member.name in folders or member.name in members:
                raise DuplicateMember("appears twice in the archive", member=member.name)
            if member.kind == "dir":
                folders.add(member.name)
                manifest.check_archive_folder(member.name)
                if self.staging is not None:
                    self.staging.folder(member.name)
                continue
            expected = manifest.members.get(member.name)
            if expected is None:
                manifest.refuse_unlisted_file(member.name)
            if member.size > self.limits.max_member_size:
                raise MemberTooLarge(
                    f"is {member.size} bytes; the limit is {self.limits.max_member_size}",
                    member=member.name,
                )
            declared_total += member.size
            if declared_total > self.limits.max_total_size:
                raise ArchiveTooLarge(
                    f"members exceed {self.limits.max_total_size} bytes in total",
                    member=member.name,
                )
            wanted = inspector.wants(member.name, member.size)
            data = bytearray() if wanted else None
            digest = self._read_member(reader, member, data)
            if digest != expected:
                raise DigestMismatch(
                    f"SHA-256 is {digest}, the manifest says {expected}", member=member.name
                )
            members[member.name] = MemberInfo(member.name, digest, member.size)
            if data is not None:
                inspector.accept(member.name, bytes(data))
        self.ok(f"{len(members)} files, {declared_total} bytes, every digest matches")
        self.step = "archive-end"
        reader.check_trailer()
        missing = [p for p in manifest.members if p not in members]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise MissingMember(
                f"is listed in the manifest but not in the archive{more}", member=missing[0]
            )
        self.ok("end-of-archive marker present, no listed member missing")
        return members

    def _read_member(
        self,
        reader: TarReader,
        member: TarMember,
        keep: bytearray | Callable[[memoryview], None] | None,
    ) -> str:
        hasher = hashlib.sha256()
        fd = None
        if self.staging is not None:
            fd = self.staging.open_file(member.name, executable=member.executable)
        try:
            if fd is not None and member.size >= OVERLAP_MIN_SIZE:
                with ThreadPoolExecutor(max_workers=1) as writer:
                    reader.read_data(member, _overlapped(writer, fd, hasher, keep))
                return hasher.hexdigest()

            def on_chunk(view: memoryview) -> None:
                hasher.update(view)
                if isinstance(keep, bytearray):
                    keep.extend(view)
                elif keep is not None:
                    keep(view)
                if fd is not None:
                    write_all(fd, view)

            reader.read_data(member, on_chunk)
        finally:
            if fd is not None:
                os.close(fd)
        return hasher.hexdigest()


OVERLAP_MIN_SIZE = 8 << 20
"""Members at least this large are written to staging by a second thread while this one
hashes the same chunk: hashing and writing both release the GIL, so a large artifact
costs about the slower of the two instead of their sum (256 MiB hashed and written:
0.71 s against 1.02 s in one thread, median of 6 at load ~7). Smaller members are
written inline (a feed's 100,000 small records would pay a thread handover each)."""


def _overlapped(writer: ThreadPoolExecutor, fd: int, hasher: hashlib._Hash,
                keep: bytearray | Callable[[memoryview], None] | None
                ) -> Callable[[memoryview], None]:
    def on_chunk(view: memoryview) -> None:
        pending = writer.submit(write_all, fd, view)
        try:
            hasher.update(view)
            if isinstance(keep, bytearray):
                keep.extend(view)
            elif keep is not None:
                keep(view)
        finally:  # the reader reuses the buffer once this returns: the write must be done
            error = pending.exception()
        if error is not None:
            raise error

    return on_chunk


def verify_bundle(
    path: str | os.PathLike[str],
    *,
    trust_root: TrustRoot,
    now: datetime,
    history: VersionHistory,
    staging_dir: str | os.PathLike[str] | None = None,
    allow_older: AllowOlder | None = None,
    limits: BundleLimits = DEFAULT_LIMITS,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> VerifiedBundle:
    """Verify the bundle at ``path``; return its metadata and report, or raise.

    Raises a :class:`~airgap_bundles.errors.BundleRejected` subclass naming the
    rule (and member) with ``.report`` set to the checks so far;
    :class:`~airgap_bundles.errors.BundleCancelled` when ``cancel()`` turns true;
    :class:`~airgap_bundles.errors.StagingError` for an unusable staging folder;
    ``OSError`` for I/O failures of the file or the staging folder.
    ``progress(done, total)`` is called with bytes of the file read (at most once
    per MiB read, and at the end).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    staging = Staging(staging_dir) if staging_dir is not None else None
    run = _Verification(
        Path(path), trust_root, now, history, staging, allow_older, limits, progress, cancel
    )
    try:
        return run.run()
    except BundleRejected as exc:
        exc.report = run.report(exc)
        raise
