"""Approve or reject a promotion (issue 6 item 4): what is being approved — the
promotion, the release digest, the gate's verdict, the approvals so far — who
approves, and why.

The decision runs :func:`app.services.approvals.decide` in a worker: it signs the
approval statement with the approver's own key, opened with the passphrase held by
the session (or typed here when the window has not opened that key). A refusal the
run's state already predicts (the requester, an approver's second approval, a role
that may not approve, an auditor) disables the buttons and says why; any refusal
the service makes (a wrong passphrase, a key that is not on record) is shown in
the dialog, which stays open.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens.session import passphrase_for
from app.screens.snapshots import RunSnapshot
from app.services import approvals
from engine.run.stages import APPROVAL, GATE
from views.common.format import short
from views.common.geometry import fit_window
from views.common.palette import status_hex

APPROVE, REJECT = "approve", "reject"


def _value(name: str) -> QLabel:
    label = QLabel("—")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ApprovalDialog(QDialog):
    decided = Signal(str, object)  # action, ApprovalResult
    refused = Signal(str)  # the message shown

    def __init__(self, ctx: GuiContext, snapshot: RunSnapshot, action: str = APPROVE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalDialog")
        self.setWindowTitle(f"Approval — {snapshot.promotion_id}")
        self.setMinimumWidth(640)
        fit_window(self, "approval")
        self.ctx = ctx
        self.snapshot = snapshot
        self.action = action
        self.busy = False
        self.outcome: approvals.ApprovalResult | None = None  # once decided
        self.actor = snapshot.actor or ""
        self._held = passphrase_for(ctx.session, self.actor)
        session = ctx.session if ctx.session is not None and ctx.session.name == self.actor else None
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>Approve or reject promotion {escape(snapshot.promotion_id)}</b>")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        self.fields = {key: _value(f"approval_{key}") for key in
                       ("promotion", "digest", "gate", "approvals", "approver")}
        for key, label in (("promotion", "Promotion:"), ("digest", "Release digest:"),
                           ("gate", "Gate verdict:"), ("approvals", "Approvals:"),
                           ("approver", "Approver:")):
            form.addRow(label, self.fields[key])
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("approvalPassphrase")
        self.passphrase_edit.setAccessibleName("Passphrase of your signing key")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText(f"The passphrase of {self.actor}'s signing key")
        self.passphrase_label = QLabel("Passphrase:")
        form.addRow(self.passphrase_label, self.passphrase_edit)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setPlaceholderText("Why? (required — part of the signed approval statement)")
        form.addRow("Reason (required):", self.reason_edit)
        layout.addLayout(form)
        self.message = _value("approvalMessage")
        self.message.setText("")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = QPushButton("Approve")
        self.approve_button.setObjectName("approveButton")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("rejectButton")
        self.buttons.addButton(self.approve_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.reject_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.approve_button.clicked.connect(lambda: self.submit(APPROVE))
        self.reject_button.clicked.connect(lambda: self.submit(REJECT))
        layout.addWidget(self.buttons)
        self.ok_button = self.approve_button if action == APPROVE else self.reject_button
        self.ok_button.setDefault(True)
        self.refusals = {a: self._predicted_refusal(a, session) for a in (APPROVE, REJECT)}
        self._fill(session)
        asks = self._held is None and not all(self.refusals.values())  # no use asking otherwise
        self.passphrase_label.setVisible(asks)
        self.passphrase_edit.setVisible(asks)
        self.reason_edit.textChanged.connect(self._update_buttons)
        self.passphrase_edit.textChanged.connect(self._update_buttons)
        self._update_buttons()
        self.reason_edit.setFocus()

    # -- what is shown ---------------------------------------------------------------
    def _predicted_refusal(self, action: str, session) -> str | None:
        why = self.snapshot.refusal(action)
        if why is None and session is not None and not session.has_key:
            why = (f"{self.actor} has no signing key: an approval is signed with the approver's "
                   "own key")
        return why

    def _fill(self, session) -> None:
        state = self.snapshot.state
        release = state.release
        route = f"{state.from_env} → {state.to_env}" if state.from_env else f"→ {state.to_env}"
        self.fields["promotion"].setText(
            f"<b>{escape(state.promotion_id)}</b>: {escape(str(release['name']))} "
            f"{escape(str(release['version']))} {escape(route)} — requested by "
            f"<b>{escape(state.requester)}</b>")
        self.fields["digest"].setText(f"<tt>{escape(str(release['digest']))}</tt>")
        self.fields["gate"].setText(gate_html(self.snapshot))
        self.fields["approvals"].setText(approvals_html(self.snapshot))
        if session is not None and session.has_key:
            key = f"key <tt>{escape(session.key_id[:16])}…</tt>, opened at sign-in"
        elif session is not None:
            key = "no signing key"
        elif all(self.refusals.values()):
            key = ""
        else:
            key = "not signed in with a key in this window: give the key's passphrase below"
        role = self.snapshot.actor_role or (session.role if session else "unknown role")
        self.fields["approver"].setText(f"<b>{escape(self.actor or '—')}</b> ({escape(role)})"
                                        + (f" — {key}" if key else ""))
        refusal = self.refusals[self.action]
        if refusal:
            self._show_message(f"You cannot {self.action} this promotion: {refusal}", error=True)

    def _show_message(self, text: str, error: bool = False) -> None:
        colour = status_hex("failed") if error else status_hex("succeeded")
        self.message.setText(f"<span style='color:{colour}'><b>{escape(text)}</b></span>")

    # -- deciding --------------------------------------------------------------------
    def passphrase(self) -> str | None:
        return self._held if self._held is not None else (self.passphrase_edit.text() or None)

    def _update_buttons(self) -> None:
        reason = bool(self.reason_edit.text().strip())
        for action, button in ((APPROVE, self.approve_button), (REJECT, self.reject_button)):
            why = self.refusals[action]
            if why is None and self.busy:
                why = "recording the decision…"
            elif why is None and not reason:
                why = "give a reason first"
            elif why is None and self.passphrase() is None:
                why = f"give the passphrase of {self.actor}'s signing key"
            button.setEnabled(why is None)
            button.setToolTip(f"{action.title()} and sign with {self.actor}'s own key" if why is None
                              else f"Not now: {why}")

    def submit(self, action: str) -> None:
        if self.refusals[action] is not None or not self.reason_edit.text().strip():
            return
        site, pid, actor = self.ctx.site, self.snapshot.promotion_id, self.actor
        passphrase, reason = self.passphrase(), self.reason_edit.text().strip()
        self.busy = True
        self._update_buttons()
        self._show_message(f"Signing the {action} with {actor}'s key…")
        (Operation(self, lambda: approvals.decide(site, pid, action, actor, passphrase, reason),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet.run(pid), initiator=self)
         .success(lambda result: self._decided(action, result))
         .failure(self._failed)
         .finally_(self._idle)
         .run())

    def _idle(self) -> None:
        self.busy = False
        self._update_buttons()

    def _decided(self, action: str, result: approvals.ApprovalResult) -> None:
        self.outcome = result
        self._show_message(f"{approvals.DECISIONS[action].capitalize()}: evidence "
                           f"{short(result.evidence_digest)} at log index {result.log_index}, "
                           f"signed with key {result.key_id[:16]}…")
        self.decided.emit(action, result)
        self.accept()

    def _failed(self, failure: Failure) -> None:
        self._show_message(failure.message, error=True)
        if self._held is None:
            self.passphrase_edit.clear()
        self.refused.emit(failure.message)


def gate_html(snapshot: RunSnapshot) -> str:
    state = snapshot.state
    if GATE not in [s.name for s in state.steps]:
        return "this workflow has no policy gate"
    gate = state.step(GATE)
    outputs = gate.outputs
    status = snapshot.status_of(GATE)
    colour = {"succeeded": "succeeded", "warned": "warned", "failed": "failed"}.get(status, "pending")
    head = (f"<span style='color:{status_hex(colour)}'><b>{escape(str(outputs.get('outcome') or status).upper())}"
            f"</b></span>" + (f" — {escape(gate.summary)}" if gate.summary else ""))
    if not outputs.get("verdict_id"):
        return head + " <span style='color:#78909c'>(no verdict recorded)</span>"
    parts = [f"verdict <tt>{escape(str(outputs['verdict_id']))}</tt>"]
    if outputs.get("decision_digest"):
        parts.append(f"decision <tt>{escape(short(str(outputs['decision_digest'])))}</tt>")
    if outputs.get("findings") is not None:
        parts.append(f"{outputs['findings']} finding(s)")
    triggered = outputs.get("triggered") or []
    parts.append("rules triggered: " + (escape(", ".join(map(str, triggered))) if triggered else "none"))
    return head + "<br>" + " · ".join(parts)


def approvals_html(snapshot: RunSnapshot) -> str:
    state = snapshot.state
    step = state.step(APPROVAL) if APPROVAL in [s.name for s in state.steps] else None
    detail = step.waiting_detail if step is not None else {}
    required = int(detail.get("required", state.approvals_required) or 0)
    so_far = ", ".join(state.approvals) if state.approvals else "none yet"
    text = f"<b>{len(state.approvals)} of {required}</b> required so far ({escape(so_far)})"
    why = detail.get("why") or []
    if why:
        text += f" — {escape('; '.join(map(str, why)))}"
    text += f"; the requester {escape(state.requester)} cannot approve"
    return text
