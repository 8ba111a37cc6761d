"""Signing in: a user with a key proves it with the passphrase (checked in a worker),
a wrong one is refused in the dialog, and the signed-in identity is what acts."""

from __future__ import annotations

import pickle

import pytest
from PySide6.QtCore import Qt

from app.screens.session import SignedInUser, sign_in
from app.services import identity
from views.login.dialog import LoginDialog

PASSPHRASE = "bob-passphrase"


@pytest.fixture
def keyed(site):

    return site


def _login(qtbot, window, name: str) -> LoginDialog:
    """Choose ``name`` in the toolbar; a user with a key gets the login dialog."""
    window.refresh_all()  # the toolbar learns who has a key
    qtbot.waitUntil(lambda: window._keyed.get("bob") is True)
    window.set_actor(name)
    dialog = window.login_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.choice() is not None and dialog.choice().name == name)
    return dialog


def test_a_wrong_passphrase_is_refused_and_the_right_one_signs_in(qtbot, window, keyed):
    dialog = _login(qtbot, window, "bob")
    assert window.ctx.actor == "alice", "nobody acts as bob before the key is opened"
    assert dialog.passphrase_edit.isEnabled()
    assert "approver — has a signing key" in dialog.role_label.text()
    assert not dialog.ok_button.isEnabled(), "bob's key needs its passphrase"

    qtbot.keyClicks(dialog.passphrase_edit, "not-bobs-passphrase")
    with qtbot.waitSignal(dialog.refused) as refused:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert refused.args == ["wrong passphrase for bob's key"]
    assert "Not signed in:</b> wrong passphrase for bob&#x27;s key" in dialog.message.text()
    assert dialog.isVisible() and dialog.passphrase_edit.text() == ""
    assert window.ctx.actor == "alice" and window.ctx.session.name == "alice"  # still alice

    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    with qtbot.waitSignal(dialog.signed_in) as signed:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    user = signed.args[0]
    assert window.ctx.session is user and window.ctx.actor == "bob"
    assert (user.name, user.role, user.has_key) == ("bob", "approver", True)
    assert PASSPHRASE not in repr(user)
    with pytest.raises(TypeError):
        pickle.dumps(user)
    assert window.actor_combo.currentData() == "bob"
    assert "signed in with key" in window.session_label.text()
    qtbot.waitUntil(lambda: window.login_dialog is None)
    # choosing someone else asks them to sign in too: nobody acts by name
    window.set_actor("olga")
    other = window.login_dialog
    assert other is not None and window.ctx.actor == "bob"
    qtbot.waitUntil(lambda: other.choice() is not None and other.choice().name == "olga")
    assert other.passphrase_edit.isEnabled() and not other.ok_button.isEnabled()
    other.reject()


def test_cancelling_keeps_who_was_acting(qtbot, window, keyed):
    dialog = _login(qtbot, window, "bob")
    dialog.reject()
    qtbot.waitUntil(lambda: window.login_dialog is None)
    assert window.ctx.actor == "alice" and window.actor_combo.currentData() == "alice"


def test_sign_in_as_an_auditor_is_read_only(qtbot, window):
    dialog = window.ask_sign_in()
    qtbot.waitUntil(lambda: dialog.choice() is not None)
    assert dialog.select("audrey")
    assert "read-only" in dialog.role_label.text() and not dialog.passphrase_edit.isEnabled()
    assert dialog.ok_button.isEnabled()  # reading is open: no passphrase to only read
    with qtbot.waitSignal(dialog.signed_in):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.ctx.session.read_only and window.ctx.actor == "audrey"
    assert "read-only (auditor)" in window.session_label.text()


def test_the_app_asks_who_is_there_on_start(qtbot, window):
    window.sign_in_on_start()
    dialog = window.login_dialog
    assert isinstance(dialog, LoginDialog) and dialog.isVisible()
    assert window.ask_sign_in("olga") is dialog  # one dialog at a time
    qtbot.waitUntil(lambda: dialog.choice() is not None and dialog.choice().name == "olga")
    dialog.reject()


def test_sign_in_service_refuses_each_failure_with_its_reason(keyed):
    with pytest.raises(identity.AuthenticationFailed, match="bob acts with their own key: enter its passphrase"):
        sign_in(keyed, "bob", None)
    with pytest.raises(identity.AuthenticationFailed, match="wrong passphrase for bob's key"):
        sign_in(keyed, "bob", "wrong-wrong")
    with pytest.raises(identity.AuthenticationFailed, match="olga acts with their own key"):
        sign_in(keyed, "olga", None)  # nobody acts by name
    assert sign_in(keyed, "audrey", None) == SignedInUser("audrey", "auditor", None)  # reads only
    assert sign_in(keyed, "bob", PASSPHRASE).passphrase == PASSPHRASE
