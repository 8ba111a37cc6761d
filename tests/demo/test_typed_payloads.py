"""The demo site of `stella demo`, built for real, read back through the typed payloads:
every stored event's payload writes back its stored bytes (so every signed chain still
verifies), and the fold over typed payloads gives, for every promotion and after every
one of its events, the state the fold gave before payloads were typed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.context import Site
from app.demo import control
from app.demo.builder import build
from app.services import promotions
from app.site import SiteConfig
from engine.crypto import key_wrap
from engine.run import events as ev
from engine.run import payloads as pl
from engine.run.state import fold
from models import run_store
from models.tables import RunEvent, RunSummary
from tests.conftest import TEST_SCRYPT
from tests.support.old_fold import old_fold


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    config = SiteConfig.resolve(home=tmp_path_factory.mktemp("typed") / "demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_wrap, "DEFAULT_SCRYPT", TEST_SCRYPT)
        try:
            build(config, say=lambda _line: None)
            site = Site.open(config)
            yield site
            site.close()
        finally:
            control.stop(config.paths)


def _stored(site: Site) -> dict[str, list[tuple[bytes, str]]]:
    runs: dict[str, list[tuple[bytes, str]]] = {}
    with site.db.read() as session:
        for pid, raw, hash_ in session.execute(select(RunEvent.promotion_id, RunEvent.raw, RunEvent.hash)
                                               .order_by(RunEvent.promotion_id, RunEvent.seq)):
            runs.setdefault(pid, []).append((bytes(raw), hash_))
    return runs


@pytest.mark.slow
def test_every_stored_demo_event_round_trips_through_its_typed_payload(demo):
    runs = _stored(demo)
    kinds: set[str] = set()
    assert len(runs) >= 5
    for pid, raws in runs.items():
        remade = []
        for event in ev.verify_chain(raws):
            payload = pl.payload_of(event)
            assert type(payload) is pl.BY_TYPE[event.type]
            assert payload.to_data() == event.data, (pid, event.seq)
            again = pl.event_bytes(event, payload)
            assert again == event.raw, (pid, event.seq, event.type)
            remade.append((again, event.hash))
            kinds.add(event.type)
        assert [e.hash for e in ev.verify_chain(remade)] == [h for _, h in raws]
    # the demo's chains hold the payloads that matter most: measurements, rollbacks, signatures
    assert {ev.STEP_CRITERIA, ev.ROLLBACK_REQUESTED, ev.ROLLBACK_COMPLETED, ev.STEP_WAITING,
            ev.APPROVAL_GRANTED, ev.TARGET_DEPLOY_STARTED, ev.TARGET_OBSERVED} <= kinds
    measured = [pl.payload_of(e) for raws in runs.values() for e in ev.verify_chain(raws)
                if e.type == ev.STEP_CRITERIA and "measurement" in e.data]
    assert measured and all(isinstance(p, pl.StepCriteria) and p.measurement and p.decision
                            for p in measured)


def _plain(state: Any) -> str:
    return json.dumps(dataclasses.asdict(state), sort_keys=True)


@pytest.mark.slow
def test_typed_fold_equals_the_old_fold_for_every_demo_promotion(demo):
    runs = _stored(demo)
    with demo.db.read() as session:
        summaries = {row.promotion_id: row for row in session.scalars(select(RunSummary))}
        for pid in runs:
            events = run_store.load_events(session, pid)
            for end in range(1, len(events) + 1):  # every state the run has been in
                assert _plain(fold(events[:end])) == _plain(old_fold(events[:end])), (pid, end)
            state = fold(events)
            summary = summaries[pid]  # the projection lists show, written at each append
            assert (summary.status, summary.current_step, summary.head, summary.event_count) == \
                (state.status, state.current_step, state.head, state.event_count)
    listed = {p.id: p.status for p in promotions.list_promotions(demo)}
    assert set(listed) == set(runs)
