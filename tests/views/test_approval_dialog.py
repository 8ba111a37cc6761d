"""The approval dialog: what is approved and by whom, a reason required, the approval
signed with the approver's own key, and every refusal explained in the dialog."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from app.executor import Executor
from app.screens.session import READ_ONLY, sign_in
from app.services import approvals, evidence, promotions
from engine.crypto import dsse
from engine.run import events as ev
from tests.support.doubles import doubles_registry
from tests.support.factories import add_environment, passphrase_of
from tests.views.conftest import new_promotion, open_run
from views.approval.dialog import ApprovalDialog

PASS = {"alice": "alice-passphrase", "bob": "bob-passphrase", "carol": "carol-passphrase"}


@pytest.fixture
def waiting(site):
    """P-0001: platform 1.3.0-rc1 → eu-prod (one approval required), requested by alice."""
    pid = new_promotion(site)
    Executor(site, pid, doubles_registry()).run()
    assert promotions.load_run(site, pid)[1].current.waiting_for == "approval"
    return pid


def as_user(qtbot, window, name: str, pid: str):
    window.ctx.sign_in(sign_in(window.ctx.site, name, passphrase_of(name)))
    view = open_run(qtbot, window, pid)
    qtbot.waitUntil(lambda: view.snapshot.actor == name)
    return view


def dialog_for(qtbot, view, action: str = "approve") -> ApprovalDialog:
    dialog = ApprovalDialog(view.ctx, view.snapshot, action, view)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def recorded(site, pid) -> tuple[int, int]:
    return len(promotions.load_run(site, pid)[0]), len(evidence.list_evidence(site, pid))


def test_the_requester_is_refused_with_separation_of_duties(qtbot, window, site, waiting):
    view = as_user(qtbot, window, "alice", waiting)
    button = view.actions_bar.buttons["approve"]
    assert not button.isEnabled() and "separation of duties" in button.toolTip()
    before = recorded(site, waiting)
    dialog = dialog_for(qtbot, view)
    assert dialog.message.text().count(
        "You cannot approve this promotion: alice requested this promotion and cannot approve or "
        "reject it (separation of duties)") == 1
    qtbot.keyClicks(dialog.reason_edit, "I wrote it, I trust it")
    assert not dialog.approve_button.isEnabled() and not dialog.reject_button.isEnabled()
    assert "separation of duties" in dialog.reject_button.toolTip()
    dialog.submit("approve")  # even asked directly, nothing happens
    assert recorded(site, waiting) == before


def test_an_approver_approves_and_the_signed_evidence_is_recorded(qtbot, window, site, waiting):
    view = as_user(qtbot, window, "bob", waiting)
    qtbot.waitUntil(view.actions_bar.buttons["approve"].isEnabled)
    qtbot.mouseClick(view.actions_bar.buttons["approve"], Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    assert isinstance(dialog, ApprovalDialog)
    state = view.snapshot.state
    assert "P-0001</b>: platform 1.3.0-rc1 eu-stage → eu-prod — requested by <b>alice</b>" in \
        dialog.fields["promotion"].text()
    assert state.release["digest"] in dialog.fields["digest"].text()
    assert "PASS" in dialog.fields["gate"].text()
    assert "<b>0 of 1</b> required so far (none yet)" in dialog.fields["approvals"].text()
    session = window.ctx.session
    assert f"<b>bob</b> (approver) — key <tt>{session.key_id[:16]}…</tt>" in dialog.fields["approver"].text()
    assert dialog.passphrase_edit.isHidden()  # the session holds it
    assert not dialog.ok_button.isEnabled() and dialog.ok_button.toolTip() == "Not now: give a reason first"
    qtbot.keyClicks(dialog.reason_edit, "gate PASS, change CR-77 approved")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(view.action_recorded) as done:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert done.args == ["approve"]
    events, state = promotions.load_run(site, waiting)
    granted = next(e for e in events if e.type == ev.APPROVAL_GRANTED)
    assert (granted.actor, granted.reason) == ("bob", "gate PASS, change CR-77 approved")
    assert state.step("approval").status == "succeeded"
    item = next(i for i in evidence.list_evidence(site, waiting) if i.name == "approval-bob")
    assert granted.data["evidence"] == item.digest and granted.data["keyid"] == session.key_id
    envelope = dsse.Envelope.from_bytes(evidence.envelope_bytes(site, item.id))
    assert session.key_id in [s.keyid for s in envelope.signatures]
    statement = json.loads(envelope.payload)["predicate"]
    assert statement["approver"] == {"name": "bob", "role": "approver", "keyid": session.key_id}
    assert statement["decision"] == "approved"


def test_a_wrong_passphrase_is_explained_and_nothing_is_signed(qtbot, window, site, waiting):
    window.ctx.set_actor("bob")  # acting as bob without having opened bob's key
    view = open_run(qtbot, window, waiting)
    qtbot.waitUntil(lambda: view.snapshot.actor == "bob")
    dialog = dialog_for(qtbot, view)
    assert not dialog.passphrase_edit.isHidden()
    assert "not signed in with a key" in dialog.fields["approver"].text()
    qtbot.keyClicks(dialog.reason_edit, "looks right")
    assert dialog.approve_button.toolTip() == "Not now: give the passphrase of bob's signing key"
    qtbot.keyClicks(dialog.passphrase_edit, "not-bobs-passphrase")
    before = recorded(site, waiting)
    with qtbot.waitSignal(dialog.refused) as refused:
        qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert refused.args == ["wrong passphrase for bob's key"]
    assert "wrong passphrase for bob&#x27;s key" in dialog.message.text()
    assert recorded(site, waiting) == before and dialog.isVisible()
    qtbot.keyClicks(dialog.passphrase_edit, PASS["bob"])
    qtbot.waitUntil(dialog.approve_button.isEnabled)
    with qtbot.waitSignal(dialog.decided):
        qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert promotions.load_run(site, waiting)[1].approvals == ("bob",)


@pytest.mark.parametrize(("name", "why"), [
    ("olga", "olga is 'operator' and may not approve; that needs the role approver"),
    ("audrey", READ_ONLY),
])
def test_roles_that_may_not_approve_are_told_why(qtbot, window, waiting, name, why):
    view = as_user(qtbot, window, name, waiting)
    dialog = dialog_for(qtbot, view)
    assert f"You cannot approve this promotion: {why}" in dialog.message.text().replace("&#x27;", "'")
    qtbot.keyClicks(dialog.reason_edit, "trying")
    assert not dialog.approve_button.isEnabled()


def test_an_approver_cannot_approve_twice_and_a_stale_dialog_shows_the_service_refusal(
        qtbot, window, site):
    add_environment(site, "us-prod", approvals_required=2)
    pid = new_promotion(site, "us-prod")
    Executor(site, pid, doubles_registry()).run()
    approvals.approve(site, pid, "bob", PASS["bob"], "first of two")
    view = as_user(qtbot, window, "bob", pid)
    qtbot.waitUntil(lambda: view.snapshot.state.approvals == ("bob",))
    dialog = dialog_for(qtbot, view)
    assert "bob has already approved this promotion" in dialog.message.text()
    assert "<b>1 of 2</b> required so far (bob)" in dialog.fields["approvals"].text()

    view = as_user(qtbot, window, "carol", pid)
    stale = dialog_for(qtbot, view)  # opened, then the run moves on elsewhere
    approvals.reject(site, pid, "carol", PASS["carol"], "rejected from the command line")
    qtbot.keyClicks(stale.reason_edit, "second approval")
    with qtbot.waitSignal(stale.refused) as refused:
        qtbot.mouseClick(stale.approve_button, Qt.MouseButton.LeftButton)
    assert refused.args == ["approve refused: no approval is waiting"]
    assert "no approval is waiting" in stale.message.text()
