"""Build runs in memory: a list of sealed events, appended the way the store does."""

from __future__ import annotations

from engine.run import actions
from engine.run import events as ev
from engine.run.stages import CREATED, Workflow
from engine.run.state import RunState, fold

AT = "2026-02-18T08:30:00Z"


class MemoryRun:
    def __init__(self, approvals_required: int = 0, workflow: str = "canary-10-50-100") -> None:
        self.events: list[ev.Event] = []
        self.append([
            ev.NewEvent(ev.RUN_CREATED, "alice", AT, data={
                "promotion_id": "P-0001",
                "release": {"name": "platform", "version": "1.3.0-rc1", "digest": "sha256:" + "be" * 32},
                "from_env": "eu-stage", "to_env": "eu-prod", "baseline": "eu-prod",
                "workflow": workflow, "steps": list(Workflow.parse(workflow).steps()),
                "approvals_required": approvals_required, "requester": "alice"}),
            ev.NewEvent(ev.STEP_SUCCEEDED, "alice", AT, step=CREATED, data={"summary": "created"}),
        ])

    @property
    def state(self) -> RunState:
        return fold(self.events)

    def append(self, new: list[ev.NewEvent]) -> RunState:
        prev = self.events[-1].hash if self.events else ev.GENESIS
        for item in new:
            event = ev.Event.seal(item, len(self.events), prev)
            self.events.append(event)
            prev = event.hash
        return self.state

    def system(self, kind: str, step: str | None, **data) -> RunState:
        return self.append([ev.NewEvent(kind, "system:executor", AT, step=step, data=data)])

    def act(self, action: str, actor: str = "olga", reason: str | None = "because", **kw) -> RunState:
        return self.append(actions.decide(self.state, action, actor=actor, at=AT, reason=reason, **kw))

    def start(self, step: str) -> RunState:
        return self.system(ev.STEP_STARTED, step, attempt=1)

    def succeed(self, step: str) -> RunState:
        self.start(step)
        return self.system(ev.STEP_SUCCEEDED, step, summary="ok")

    def advance_to(self, step: str) -> RunState:
        """Succeed every step before ``step`` (approval skipped)."""
        for name in [s.name for s in self.state.steps]:
            if name == step:
                break
            if self.state.step(name).status in ("succeeded", "skipped"):
                continue
            if name == "approval":
                self.system(ev.STEP_SKIPPED, name, summary="not required")
            else:
                self.succeed(name)
        return self.state
