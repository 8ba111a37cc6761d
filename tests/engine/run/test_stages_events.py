from __future__ import annotations

import pytest

from engine.run import events as ev
from engine.run.stages import Workflow, WorkflowError, deploy_percent, step_title
from tests.engine.run.helpers import MemoryRun


def test_workflow_steps_in_seed_order():
    assert Workflow.parse("canary-10-50-100").steps() == (
        "promotion-created", "inputs-materialized", "gate-eval", "approval", "deploy-start",
        "deploy-10", "deploy-50", "deploy-100", "post-deploy-verify", "seal-evidence", "complete")
    assert step_title("deploy-10") == "Deploy Canary 10%"
    assert step_title("deploy-100") == "Deploy 100%"
    assert deploy_percent("deploy-start") is None


@pytest.mark.parametrize("name", ["canary-50-10-100", "canary-10-50", "blue-green", "canary-0-100",
                                  "canary-10-10-100", "canary-101"])
def test_bad_workflows_are_refused(name):
    with pytest.raises(WorkflowError):
        Workflow.parse(name)


def test_chain_verifies_and_detects_every_kind_of_tamper():
    run = MemoryRun()
    run.advance_to("deploy-10")
    pairs = [(e.raw, e.hash) for e in run.events]
    assert len(ev.verify_chain(pairs)) == len(run.events)

    flipped = bytearray(pairs[3][0])
    flipped[20] ^= 0x01
    with pytest.raises(ev.ChainError) as caught:
        ev.verify_chain([*pairs[:3], (bytes(flipped), pairs[3][1]), *pairs[4:]])
    assert caught.value.seq == 3

    with pytest.raises(ev.ChainError, match="out of place"):
        ev.verify_chain([pairs[0], pairs[2]])
    # Re-hashing a forged event does not help: the next event's back-link breaks.
    forged = ev.Event.seal(ev.NewEvent(ev.STEP_SUCCEEDED, "mallory", "2026-02-18T08:30:00Z",
                                       step="gate-eval", data={}), 3, run.events[2].hash)
    with pytest.raises(ev.ChainError, match="back-link"):
        ev.verify_chain([*pairs[:3], (forged.raw, forged.hash), *pairs[4:]])


def test_event_bytes_are_canonical_and_stable():
    run = MemoryRun()
    again = MemoryRun()
    assert [e.raw for e in run.events] == [e.raw for e in again.events]
    with pytest.raises(ValueError, match="canonical"):
        ev.Event.from_raw(run.events[0].raw.replace(b'{"actor"', b'{ "actor"'))


def test_unknown_event_type_is_refused():
    with pytest.raises(ValueError):
        ev.NewEvent("step.teleported", "x", "2026-02-18T08:30:00Z")
