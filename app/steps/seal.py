"""Seal Evidence: the proof chain over every evidence item of the run, signed by the
site key and logged like any other item (DESIGN §6, issue 4).

A run that ended rolled back or cancelled is sealed too (the executor runs this step
once the run has ended): its proof chain covers the deployments, the measurements that
breached, the rollback with its reason and ticket, and the event chain up to the end.
Such a run may have no evidence at all (cancelled before its inputs were resolved);
its seal then covers the event chain alone."""

from __future__ import annotations

from app.services import evidence
from app.services.promotions import load_run
from app.steps.base import FAILED, SUCCEEDED, StepContext, StepOutcome
from engine.evidence import statements


class SealEvidenceStep:
    def run(self, ctx: StepContext) -> StepOutcome:
        items = evidence.list_evidence(ctx.site, ctx.promotion_id)
        if not items and not ctx.state.terminal:
            return StepOutcome(FAILED, error="there is no evidence to seal")
        events, _ = load_run(ctx.site, ctx.promotion_id)
        head = events[-1]
        checkpoint, _ = evidence.receipts(ctx.site, [])
        predicate = statements.proof_chain_predicate(
            ctx.promotion_id, [item.as_json() for item in items], head.hash, len(events),
            checkpoint, ctx.site.now())
        record = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt,
                                          "proof-chain", statements.PROOF_CHAIN, predicate)
        ended = f"the run ended {ctx.state.status}; " if ctx.state.terminal else ""
        ctx.log(f"{ended}sealed {len(items)} evidence item(s); event chain head {head.hash[:16]}… "
                f"({len(events)} events); proof chain at log index {record.log_index}")
        return StepOutcome(SUCCEEDED, summary=f"{len(items)} item(s) sealed",
                           outputs={"proof_chain": record.digest, "log_index": record.log_index,
                                    "event_chain_head": head.hash, "items": len(items)})
