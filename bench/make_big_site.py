"""Build a site with many promotions (default 10,000 of ~25 events each) for the list,
open-run and GUI benches, in a few minutes.

    python bench/make_big_site.py --home /tmp/stella-big [--promotions 10000]

Fast path, and why it yields what the product would have written:

1. A few *template* promotions run through the real product: ``create_promotion``, the
   executor, evidence, the transparency log, with the step doubles of the test suite
   (devkit/doubles.py) instead of real deploy targets. While they run, every
   ``run_store.append`` and every evidence ``record_in`` call is recorded.
2. Every other promotion *replays* one template's recorded writes through the same
   write paths, in transactions of ``--batch`` promotions: ``run_store.append`` (it seals
   each event, chains it, writes the run summary and whatever else the store writes with
   an append) and ``evidence.record_in`` (statement, DSSE signature by the site key,
   log leaf, signed checkpoint), with the promotion's own id and times. The seal step's
   proof chain is recomputed from the promotion's own evidence, events and checkpoint,
   as app/steps/seal.py does; step log lines are the template's with the clone's times.

What differs from running the executor 10,000 times: fewer transactions, and steps are
not decided again (each clone has its template's outcomes). Chains, summaries, evidence
and the log verify like any other run's; the script checks a sample at the end.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.context import Site  # noqa: E402
from app.executor import Executor  # noqa: E402
from app.services import chain_verifier, evidence, promotions  # noqa: E402
from app.site_keys import executor_signer  # noqa: E402
from devkit import factories  # noqa: E402
from devkit.doubles import doubles_registry  # noqa: E402
from engine.clock import FixedClock, rfc3339  # noqa: E402
from engine.crypto.keys import Signer  # noqa: E402
from engine.evidence import statements  # noqa: E402
from engine.roster import sign_new_events  # noqa: E402
from engine.run import events as ev  # noqa: E402
from models import run_store  # noqa: E402
from models.tables import Promotion, StepLog  # noqa: E402

SEAL_STEP = "seal-evidence"
# (share of promotions, environment, stop before the step after this one or None)
MIX = ((0.85, "eu-stage", None), (0.10, "eu-prod", None), (0.05, "eu-stage", "deploy-50"))
SPACING = timedelta(hours=2, minutes=37)  # ~10 promotions a day over ~3 years


class SettableClock(FixedClock):
    def set(self, moment: datetime) -> None:
        self._now = moment


@dataclass
class Template:
    promotion_id: str
    to_env: str
    from_env: str | None
    requester: str
    ops: list[tuple[str, Any]] = field(default_factory=list)  # ("events", [NewEvent]) | ("evidence", kwargs)
    logs: list[tuple[str, int, str]] = field(default_factory=list)  # (step, attempt, line)


def _record_templates(site: Site, clock: SettableClock) -> list[Template]:
    """Run one promotion per mix entry through the product, recording its writes."""
    factories.add_release(site)
    recording: dict[str, Template] = {}
    real_append, real_record_in = run_store.append, evidence.record_in

    def append(session, promotion_id, expected_head, new_events):
        if promotion_id in recording:
            recording[promotion_id].ops.append(("events", list(new_events)))
        return real_append(session, promotion_id, expected_head, new_events)

    def record_in(session, site_, promotion_id, step, attempt, name, predicate_type, predicate,
                  extra_subjects=(), signer=None):
        if promotion_id in recording:
            recording[promotion_id].ops.append(("evidence", {
                "step": step, "attempt": attempt, "name": name, "predicate_type": predicate_type,
                "predicate": predicate, "extra_subjects": list(extra_subjects)}))
        return real_record_in(session, site_, promotion_id, step, attempt, name, predicate_type,
                              predicate, extra_subjects, signer)

    run_store.append, evidence.record_in = append, record_in
    try:
        templates = []
        for _, to_env, until in MIX:
            from_env = "eu-stage" if to_env == "eu-prod" else None
            # the id is known before the first append: the next P-number
            pid = f"P-{len(templates) + 1:04d}"
            template = Template(pid, to_env, from_env, "alice")
            recording[pid] = template
            made = promotions.create_promotion(site, "platform@1.3.0-rc1", to_env,
                                               factories.who(site, "alice"), from_env)
            assert made == pid, (made, pid)
            Executor(site, pid, doubles_registry()).run(until=until)
            clock.advance(60)
            templates.append(template)
    finally:
        run_store.append, evidence.record_in = real_append, real_record_in
    with site.db.read() as session:
        for template in templates:
            rows = session.query(StepLog).filter(StepLog.promotion_id == template.promotion_id) \
                .order_by(StepLog.id).all()
            template.logs = [(r.step, r.attempt, r.line) for r in rows]
    return templates


def _for_clone(new: ev.NewEvent, promotion_id: str, at: str) -> ev.NewEvent:
    data = dict(new.data)
    if new.type == ev.RUN_CREATED:
        data["promotion_id"] = promotion_id
    return replace(new, at=at, data=data)


def _replay(session, site: Site, template: Template, promotion_id: str, at: str,
            release_id: int, created_at: datetime, signers: dict[str, Signer]) -> None:
    session.add(Promotion(id=promotion_id, release_id=release_id, from_env=template.from_env,
                          to_env=template.to_env, requester=template.requester,
                          created_at=created_at))
    session.flush()
    pending: list[ev.NewEvent] = []
    appended = ev.GENESIS  # head of what run_store holds
    head, count = ev.GENESIS, 0  # head and length including the pending events
    items: list[evidence.EvidenceRecord] = []
    seal: dict[str, Any] | None = None

    def flush_events() -> None:
        nonlocal appended, pending
        if pending:
            sealed = run_store.append(session, promotion_id, appended, pending)
            assert sealed[-1].hash == head
            appended, pending = head, []

    def add(new: ev.NewEvent) -> None:
        nonlocal head, count
        new = _for_clone(new, promotion_id, at)
        if "signature" in new.data:  # signed by whoever acted, over its place in the chain
            keyid = new.data["signature"]["keyid"]
            unsigned = replace(new, data={k: v for k, v in new.data.items() if k != "signature"})
            new = sign_new_events(promotion_id, count, head, [unsigned], signers[keyid])[0]
        pending.append(new)
        head, count = ev.Event.seal(new, seq=count, prev=head).hash, count + 1

    for kind, payload in template.ops:
        if kind == "events":
            for new in payload:
                if new.type in (ev.STEP_SUCCEEDED, ev.STEP_WARNED) and new.step == SEAL_STEP:
                    if seal is None:
                        raise SystemExit("a template seal without its proof chain")
                    outputs = {"event_chain_head": seal["head"], "items": seal["items"],
                               "log_index": seal["record"].log_index,
                               "proof_chain": seal["record"].digest}
                    new = replace(new, data={**dict(new.data), "outputs": outputs})
                add(new)
            continue
        flush_events()
        predicate = payload["predicate"]
        if payload["predicate_type"] == statements.PROOF_CHAIN:  # as app/steps/seal.py does
            checkpoint, _ = _receipts(session)
            predicate = statements.proof_chain_predicate(
                promotion_id, [item.as_json() for item in items], head, count, checkpoint, at)
        record = evidence.record_in(session, site, promotion_id, payload["step"],
                                    payload["attempt"], payload["name"],
                                    payload["predicate_type"], predicate, payload["extra_subjects"])
        if payload["predicate_type"] == statements.PROOF_CHAIN:
            seal = {"head": head, "count": count, "items": len(items), "record": record}
        items.append(record)
    flush_events()
    session.add_all(StepLog(promotion_id=promotion_id, step=step, attempt=attempt, at=at,
                            line=_clone_line(line, seal)) for step, attempt, line in template.logs)


def _clone_line(line: str, seal: dict[str, Any] | None) -> str:
    if seal is not None and line.startswith("sealed ") and "proof chain at log index" in line:
        return (f"sealed {seal['items']} evidence item(s); event chain head {seal['head'][:16]}… "
                f"({seal['count']} events); proof chain at log index {seal['record'].log_index}")
    return line


def _receipts(session) -> tuple[str, list]:
    from models.tlog_store import latest_checkpoint

    return latest_checkpoint(session).note, []


def _signers(site: Site) -> dict[str, Signer]:
    """The keys the templates' events were signed with: the site executor's and the test
    users' (the same key files the test suite gives them)."""
    found = [executor_signer(site.paths.keys)] + [
        factories.signer_of(name) for name in (factories.ADMIN, *(n for n, _ in factories.USERS))]
    return {signer.keyid: signer for signer in found if signer is not None}


def build(home: Path, count: int, batch: int, say: Callable[[str], None]) -> Site:
    if home.exists():
        shutil.rmtree(home)
    start = datetime(2023, 12, 1, 8, 0, tzinfo=UTC)
    clock = SettableClock(start)
    site = factories.make_site(home, clock=clock)
    templates = _record_templates(site, clock)
    say(f"{len(templates)} template promotions run through the executor")
    signers = _signers(site)
    with site.db.read() as session:
        release_id = session.get(Promotion, templates[0].promotion_id).release_id
    plan = [t for (share, _, _), t in zip(MIX, templates, strict=True)
            for _ in range(round(share * 100))]
    began, cpu = time.perf_counter(), time.process_time()
    done = len(templates)
    while done < count:
        with site.db.write() as session:
            for _ in range(min(batch, count - done)):
                done += 1
                moment = start + SPACING * done
                clock.set(moment)
                _replay(session, site, plan[done % len(plan)], f"P-{done:05d}", rfc3339(moment),
                        release_id, moment, signers)
        if done // 1000 != (done - batch) // 1000 or done == count:
            cloned = done - len(templates)
            rate = cloned / (time.perf_counter() - began)
            each = (time.process_time() - cpu) / cloned * 1000
            say(f"{done} promotions ({rate:.0f}/s, {each:.1f} ms of CPU each)")
    return site


def check(site: Site, say: Callable[[str], None]) -> None:
    """Open a sample of runs the way the product does (verified chain, fold) and run the
    background chain verifier over them."""
    listed = promotions.list_promotions(site)
    sample = listed[:: max(1, len(listed) // 25)]
    for summary in sample:
        events, state = promotions.load_run(site, summary.id)
        assert (state.status, state.head, len(events)) == (summary.status, summary.head,
                                                          summary.event_count), summary.id
    found = chain_verifier.verify_pending(site, full=True, limit=len(sample))
    if found.broken:
        raise SystemExit(f"broken chains in the built site: {found.broken[:3]}")
    say(f"checked {len(sample)} runs: chains verify and fold to their summaries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--promotions", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="promotions per transaction")
    args = parser.parse_args()
    began, cpu = time.perf_counter(), time.process_time()
    site = build(args.home, args.promotions, args.batch, print)
    print(f"built {args.home} with {args.promotions} promotions in "
          f"{time.perf_counter() - began:.0f} s ({time.process_time() - cpu:.0f} s of CPU)")
    check(site, print)


if __name__ == "__main__":
    main()
