"""The run's story: evidence signatures and log inclusion, the proof chain, the event
hash chain and the chain-of-custody receipts it carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airgap_bundles.audit.context import Context
from airgap_bundles.audit.report import CUSTODY, EVENTS, INCLUSION, PROOF_CHAIN, SIGNATURES
from airgap_bundles.export import layout
from airgap_bundles.export.index import IndexItem
from airgap_bundles.export.statements import StatementError, open_custody
from airgap_bundles.export.timeline import TimelineFormatError, decode_timeline
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE, Statement
from engine.evidence import statements
from engine.run.events import EXPORT_RECORDED, RUN_CREATED
from engine.run.state import FoldError, fold
from engine.tlog.checkpoint import verify_checkpoint
from engine.tlog.errors import TlogError
from engine.tlog.receipt import Receipt, verify_receipt
from engine.tlog.verify import verify_consistency


def _signers_for(ctx: Context, predicate_type: str) -> tuple[dict, str]:
    """Who may sign an item: the site key; an approval, the approver's own key."""
    assert ctx.site_key is not None
    if predicate_type == statements.APPROVAL:
        users = {
            k: key
            for k, (key, roles) in ctx.keys.items()
            if any(r.startswith(layout.USER_ROLE_PREFIX) for r in roles)
        }
        return users, "an approver's key"
    return {ctx.site_key.keyid: ctx.site_key}, "the site key"


def _statement(ctx: Context, item: IndexItem, data: bytes) -> Statement | None:
    report = ctx.report
    try:
        envelope = dsse.Envelope.from_bytes(data)
        trusted, who = _signers_for(ctx, item.predicate_type or "")
        verified = dsse.verify(envelope, trusted, 1, INTOTO_PAYLOAD_TYPE)
        statement = Statement.from_bytes(envelope.payload)
    except CryptoError as exc:
        report.failed(SIGNATURES, item.path, f"DSSE verification failed: {exc}")
        return None
    release = ctx.index.release["digest"].partition(":")[2] if ctx.index else ""
    if statement.predicate_type != item.predicate_type:
        report.failed(
            SIGNATURES,
            item.path,
            f"is a {statement.predicate_type} statement; index.json says {item.predicate_type}",
        )
        return None
    if not any(s.digest.get("sha256") == release for s in statement.subjects):
        report.failed(SIGNATURES, item.path, "is not about this export's release digest")
        return None
    signer = ", ".join(sorted(k[:16] + "…" for k in verified.signer_keyids))
    report.passed(
        SIGNATURES, item.path, f"DSSE signature by {who} ({signer}); {statement.predicate_type}"
    )
    return statement


def check_evidence(ctx: Context) -> dict[str, Statement]:
    """Signature, statement and log inclusion of every evidence envelope."""
    assert ctx.index is not None
    report = ctx.report
    statements_by_path: dict[str, Statement] = {}
    receipts = {i.path for i in ctx.index.of_kind(layout.K_RECEIPT)}
    evidence = sorted(ctx.index.of_kind(layout.K_EVIDENCE), key=lambda i: i.log_index or 0)
    for item in evidence:
        data = ctx.data(item.path)
        if data is None:
            continue
        statement = _statement(ctx, item, data)
        if statement is not None:
            statements_by_path[item.path] = statement
        receipt_path = layout.receipt_path_for(item.path)
        receipts.discard(receipt_path)
        _check_receipt(ctx, item, data, receipt_path)
    for orphan in sorted(receipts):
        report.failed(INCLUSION, orphan, "is a receipt for no evidence item of this export")
    if not evidence:
        report.note(SIGNATURES, layout.INDEX, "lists no evidence items yet")
    return statements_by_path


def _check_receipt(ctx: Context, item: IndexItem, data: bytes, receipt_path: str) -> None:
    report = ctx.report
    receipt_item = ctx.item(receipt_path)
    if receipt_item is None:
        report.failed(INCLUSION, item.path, f"has no receipt ({receipt_path} is not listed)")
        return
    raw = ctx.data(receipt_path)
    if raw is None or ctx.log_key is None or ctx.checkpoint_text is None:
        return  # already reported: the receipt's digest, the log key or the checkpoint
    try:
        receipt = Receipt.from_bytes(raw)
    except TlogError as exc:
        report.failed(INCLUSION, receipt_path, str(exc))
        return
    if receipt.log_index != item.log_index or receipt_item.log_index != item.log_index:
        report.failed(
            INCLUSION,
            receipt_path,
            f"is for log entry {receipt.log_index}, but the item is entry {item.log_index}",
        )
        return
    if receipt.checkpoint != ctx.checkpoint_text:
        report.failed(INCLUSION, receipt_path, "refers to another checkpoint than tlog/checkpoint")
        return
    try:
        verify_receipt(data, receipt, ctx.log_key)
    except TlogError as exc:
        bad = item.path if getattr(exc, "check", "") == "leaf-hash" else receipt_path
        report.failed(INCLUSION, bad, str(exc))
        return
    report.passed(
        INCLUSION,
        item.path,
        f"entry {receipt.log_index} of the site log, proven "
        f"by {receipt_path.rsplit('/', 1)[1]} under the signed checkpoint "
        f"({receipt.tree_size} entries)",
    )


def check_timeline(ctx: Context) -> None:
    assert ctx.index is not None
    report = ctx.report
    if ctx.item(layout.TIMELINE) is None:
        report.failed(EVENTS, layout.TIMELINE, "is missing")
        return
    data = ctx.data(layout.TIMELINE)
    if data is None:
        return
    try:
        events = decode_timeline(data)
        state = fold(events)
    except (TimelineFormatError, FoldError, KeyError, TypeError, ValueError) as exc:
        report.failed(EVENTS, layout.TIMELINE, f"does not verify: {exc}")
        return
    first = events[0]
    release = first.data.get("release", {}) if first.type == RUN_CREATED else {}
    problems = []
    if state.promotion_id != ctx.index.promotion:
        problems.append(f"is the run of {state.promotion_id}, not {ctx.index.promotion}")
    if not isinstance(release, dict) or release.get("digest") != ctx.index.release["digest"]:
        problems.append("promotes another release than index.json names")
    if len(events) != ctx.index.run_events or events[-1].hash != ctx.index.run_head:
        problems.append(
            f"holds {len(events)} events ending in {events[-1].hash[:16]}…; "
            f"index.json says {ctx.index.run_events} ending in "
            f"{ctx.index.run_head[:16]}…"
        )
    if problems:
        report.failed(EVENTS, layout.TIMELINE, "; ".join(problems))
        return
    ctx.events = events
    report.facts["run"] = f"{state.status}, {len(events)} events"
    report.passed(
        EVENTS,
        layout.TIMELINE,
        f"{len(events)} events, every hash link intact; "
        f"head {events[-1].hash[:16]}…, run {state.status}",
    )


def check_proof_chain(ctx: Context) -> None:
    assert ctx.index is not None and ctx.site_key is not None
    report, index = ctx.report, ctx.index
    item = ctx.item(layout.PROOF_CHAIN)
    if index.bundle == layout.AUDITOR_BUNDLE and index.partial:
        report.failed(PROOF_CHAIN, layout.INDEX, "an auditor bundle is never partial")
    if item is None:
        if index.partial:
            report.note(PROOF_CHAIN, layout.PROOF_CHAIN, "not sealed yet: this pack is partial")
        else:
            report.failed(
                PROOF_CHAIN,
                layout.PROOF_CHAIN,
                "is missing, but index.json says the run was sealed",
            )
        return
    if index.partial:
        report.failed(PROOF_CHAIN, layout.INDEX, "says partial, yet the export has a seal")
    data = ctx.data(item.path)
    if data is None:
        return
    twins = [
        e
        for e in index.of_kind(layout.K_EVIDENCE)
        if e.sha256 == item.sha256
        and e.log_index == item.log_index
        and e.predicate_type == statements.PROOF_CHAIN
    ]
    later = [
        e
        for e in index.of_kind(layout.K_EVIDENCE)
        if e.predicate_type == statements.PROOF_CHAIN and (e.log_index or 0) > (item.log_index or 0)
    ]
    if not twins or later:
        report.failed(
            PROOF_CHAIN, item.path, "is not the latest proof chain logged among the evidence"
        )
        return
    try:
        envelope = dsse.Envelope.from_bytes(data)
        dsse.verify(envelope, {ctx.site_key.keyid: ctx.site_key}, 1, INTOTO_PAYLOAD_TYPE)
        predicate = Statement.from_bytes(envelope.payload).predicate
        listed = [(e["digest"], e["logIndex"], e["name"], e["step"]) for e in predicate["evidence"]]
        head, count = predicate["eventChain"]["head"], predicate["eventChain"]["events"]
        seal_checkpoint = predicate["checkpoint"]
    except (CryptoError, KeyError, TypeError) as exc:
        report.failed(PROOF_CHAIN, item.path, f"is not a signed proof chain ({exc})")
        return
    problems = _proof_chain_problems(ctx, item, predicate, listed, head, count, seal_checkpoint)
    if problems:
        report.failed(PROOF_CHAIN, item.path, "; ".join(problems))
        return
    report.passed(
        PROOF_CHAIN,
        item.path,
        f"signed by the site key; seals {len(listed)} "
        f"evidence item(s) in log order, the event chain at event #{count - 1} and "
        "a checkpoint consistent with tlog/checkpoint",
    )
    after = [
        e.path
        for e in index.of_kind(layout.K_EVIDENCE)
        if (e.log_index or 0) > (item.log_index or 0)
    ]
    if after:
        report.note(
            PROOF_CHAIN,
            item.path,
            f"{len(after)} item(s) were recorded after the seal and are not covered by it",
        )


def _proof_chain_problems(
    ctx: Context,
    item: IndexItem,
    predicate: Mapping[str, Any],
    listed: list,
    head: str,
    count: int,
    seal_checkpoint: str,
) -> list[str]:
    index = ctx.index
    assert index is not None
    problems = []
    if predicate.get("promotion") != index.promotion:
        problems.append(f"seals promotion {predicate.get('promotion')!r}")
    expected = [
        ("sha256:" + e.sha256, e.log_index, e.name, e.step)
        for e in sorted(index.of_kind(layout.K_EVIDENCE), key=lambda e: e.log_index or 0)
        if (e.log_index or 0) < (item.log_index or 0)
    ]
    if listed != expected:
        problems.append("its evidence list differs from the evidence items of this export")
    if ctx.events is not None:
        if not (
            isinstance(count, int)
            and 1 <= count <= len(ctx.events)
            and ctx.events[count - 1].hash == head
        ):
            problems.append("its event-chain head is not an event of timeline.json")
    else:
        problems.append("timeline.json did not verify, so the sealed head cannot be found")
    if ctx.log_key is None or ctx.checkpoint is None:
        problems.append("the shipped checkpoint did not verify")
        return problems
    try:
        sealed = verify_checkpoint(seal_checkpoint, ctx.log_key).checkpoint
    except TlogError as exc:
        problems.append(f"its checkpoint does not verify ({exc})")
        return problems
    if any(e[1] >= sealed.size for e in listed):
        problems.append("it lists entries its own checkpoint does not cover")
    latest = ctx.checkpoint.checkpoint
    proof = index.seal_consistency
    if proof is None or proof.from_size != sealed.size or proof.to_size != latest.size:
        problems.append("index.json has no consistency proof from the seal's checkpoint")
        return problems
    try:
        verify_consistency(
            sealed.size, latest.size, proof.proof, sealed.root_hash, latest.root_hash
        )
    except TlogError as exc:
        problems.append(f"the log since the seal is not consistent with it ({exc})")
    return problems


def check_custody(ctx: Context) -> None:
    """Every export.recorded event carries a custody receipt signed by the site key."""
    assert ctx.index is not None and ctx.site_key is not None
    if ctx.events is None:
        return
    for event in ctx.events:
        if event.type != EXPORT_RECORDED:
            continue
        where = f"export recorded at event #{event.seq} ({event.at}, by {event.actor})"
        try:
            opened = open_custody(event.data["receipt"], ctx.site_key)
        except (StatementError, KeyError, TypeError) as exc:
            ctx.report.failed(CUSTODY, layout.TIMELINE, f"{where}: {exc}")
            continue
        archive = opened.predicate.get("archive") or {}
        if (
            opened.promotion != ctx.index.promotion
            or opened.exported_by != event.actor
            or archive.get("sha256") != event.data.get("sha256")
        ):
            ctx.report.failed(
                CUSTODY,
                layout.TIMELINE,
                f"{where}: the receipt does not match the event that carries it",
            )
            continue
        ctx.report.passed(
            CUSTODY,
            layout.TIMELINE,
            f"{where}: {archive.get('name')} "
            f"(sha256 {str(archive.get('sha256'))[:16]}…), receipt signed by "
            "the site key",
        )
