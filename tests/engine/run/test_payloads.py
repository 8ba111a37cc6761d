"""Typed payloads read what was written and write back the very same bytes."""

from __future__ import annotations

import json

import pytest

from engine.canonical import canonical_bytes
from engine.run import actions
from engine.run import events as ev
from engine.run import payloads as pl
from engine.run.state import FoldError, RunStatus, StepStatus, fold
from engine.run.status import DONE_STATUSES
from tests.engine.run.helpers import AT, MemoryRun

SIGNATURE = {"keyid": "ab" * 32, "sig": "c2ln"}
CRITERIA = {  # a metrics-provider measurement as app/deploy/metrics_canary.py records it
    "met": False, "summary": "prometheus · error rate 0.4% · p95 21ms · measuring 40%",
    "status": "measuring", "reason": "measuring", "policy": "error rate < 1%",
    "provider": {"name": "prometheus", "address": "http://127.0.0.1:9090", "answered": True},
    "healthy": None, "total": 2, "environment_targets": 10, "error_rate": 0.004, "p95_ms": 21,
    "requests": None, "phase": "successful", "progress": 0.4, "auto_rollback": "not triggered",
    "decision": {"status": "measuring", "reason": "measuring", "observedSeconds": 1.2369189999999999,
                 "windowSeconds": 2, "measurements": 3, "requiredMeasurements": 5,
                 "consecutiveErrors": 0, "consecutiveErrorLimit": 2, "lastAt": AT},
    "measurement": {"phase": "successful", "errorRate": 1, "p95Ms": 975.5, "notes": [],
                    "targets": [{"target": "eu-prod-01", "healthy": True, "errorRate": 0.004,
                                 "p95Ms": 21.0, "version": "1.3.0", "digest": "sha256:" + "ab" * 32,
                                 "detail": "", "requests": None}]},
    "signature": SIGNATURE,
}
# one payload per event type, as today's writers write them (absent keys, nulls and
# keys no payload type models included)
WRITTEN = {
    ev.RUN_CREATED: {"promotion_id": "P-0001", "release": {"name": "platform"}, "from_env": None,
                     "to_env": "eu-prod", "workflow": "direct", "steps": ["promotion-created"],
                     "approvals_required": 0, "requester": "alice"},
    ev.STEP_STARTED: {"attempt": 2, "signature": SIGNATURE},
    ev.STEP_SUCCEEDED: {"summary": "approved by bob", "outputs": {"approvers": ["bob"]}},
    ev.STEP_WARNED: {"summary": "2 findings", "outputs": {}},
    ev.STEP_WAITING: {"for": "approval", "summary": "1 approval(s) needed", "outputs": {},
                      "required": 1, "requester": "alice", "why": ["eu-prod requires 1"]},
    ev.STEP_CRITERIA: CRITERIA,
    ev.STEP_FAILED: {"error": "gate blocked", "summary": "", "outputs": {"targets": []}},
    ev.STEP_SKIPPED: {"summary": "not required"},
    ev.STEP_INTERRUPTED: {"error": "the executor was stopped while this step ran"},
    ev.RUN_PAUSED: {},
    ev.RUN_RESUMED: {"signature": SIGNATURE},
    ev.RUN_CANCELLED: {"ticket": "INC-1"},
    ev.ACTION_RETRY: {},
    ev.ACTION_MARK_FAILED: {},
    ev.ACTION_CONTINUE: {},
    ev.ROLLBACK_REQUESTED: {"scope": "stage", "steps": ["deploy-10"], "ticket": "INC-42",
                            "preview": {"scope": "stage", "targets": []}},
    ev.ROLLBACK_COMPLETED: {"scope": "full", "steps": ["deploy-10"], "summary": "1 returned",
                            "targets": [{"target": "t1", "status": "succeeded", "from": "1.3",
                                         "to": "1.2", "to_digest": None, "step": "deploy-10",
                                         "observed": {"version": "1.3", "digest": None}}]},
    ev.ROLLBACK_FAILED: {"scope": "full", "error": "driver refused"},
    ev.APPROVAL_GRANTED: {"evidence": "sha256:" + "cd" * 32, "keyid": "k", "log_index": 3},
    ev.APPROVAL_REJECTED: {},
    ev.OVERRIDE_RECORDED: {"kind": "gate-override", "rule": "r", "verdict_id": "V-1",
                           "feeds": ["sha256:1"], "evidence": "sha256:2", "keyid": "k",
                           "log_index": 0},
    ev.EXPORT_RECORDED: {"bundle": "P-0001.tar.zst", "files": [{"name": "a", "size": 1}]},
    ev.RUN_REQUESTED: {"schedule": "S-1", "instead_of": AT, "until": None},
    ev.TARGET_DEPLOY_STARTED: {"target": "t1", "driver": "command", "release": "platform",
                               "version": "1.3", "digest": "sha256:3", "from_version": None,
                               "from_digest": None, "observed": {"version": None}},
    ev.TARGET_OBSERVED: {"target": "t1", "driver": "command", "purpose": "before-rollback",
                         "observed": False, "release": None, "version": None, "digest": None,
                         "error": "timed out"},
}


def _event(kind: str, data: dict) -> ev.Event:
    return ev.Event.seal(ev.NewEvent(kind, "alice", AT, step="deploy-10", reason="why", data=data),
                         seq=3, prev="ab" * 32)


def test_every_event_type_has_one_payload_type_and_a_written_example():
    assert set(pl.BY_TYPE) == ev.EVENT_TYPES == set(WRITTEN)


@pytest.mark.parametrize("kind", sorted(WRITTEN))
def test_written_payload_round_trips_to_identical_bytes(kind):
    event = _event(kind, WRITTEN[kind])
    payload = pl.payload_of(event)
    assert isinstance(payload, pl.BY_TYPE[kind])
    assert payload.to_data() == WRITTEN[kind]
    assert payload.canonical() == canonical_bytes(WRITTEN[kind])
    assert pl.event_bytes(event, payload) == event.raw


def test_absent_keys_stay_absent_and_defaults_apply():
    payload = pl.RollbackRequested.read({"steps": ["deploy-10"]})
    assert payload.scope == "full" and payload.automatic is False and payload.ticket is None
    assert "scope" in payload.absent
    assert payload.to_data() == {"steps": ["deploy-10"]}


def test_criteria_reads_both_spellings_of_the_error_rate():
    payload = pl.StepCriteria.read(CRITERIA)
    assert payload.error_rate == 0.004  # snake case at the top
    assert payload.measurement is not None and payload.measurement.error_rate == 1  # camel inside
    assert payload.measurement.targets[0].error_rate == 0.004
    assert payload.measurement.targets[0].extra == {"requests": None}
    assert payload.decision is not None and payload.decision.observed_seconds == 1.2369189999999999
    assert payload.provider is not None and payload.provider.answered
    assert payload.measured
    # an int stays an int and a float keeps every digit, so the bytes are the same
    assert json.loads(payload.canonical())["measurement"]["errorRate"] == 1
    assert payload.canonical() == canonical_bytes(CRITERIA)


def test_a_constructed_payload_writes_its_fields():
    payload = pl.StepFailed(error="boom", summary="s", outputs={"targets": []})
    assert payload.to_data() == {"error": "boom", "summary": "s", "outputs": {"targets": []},
                                 "signature": None}


@pytest.mark.parametrize(("cls", "data", "where"), [
    (pl.StepStarted, {"attempt": "2"}, "data.attempt should be a number, not a string"),
    (pl.StepStarted, {"attempt": True}, "data.attempt should be a number, not true or false"),
    (pl.StepCriteria, {"measurement": {"targets": [{"healthy": "yes"}]}},
     "data.measurement.targets.[0].healthy should be true or false, not a string"),
    (pl.RollbackCompleted, {"steps": "deploy-10"}, "data.steps should be a list, not a string"),
    (pl.RunCreated, {"release": []}, "data.release should be an object, not a list"),
])
def test_a_wrongly_typed_value_is_refused_naming_the_key(cls, data, where):
    with pytest.raises(pl.PayloadError, match=where.replace("[", r"\[").replace(".", r"\.")):
        cls.read(data)


def test_read_as_refuses_the_wrong_payload_type():
    with pytest.raises(pl.PayloadError, match="is step.started, not a StepFailed payload"):
        pl.read_as(pl.StepFailed, _event(ev.STEP_STARTED, {"attempt": 1}))


def _after_creation(new: ev.NewEvent) -> list[ev.Event]:
    events = MemoryRun().events
    return [*events, ev.Event.seal(new, len(events), events[-1].hash)]


def test_fold_refuses_a_wrongly_typed_payload_as_a_fold_error():
    events = _after_creation(ev.NewEvent(ev.STEP_STARTED, "x", AT, step="inputs-materialized",
                                         data={"attempt": "one"}))
    with pytest.raises(FoldError, match=r"event #2 \(step.started\) data.attempt"):
        fold(events)


def test_fold_refuses_a_step_event_without_a_step():
    events = _after_creation(ev.NewEvent(ev.STEP_FAILED, "x", AT, data={"error": "e"}))
    with pytest.raises(FoldError, match=r"event #2 \(step.failed\) names no step"):
        fold(events)


def test_run_created_must_name_what_a_run_is():
    events = [ev.Event.seal(ev.NewEvent(ev.RUN_CREATED, "a", AT, data={"steps": ["x"]}), 0, ev.GENESIS)]
    with pytest.raises(FoldError, match="has no promotion_id, release, requester, to_env, workflow"):
        fold(events)


def test_statuses_are_the_stored_strings():
    run = MemoryRun()
    state = run.act(actions.CANCEL)
    assert state.status is RunStatus.CANCELLED and state.status == "cancelled"
    assert json.dumps([state.status, state.steps[1].status]) == '["cancelled", "cancelled"]'
    assert canonical_bytes({"s": StepStatus.ROLLED_BACK}) == b'{"s":"rolled-back"}'
    assert f"{StepStatus.ROLLED_BACK}" == "rolled-back"
    assert {StepStatus.SUCCEEDED, StepStatus.WARNED, StepStatus.SKIPPED} == DONE_STATUSES
    assert all(RunStatus(s) == s for s in StepStatus)  # a run's status may be its step's
