"""Rollback / Re-run (seed §14.6): re-run the current step, pause the promotion, or
roll back (step, stage or full) to the previously deployed bundle version.

The rollback's impact — which targets go from which version to which, and which
the rollback leaves alone — is computed in a worker before Execute is possible;
every choice needs a reason (and may carry a ticket), and a choice the run does not
allow now is disabled with the reason in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QGroupBox, QRadioButton, QVBoxLayout, QWidget

from app.qt.context import GuiContext
from app.qt.worker import TaskManager
from app.screens.deploy_snapshots import rollback_impact
from app.screens.snapshots import RunSnapshot
from views.common.format import short
from views.common.reason_dialog import ActionRequest, ReasonDialog, RollbackDialog

RERUN, PAUSE, ROLLBACK = "retry", "pause", "rollback"
ROLLBACK_LABEL = "Rollback to the previously deployed bundle version"


class RollbackRerunDialog(RollbackDialog):
    def __init__(self, subject: str, scopes: Mapping[str, str | None],
                 refusals: Mapping[str, str | None], step_title: str,
                 preview_job: Callable[[str], Callable[[], dict[str, Any]]],
                 tasks: TaskManager | None = None, parent: QWidget | None = None,
                 initial: str = ROLLBACK) -> None:
        self._refusals = dict(refusals)
        allowed = [c for c in (initial, ROLLBACK, RERUN, PAUSE) if self._refusals.get(c) is None]
        self._choice = allowed[0] if allowed else initial
        super().__init__(subject, scopes, preview_job, tasks, parent)
        self.setObjectName("rollbackRerunDialog")
        self.setWindowTitle("Rollback / Re-run")
        self.setMinimumWidth(660)
        self.ok_button.setText("Execute")
        self.preview_text.setMinimumHeight(170)
        self.preview_text.setMaximumHeight(260)
        self.scope_box = next(iter(self.scope_buttons.values())).parentWidget() \
            if self.scope_buttons else None
        box = QGroupBox("Choose action")
        box.setObjectName("actionChoice")
        column = QVBoxLayout(box)
        self.action_group = QButtonGroup(self)
        self.action_buttons: dict[str, QRadioButton] = {}
        for action, label in ((RERUN, f"Re-run current step ({step_title})"),
                              (PAUSE, "Pause promotion"), (ROLLBACK, ROLLBACK_LABEL)):
            button = QRadioButton(label)
            button.setObjectName(f"choice_{action}")
            why = self._refusals.get(action)
            button.setEnabled(why is None)
            button.setToolTip(f"Not now: {why}" if why else "")
            self.action_group.addButton(button)
            self.action_buttons[action] = button
            column.addWidget(button)
        self.layout_.insertWidget(1, box)
        self._move_form_last()
        self.action_buttons[self._choice].setChecked(True)
        self.action_group.buttonToggled.connect(self._choice_toggled)
        self._apply_choice()

    def _move_form_last(self) -> None:
        """Reason and ticket after the preview, right above Execute, as in §14.6."""
        for index in range(self.layout_.count()):
            item = self.layout_.itemAt(index)
            if item is not None and item.layout() is self.form:
                self.layout_.takeAt(index)
                self.layout_.insertLayout(self.layout_.count() - 1, self.form)
                return

    # -- the choice ------------------------------------------------------------------
    def choice(self) -> str:
        return self._choice

    def choose(self, action: str) -> None:
        self.action_buttons[action].setChecked(True)

    def _choice_toggled(self, button: QRadioButton, checked: bool) -> None:
        if checked:
            self._choice = next(a for a, b in self.action_buttons.items() if b is button)
            self._apply_choice()

    def _apply_choice(self) -> None:
        rolling = self._choice == ROLLBACK
        if self.scope_box is not None:
            self.scope_box.setEnabled(rolling)
        self.preview_text.setEnabled(rolling)
        self.ok_button.setText("Execute")
        self._update_ok()

    def ready(self) -> bool:
        choice = getattr(self, "_choice", ROLLBACK)
        if choice == ROLLBACK:
            return super().ready()
        return ReasonDialog.ready(self) and self._refusals.get(choice) is None

    def request(self) -> ActionRequest:
        base = super().request()
        if self._choice == ROLLBACK:
            return base
        return ActionRequest(self._choice, base.reason, None, base.ticket)

    # -- the preview -----------------------------------------------------------------
    def format_preview(self, preview: Mapping[str, Any]) -> str:
        previous = preview.get("previous") or []
        if previous and hasattr(self, "action_buttons"):
            self.action_buttons[ROLLBACK].setText(f"{ROLLBACK_LABEL} ({previous_text(previous)})")
        return impact_text(preview)


def previous_text(previous: list[Mapping[str, Any]]) -> str:
    return ", ".join(f"{p.get('version') or '?'}, manifest {short(p['digest'])}" if p.get("digest")
                     else str(p.get("version") or "?") for p in previous)


def impact_text(preview: Mapping[str, Any]) -> str:
    """§14.6's preview: counts first, then each target from → to."""
    lines = []
    if preview.get("refusal"):
        lines.append(f"Not possible now: {preview['refusal']}")
    release = preview.get("release") or {}
    new = release.get("version") or "the new bundle"
    rows = preview.get("targets") or []
    reverting = [r for r in rows if r.get("reverts", r.get("from") != r.get("to"))]
    staying = [r for r in rows if r not in reverting]
    untouched = preview.get("untouched") or []
    steps = preview.get("steps") or []
    lines.append(f"Rollback ({preview.get('scope')}) of: " + (", ".join(steps) if steps else "no step"))
    if preview.get("previous"):
        lines.append(f"Returns to: {previous_text(preview['previous'])}")
    lines.append(f"- {len(reverting)} target(s) currently on the new bundle ({new}) → will revert "
                 "to the previous bundle")
    if staying:
        lines.append(f"- {len(staying)} target(s) on {new} since an earlier stage → unchanged by "
                     f"this scope ({', '.join(r['target'] for r in staying)})")
    if untouched:
        lines.append(f"- {len(untouched)} target(s) still old → unchanged ({', '.join(untouched)})")
    if rows:
        lines.append("Per target:")
        for row in rows:
            after = row.get("to") or "previous release"
            note = "" if row in reverting else "  (unchanged)"
            lines.append(f"  {row['target']}: {row.get('from') or '?'} → {after}{note}")
    else:
        lines.append("No target changes recorded by the deploy steps.")
    return "\n".join(lines)


def run_subject(snapshot: RunSnapshot) -> str:
    """Promotion, current stage and who acts, as the dialogs' heading."""
    state = snapshot.state
    current = state.current
    route = f"{state.from_env} → {state.to_env}" if state.from_env else f"→ {state.to_env}"
    status = snapshot.status_of(current.name).upper() if current else state.status.upper()
    return (f"<b>Promotion {escape(state.promotion_id)}:</b> {escape(str(state.release['name']))} "
            f"{escape(str(state.release['version']))} {escape(route)}<br>"
            f"<b>Current stage:</b> {escape(current.title if current else '—')} ({status})<br>"
            f"Acting as <b>{escape(snapshot.actor or '—')}</b>")


def rollback_rerun_dialog(ctx: GuiContext, snapshot: RunSnapshot, parent: QWidget | None = None,
                          initial: str = ROLLBACK) -> RollbackRerunDialog:
    site, pid = ctx.site, snapshot.promotion_id
    current = snapshot.state.current
    refusals = {action: snapshot.refusal(action) for action in (RERUN, PAUSE, ROLLBACK)}
    return RollbackRerunDialog(run_subject(snapshot), snapshot.rollback_scopes, refusals,
                               current.title if current else "—",
                               lambda scope: (lambda: rollback_impact(site, pid, scope)),
                               ctx.tasks, parent, initial)
