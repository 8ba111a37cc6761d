"""The ``policy/<NN>-<step>/`` format: files placed at safe paths, ``inputs.json`` read
back strictly."""

from __future__ import annotations

import json

import pytest

from airgap_bundles.export import GateEvalFiles, NamedFile
from airgap_bundles.export.errors import ExportContentError
from airgap_bundles.export.gate_eval import (
    GateEvalInputs,
    InputsFormatError,
    gate_eval_members,
)
from engine.canonical import canonical_bytes, sha256_digest

VERDICT = canonical_bytes({"schema": "stellaops.verdict/v1", "verdict_id": "verdict-0123456789ab",
                           "decision_digest": "sha256:" + "0" * 64})
FOLDER = "policy/03-gate-eval.attempt-2"


def files(**extra) -> GateEvalFiles:
    base = dict(
        step="gate-eval", attempt=2, verdict=VERDICT, replay={"schema": "x"},
        evidence="sha256:" + "e" * 64, release=b'{"name":"a","version":"1"}',
        sboms=(NamedFile("sbom/api.cdx.json", b"{}"), NamedFile("sbom/my api.json", b"[]")),
        vex=(NamedFile("vex/a.json", b'{"v":1}'),), policy=b'{"name":"p"}',
        records=(NamedFile("GHSA-b", b"2"), NamedFile("GHSA-a", b"1")))
    base.update(extra)
    return GateEvalFiles(**base)


def test_files_are_placed_under_the_folder_with_inputs_json_naming_each():
    members = {m.path: m for m in gate_eval_members(FOLDER, files())}
    assert list(members)[:2] == [f"{FOLDER}/verdict.json", f"{FOLDER}/inputs.json"]
    assert members[f"{FOLDER}/verdict.json"].data == VERDICT
    inputs = GateEvalInputs.from_bytes(members[f"{FOLDER}/inputs.json"].data)
    assert (inputs.verdict_id, inputs.attempt) == ("verdict-0123456789ab", 2)
    assert inputs.release.path == "release/release.json"
    assert [(r.name, r.path) for r in inputs.sboms] == [
        ("sbom/api.cdx.json", "release/sbom/api.cdx.json"),
        # A member path with characters an export path may not hold is named by digest.
        ("sbom/my api.json", f"release/by-digest/{sha256_digest(b'[]')[7:]}.json")]
    assert [(r.name, r.path) for r in inputs.records] == [
        ("GHSA-a", "records/GHSA-a.json"), ("GHSA-b", "records/GHSA-b.json")]
    for ref in inputs.files():
        assert sha256_digest(members[f"{FOLDER}/{ref.path}"].data) == ref.digest
    kinds = {m.kind for p, m in members.items() if not p.endswith("/verdict.json")}
    assert kinds == {"policy-input"}


def test_a_release_member_that_would_overwrite_another_file_is_named_by_digest():
    members = gate_eval_members(FOLDER, files(sboms=(NamedFile("release.json", b"{}"),)))
    paths = [m.path for m in members]
    assert len(set(paths)) == len(paths)
    assert f"{FOLDER}/release/by-digest/{sha256_digest(b'{}')[7:]}.json" in paths


def test_a_recorded_verdict_that_is_not_json_is_refused():
    with pytest.raises(ExportContentError, match="attempt 2 is not JSON"):
        gate_eval_members(FOLDER, files(verdict=b"{not json"))


def _inputs(**change) -> bytes:
    members = gate_eval_members(FOLDER, files())
    obj = json.loads(members[1].data)
    obj.update(change)
    return canonical_bytes(obj)


@pytest.mark.parametrize(("change", "message"), [
    ({"_type": "other"}, "stellaops.gate-eval-inputs/v1"),
    ({"replay": []}, "'replay' must be an object"),
    ({"records": [{"name": "GHSA-a", "path": "../x.json", "digest": "sha256:" + "1" * 64}]},
     "records\\[0\\].path"),
    ({"records": [{"name": "GHSA-a", "path": "records/a.json", "digest": "md5:1"}]},
     "records\\[0\\].digest"),
    ({"sboms": [{"path": "a.json", "digest": "sha256:" + "1" * 64}]}, "sboms\\[0\\].name"),
    ({"vex": [{"name": "v", "path": "a.json", "digest": "sha256:" + "1" * 64}] * 2},
     "'vex' names a file twice"),
    ({"unavailable": "nothing"}, "'unavailable' must be a list"),
    ({"verdict": {"path": "verdict.json", "attempt": 0}}, "verdict.attempt"),
])
def test_malformed_inputs_json_is_refused_saying_why(change, message):
    with pytest.raises(InputsFormatError, match=message):
        GateEvalInputs.from_bytes(_inputs(**change))
