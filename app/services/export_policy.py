"""The gate evaluations an export ships, so an auditor re-evaluates them offline.

For each recorded verdict of the promotion whose policy-decision evidence is in the
export: the verdict document and replay material exactly as stored, and the bytes
behind every digest the replay material names — ``release.json``, the SBOMs and VEX
documents at their recorded paths in the site store, the imported policy, and the
advisory records the gate chose for the release's packages (rebuilt exactly as a
site replay rebuilds them, :func:`app.services.gate.material_from_replay`). An
input the site can no longer provide is listed as unavailable rather than
guessed: the verifier then reports that verdict as not re-evaluable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airgap_bundles.export import GateEvalFiles, NamedFile
from app.context import Site
from app.errors import StellaError
from app.services import gate
from app.services.gate_inputs import release_root
from engine.run.stages import GATE
from models.tables import Advisory, GatePolicy, GateVerdict
from models.tables import Release as ReleaseRow

_CHUNK = 400


def verdict_rows(session: Session, promotion_id: str, evidence_digests: Iterable[str]
                 ) -> list[GateVerdict]:
    """The promotion's verdicts whose evidence is among ``evidence_digests``, oldest first
    (read in the export's own transaction, so the two always agree)."""
    exported = set(evidence_digests)
    rows = session.scalars(select(GateVerdict).where(GateVerdict.promotion_id == promotion_id)
                           .order_by(GateVerdict.id))
    return [r for r in rows if r.evidence_digest in exported]


def _store_file(root: Path, path: str) -> bytes | None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return None
    try:
        return root.joinpath(*pure.parts).read_bytes()
    except OSError:
        return None


def _release_files(session: Session, site: Site, replay: dict[str, Any], missing: list[str]
                   ) -> tuple[bytes | None, list[NamedFile], list[NamedFile]]:
    row = session.scalar(select(ReleaseRow).where(ReleaseRow.digest == replay["release"]))
    if row is None:
        missing.append(f"the release {replay['release']} is no longer stored at this site")
        return None, [], []
    root = release_root(site, row.digest, row.bundle_digest)
    found: dict[str, list[NamedFile]] = {"sboms": [], "vex": []}
    for section, what in (("sboms", "SBOM"), ("vex", "VEX document")):
        for entry in replay[section]:
            data = _store_file(root, entry["path"])
            if data is None:
                missing.append(f"the {what} {entry['path']} is not in the site store")
            else:
                found[section].append(NamedFile(entry["path"], data))
    return bytes(row.manifest), found["sboms"], found["vex"]


def _records(site: Site, replay: dict[str, Any], missing: list[str]) -> list[NamedFile]:
    """The advisory records a replay of this verdict evaluates, as stored bytes."""
    try:
        material = gate.material_from_replay(site, replay)
    except StellaError as exc:
        missing.append(f"the advisory records cannot be rebuilt: {exc.message}")
        return []
    wanted = {r.digest: r.id for r in material.index.records.values()}
    found: dict[str, bytes] = {}
    digests = sorted(wanted)
    with site.db.read() as session:
        for start in range(0, len(digests), _CHUNK):
            rows = session.execute(select(Advisory.digest, Advisory.data)
                                   .where(Advisory.digest.in_(digests[start:start + _CHUNK])))
            found.update((digest, bytes(data)) for digest, data in rows)
    for digest in sorted(set(wanted) - set(found)):
        missing.append(f"the advisory {wanted[digest]} ({digest}) is no longer stored")
    return sorted((NamedFile(wanted[d], data) for d, data in found.items()),
                  key=lambda f: f.name)


def gate_eval_files(site: Site, row: GateVerdict) -> GateEvalFiles:
    """Everything one verdict is re-evaluated from (module docstring)."""
    replay = json.loads(row.replay)
    missing: list[str] = []
    with site.db.read() as session:
        release, sboms, vex = _release_files(session, site, replay, missing)
        policy_row = session.scalar(select(GatePolicy)
                                    .where(GatePolicy.digest == replay["policy"]))
        policy = bytes(policy_row.document) if policy_row is not None else None
    if policy is None:
        missing.append(f"the policy {replay['policy']} is no longer stored at this site")
    records = _records(site, replay, missing)
    return GateEvalFiles(
        step=GATE, attempt=row.attempt, verdict=bytes(row.document), replay=replay,
        evidence=row.evidence_digest, release=release, sboms=tuple(sboms), vex=tuple(vex),
        policy=policy, records=tuple(records), unavailable=tuple(missing))
