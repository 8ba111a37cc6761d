"""Admin actions under the Security page's users table: enrol a user, change a role,
revoke a user. Enabled for a signed-in admin; each runs one signed roster change in
a worker (app/screens/roster_ops.py) and a refusal is shown with the rule it broke."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TypeVar

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens import roster_ops
from engine.roster import ROLES

T = TypeVar("T")
ADMIN = "admin"
MIN_PASSPHRASE = 8


class EnrolDialog(QDialog):
    """Name, role and the new user's own passphrase (typed twice)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Enrol a user")
        self.setObjectName("enrolDialog")
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("enrolName")
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("enrolRole")
        for role in ROLES:
            self.role_combo.addItem(role, role)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setObjectName("enrolPassphrase")
        self.again_edit = QLineEdit()
        self.again_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_edit.setObjectName("enrolPassphraseAgain")
        form.addRow("User name:", self.name_edit)
        form.addRow("Role:", self.role_combo)
        form.addRow("Their key's passphrase:", self.passphrase_edit)
        form.addRow("Passphrase again:", self.again_edit)
        self.hint = QLabel(f"At least {MIN_PASSPHRASE} characters; give it to the user, "
                           "who signs in with it.")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.name_edit, self.passphrase_edit, self.again_edit):
            edit.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._update()

    def ready(self) -> bool:
        secret = self.passphrase_edit.text()
        return bool(self.name_edit.text().strip()) and len(secret) >= MIN_PASSPHRASE \
            and secret == self.again_edit.text()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.ready())


class RosterActions(QWidget):
    """Buttons for a signed-in admin; ``selected`` names the user chosen in the table."""

    def __init__(self, ctx: GuiContext, selected: Callable[[], str | None],
                 changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._selected = selected
        self._changed = changed
        self.busy = False
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.enrol_button = QPushButton("Enrol user…")
        self.enrol_button.setObjectName("enrolUser")
        self.role_button = QPushButton("Change role…")
        self.role_button.setObjectName("changeRole")
        self.revoke_button = QPushButton("Revoke…")
        self.revoke_button.setObjectName("revokeUser")
        for button in (self.enrol_button, self.role_button, self.revoke_button):
            row.addWidget(button)
        row.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("rosterMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.enrol_button.clicked.connect(self._ask_enrol)
        self.role_button.clicked.connect(self._ask_role)
        self.revoke_button.clicked.connect(self._ask_revoke)
        ctx.session_changed.connect(lambda _user: self.update_state())
        self.update_state()

    def is_admin(self) -> bool:
        session = self.ctx.session
        return session is not None and session.role == ADMIN and bool(session.passphrase)

    def update_state(self) -> None:
        admin = self.is_admin() and not self.busy
        for button in (self.enrol_button, self.role_button, self.revoke_button):
            button.setEnabled(admin)
            button.setToolTip("" if admin else "Sign in as an admin to change users "
                              "(users, roles and keys change only by an admin)")

    # -- the actions (dialogs call these; tests may too) -----------------------------
    def enrol(self, name: str, role: str, passphrase: str) -> None:
        site, session = self.ctx.site, self.ctx.session
        self._run(lambda: roster_ops.enrol(site, session, name, role, passphrase),
                  lambda keyid: f"{name} enrolled as {role}, key {keyid[:16]}… (signed by "
                                f"{session.name if session else '?'})")

    def change_role(self, name: str, role: str) -> None:
        site, session = self.ctx.site, self.ctx.session
        self._run(lambda: roster_ops.change_role(site, session, name, role),
                  lambda _none: f"{name} is {role} from now on")

    def revoke(self, name: str) -> None:
        site, session = self.ctx.site, self.ctx.session
        self._run(lambda: roster_ops.revoke(site, session, name),
                  lambda _none: f"{name} revoked from now on; what they signed before stays valid")

    def _run(self, fn: Callable[[], T], said: Callable[[T], str]) -> None:
        self.busy = True
        self.update_state()
        self.message.setText("Signing the roster change…")
        (Operation(self, fn, tasks=self.ctx.tasks)
         .success(lambda result: self._done(said(result)))
         .failure(self._refused)
         .finally_(self._idle)
         .run())

    def _done(self, text: str) -> None:
        self.message.setText(f"<span style='color:#2e7d32'>✓ {escape(text)}</span>")
        self._changed()

    def _refused(self, failure: Failure) -> None:
        self.message.setText(f"<span style='color:#c62828'><b>Refused:</b> "
                             f"{escape(failure.message)}</span>")

    def _idle(self) -> None:
        self.busy = False
        self.update_state()

    # -- dialogs --------------------------------------------------------------------
    def _ask_enrol(self) -> None:
        dialog = EnrolDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.enrol(dialog.name_edit.text().strip(), dialog.role_combo.currentData(),
                       dialog.passphrase_edit.text())

    def _ask_role(self) -> None:
        name = self._selected()
        if not name:
            self.message.setText("Choose a user in the table first.")
            return
        role, ok = QInputDialog.getItem(self, "Change role", f"New role of {name}:",
                                        list(ROLES), 0, False)
        if ok:
            self.change_role(name, role)

    def _ask_revoke(self) -> None:
        name = self._selected()
        if not name:
            self.message.setText("Choose a user in the table first.")
            return
        answer = QMessageBox.question(
            self, "Revoke user", f"Revoke {name}? From now on their key acts for nothing; "
            "what they signed before stays valid.")
        if answer == QMessageBox.StandardButton.Yes:
            self.revoke(name)
