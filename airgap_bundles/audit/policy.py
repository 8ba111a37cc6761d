"""Policy re-evaluation (DESIGN §7's last level): every recorded gate verdict is
evaluated again from the sealed inputs the export ships, and its decision digest
must be the recorded one.

For each ``policy/<NN>-<step>/`` folder (:mod:`airgap_bundles.export.gate_eval`):

1. ``verdict.json`` is a verdict document whose decision digest and id hold, about
   this export's release, and it is exactly the verdict carried (under
   ``stellaopsVerdict``) by a policy-decision evidence item whose DSSE signature and
   log inclusion were verified above — with the SVR ``policy`` digest and
   ``properties`` that verdict implies;
2. the files ``inputs.json`` names are shipped with the digests it gives, and the
   gate runs again on them through :func:`engine.policy.sealed.reevaluate`, the
   very code a site's replay runs; the decision digests must be equal. A
   mismatch is reported with what differs (:func:`engine.policy.diff_verdicts`),
   naming the input files at fault.

A policy decision with no folder, a folder with an input the site could not
ship, or an input that does not parse is a failure: nothing here passes
silently. Pure: no site, no database, the engine only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from airgap_bundles.audit.context import Context
from airgap_bundles.audit.report import POLICY
from airgap_bundles.export import layout
from airgap_bundles.export.gate_eval import FileRef, GateEvalInputs, InputsFormatError
from engine.canonical import canonical_digest, sha256_digest
from engine.crypto.intoto import Statement
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.evidence import statements as st
from engine.policy import Policy, PolicyError, Release, check_verdict_document, diff_verdicts
from engine.policy.replay import VerdictDiff
from engine.policy.sealed import SealedGate
from engine.policy.svr import EXTENSION, passing_properties
from engine.vuln import AdvisoryIndex, CycloneDxSbom, OsvRecord, VexDocument, VulnError

MAX_DIFF_LINES = 8
T = TypeVar("T")


class NotReevaluable(Exception):
    """An input is missing or unreadable; ``item`` is the file to name."""

    def __init__(self, item: str, message: str) -> None:
        super().__init__(message)
        self.item = item
        self.message = message


def _folders(ctx: Context) -> list[str]:
    assert ctx.index is not None
    folders = set()
    for item in ctx.index.items:
        parts = item.path.split("/")
        if (item.kind in (layout.K_VERDICT, layout.K_POLICY_INPUT) and len(parts) == 3
                and parts[2] in (layout.GATE_VERDICT, layout.GATE_INPUTS)):
            folders.add(f"{parts[0]}/{parts[1]}")
    return sorted(folders)


def check_policy(ctx: Context, verified: Mapping[str, Statement]) -> None:
    """Re-evaluate every shipped verdict (module docstring); ``verified`` are the
    evidence statements whose signatures held, by path."""
    assert ctx.index is not None
    report = ctx.report
    decisions = {path: s for path, s in verified.items()
                 if s.predicate_type == st.POLICY_DECISION}
    decision_items = [i.path for i in ctx.index.of_kind(layout.K_EVIDENCE)
                      if i.predicate_type == st.POLICY_DECISION]
    folders = _folders(ctx)
    if not folders and not decision_items:
        report.note(POLICY, layout.INDEX, "the run recorded no policy decision: nothing to "
                                          "re-evaluate")
        return
    matched: set[str] = set()
    named: set[str] = set()
    for folder in folders:
        _check_folder(ctx, folder, decisions, matched, named)
    for path in decision_items:
        if path not in matched:
            report.failed(POLICY, path, "records a policy decision, but no policy/ folder of "
                                        "this export ships its verdict and sealed inputs: it "
                                        "cannot be re-evaluated")
    for item in ctx.index.items:
        if item.kind in (layout.K_VERDICT, layout.K_POLICY_INPUT) and item.path not in named:
            report.failed(POLICY, item.path, "is listed as a policy input outside any "
                                             "policy/<NN>-<step>/ folder with an inputs.json")


def _check_folder(ctx: Context, folder: str, decisions: Mapping[str, Statement],
                  matched: set[str], named: set[str]) -> None:
    report = ctx.report
    assert ctx.index is not None
    verdict_path, inputs_path = f"{folder}/{layout.GATE_VERDICT}", f"{folder}/{layout.GATE_INPUTS}"
    under = {i.path for i in ctx.index.items if i.path.startswith(folder + "/")}
    named.update(under)
    try:
        document = _verdict(ctx, verdict_path)
        inputs = _inputs(ctx, inputs_path)
    except NotReevaluable as exc:
        report.failed(POLICY, exc.item, exc.message)
        return
    referenced = {verdict_path, inputs_path} | {f"{folder}/{r.path}" for r in inputs.files()}
    for path in sorted(under - referenced):
        report.failed(POLICY, path, f"is not named by {inputs_path}")
    evidence = _evidence_of(ctx, verdict_path, document, inputs, decisions)
    if evidence is not None:
        matched.add(evidence)
    try:
        sealed = _rebuild(ctx, folder, inputs)
        replayed = sealed.evaluate().verdict.to_json()
    except NotReevaluable as exc:
        report.failed(POLICY, exc.item, f"cannot be re-evaluated: {exc.message}")
        return
    except (PolicyError, VulnError) as exc:
        report.failed(POLICY, inputs_path, f"cannot be re-evaluated: {exc}")
        return
    diff = diff_verdicts(document, replayed)
    if diff.match:
        override = sealed.override
        extra = (f", with the stale-feeds override by {override['approver']}" if override
                 else "")
        report.passed(POLICY, verdict_path,
                      f"policy re-evaluated: decision digest {diff.replayed} matches the "
                      f"recorded one ({document['verdict_id']}, {document['outcome']}; "
                      f"policy {sealed.base_policy.name} v{sealed.base_policy.version}{extra}; "
                      f"{len(inputs.records)} advisory record(s), {len(inputs.sboms)} SBOM(s))")
        return
    blamed = _blamed_files(folder, inputs, diff, document)
    report.failed(POLICY, verdict_path,
                  f"policy re-evaluation gives decision digest {diff.replayed}, not the "
                  f"recorded {diff.recorded}: " + "; ".join(_diff_lines(diff))
                  + (f" (inputs: {', '.join(sorted(blamed))})" if blamed else ""))
    for path, why in sorted(blamed.items()):
        report.failed(POLICY, path, f"differs from what {verdict_path} sealed: {why}")


# -- the recorded verdict and where it is signed -------------------------------------------
def _verdict(ctx: Context, path: str) -> dict[str, Any]:
    assert ctx.index is not None
    if ctx.item(path) is None:
        raise NotReevaluable(path, "is missing: sealed inputs without the verdict they seal")
    data = ctx.data(path)
    if data is None:
        raise NotReevaluable(path, "cannot be re-evaluated: its bytes differ from index.json")
    try:
        document = loads_strict(data)
        check_verdict_document(document)
    except (StrictJSONError, PolicyError) as exc:
        raise NotReevaluable(path, f"is not a valid verdict: {exc}") from None
    release = document["inputs"].get("release") if isinstance(document["inputs"], dict) else None
    if not isinstance(release, dict) or release.get("digest") != ctx.index.release["digest"]:
        raise NotReevaluable(path, "is a verdict about another release than this export's")
    return document


def _inputs(ctx: Context, path: str) -> GateEvalInputs:
    if ctx.item(path) is None:
        raise NotReevaluable(path, "is missing: the verdict beside it cannot be re-evaluated")
    data = ctx.data(path)
    if data is None:
        raise NotReevaluable(path, "cannot be used: its bytes differ from index.json")
    try:
        return GateEvalInputs.from_bytes(data)
    except InputsFormatError as exc:
        raise NotReevaluable(path, str(exc)) from None


def _evidence_of(ctx: Context, verdict_path: str, document: dict[str, Any],
                 inputs: GateEvalInputs, decisions: Mapping[str, Statement]) -> str | None:
    """The signed policy decision carrying this verdict, checked against it."""
    report = ctx.report
    digest = document["decision_digest"]
    carrying = [p for p, s in sorted(decisions.items())
                if isinstance(s.predicate.get(EXTENSION), Mapping)
                and s.predicate[EXTENSION].get("decision_digest") == digest]
    item_of = {p: ctx.item(p) for p in carrying}
    preferred = [p for p in carrying if inputs.evidence is not None and item_of[p] is not None
                 and "sha256:" + item_of[p].sha256 == inputs.evidence]  # type: ignore[union-attr]
    path = preferred[0] if preferred else carrying[0] if carrying else None
    if path is None:
        report.failed(POLICY, verdict_path, f"is carried by no verified policy-decision evidence "
                                            f"of this export (decision digest {digest})")
        return None
    predicate = decisions[path].predicate
    problems = []
    if predicate[EXTENSION] != document:
        problems.append("its stellaopsVerdict differs from verdict.json")
    algorithm, _, value = str(document["policy"]["digest"]).partition(":")
    if (predicate.get("policy") or {}).get("digest") != {algorithm: value}:
        problems.append("its policy digest is not the verdict's")
    if predicate.get("properties") != passing_properties(document):
        problems.append("its properties are not the ones the verdict's rule outcomes give")
    if problems:
        report.failed(POLICY, path, f"disagrees with {verdict_path}: " + "; ".join(problems))
        return path
    report.passed(POLICY, verdict_path,
                  f"is the verdict signed in {path} ({document['verdict_id']}, "
                  f"{document['outcome']}, evaluated at {document['evaluated_at']})")
    return path


# -- rebuilding the inputs -----------------------------------------------------------------
def _file(ctx: Context, folder: str, ref: FileRef) -> bytes:
    path = f"{folder}/{ref.path}"
    if ctx.item(path) is None:
        raise NotReevaluable(f"{folder}/{layout.GATE_INPUTS}",
                             f"it names {path}, which this export does not ship")
    data = ctx.data(path)
    if data is None:
        raise NotReevaluable(path, "its bytes differ from index.json")
    if sha256_digest(data) != ref.digest:
        raise NotReevaluable(path, f"its digest is not the {ref.digest} inputs.json gives")
    return data


def _in_replay_order(replay: Mapping[str, Any], section: str, refs: tuple[FileRef, ...],
                     inputs_path: str) -> list[FileRef]:
    entries = replay.get(section)
    if not isinstance(entries, list) or not all(
            isinstance(e, Mapping) and isinstance(e.get("path"), str) for e in entries):
        raise NotReevaluable(inputs_path, f"replay.{section} must list files by path")
    by_name = {r.name: r for r in refs}
    missing = [e["path"] for e in entries if e["path"] not in by_name]
    if missing or len(entries) != len(refs):
        raise NotReevaluable(inputs_path, f"the {section} it ships are not the ones the replay "
                                          f"material names ({', '.join(missing) or 'extra'})")
    return [by_name[e["path"]] for e in entries]


def _parsed(ctx: Context, folder: str, ref: FileRef, parse: Callable[[bytes], T]) -> T:
    """``parse`` the file ``ref`` names; a file that does not parse is named."""
    data = _file(ctx, folder, ref)
    try:
        return parse(data)
    except (PolicyError, VulnError, StrictJSONError) as exc:
        raise NotReevaluable(f"{folder}/{ref.path}", f"does not parse: {exc}") from None


def _release(data: bytes) -> Release:
    manifest = loads_strict(data)
    if not isinstance(manifest, dict):
        raise StrictJSONError("a release manifest is a JSON object")
    return Release.from_manifest(manifest, canonical_digest(manifest))


def _rebuild(ctx: Context, folder: str, inputs: GateEvalInputs) -> SealedGate:
    inputs_path = f"{folder}/{layout.GATE_INPUTS}"
    if inputs.unavailable:
        raise NotReevaluable(inputs_path, "the site could not ship every input: "
                             + "; ".join(inputs.unavailable))
    if inputs.release is None or inputs.policy is None:
        raise NotReevaluable(inputs_path, "the release manifest or the policy is not shipped")
    replay = inputs.replay
    release = _parsed(ctx, folder, inputs.release, _release)
    sboms = [_parsed(ctx, folder, r, partial(CycloneDxSbom.from_bytes, name=r.name))
             for r in _in_replay_order(replay, "sboms", inputs.sboms, inputs_path)]
    vex = [_parsed(ctx, folder, r, partial(VexDocument.from_bytes, name=r.name))
           for r in _in_replay_order(replay, "vex", inputs.vex, inputs_path)]
    policy = _parsed(ctx, folder, inputs.policy, Policy.from_bytes)
    records = [_parsed(ctx, folder, r, OsvRecord.from_bytes) for r in inputs.records]
    return SealedGate.from_replay(replay, release=release, sboms=sboms, vex=vex,
                                  index=AdvisoryIndex.build(records), base_policy=policy)


# -- saying what differs -------------------------------------------------------------------
def _brief(value: Any) -> str:
    text = "(absent)" if value is None else (
        ", ".join(map(str, value)) if isinstance(value, list) else str(value))
    return text if len(text) <= 60 else text[:57] + "…"


def _diff_lines(diff: VerdictDiff) -> list[str]:
    lines = []
    if diff.outcome:
        lines.append(f"outcome {diff.outcome[0]} → {diff.outcome[1]}")
    for change in diff.inputs:
        where = change.section + (f"/{change.key}" if change.key else "")
        lines.append(f"input {where}: {_brief(change.before)} → {_brief(change.after)}")
    for rule in diff.rules:
        lines.append(f"rule {rule.id}: {rule.before or '(absent)'} → {rule.after or '(absent)'}"
                     + (" (definition changed)" if rule.definition_changed else ""))
    lines += [f"finding added {k}" for k in diff.findings_added]
    lines += [f"finding removed {k}" for k in diff.findings_removed]
    lines += [f"finding changed {f.key} ({', '.join(f.fields)})" for f in diff.findings_changed]
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"and {len(lines) - MAX_DIFF_LINES} more"]
    return lines


def _blamed_files(folder: str, inputs: GateEvalInputs, diff: VerdictDiff,
                  recorded: Mapping[str, Any]) -> dict[str, str]:
    """The shipped files behind each changed sealed input (the diff says which input)."""
    records = {r.name: r for r in inputs.records}
    sboms = {r.name: r for r in inputs.sboms}
    sealed_vex = set(recorded["inputs"].get("vex") or [])
    blamed: dict[str, str] = {}

    def blame(ref: FileRef | None, why: str) -> None:
        path = f"{folder}/{ref.path}" if ref is not None else f"{folder}/{layout.GATE_INPUTS}"
        blamed[path] = "; ".join(filter(None, (blamed.get(path), why)))

    for change in diff.inputs:
        why = (f"{change.section}{'/' + change.key if change.key else ''} "
               f"{_brief(change.before)} → {_brief(change.after)}")
        if change.section == "advisories":
            blame(records.get(str(change.key)), why)
        elif change.section == "sboms":
            blame(sboms.get(str(change.key)), why)
        elif change.section == "vex":
            for ref in inputs.vex:
                if ref.digest not in sealed_vex:
                    blame(ref, why)
        elif change.section == "policy":
            blame(inputs.policy, why)
        elif change.section == "release":
            blame(inputs.release, why)
        elif change.section != "packages":  # packages follow from the SBOMs
            blame(None, why)
    return blamed
