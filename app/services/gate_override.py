"""The stale-feeds override: an approver's explicit, signed, reasoned decision to let a
promotion proceed on feed data the policy calls stale (DESIGN §5).

Rules, each checked before anything is written: a reason is given; the run has not
ended; the approver has the approver role and is not the requester; the gate has
evaluated this promotion and its latest verdict **triggered** ``feeds-fresh``; the
approver's passphrase opens their own key. Then the decision is signed with that
key as an approval statement (``urn:stellaops:approval:v1``, ``decision``
``override-stale-feeds``), logged as evidence of the gate step, and
``override.recorded`` is appended to the run.

How the gate uses it: an override covers the feed snapshots of the verdict it
answered (by digest). When the gate next runs on those same snapshots, it
evaluates the imported policy with ``feeds-fresh`` lowered to ``warn`` and its
message naming the approver, time and reason — a derived policy whose document
carries the override under ``stellaopsOverride`` and so has its own digest. The
override is therefore visible in the verdict (rule outcome, message, policy
digest) and sealed by its decision digest; newer snapshots need no override, and
older or different ones are not covered by it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.context import Site
from app.errors import NotNow, UsageError
from app.services import evidence
from app.services.promotions import load_run_in
from app.services.roles import require_role
from engine.evidence import statements
from engine.policy import BUILTIN_FEEDS_FRESH, Policy
from engine.policy.sealed import (
    OVERRIDE_EXTENSION,
    apply_stale_feeds_override,
    override_message,
)
from engine.roster import sign_new_events
from engine.run import duties
from engine.run import events as ev
from engine.run import payloads as pl
from engine.run.stages import GATE
from models import run_store
from models.tables import GateVerdict

KIND = "stale-feeds"
RULE = BUILTIN_FEEDS_FRESH.id
DECISION = "override-stale-feeds"
EXTENSION = OVERRIDE_EXTENSION
APPROVER_ROLES = ("approver",)


class MissingReason(UsageError):
    """An override must say why."""


@dataclass(frozen=True)
class StaleFeedsOverride:
    approver: str
    reason: str
    at: str
    event: str  # hash of the override.recorded event
    verdict_id: str  # the verdict it answered
    feeds: tuple[str, ...]  # snapshot digests it accepts
    evidence: str | None = None

    def covers(self, digests: Iterable[str]) -> bool:
        return set(digests) <= set(self.feeds)

    @property
    def message(self) -> str:
        return override_message(self.to_json())

    def to_json(self) -> dict[str, Any]:
        return {"rule": RULE, "approver": self.approver, "reason": self.reason, "at": self.at,
                "event": self.event, "verdict_id": self.verdict_id, "feeds": list(self.feeds),
                "evidence": self.evidence}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StaleFeedsOverride:
        return cls(str(obj["approver"]), str(obj["reason"]), str(obj["at"]), str(obj["event"]),
                   str(obj["verdict_id"]), tuple(obj["feeds"]), obj.get("evidence"))

    def apply(self, policy: Policy) -> Policy:
        """The policy with ``feeds-fresh`` lowered to ``warn`` (module docstring); the
        engine derives it, so an offline verifier rebuilds the very same policy."""
        return apply_stale_feeds_override(policy, self.to_json())


def latest_override(events: Sequence[ev.Event]) -> StaleFeedsOverride | None:
    for event in reversed(events):
        if event.type != ev.OVERRIDE_RECORDED:
            continue
        override = pl.read_as(pl.OverrideRecorded, event)
        if override.kind == KIND:
            return StaleFeedsOverride(
                approver=event.actor, reason=event.reason or "", at=event.at, event=event.hash,
                verdict_id=override.verdict_id, feeds=override.feeds, evidence=override.evidence)
    return None


@dataclass(frozen=True)
class OverrideResult:
    promotion_id: str
    verdict_id: str
    feeds: tuple[str, ...]
    evidence_digest: str
    event_seq: int


def _latest_verdict(session, promotion_id: str) -> dict[str, Any] | None:
    data = session.scalar(select(GateVerdict.document)
                          .where(GateVerdict.promotion_id == promotion_id)
                          .order_by(GateVerdict.id.desc()).limit(1))
    return json.loads(data) if data is not None else None


def _refusal(session, promotion_id: str, approver: str) -> tuple[Any, dict[str, Any]]:
    """The run and the verdict to override, or NotNow/Rejected saying why not."""
    _, state = load_run_in(session, promotion_id)
    require_role(session, approver, APPROVER_ROLES, "override stale feeds")
    if state.terminal:
        raise NotNow(f"override refused: the run has ended ({state.status})")
    refused = duties.refusal(state.requester, approver, "override its gate")
    if refused is not None:
        raise NotNow(f"override refused: {refused}")
    verdict = _latest_verdict(session, promotion_id)
    if verdict is None:
        raise NotNow("override refused: the gate has not evaluated this promotion yet")
    rule = next((r for r in verdict["rules"] if r["id"] == RULE), None)
    if rule is None or rule["outcome"] != "triggered" or rule["action"] == "warn":
        raise NotNow(f"override refused: the latest verdict {verdict['verdict_id']} did not "
                     "block on stale feeds")
    return state, verdict


def override_stale_feeds(site: Site, promotion_id: str, approver: str, reason: str | None,
                         passphrase: str | None) -> OverrideResult:
    """Record an approver's stale-feeds override (module docstring for the rules):
    checked before the passphrase is asked, then again inside the one write
    transaction that records the signed evidence and the event."""
    from app.services.identity import authenticate

    reason = (reason or "").strip()
    if not reason:
        raise MissingReason("override refused: a reason is required; say why with --reason")
    with site.db.read() as session:
        _refusal(session, promotion_id, approver)
    identity = authenticate(site, approver, passphrase)
    with site.db.write() as session:
        state, verdict = _refusal(session, promotion_id, identity.name)
        feeds = verdict["inputs"]["feeds"]
        digests = tuple(sorted({f["digest"] for f in feeds}))
        predicate = {
            "promotion": promotion_id, "decision": DECISION,
            "approver": {"name": identity.name, "role": identity.role, "keyid": identity.key_id},
            "reason": reason, "decidedAt": site.now(), "release": dict(state.release),
            "environment": state.to_env, "requester": state.requester, "rule": RULE,
            "verdict": {"verdict_id": verdict["verdict_id"],
                        "decision_digest": verdict["decision_digest"]},
            "feeds": feeds, "eventChain": {"head": state.head, "events": state.event_count},
        }
        item = evidence.record_in(session, site, promotion_id, GATE,
                                  max(1, state.step(GATE).attempt), f"{DECISION}-{identity.name}",
                                  statements.APPROVAL, predicate, signer=identity.signer)
        new = ev.NewEvent(ev.OVERRIDE_RECORDED, actor=identity.name, at=site.now(), step=GATE,
                          reason=reason, data={"kind": KIND, "rule": RULE,
                                               "verdict_id": verdict["verdict_id"],
                                               "feeds": list(digests), "evidence": item.digest,
                                               "keyid": identity.key_id,
                                               "log_index": item.log_index})
        signed = sign_new_events(promotion_id, state.event_count, state.head, [new],
                                 identity.signer)  # the approver's own signature (§10.1)
        try:
            appended = run_store.append(session, promotion_id, state.head, signed)
        except run_store.HeadMoved as exc:
            raise NotNow(str(exc)) from None
    return OverrideResult(promotion_id, verdict["verdict_id"], digests, item.digest,
                          appended[-1].seq)
