"""The one rule that decides whether a run's approvals count (DESIGN §4.3).

An ``approval.granted`` event counts only if the approval statement it names
(``urn:stellaops:approval:v1``, by evidence digest) is a DSSE envelope that

- is about this promotion and this release digest, with decision ``approved``;
- is signed by a key the site authority enrolled, at the time of the approval,
  for a user whose role then was ``approver``;
- names that user as the approver and as the event's actor, who is not the
  requester; each approver counts once.

The number required is the largest of the environment's setting as the authority
holds it at the promotion's creation, the count fixed in ``run.created`` and one
when the gate asked for approval. The executor (before it passes the approval
step) and the offline verifier (on an export) call :func:`check_approvals` with
their own :class:`Authority`, so both apply exactly this rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE, Statement
from engine.crypto.keys import PublicKey
from engine.evidence import statements
from engine.roster import KeyHolder
from engine.run import duties
from engine.run import events as ev
from engine.run.stages import APPROVAL, GATE

APPROVER_ROLE = "approver"


class Environment(Protocol):
    @property
    def approvals_required(self) -> int: ...


class Authority(Protocol):
    """Who held which key and what an environment required, as of a time: the
    verified site roster (:class:`engine.roster.Roster`) is one."""

    def key(self, keyid: str, at: str) -> KeyHolder | None:
        """Who ``keyid`` spoke for at ``at`` (enrolled, not revoked), else None."""

    def environment(self, name: str, at: str) -> Environment | None:
        """The environment's settings at ``at``; None if it did not exist then."""


@dataclass(frozen=True)
class ApprovalCheck:
    required: int
    approvers: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and len(self.approvers) >= self.required

    @property
    def why(self) -> str:
        """Every reason the approval step may not pass (empty when it may)."""
        reasons = list(self.problems)
        if len(self.approvers) < self.required:
            backed = ", ".join(self.approvers) or "none"
            reasons.append(f"{self.required} signed approval(s) required, "
                           f"{len(self.approvers)} valid ({backed})")
        return "; ".join(reasons)


def gate_requires_approval(outputs: Mapping[str, Any]) -> bool:
    if outputs.get("approval_required"):
        return True
    return any(outputs.get(key) == "require-approval" for key in ("outcome", "verdict", "decision"))


def _last_attempt(events: Sequence[ev.Event], step: str) -> Sequence[ev.Event]:
    """The events since the step last started (an approval counts for its attempt only)."""
    for i in range(len(events) - 1, -1, -1):
        if events[i].type == ev.STEP_STARTED and events[i].step == step:
            return events[i:]
    return events


def _gate_outputs(events: Sequence[ev.Event]) -> Mapping[str, Any]:
    for event in reversed(events):
        if event.step == GATE and event.type in (ev.STEP_SUCCEEDED, ev.STEP_WARNED, ev.STEP_WAITING):
            return event.data.get("outputs") or {}
    return {}


def required_approvals(events: Sequence[ev.Event], authority: Authority) -> tuple[int, list[str]]:
    """How many approvals the run needs, and any problem finding out."""
    created = events[0].data
    env = str(created.get("to_env", ""))
    problems = []
    settings = authority.environment(env, events[0].at)
    if settings is None:
        problems.append(f"environment {env} is not known to the site authority at {events[0].at}")
    by_authority = settings.approvals_required if settings is not None else 0
    by_run = int(created.get("approvals_required", 0) or 0)
    by_gate = 1 if gate_requires_approval(_gate_outputs(events)) else 0
    return max(by_authority, by_run, by_gate), problems


def _approval_problem(event: ev.Event, envelope: bytes | None, authority: Authority,
                      promotion: str, release_digest: str, requester: str) -> str | None:
    who = event.actor
    unbacked = f"approval by {who} is not backed by a valid signature"
    if envelope is None:
        digest = event.data.get("evidence")
        return f"{unbacked} (no signed approval statement {'with digest ' + str(digest) if digest else 'is named'})"
    try:
        parsed = dsse.Envelope.from_bytes(envelope)
    except CryptoError as exc:
        return f"{unbacked} ({exc})"
    trusted: dict[str, PublicKey] = {}
    holders: dict[str, KeyHolder] = {}
    for signature in parsed.signatures:
        keyid = signature.keyid
        holder = authority.key(keyid, event.at) if keyid else None
        if keyid and holder is not None:
            trusted[keyid] = holder.public_key
            holders[keyid] = holder
    if not trusted:
        return f"{unbacked} (signed by no key the site authority enrolled at {event.at})"
    try:
        verified = dsse.verify(parsed, trusted, 1, INTOTO_PAYLOAD_TYPE)
        statement = Statement.from_bytes(verified.payload)
    except CryptoError as exc:
        return f"{unbacked} ({exc})"
    signers = {holders[k].user: holders[k] for k in verified.signer_keyids}
    holder = signers.get(who)
    if holder is None:
        return f"{unbacked} (signed by {', '.join(sorted(signers))}, not by {who})"
    if holder.role != APPROVER_ROLE:
        return f"{unbacked} ({who} was {holder.role!r}, not an approver, at {event.at})"
    if duties.is_requester(requester, who):
        return f"approval by {who} does not count: {who} requested this promotion"
    predicate = statement.predicate if isinstance(statement.predicate, Mapping) else {}
    named = predicate.get("approver")
    approver = named if isinstance(named, Mapping) else {}
    if statement.predicate_type != statements.APPROVAL or predicate.get("decision") != "approved":
        return f"{unbacked} (the signed statement is not an approval)"
    if predicate.get("promotion") != promotion or approver.get("name") != who:
        return f"{unbacked} (the signed approval is for {predicate.get('promotion')} by " \
               f"{approver.get('name')})"
    algorithm, _, hexdigest = release_digest.partition(":")
    if not any(s.digest.get(algorithm) == hexdigest for s in statement.subjects):
        return f"{unbacked} (the signed approval is not about release {release_digest})"
    return None


def check_approvals(events: Sequence[ev.Event], envelopes: Mapping[str, bytes],
                    authority: Authority) -> ApprovalCheck:
    """Which approvals of the approval step's last attempt count (module docstring).

    ``envelopes`` maps evidence digests (``sha256:…``) to envelope bytes."""
    if not events or events[0].type != ev.RUN_CREATED:
        return ApprovalCheck(1, (), ("the run does not start with run.created",))
    created = events[0].data
    promotion = str(created.get("promotion_id", ""))
    release_digest = str((created.get("release") or {}).get("digest", ""))
    requester = str(created.get("requester", ""))
    required, problems = required_approvals(events, authority)
    approvers: list[str] = []
    for event in _last_attempt(events, APPROVAL):
        if event.type != ev.APPROVAL_GRANTED:
            continue
        digest = event.data.get("evidence")
        envelope = envelopes.get(digest) if isinstance(digest, str) else None
        problem = _approval_problem(event, envelope, authority, promotion, release_digest,
                                    requester)
        if problem:
            problems.append(problem)
        elif event.actor not in approvers:
            approvers.append(event.actor)
    return ApprovalCheck(required, tuple(approvers), tuple(problems))

