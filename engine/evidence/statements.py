"""Build the in-toto statements the run signs at each checkpoint (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"

RESOLVED_INPUTS = "urn:stellaops:resolved-inputs:v1"
POLICY_DECISION = "https://in-toto.io/attestation/svr/v0.2"
APPROVAL = "urn:stellaops:approval:v1"
DEPLOYMENT = "urn:stellaops:deployment:v1"
DEPLOY_PROVENANCE = "urn:stellaops:deploy-provenance:v1"
RUNTIME_REACHABILITY = "urn:stellaops:runtime-reachability:v1"
PROOF_CHAIN = "urn:stellaops:proof-chain:v1"
CUSTODY = "urn:stellaops:chain-of-custody:v1"


def release_subject(release: Mapping[str, Any]) -> dict[str, Any]:
    """The release as a statement subject: ``name@version`` with its manifest digest."""
    algorithm, _, hexdigest = str(release["digest"]).partition(":")
    return {"name": f"{release['name']}@{release['version']}", "digest": {algorithm: hexdigest}}


def digest_subject(name: str, digest: str) -> dict[str, Any]:
    algorithm, _, hexdigest = digest.partition(":")
    return {"name": name, "digest": {algorithm: hexdigest}}


def statement(subjects: Sequence[Mapping[str, Any]], predicate_type: str,
              predicate: Mapping[str, Any]) -> dict[str, Any]:
    if not subjects:
        raise ValueError("a statement needs at least one subject")
    return {"_type": STATEMENT_TYPE, "subject": [dict(s) for s in subjects],
            "predicateType": predicate_type, "predicate": dict(predicate)}


def proof_chain_predicate(promotion_id: str, evidence: Iterable[Mapping[str, Any]],
                          event_chain_head: str, event_count: int, checkpoint: str,
                          sealed_at: str) -> dict[str, Any]:
    """The seal: every evidence digest in log order, the event-chain head, the checkpoint."""
    return {
        "promotion": promotion_id,
        "sealedAt": sealed_at,
        "evidence": [{"name": e["name"], "step": e["step"], "digest": e["digest"],
                      "logIndex": e["log_index"], "predicateType": e["predicate_type"]}
                     for e in evidence],
        "eventChain": {"head": event_chain_head, "events": event_count},
        "checkpoint": checkpoint,
    }
