"""Everything a gate evaluation reads, gathered into one value (:class:`GateMaterial`).

Where each input comes from:

- **release**: its stored ``release.json``; the SBOMs its components name and the
  OpenVEX documents (``vex/*.json``) from the site store — an imported bundle's
  members under ``store/bundles/<bundle digest hex>/``, a release registered
  without a bundle under ``store/unbundled/<release digest hex>/``;
- **feeds**: per source and base ecosystem the snapshot with the newest data,
  for the ecosystems the release's packages are in (all covered ecosystems when
  it has none, so a release without SBOMs still meets a feeds-fresh rule); the
  advisory index holds only the records, inside those snapshots, that name the
  release's packages (:func:`models.feeds.candidate_records`);
- **policy**: the newest imported policy, with an approver's stale-feeds
  override applied when one covers these feed snapshots
  (:mod:`app.services.gate_override`);
- **baseline**: the environment's baseline name and the findings of the gate
  verdict of the latest *completed* promotion into that environment — what
  already runs there;
- **runtime observations**: package-level entries (package URLs) of the latest
  runtime-reachability evidence about this release, or ``None`` (unknown) when
  no runtime reported any.

:meth:`GateMaterial.replay_json` is what a recorded verdict keeps beside its
document: the sealed inputs name baseline and observations only by digest, so
their content is kept here, with the store paths of the SBOMs and VEX files.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound, Rejected
from app.services import shared_content
from app.services.gate_override import StaleFeedsOverride
from engine.canonical import sha256_digest
from engine.clock import rfc3339
from engine.crypto.dsse import Envelope
from engine.crypto.errors import CryptoError
from engine.evidence import statements
from engine.policy import Baseline, FeedSnapshot, Policy, Release
from engine.vuln import AdvisoryIndex, Component, CycloneDxSbom, OsvRecord, VexDocument, VulnError
from models import feeds as q
from models.tables import EvidenceItem, GateVerdict, Promotion
from models.tables import Release as ReleaseRow

BUNDLES = "bundles"
UNBUNDLED = "unbundled"
VEX_DIR = "vex"
REPLAY_SCHEMA = "stellaops.gate-replay/v1"


class GateError(Rejected):
    """The gate could not be evaluated; the message says which input and why."""


class GateInputMissing(GateError):
    """A file or stored record the evaluation needs is not at the site."""


class GateInputInvalid(GateError):
    """A stored SBOM, VEX document or record does not parse."""


class NoPolicy(GateError):
    """No gate policy has been imported."""


@dataclass(frozen=True)
class StoredFile:
    path: str
    digest: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "digest": self.digest}


@dataclass(frozen=True)
class GateMaterial:
    release: Release
    environment: str
    evaluated_at: datetime
    sboms: tuple[CycloneDxSbom, ...]
    sbom_files: tuple[StoredFile, ...]
    vex: tuple[VexDocument, ...]
    vex_files: tuple[StoredFile, ...]
    feeds: tuple[FeedSnapshot, ...]
    index: AdvisoryIndex
    policy: Policy  # as evaluated (an override applied)
    base_policy: Policy  # as imported
    override: StaleFeedsOverride | None
    baseline: Baseline | None
    observed: frozenset[str] | None

    def replay_json(self) -> dict[str, Any]:
        return {
            "schema": REPLAY_SCHEMA,
            "release": self.release.digest,
            "environment": self.environment,
            "evaluated_at": rfc3339(self.evaluated_at),
            "sboms": [f.to_json() for f in self.sbom_files],
            "vex": [f.to_json() for f in self.vex_files],
            "feeds": [{"source": f.source, "ecosystem": f.ecosystem, "snapshot": f.snapshot,
                       "digest": f.digest} for f in self.feeds],
            "policy": self.base_policy.digest,
            "override": self.override.to_json() if self.override else None,
            "baseline": ({"name": self.baseline.name, "known": sorted(self.baseline.known)}
                         if self.baseline else None),
            "observed": sorted(self.observed) if self.observed is not None else None,
        }


# -- release files ----------------------------------------------------------------------
def _hex(digest: str) -> str:
    return digest.removeprefix("sha256:")


def release_root(site: Site, release_digest: str, bundle_digest: str | None) -> Path:
    if bundle_digest:  # imported on another workstation: filled from the site database
        return shared_content.local_bundle(site, bundle_digest,
                                           site.paths.store / BUNDLES / _hex(bundle_digest),
                                           release_digest=release_digest)
    return site.paths.store / UNBUNDLED / _hex(release_digest)


def release_row(session: Session, digest: str) -> ReleaseRow:
    row = session.scalar(select(ReleaseRow).where(ReleaseRow.digest == digest))
    if row is None:
        raise NotFound(f"no release {digest} has been imported")
    return row


def release_value(row: ReleaseRow) -> Release:
    return Release.from_manifest(json.loads(row.manifest), row.digest)


def sbom_paths(release: Release) -> list[str]:
    return sorted({c.sbom for c in release.components if c.sbom})


def _member(root: Path, path: str, what: str, label: str) -> bytes:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise GateInputInvalid(f"{label}: the {what} path {path!r} is not a member path")
    file = root.joinpath(*pure.parts)
    try:
        return file.read_bytes()
    except FileNotFoundError:
        raise GateInputMissing(f"{label}: the {what} {path} is not in the site store "
                               f"({file}); import the release bundle again") from None
    except OSError as exc:
        raise GateInputMissing(f"{label}: cannot read the {what} {path}: {exc.strerror}") from None


def read_sboms(root: Path, paths: Sequence[str], label: str
               ) -> tuple[tuple[CycloneDxSbom, ...], tuple[StoredFile, ...]]:
    sboms, files = [], []
    for path in paths:
        data = _member(root, path, "SBOM", label)
        try:
            sboms.append(CycloneDxSbom.from_bytes(data, name=path))
        except VulnError as exc:
            raise GateInputInvalid(f"{label}: the SBOM {path} cannot be read: {exc}") from None
        files.append(StoredFile(path, sha256_digest(data)))
    return tuple(sboms), tuple(files)


def vex_paths(root: Path) -> list[str]:
    folder = root / VEX_DIR
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in folder.rglob("*.json") if p.is_file())


def read_vex(root: Path, paths: Sequence[str], label: str
             ) -> tuple[tuple[VexDocument, ...], tuple[StoredFile, ...]]:
    docs, files = [], []
    for path in paths:
        data = _member(root, path, "VEX document", label)
        try:
            docs.append(VexDocument.from_bytes(data, name=path))
        except VulnError as exc:
            raise GateInputInvalid(f"{label}: the VEX document {path} cannot be read: "
                                   f"{exc}") from None
        files.append(StoredFile(path, sha256_digest(data)))
    return tuple(docs), tuple(files)


# -- feeds and the advisory index ------------------------------------------------------
def package_ecosystems(sboms: Iterable[CycloneDxSbom]) -> set[str]:
    return {c.ecosystem for s in sboms for c in s.components if c.matchable and c.ecosystem}


def select_feeds(coverage: Sequence[q.CoverageEntry], ecosystems: set[str]
                 ) -> list[q.CoverageEntry]:
    """The newest snapshot per source for each needed ecosystem (module docstring)."""
    if not ecosystems:
        return list(coverage)
    return [c for c in coverage if c.ecosystem in ecosystems]


def feed_values(entries: Iterable[q.CoverageEntry]) -> tuple[FeedSnapshot, ...]:
    return tuple(FeedSnapshot(e.source, e.ecosystem, e.snapshot, e.digest)
                 for e in sorted(entries, key=lambda e: (e.source, e.ecosystem, e.snapshot)))


def build_index(session: Session, entries: Iterable[q.CoverageEntry],
                components: Iterable[Component]) -> AdvisoryIndex:
    """Records naming the release's packages, from the snapshot chosen per ecosystem."""
    keys_by_ecosystem: dict[str, set[tuple[str, str]]] = {}
    for c in components:
        if c.matchable and c.ecosystem and c.name_key:
            keys_by_ecosystem.setdefault(c.ecosystem, set()).add((c.ecosystem, c.name_key))
    chosen: dict[str, bytes] = {}
    for entry in entries:
        keys = keys_by_ecosystem.get(entry.ecosystem)
        if keys:
            for digest, data in q.candidate_records(session, entry.snapshot_id, keys):
                chosen.setdefault(digest, data)
    records = []
    for digest in sorted(chosen):
        try:
            records.append(parse_record(chosen[digest]))
        except VulnError as exc:
            raise GateInputInvalid(f"stored advisory {digest} cannot be read: {exc}") from None
    return AdvisoryIndex.build(records)


PARSED_CACHE_SIZE = 8192
_parsed: OrderedDict[str, OsvRecord] = OrderedDict()
_parsed_lock = threading.Lock()


def parse_record(data: bytes) -> OsvRecord:
    """Parse stored record bytes, remembering the last few thousand by the SHA-256 of the
    bytes themselves (never by a stored key, so altered bytes are always parsed again):
    gate runs and replays of one release read the same candidates over and over."""
    key = sha256_digest(data)
    with _parsed_lock:
        hit = _parsed.get(key)
        if hit is not None:
            _parsed.move_to_end(key)
            return hit
    record = OsvRecord.from_bytes(data)
    with _parsed_lock:
        _parsed[key] = record
        while len(_parsed) > PARSED_CACHE_SIZE:
            _parsed.popitem(last=False)
    return record


def clear_parsed_cache() -> None:
    with _parsed_lock:
        _parsed.clear()


def entries_by_digest(session: Session, feeds: Sequence[Mapping[str, str]]
                      ) -> list[q.CoverageEntry]:
    """Coverage entries for recorded feeds, each snapshot looked up by its digest."""
    out = []
    for feed in feeds:
        info = q.snapshot_by_digest(session, feed["digest"])
        if info is None:
            raise GateInputMissing(f"the feed snapshot {feed['digest']} ({feed['source']}, "
                                   f"{feed['snapshot']}) is no longer stored at this site")
        out.append(q.CoverageEntry(feed["source"], feed["ecosystem"], feed["snapshot"],
                                   feed["digest"], info.id))
    return out


# -- baseline and runtime observations -------------------------------------------------
MAX_BASELINE_CANDIDATES = 50


def environment_baseline(session: Session, environment: str, baseline_name: str,
                         completed: Any) -> Baseline:
    """``completed(promotion_id) -> bool``: the latest completed promotion's verdict wins."""
    rows = session.execute(
        select(GateVerdict.promotion_id, GateVerdict.document)
        .join(Promotion, Promotion.id == GateVerdict.promotion_id)
        .where(Promotion.to_env == environment)
        .order_by(GateVerdict.id.desc()).limit(MAX_BASELINE_CANDIDATES)).all()
    seen: set[str] = set()
    for promotion_id, document in rows:
        if promotion_id in seen:
            continue
        seen.add(promotion_id)
        if completed(promotion_id):
            known = frozenset(f["key"] for f in json.loads(document).get("findings", []))
            return Baseline(baseline_name, known)
    return Baseline(baseline_name, frozenset())


def runtime_observations(session: Session, release_digest: str) -> frozenset[str] | None:
    """Package URLs a runtime reported loaded for this release (latest report)."""
    rows = session.execute(
        select(EvidenceItem.envelope)
        .join(Promotion, Promotion.id == EvidenceItem.promotion_id)
        .join(ReleaseRow, ReleaseRow.id == Promotion.release_id)
        .where(ReleaseRow.digest == release_digest,
               EvidenceItem.predicate_type == statements.RUNTIME_REACHABILITY)
        .order_by(EvidenceItem.log_index.desc()).limit(1)).all()
    for (envelope,) in rows:
        try:
            predicate = json.loads(Envelope.from_bytes(bytes(envelope)).payload)["predicate"]
        except (CryptoError, ValueError, KeyError, TypeError):
            return None
        found = set(_package_entries(predicate))
        return frozenset(found) if found else None
    return None


def _package_entries(predicate: Any) -> Iterable[str]:
    targets = predicate.get("targets") if isinstance(predicate, Mapping) else None
    for target in targets or []:
        for component in (target.get("components") or []) if isinstance(target, Mapping) else []:
            if not isinstance(component, Mapping):
                continue
            if isinstance(component.get("purl"), str):
                yield component["purl"]
            for key in ("purls", "packages"):
                for item in component.get(key) or []:
                    if isinstance(item, str) and item.startswith("pkg:"):
                        yield item
