"""The Security page's admin actions: enrolment, role change and revocation, each an
admin-signed roster record made with the admin's sign-in; anyone else is refused
with the rule, and nothing changes."""

from __future__ import annotations

from app.services import identity, site_roster
from tests.views.conftest import sign_in_as
from views.admin_pages.security import SecurityPage


def _page(qtbot, gui):
    page = SecurityPage(gui)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.loaded_once and not page.loading)
    return page


def _wait_message(qtbot, page, text: str) -> str:
    qtbot.waitUntil(lambda: text in page.roster_actions.message.text(), timeout=10_000)
    qtbot.waitUntil(lambda: not page.roster_actions.busy)
    return page.roster_actions.message.text()


def test_only_a_signed_in_admin_gets_the_actions(qtbot, gui, site):
    page = _page(qtbot, gui)
    actions = page.roster_actions
    assert not actions.enrol_button.isEnabled()  # nobody signed in
    sign_in_as(gui, "alice")
    assert not actions.enrol_button.isEnabled() and "only by an admin" in \
        actions.enrol_button.toolTip()
    before = site_roster.read(site).head
    actions.enrol("mallory", "approver", "mallory-passphrase")  # as if the button were enabled
    text = _wait_message(qtbot, page, "Refused")
    assert "alice is &#x27;release-manager&#x27;" in text and "(rule: admin-only)" in text
    assert site_roster.read(site).head == before
    assert site_roster.read(site).user("mallory") is None
    sign_in_as(gui, "admin")
    assert actions.enrol_button.isEnabled() and actions.revoke_button.isEnabled()


def test_an_admin_enrols_changes_a_role_and_revokes(qtbot, gui, site):
    page = _page(qtbot, gui)
    sign_in_as(gui, "admin")
    actions = page.roster_actions
    actions.enrol("dave", "approver", "dave-passphrase")
    _wait_message(qtbot, page, "dave enrolled as approver")
    qtbot.waitUntil(lambda: page.users.row_of("dave") is not None)
    assert identity.authenticate(site, "dave", "dave-passphrase").role == "approver"
    actions.change_role("dave", "operator")
    _wait_message(qtbot, page, "dave is operator from now on")
    assert site_roster.read(site).role("dave") == "operator"
    actions.revoke("dave")
    _wait_message(qtbot, page, "dave revoked")
    qtbot.waitUntil(lambda: page.users.row_of("dave") is None)
    roster = site_roster.read(site)
    assert roster.user("dave").active is False
    assert [r.by for r in roster.records[-3:]] == ["admin", "admin", "admin"]
    actions.revoke("admin")  # the last admin cannot go: the rule says so
    assert "(rule: last-admin)" in _wait_message(qtbot, page, "Refused")
