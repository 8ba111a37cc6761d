"""The one object the main window asks for Approvals, Release Control, Integrations
and Security; each page is built on demand, once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.qt.context import GuiContext
from views.admin_pages.approvals import ApprovalsPage
from views.admin_pages.integrations import IntegrationsPage
from views.admin_pages.release_control import ReleaseControlPage
from views.admin_pages.security import SecurityPage

APPROVALS = "approvals"
RELEASE_CONTROL = "release-control"
INTEGRATIONS = "integrations"
SECURITY = "security"


class AdminPages:
    def __init__(self, ctx: GuiContext, show_run: Callable[[str], object],
                 parent: QWidget | None = None) -> None:
        self.ctx = ctx
        self._show_run = show_run
        self._parent = parent
        self._pages: dict[str, QWidget] = {}

    def page(self, key: str) -> QWidget | None:
        if key not in (APPROVALS, RELEASE_CONTROL, INTEGRATIONS, SECURITY):
            return None
        if key not in self._pages:
            if key == APPROVALS:
                page: QWidget = ApprovalsPage(self.ctx, self._show_run, self._parent)
            elif key == RELEASE_CONTROL:
                page = ReleaseControlPage(self.ctx, self._parent)
            elif key == INTEGRATIONS:
                page = IntegrationsPage(self.ctx, self._parent)
            else:
                page = SecurityPage(self.ctx, self._parent)
            self._pages[key] = page
        return self._pages[key]
