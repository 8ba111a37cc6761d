"""The policy decision as an in-toto Simple Verification Result (SVR) v0.2 predicate.

Predicate type ``https://in-toto.io/attestation/svr/v0.2``. The SVR core is
``verifier`` (``id`` and ``policies``: resource descriptors with digests),
``timeCreated`` and ``properties`` — the *passing* properties as strings:
``STELLAOPS_RULE_<RULE>_PASSED`` for each rule that did not trigger, and
``STELLAOPS_GATE_PASSED`` (``…_PASSED_WITH_WARNINGS`` for ``warn``) when the
gate let the release through; nothing is asserted for a rule that triggered
or errored, so a consumer that only reads ``properties`` never mistakes a
block for a pass.

Following the in-toto extension-field rules (readers ignore what they do not
know), the predicate also carries the fields verification-summary readers
look for — ``timeVerified``, ``policy`` ``{uri, digest}``,
``inputAttestations`` (the sealed inputs as resource descriptors) and
``verifiedLevels`` (the same strings as ``properties``) — and, under
:data:`EXTENSION`, the complete verdict document: every rule with its outcome,
message and findings, the sealed inputs and the decision digest, from which
the digest can be recomputed (:func:`engine.policy.verdict.decision_digest_of`).

Everything is derived from the verdict document, so the predicate is as
deterministic as the verdict (``timeCreated`` is the sealed evaluation time,
not the time of writing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

SVR_PREDICATE_TYPE = "https://in-toto.io/attestation/svr/v0.2"
EXTENSION = "stellaopsVerdict"
PREFIX = "STELLAOPS_"
_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def _descriptor(name: str, digest: str, uri: str | None = None) -> dict[str, Any]:
    algorithm, _, value = digest.partition(":")
    out: dict[str, Any] = {"name": name, "digest": {algorithm: value}}
    if uri is not None:
        out["uri"] = uri
    return out


def passing_properties(verdict: Mapping[str, Any]) -> list[str]:
    props = [
        f"{PREFIX}RULE_{_NOT_WORD.sub('_', rule['id'].upper()).strip('_')}_PASSED"
        for rule in verdict["rules"] if rule["outcome"] == "not-triggered"
    ]
    if verdict["outcome"] == "pass":
        props.append(f"{PREFIX}GATE_PASSED")
    elif verdict["outcome"] == "warn":
        props.append(f"{PREFIX}GATE_PASSED_WITH_WARNINGS")
    return sorted(set(props))


def input_descriptors(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sealed inputs that have digests, as in-toto resource descriptors."""
    release = inputs["release"]
    out = [_descriptor(f"release:{release['name']}@{release['version']}", release["digest"])]
    out += [_descriptor(f"sbom:{name}", digest) for name, digest in inputs["sboms"].items()]
    seen: set[tuple[str, str]] = set()
    for feed in inputs["feeds"]:
        if (feed["source"], feed["digest"]) not in seen:
            seen.add((feed["source"], feed["digest"]))
            out.append(_descriptor(f"feed:{feed['source']}@{feed['snapshot']}", feed["digest"]))
    out += [_descriptor("vex", digest) for digest in inputs["vex"]]
    if inputs.get("baseline"):
        out.append(_descriptor(f"baseline:{inputs['baseline']['name']}",
                               inputs["baseline"]["digest"]))
    if inputs.get("reachability"):
        out.append(_descriptor("runtime-observations", inputs["reachability"]))
    return out


def svr_predicate(verdict: Mapping[str, Any], *, verifier_id: str, policy_uri: str,
                  input_attestations: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The SVR v0.2 predicate for a verdict document (:meth:`Verdict.to_json`).

    ``verifier_id`` is a versioned URI of this gate; ``policy_uri`` names the
    policy (e.g. ``urn:stellaops:policy:prod-gate:3``); ``input_attestations``
    adds descriptors of further attestations the caller relied on.
    """
    policy = verdict["policy"]
    algorithm, _, value = str(policy["digest"]).partition(":")
    policy_ref = {"uri": policy_uri, "digest": {algorithm: value}}
    properties = passing_properties(verdict)
    return {
        "verifier": {"id": verifier_id, "policies": [{**policy_ref, "name": policy["name"]}]},
        "timeCreated": verdict["evaluated_at"],
        "properties": properties,
        "timeVerified": verdict["evaluated_at"],
        "policy": policy_ref,
        "inputAttestations": input_descriptors(verdict["inputs"]) + [
            dict(a) for a in input_attestations],
        "verifiedLevels": properties,
        EXTENSION: dict(verdict),
    }
