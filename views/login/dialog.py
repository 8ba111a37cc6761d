"""Sign in as a user of the site (issue 6 item 4).

A user with a signing key proves it with the passphrase that opens the key; the
check (:func:`app.screens.session.sign_in`) runs in a worker, and a refusal is shown
in the dialog, which stays open for another try. A user without a key signs in by
name, as ``--as NAME`` on the command line. Auditors sign in read-only.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens.session import LoginChoice, SignedInUser, login_choices, sign_in
from views.common.geometry import fit_window
from views.common.palette import status_hex


class LoginDialog(QDialog):
    signed_in = Signal(object)  # SignedInUser
    refused = Signal(str)  # the message shown
    choices_loaded = Signal()

    def __init__(self, ctx: GuiContext, preselect: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in")
        self.setMinimumWidth(500)
        fit_window(self, "login")
        self.ctx = ctx
        self.preselect = preselect
        self.choices: tuple[LoginChoice, ...] = ()
        self.busy = False
        layout = QVBoxLayout(self)
        intro = QLabel("<b>Sign in to act on this site.</b><br>Every action is recorded under your "
                       "name. A user with a signing key proves it with the key's passphrase; "
                       "approvals are signed with that key.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("loginUser")
        self.user_combo.addItem("Loading users…", None)
        self.user_combo.setEnabled(False)
        self.user_combo.currentIndexChanged.connect(self._user_changed)
        form.addRow("User:", self.user_combo)
        self.role_label = QLabel("—")
        self.role_label.setObjectName("loginRole")
        self.role_label.setWordWrap(True)
        form.addRow("Role:", self.role_label)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("loginPassphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setPlaceholderText("The passphrase of your signing key")
        self.passphrase_edit.textChanged.connect(self._update_ok)
        form.addRow("Passphrase:", self.passphrase_edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign in")
        self.ok_button.setObjectName("signIn")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_ok()
        site = ctx.site
        Operation(self, lambda: login_choices(site), tasks=ctx.tasks) \
            .success(self._choices_loaded).failure(self._show_failure).run()

    # -- users -----------------------------------------------------------------------
    def _choices_loaded(self, choices: tuple[LoginChoice, ...]) -> None:
        self.choices = choices
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        for choice in choices:
            self.user_combo.addItem(choice.label, choice.name)
        self.user_combo.blockSignals(False)
        self.user_combo.setEnabled(bool(choices))
        wanted = self.preselect or self.ctx.actor
        index = self.user_combo.findData(wanted) if wanted else -1
        self.user_combo.setCurrentIndex(max(index, 0))
        self._user_changed()
        if not choices:
            self.user_combo.addItem("(no users yet)", None)
            self.message.setText("This site has no users yet. Add one with: "
                                 "stella user add NAME --role ROLE")
        self.choices_loaded.emit()

    def choice(self) -> LoginChoice | None:
        name = self.user_combo.currentData()
        return next((c for c in self.choices if c.name == name), None)

    def select(self, name: str) -> bool:
        index = self.user_combo.findData(name)
        if index >= 0:
            self.user_combo.setCurrentIndex(index)
        return index >= 0

    def _user_changed(self, _index: int = 0) -> None:
        choice = self.choice()
        self.passphrase_edit.clear()
        self.message.clear()
        if choice is None:
            self.role_label.setText("—")
            self.passphrase_edit.setEnabled(False)
        else:
            self.role_label.setText(role_text(choice))
            self.passphrase_edit.setEnabled(choice.has_key)
            self.passphrase_edit.setPlaceholderText(
                f"The passphrase of {choice.name}'s signing key" if choice.has_key
                else f"{choice.name} has no signing key: no passphrase")
            if choice.has_key:
                self.passphrase_edit.setFocus()
        self._update_ok()

    # -- signing in ------------------------------------------------------------------
    def ready(self) -> bool:
        choice = self.choice()
        if choice is None or self.busy:
            return False
        return not choice.has_key or bool(self.passphrase_edit.text())

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.ready())

    def submit(self) -> None:
        choice = self.choice()
        if choice is None or not self.ready():
            return
        site, name, secret = self.ctx.site, choice.name, self.passphrase_edit.text() or None
        self._set_busy(True)
        self.message.setText(f"Checking {escape(name)}'s key…" if choice.has_key else "")
        (Operation(self, lambda: sign_in(site, name, secret), tasks=self.ctx.tasks)
         .success(self._signed_in)
         .failure(self._show_failure)
         .finally_(lambda: self._set_busy(False))
         .run())

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.user_combo.setEnabled(not busy and bool(self.choices))
        self._update_ok()

    def _signed_in(self, user: SignedInUser) -> None:
        self.passphrase_edit.clear()
        self.ctx.sign_in(user)
        self.signed_in.emit(user)
        self.accept()

    def _show_failure(self, failure: Failure) -> None:
        self.message.setText(f"<span style='color:{status_hex('failed')}'><b>Not signed in:</b> "
                             f"{escape(failure.message)}</span>")
        self._set_busy(False)
        self.passphrase_edit.clear()
        self.passphrase_edit.setFocus()
        self.refused.emit(failure.message)


def role_text(choice: LoginChoice) -> str:
    if choice.role == "auditor":
        return "auditor — <b>read-only</b>: you can look at everything and act on nothing"
    key = "has a signing key" if choice.has_key else "no signing key (acts by name; cannot approve)"
    return f"{escape(choice.role)} — {key}"
