"""The store refuses an event whose payload its own type cannot read, before writing
anything: appended, it would leave the run unreadable for good."""

from __future__ import annotations

import pytest

from app.services import promotions
from engine.run import events as ev
from engine.run.payloads import PayloadError
from models import run_store
from tests.support.factories import add_release, who


def test_an_unreadable_payload_is_refused_and_nothing_is_appended(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    before, state = promotions.load_run(site, pid)
    started = ev.NewEvent(ev.STEP_STARTED, "system:executor", before[-1].at,
                          step=state.current_step, data={"attempt": 1})
    broken = ev.NewEvent(ev.STEP_FAILED, "system:executor", before[-1].at,
                         step=state.current_step, data={"error": ["not", "a", "string"]})
    with pytest.raises(PayloadError, match=r"a new step.failed event's data.error should be a string"):
        with site.db.write() as session:
            run_store.append(session, pid, state.head, [started, broken])
    after, again = promotions.load_run(site, pid)
    assert [e.hash for e in after] == [e.hash for e in before] and again == state
