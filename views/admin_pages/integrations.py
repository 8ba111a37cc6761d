"""Integrations: deploy drivers per environment with reachability (asked in a
worker), secret providers, the database and the transparency log."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QWidget

from app.qt.context import GuiContext
from app.screens.admin_screens import IntegrationsScreen, integrations_screen
from app.services import health
from views.admin_pages.common import (
    Column,
    LoadingPage,
    RowTableModel,
    heading,
    status_colour,
    table,
)
from views.common.format import when
from views.common.palette import status_badge_css
from views.platform_health.pages import BADGE

Item = tuple[str, str, str, str]  # status, name, scope, detail

TARGET_COLUMNS: tuple[Column[health.IntegrationHealth], ...] = (
    Column("Status", lambda i: i.status, colour=lambda i: status_colour(i.status), bold=True),
    Column("Environment", lambda i: i.scope or "—"),
    Column("Target", lambda i: i.name),
    Column("Driver", lambda i: i.detail.split(":", 1)[0]),
    Column("Reachability", lambda i: i.detail.split(":", 1)[-1].strip(),
           tooltip=lambda i: i.detail),
)
ITEM_COLUMNS: tuple[Column[Item], ...] = (
    Column("Status", lambda i: i[0], colour=lambda i: status_colour(i[0]), bold=True),
    Column("Name", lambda i: i[1]),
    Column("Kind", lambda i: i[2]),
    Column("Detail", lambda i: i[3], tooltip=lambda i: i[3]),
)


def site_items(screen: IntegrationsScreen) -> list[Item]:
    """Secret providers, the database and the log as one status list."""
    items = [(s.status, s.name, "secret provider", s.detail) for s in screen.secrets]
    db = screen.database
    items.append((db.status, db.url, f"database — {db.kind}", db.detail))
    log = screen.log
    checkpoint = (f"latest checkpoint: size {log.checkpoint_size}, signed "
                  f"{when(log.checkpoint_at)}" if log.checkpoint_size is not None
                  else "no checkpoint yet")
    items.append((log.status, log.origin, "transparency log",
                  f"{log.size} entries; {checkpoint}; {log.detail}"))
    return items


class IntegrationsPage(LoadingPage):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        site = ctx.site
        super().__init__(ctx, "Integrations", "integrationsPage",
                         lambda: integrations_screen(site), self._show, parent,
                         button_text="Check now")
        self.refresh_button.setToolTip("Ask every deploy target for its health through its "
                                       "driver")
        self.snapshot: IntegrationsScreen | None = None
        self.body.addWidget(heading("Deploy drivers and targets, per environment"))
        self.targets: RowTableModel[health.IntegrationHealth] = RowTableModel(
            TARGET_COLUMNS, lambda i: (i.scope, i.name), self)
        self.body.addWidget(table(self.targets, "targetsTable"), 3)
        self.body.addWidget(heading("Secret providers, database and transparency log"))
        self.site_items: RowTableModel[Item] = RowTableModel(ITEM_COLUMNS, lambda i: i[2], self)
        self.body.addWidget(table(self.site_items, "siteItemsTable"), 2)

    def refresh(self) -> None:
        if not self.loading:
            self.status.setText("Asking every deploy target through its driver…")
        super().refresh()

    def _show(self, screen: IntegrationsScreen) -> None:
        self.snapshot = screen
        self.targets.set_rows(screen.targets)
        items = site_items(screen)
        self.site_items.set_rows(items)
        worst = health.worst([i.status for i in screen.targets] + [i[0] for i in items])
        drivers = sorted({i.detail.split(":", 1)[0] for i in screen.targets})
        in_use = (f"drivers in use: {escape(', '.join(drivers))}" if drivers
                  else "no deploy targets yet (<tt>stella target add</tt>)")
        self.status.setText(
            f"<span style='{status_badge_css(BADGE[worst])}'>&nbsp;{worst}&nbsp;</span> "
            f"&nbsp;{in_use}. Checked {escape(when(screen.checked_at))}. Secrets are named in "
            f"step inputs as <tt>file:NAME</tt> (the site secrets folder) or "
            f"<tt>env:NAME</tt>; their values are never shown.")
