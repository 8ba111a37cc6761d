"""``policy/<NN>-<step>/``: one recorded gate verdict and the sealed inputs an auditor
re-evaluates it from, offline (DESIGN §7, the policy re-evaluation level).

::

    policy/03-gate-eval/verdict.json            the verdict document, exactly as stored
    policy/03-gate-eval/inputs.json             what it is re-evaluated from (below)
    policy/03-gate-eval/release/release.json    the release manifest
    policy/03-gate-eval/release/<member path>   each SBOM and VEX document the gate read
    policy/03-gate-eval/policy.json             the imported policy, as signed
    policy/03-gate-eval/records/<id>.json       each candidate advisory, bytes as in the feed

``inputs.json`` is RFC 8785 canonical JSON::

    {"_type": "stellaops.gate-eval-inputs/v1",
     "verdict": {"path": "verdict.json", "verdictId": …, "decisionDigest": …,
                 "attempt": 1, "evidence": "sha256:<policy-decision envelope>"},
     "replay": <the replay material the site recorded with the verdict>,
     "release": {"path": "release/release.json", "digest": "sha256:…"},
     "sboms": [{"name": "<member path>", "path": …, "digest": …}],
     "vex": [{"name": …, "path": …, "digest": …}],
     "policy": {"path": "policy.json", "digest": …},
     "records": [{"name": "<OSV id>", "path": "records/<id>.json", "digest": …}],
     "unavailable": ["an input the site could no longer provide", …]}

Paths are relative to the folder; ``digest`` is ``sha256:`` of the file's bytes.
The replay material names baseline, observations, the stale-feeds override,
the feed snapshots and the evaluation time itself; the records are only those
the gate chose for the release's packages, never the whole snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airgap_bundles.export import layout
from airgap_bundles.export.content import GateEvalFiles, NamedFile
from airgap_bundles.export.errors import ExportContentError
from engine.canonical import canonical_bytes, sha256_digest
from engine.crypto.strict_json import StrictJSONError, loads_strict

INPUTS_TYPE = "stellaops.gate-eval-inputs/v1"
RELEASE_DIR = "release/"
RECORDS_DIR = "records/"
BY_DIGEST = "by-digest/"
RELEASE_FILE = "release/release.json"
POLICY_FILE = "policy.json"

_PART = re.compile(r"\A[A-Za-z0-9._-]+\Z")
_DIGEST = re.compile(r"\Asha256:[0-9a-f]{64}\Z")


class InputsFormatError(ValueError):
    """``inputs.json`` is not a well-formed sealed-inputs document; the message says why."""


def _safe(path: str) -> bool:
    parts = path.split("/")
    return all(_PART.match(p) and p not in (".", "..") for p in parts)


# -- writing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateEvalMember:
    path: str  # inside the export
    data: bytes
    kind: str


def _placed(prefix: str, name: str, data: bytes, taken: set[str]) -> str:
    """``prefix + name`` when that is a safe, free path; else a name from the digest."""
    path = prefix + name
    if not _safe(path) or path in taken:
        path = f"{prefix}{BY_DIGEST}{sha256_digest(data).removeprefix('sha256:')}.json"
    taken.add(path)
    return path


def _ref(path: str, data: bytes, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"path": path, "digest": sha256_digest(data)}
    if name is not None:
        out["name"] = name
    return out


def gate_eval_members(folder: str, item: GateEvalFiles) -> list[GateEvalMember]:
    """The files of one ``policy/<NN>-<step>`` folder, ``verdict.json`` first."""
    try:
        verdict = loads_strict(item.verdict)
    except StrictJSONError as exc:
        raise ExportContentError(f"the recorded verdict of {item.step} attempt "
                                 f"{item.attempt} is not JSON: {exc}") from None
    if not isinstance(verdict, dict):
        raise ExportContentError(f"the recorded verdict of {item.step} attempt "
                                 f"{item.attempt} is not a verdict document")
    taken = {layout.GATE_VERDICT, layout.GATE_INPUTS, POLICY_FILE}
    files: list[tuple[str, bytes]] = []

    def place(prefix: str, filename: str, named: NamedFile) -> dict[str, Any]:
        path = _placed(prefix, filename, named.data, taken)
        files.append((path, named.data))
        return _ref(path, named.data, named.name)

    release = None
    if item.release is not None:
        taken.add(RELEASE_FILE)
        files.append((RELEASE_FILE, item.release))
        release = _ref(RELEASE_FILE, item.release)
    sboms = [place(RELEASE_DIR, f.name, f) for f in item.sboms]
    vex = [place(RELEASE_DIR, f.name, f) for f in item.vex]
    policy = None
    if item.policy is not None:
        files.append((POLICY_FILE, item.policy))
        policy = _ref(POLICY_FILE, item.policy)
    records = [place(RECORDS_DIR, f"{f.name}.json", f)
               for f in sorted(item.records, key=lambda r: r.name)]
    inputs = {
        "_type": INPUTS_TYPE,
        "verdict": {"path": layout.GATE_VERDICT, "verdictId": verdict.get("verdict_id"),
                    "decisionDigest": verdict.get("decision_digest"),
                    "attempt": item.attempt, "evidence": item.evidence},
        "replay": dict(item.replay),
        "release": release, "sboms": sboms, "vex": vex, "policy": policy,
        "records": records, "unavailable": list(item.unavailable),
    }
    members = [GateEvalMember(f"{folder}/{layout.GATE_VERDICT}", item.verdict, layout.K_VERDICT),
               GateEvalMember(f"{folder}/{layout.GATE_INPUTS}", canonical_bytes(inputs),
                              layout.K_POLICY_INPUT)]
    members += [GateEvalMember(f"{folder}/{path}", data, layout.K_POLICY_INPUT)
                for path, data in files]
    return members


# -- reading -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileRef:
    path: str  # relative to the folder
    digest: str
    name: str | None = None


@dataclass(frozen=True)
class GateEvalInputs:
    """A parsed ``inputs.json``. Build with :meth:`from_bytes`."""

    verdict_id: str | None
    decision_digest: str | None
    attempt: int
    evidence: str | None
    replay: Mapping[str, Any]
    release: FileRef | None
    sboms: tuple[FileRef, ...]
    vex: tuple[FileRef, ...]
    policy: FileRef | None
    records: tuple[FileRef, ...]
    unavailable: tuple[str, ...]

    @classmethod
    def from_bytes(cls, data: bytes) -> GateEvalInputs:
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise InputsFormatError(f"is not JSON: {exc}") from None
        _need(isinstance(obj, dict) and obj.get("_type") == INPUTS_TYPE,
              f"is not a {INPUTS_TYPE} document")
        verdict = obj.get("verdict")
        _need(isinstance(verdict, dict) and verdict.get("path") == layout.GATE_VERDICT,
              f"'verdict' must name {layout.GATE_VERDICT}")
        attempt = verdict.get("attempt")
        _need(isinstance(attempt, int) and not isinstance(attempt, bool) and attempt >= 1,
              "'verdict.attempt' must be a positive integer")
        for key in ("verdictId", "decisionDigest", "evidence"):
            _need(verdict.get(key) is None or isinstance(verdict[key], str),
                  f"'verdict.{key}' must be a string or null")
        _need(isinstance(obj.get("replay"), dict), "'replay' must be an object")
        unavailable = obj.get("unavailable")
        _need(isinstance(unavailable, list) and all(isinstance(u, str) for u in unavailable),
              "'unavailable' must be a list of strings")
        return cls(
            verdict_id=verdict.get("verdictId"), decision_digest=verdict.get("decisionDigest"),
            attempt=attempt, evidence=verdict.get("evidence"), replay=obj["replay"],
            release=_opt_ref(obj.get("release"), "release"),
            sboms=_refs(obj.get("sboms"), "sboms", named=True),
            vex=_refs(obj.get("vex"), "vex", named=True),
            policy=_opt_ref(obj.get("policy"), "policy"),
            records=_refs(obj.get("records"), "records", named=True),
            unavailable=tuple(unavailable))

    def files(self) -> list[FileRef]:
        """Every file it names."""
        single = [r for r in (self.release, self.policy) if r is not None]
        return single + [*self.sboms, *self.vex, *self.records]


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise InputsFormatError(message)


def _ref_of(obj: Any, where: str, named: bool) -> FileRef:
    _need(isinstance(obj, dict), f"'{where}' must be an object")
    path, digest, name = obj.get("path"), obj.get("digest"), obj.get("name")
    _need(isinstance(path, str) and _safe(path), f"'{where}.path' is not a safe relative path")
    _need(isinstance(digest, str) and bool(_DIGEST.match(digest)),
          f"'{where}.digest' must be sha256:<64 hex>")
    _need(not named or (isinstance(name, str) and bool(name)), f"'{where}.name' is missing")
    return FileRef(path=path, digest=digest, name=name if named else None)


def _opt_ref(obj: Any, where: str) -> FileRef | None:
    return None if obj is None else _ref_of(obj, where, named=False)


def _refs(obj: Any, where: str, *, named: bool) -> tuple[FileRef, ...]:
    _need(isinstance(obj, list), f"'{where}' must be a list")
    refs = tuple(_ref_of(item, f"{where}[{i}]", named) for i, item in enumerate(obj))
    names = [r.name for r in refs]
    _need(len(set(names)) == len(names), f"'{where}' names a file twice")
    return refs
