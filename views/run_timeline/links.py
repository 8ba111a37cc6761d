"""The run view's links (seed §14.3): Orchestrator, Security with the findings of this
release in this environment, Release Control with this environment's inputs."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QWidget

from app.screens.snapshots import RunSnapshot
from views.admin_pages.common import LoadingPage
from views.admin_pages.release_control import ReleaseControlPage
from views.admin_pages.security import SecurityPage

ORCHESTRATOR, SECURITY, RELEASE_CONTROL = "orchestrator", "security", "release-control"


def links_html(snapshot: RunSnapshot | None) -> str:
    env = escape(snapshot.state.to_env) if snapshot else "this environment"
    return (f"<a href='{ORCHESTRATOR}'>Orchestrator</a> · "
            f"<a href='{SECURITY}'>Security ({env} findings)</a> · "
            f"<a href='{RELEASE_CONTROL}'>Release Control ({env})</a>")


def focus(page: QWidget, key: str, snapshot: RunSnapshot) -> None:
    """Select this run's row on ``page`` once it has loaded (now, if it has)."""
    env, digest = snapshot.state.to_env, snapshot.state.release["digest"]

    def select() -> None:
        if key == RELEASE_CONTROL and isinstance(page, ReleaseControlPage):
            number, table = page.environments.row_of(env), page.env_table
        elif key == SECURITY and isinstance(page, SecurityPage):
            number, table = page.releases.row_of((digest, env)), page.release_table
        else:
            return
        if number is not None:
            table.selectRow(number)

    if isinstance(page, LoadingPage) and (page.loading or not page.loaded_once):
        page.then = select
    else:
        select()
