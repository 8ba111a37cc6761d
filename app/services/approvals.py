"""Approve or reject a waiting promotion with the approver's own signature.

Order of checks, each refusal saying why before anything is written: a reason is
given; an approval is waiting and the approver is not the requester and has not
already approved (the engine's rules, :mod:`engine.run.actions`); the approver has
the approver role; the passphrase opens the approver's own key. Then, in ONE write
transaction, the guard is checked again on the run as it is now, the approval
statement (``urn:stellaops:approval:v1``) is signed with that key and logged as
evidence, and the action is appended with the evidence digest and key id: a
decision refused by a concurrent one leaves no evidence anywhere (log, seal, export).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.context import Site
from app.errors import NotNow, UsageError
from app.services import actions, evidence
from app.services.identity import authenticate
from app.services.promotions import load_run, load_run_in
from app.services.roles import require_role, roles_for
from engine.evidence import statements
from engine.run import actions as run_actions
from engine.run.stages import APPROVAL, GATE
from engine.run.state import RunState

DECISIONS = {run_actions.APPROVE: "approved", run_actions.REJECT: "rejected"}


class MissingReason(UsageError):
    """Approvals and rejections must say why."""


@dataclass(frozen=True)
class ApprovalResult:
    state: RunState
    evidence_digest: str
    log_index: int
    key_id: str


def approve(site: Site, promotion_id: str, name: str, passphrase: str | None, reason: str | None) -> ApprovalResult:
    return decide(site, promotion_id, run_actions.APPROVE, name, passphrase, reason)


def reject(site: Site, promotion_id: str, name: str, passphrase: str | None, reason: str | None) -> ApprovalResult:
    return decide(site, promotion_id, run_actions.REJECT, name, passphrase, reason)


def decide(site: Site, promotion_id: str, action: str, name: str, passphrase: str | None,
           reason: str | None) -> ApprovalResult:
    if action not in DECISIONS:
        raise UsageError(f"{action!r} is not an approval decision")
    reason = (reason or "").strip()
    if not reason:
        raise MissingReason(f"{action} refused: a reason is required; say why with --reason")
    _, state = load_run(site, promotion_id)  # refuse early, before asking for a passphrase
    why = run_actions.refusal(state, action, actor=name)
    if why:
        raise NotNow(f"{action} refused: {why}")
    with site.db.read() as session:
        require_role(session, name, roles_for(action), action)
    identity = authenticate(site, name, passphrase)
    label = "approval" if action == run_actions.APPROVE else "rejection"
    with site.db.write(site_wide=False) as session:  # one transaction: guard, evidence, event
        _, state = load_run_in(session, promotion_id)
        why = run_actions.refusal(state, action, actor=identity.name)
        if why:
            raise NotNow(f"{action} refused: {why}")
        require_role(session, identity.name, roles_for(action), action)
        predicate = approval_predicate(state, action, identity.name, identity.role,
                                       identity.key_id, reason, site.now())
        attempt = max(1, state.step(APPROVAL).attempt)
        item = evidence.record_in(session, site, promotion_id, APPROVAL, attempt,
                                  f"{label}-{identity.name}", statements.APPROVAL, predicate,
                                  signer=identity.signer)
        new_state = actions.act_in(session, site, promotion_id, action, identity, reason,
                                   data={"evidence": item.digest, "keyid": identity.key_id,
                                         "log_index": item.log_index})
    return ApprovalResult(new_state, item.digest, item.log_index, identity.key_id)


def approval_predicate(state: RunState, action: str, name: str, role: str, key_id: str,
                       reason: str, at: str) -> dict[str, Any]:
    """What the approver signs: the decision, bound to the run as it stood (chain head)."""
    gate = state.step(GATE).outputs if GATE in [s.name for s in state.steps] else {}
    gate_ref = {k: gate[k] for k in ("verdict_id", "decision_digest", "outcome") if k in gate}
    waiting = state.current.waiting_detail if state.current else {}
    return {
        "promotion": state.promotion_id,
        "decision": DECISIONS[action],
        "approver": {"name": name, "role": role, "keyid": key_id},
        "reason": reason,
        "decidedAt": at,
        "release": dict(state.release),
        "fromEnvironment": state.from_env,
        "environment": state.to_env,
        "requester": state.requester,
        "requiredApprovals": int(waiting.get("required", state.approvals_required) or 1),
        "previousApprovals": list(state.approvals),
        "eventChain": {"head": state.head, "events": state.event_count},
        "gate": gate_ref,
    }
