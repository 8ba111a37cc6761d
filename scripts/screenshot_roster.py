"""Screenshots of the Security page's admin actions at 1366x768 on a test site: a
signed-in admin enrols a user (the change signed into the site roster), and a release
manager's attempt is refused with the rule. Run under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x768x24 -dpi 96" \\
        .venv/bin/python scripts/screenshot_roster.py --home /tmp/roster-home
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devkit.factories import make_site, passphrase_of  # noqa: E402


def show_actions(page) -> None:
    """Scroll the page so the users table and its admin actions are in view."""
    from PySide6.QtWidgets import QScrollArea

    parent = page.roster_actions.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(page.roster_actions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="a new, empty folder")
    parser.add_argument("--out", default=ROOT / "docs" / "screenshots", type=Path)
    args = parser.parse_args(argv)
    if args.home.exists() and any(args.home.iterdir()):
        parser.error(f"{args.home} is not empty; give a new folder")
    args.out.mkdir(parents=True, exist_ok=True)
    site = make_site(args.home)

    from app.gui import application, main_window
    from app.screens.session import sign_in
    from devkit.doubles import doubles_registry
    from scripts import shots
    from views.admin_pages.pages import SECURITY

    app = application()
    window = main_window(site, doubles_registry)
    window.resize(1366, 768)
    window.show()
    until = shots.waiter("roster screenshots: the page did not load", 20000)
    save = shots.saver(args.out)
    until(lambda: window.site_info is not None)

    window.ctx.sign_in(sign_in(site, "alice", passphrase_of("alice")))
    page = window.navigate(SECURITY)
    until(lambda: page.loaded_once and not page.loading)
    actions = page.roster_actions
    actions.enrol("mallory", "approver", "mallory-passphrase")  # as if enabled for her
    until(lambda: "Refused" in actions.message.text())
    show_actions(page)
    save(window, "security-roster-refused.png")

    window.ctx.sign_in(sign_in(site, "admin", passphrase_of("admin")))
    until(lambda: actions.enrol_button.isEnabled())
    actions.enrol("dave", "approver", "dave-passphrase")
    until(lambda: "dave enrolled" in actions.message.text())
    until(lambda: page.users.row_of("dave") is not None)
    page.user_table.selectRow(page.users.row_of("dave"))
    show_actions(page)
    save(window, "security-roster-admin.png")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
