"""The site's own rules, checked offline: the run's history is complete against the
site log (engine/run/history.py) and its approvals are backed by signatures of keys
the site roster enrolled for approvers (engine/evidence/approval_rule.py) — the
same functions the site runs, on what the export ships."""

from __future__ import annotations

from airgap_bundles.audit.context import Context
from airgap_bundles.audit.report import APPROVALS, COMPLETENESS, EVENTS
from airgap_bundles.export import layout
from airgap_bundles.export.roster_file import RosterFileError, decode_roster
from engine.evidence import statements
from engine.evidence.approval_rule import check_approvals
from engine.roster import Roster, RosterError, verify_roster
from engine.roster.run_signatures import check_event_signatures
from engine.run.history import RunLogError, decode_run_log, event_leaf, history_problems
from engine.run.stages import APPROVAL
from engine.run.state import DONE_STATUSES, SKIPPED, fold
from engine.tlog.errors import TlogError
from engine.tlog.hashing import leaf_hash
from engine.tlog.verify import verify_inclusion


def check_run_log(ctx: Context) -> None:
    """Every entry the site log held for the run is an event of timeline.json, and the
    timeline's events after the first logged one are all in the log."""
    assert ctx.index is not None
    report = ctx.report
    if ctx.item(layout.RUN_LOG) is None:
        report.note(COMPLETENESS, layout.RUN_LOG, "is not in this export: the history's "
                    "completeness against the site log cannot be shown (an older export)")
        return
    data = ctx.data(layout.RUN_LOG)
    if data is None or ctx.events is None or ctx.checkpoint is None:
        report.failed(COMPLETENESS, layout.RUN_LOG, "cannot be checked: the timeline or the "
                      "signed checkpoint did not verify")
        return
    checkpoint = ctx.checkpoint.checkpoint
    try:
        promotion, size, entries = decode_run_log(data)
        if promotion != ctx.index.promotion or size != checkpoint.size:
            raise RunLogError(f"is for {promotion} under a tree of {size} entries, not for "
                              f"{ctx.index.promotion} under tlog/checkpoint ({checkpoint.size})")
        for entry, proof in entries:
            verify_inclusion(leaf_hash(event_leaf(promotion, entry.seq, entry.event_hash)),
                             entry.log_index, size, proof, checkpoint.root_hash)
    except (RunLogError, TlogError) as exc:
        report.failed(COMPLETENESS, layout.RUN_LOG, str(exc))
        return
    problems = history_problems(ctx.index.promotion, ctx.events, [e for e, _ in entries])
    if problems:
        report.failed(COMPLETENESS, layout.TIMELINE, "; ".join(problems))
        return
    report.passed(COMPLETENESS, layout.TIMELINE,
                  f"the site log holds {len(entries)} event(s) of {ctx.index.promotion}, each "
                  f"proven under tlog/checkpoint, and timeline.json has every one of them")


def _roster(ctx: Context) -> Roster | None:
    data = ctx.data(layout.ROSTER)
    if data is None:
        return None
    try:
        roster = verify_roster(decode_roster(data))
    except RosterError as exc:
        ctx.report.failed(APPROVALS, layout.ROSTER, f"does not verify: {exc}")
        return None
    except RosterFileError as exc:
        ctx.report.failed(APPROVALS, layout.ROSTER, str(exc))
        return None
    ctx.report.facts["roster"] = f"{roster.size} records, head {roster.head[:16]}…"
    ctx.report.facts["roster genesis"] = _genesis(roster)  # compare with the site's, out of band
    ctx.report.passed(APPROVALS, layout.ROSTER, f"{roster.size} admin-signed record(s), "
                      "hash chain and every admin rule verified")
    return roster


def _genesis(roster: Roster) -> str:
    """Record #0 and the key of the admin it enrols: what an auditor pins, since a
    roster is only as trustworthy as its first record."""
    first = roster.records[0]
    admin = first.data.get("admin") or {}
    keys = roster.user_keys(str(admin.get("name", "")), first.at)
    keyids = ", ".join(k[:16] + "…" for k in sorted(keys)) or "no key in force"
    return f"{first.hash[:16]}…, site {first.data.get('site')}, first admin {admin.get('name')} " \
           f"(key {keyids})"


def check_run_signatures(ctx: Context, roster: Roster | None) -> None:
    """Every event of timeline.json is signed by a key the shipped roster held for its
    actor at that time, or an executor key for the executor's events — the rule the
    site's timeline applies (engine/roster/run_signatures.py)."""
    assert ctx.index is not None and ctx.events is not None
    if ctx.item(layout.ROSTER) is None:
        ctx.report.note(EVENTS, layout.TIMELINE, "the events' signatures cannot be checked: "
                        "the export ships no site roster (an older export)")
        return
    if roster is None:
        ctx.report.failed(EVENTS, layout.TIMELINE, "the events' signatures cannot be checked: "
                          "the shipped site roster does not verify")
        return
    check = check_event_signatures(ctx.index.promotion, ctx.events, roster)
    if check.ok:
        ctx.report.passed(EVENTS, layout.TIMELINE, check.summary)
    else:
        ctx.report.failed(EVENTS, layout.TIMELINE, check.summary)


def check_run_approvals(ctx: Context) -> None:
    """If the run passed its approval step, its approvals satisfy the approval rule
    under the shipped roster; a run that never passed it needs nothing."""
    assert ctx.index is not None
    report = ctx.report
    if ctx.events is None:
        return
    state = fold(ctx.events)
    roster = _roster(ctx) if ctx.item(layout.ROSTER) is not None else None
    check_run_signatures(ctx, roster)
    names = [s.name for s in state.steps]
    if APPROVAL not in names or state.step(APPROVAL).status not in DONE_STATUSES:
        report.note(APPROVALS, layout.TIMELINE, "the run did not pass an approval step")
        return
    if ctx.item(layout.ROSTER) is None:
        if state.step(APPROVAL).status == SKIPPED and not state.approvals_required \
                and not state.approvals:
            report.note(APPROVALS, layout.TIMELINE, "the run needed no approval; the export "
                        "ships no site roster to confirm the environment's setting")
        else:
            report.failed(APPROVALS, layout.INDEX, "the run passed its approval step but the "
                          "export ships no site roster to check its approvals against")
        return
    if roster is None:
        return  # the roster did not verify (reported)
    envelopes: dict[str, bytes] = {}
    for item in ctx.index.of_kind(layout.K_EVIDENCE):
        if item.predicate_type == statements.APPROVAL and (data := ctx.data(item.path)):
            envelopes["sha256:" + item.sha256] = data
    check = check_approvals(ctx.events, envelopes, roster)
    if not check.ok:
        report.failed(APPROVALS, layout.TIMELINE, check.why)
        return
    if not check.required and not check.approvers:
        report.passed(APPROVALS, layout.TIMELINE, "no approval was required: neither the "
                      "roster's setting of the environment at the promotion's creation nor "
                      "the gate asked for one")
        return
    report.passed(APPROVALS, layout.TIMELINE,
                  f"{len(check.approvers)} approval(s) of the {check.required} required, each "
                  f"signed by an approver the roster enrolled ({', '.join(check.approvers)})")

