"""Screenshots of the deploy screens (issue 6), on promotions :func:`build_deploy` adds to
the fixture site of ``scripts/screenshot_site.py`` once the other screens are taken
(its fake targets are not reachable by the Platform Health probe, so they would show in
every data health banner): the Deploy Stage View mid-canary
with its charts, a passed and a breached stage, the Rollback / Re-run dialog with its
impact preview, the login dialog (and a refused passphrase) and the approval dialog
(and the requester's refusal).

The canaries run for real — the product's deploy step, canary loop, health gate and
rollback — on fake targets whose health reports vary a little from one scrape to
the next (``devkit/stage_fakes``). The mid-canary stage is held by a wait this
script releases one interval at a time, so the screens show a stage that is still
measuring, as the app would while an executor runs it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.executor import Executor
from app.screens.deploy_snapshots import load_deploy_stage
from app.services import actions, promotions
from devkit.factories import passphrase_of, who
from devkit.stage_fakes import StageEnv, SteppedWait
from views.approval.dialog import ApprovalDialog

Save = Callable[[object, str], None]
Until = Callable[..., None]

CANARY_ENV = "eu-west"
CANARY_TARGETS = tuple(f"eu-west-{n:02d}" for n in range(1, 11))
BAD_ENV = "us-west"
BAD_TARGETS = tuple(f"us-west-{n:02d}" for n in range(1, 5))
# the fixture's clock ticks on every reading (~30 s per interval of scraping and
# recording), so intervals are long enough to absorb that, and the gap allowed is wide
GATE = {"window_seconds": "15m", "interval_seconds": "1m", "max_gap_seconds": "3m",
        "max_p95_ms": "400ms"}
HELD_AT = 9  # measurements of canary 50% on screen
SIGNER = "carol"
SIGNER_PASSPHRASE = passphrase_of(SIGNER)  # the test site's key for carol
_ENVS: dict[str, StageEnv] = {}  # the canary's fakes, for the stage held in the app's sight


class _Jump:
    """A canary wait on the fixture's ticking clock: jump instead of sleeping."""

    def __init__(self, clock) -> None:
        self.clock = clock

    def __call__(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        self.clock.jump(max(seconds, 0.001) / 60)
        return should_stop()


def build_deploy(site, clock) -> dict[str, str]:
    """A canary that passed 10% and waits at 50% (held mid-window later, in the app's
    sight), a bad release breached and rolled back automatically, and a user with a key."""

    jump = _Jump(clock)
    canary_env = StageEnv(site, CANARY_ENV, CANARY_TARGETS, GATE, jump, latency_ms=150.0,
                          error_rate=0.004)
    canary = promotions.create_promotion(site, "platform@1.3.0-rc1", CANARY_ENV, who(site, "alice"), "eu-stage")
    Executor(site, canary, canary_env.registry()).run()  # canary 10% held: waiting for continue
    actions.act(site, canary, "continue", who(site, "olga"))
    bad_env = StageEnv(site, BAD_ENV, BAD_TARGETS, GATE, jump, latency_ms=90.0, error_rate=0.05)
    bad = promotions.create_promotion(site, "platform@1.3.0-rc1", BAD_ENV, who(site, "alice"), "eu-stage")
    Executor(site, bad, bad_env.registry()).run()  # breached at 10%: rolled back
    _ENVS[canary] = canary_env
    return {"canary": canary, "breached": bad}


class HeldCanary:
    """The canary's next stage, run by an executor on a thread of its own and held
    after ``count`` measurements until :meth:`stop`."""

    def __init__(self, site, promotion_id: str) -> None:
        self.site = site
        self.promotion_id = promotion_id
        env = _ENVS[promotion_id]
        self.wait = SteppedWait(lambda seconds: site.clock.jump(seconds / 60))
        env.wait = self.wait
        self.registry = env.registry()
        self.thread = threading.Thread(target=self._run, name="held-canary", daemon=True)

    def _run(self) -> None:
        Executor(self.site, self.promotion_id, self.registry).run()

    def start(self, step: str, count: int, timeout: float = 60.0) -> None:
        self.thread.start()
        self.wait.step(count)
        deadline = time.monotonic() + timeout
        while load_deploy_stage(self.site, self.promotion_id, step).measurements < count:
            if time.monotonic() > deadline:
                raise SystemExit("screenshot fixture: the held canary did not measure")
            time.sleep(0.05)

    def stop(self) -> None:
        self.wait.stop()
        self.thread.join(30)


def shoot_deploy(window, site, ids: dict[str, str], out: Path, save: Save,
                 until: Until) -> None:
    page = window.promotions
    view = page.run_view
    ids = {**ids, **build_deploy(site, site.clock)}
    window.refresh_all()

    def show(pid: str) -> None:
        window.navigate("promotions")
        until(lambda: page.model.row_of(pid) is not None)
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid)

    held = HeldCanary(site, ids["canary"])
    held.start("deploy-50", HELD_AT)
    try:
        window.set_actor("olga")
        show(ids["canary"])
        until(lambda: view.snapshot.status_of("deploy-50") == "running")
        dialog = view.open_step_detail("deploy-50")
        stage = dialog.overview
        until(lambda: stage.stage is not None and stage.stage.measurements >= HELD_AT)
        save(dialog, "deploy-stage-view.png")

        stage.rollback_button.click()
        rollback = stage.launcher.active_dialog
        until(lambda: "Per target:" in rollback.preview_text.toPlainText())
        rollback.reason_edit.setText("incident #1234: elevated latency on eu-west-03")
        rollback.ticket_edit.setText("INC-1234")
        save(rollback, "rollback-dialog.png")
        rollback.reject()
        dialog.close()

        passed = view.open_step_detail("deploy-10")
        until(lambda: passed.overview.stage is not None)
        save(passed, "deploy-stage-passed.png")
        passed.close()
    finally:
        held.stop()

    show(ids["breached"])
    breached = view.open_step_detail("deploy-10")
    until(lambda: breached.overview.stage is not None and breached.overview.stage.auto_rollback)
    save(breached, "deploy-stage-breached.png")
    breached.close()
    _shoot_login(window, save, until)
    _shoot_approval(window, ids, show, save, until)


def _shoot_login(window, save: Save, until: Until) -> None:
    login = window.ask_sign_in(SIGNER)
    until(lambda: login.choice() is not None and login.choice().name == SIGNER)
    login.passphrase_edit.setText(SIGNER_PASSPHRASE)
    save(login, "login-dialog.png")
    login.passphrase_edit.setText("not carol's passphrase")
    login.submit()
    until(lambda: "Not signed in" in login.message.text())
    save(login, "login-refused.png")
    login.passphrase_edit.setText(SIGNER_PASSPHRASE)
    login.submit()
    until(lambda: window.ctx.session is not None and window.ctx.session.name == SIGNER)


def _shoot_approval(window, ids: dict[str, str], show, save: Save, until: Until) -> None:
    view = window.promotions.run_view
    show(ids["waiting"])
    until(lambda: view.snapshot.actor == SIGNER and view.actions_bar.buttons["approve"].isEnabled())
    dialog = view.start_action("approve")
    dialog.reason_edit.setText("gate PASS, change CR-4412 approved by CAB")
    save(dialog, "approval-dialog.png")
    dialog.reject()
    window.set_actor("alice")
    until(lambda: view.snapshot.actor == "alice")
    refused = ApprovalDialog(window.ctx, view.snapshot, "approve", view)
    refused.show()
    save(refused, "approval-refused.png")
    refused.close()  # the promotion is left waiting, as the other screens expect
