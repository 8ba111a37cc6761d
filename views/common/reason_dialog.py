"""The reason dialog: every operator action except "continue" needs a reason.

OK stays disabled while the reason is empty. The rollback variant adds the scope
(step / stage / full, each enabled only when the engine allows it), an optional
ticket, and the impact preview, computed in a worker for the chosen scope; OK waits
for the preview, so nobody rolls back without having seen what it undoes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from views.common.geometry import fit_window

SCOPE_LABELS = {"step": "Step — the current canary stage only",
                "stage": "Stage — every canary stage deployed so far",
                "full": "Full — the whole deploy phase, back to the previous release"}


@dataclass(frozen=True)
class ActionRequest:
    action: str
    reason: str | None
    scope: str | None = None
    ticket: str | None = None


class ReasonDialog(QDialog):
    def __init__(self, action: str, title: str, subject: str, *, reason_required: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.action = action
        self.reason_required = reason_required
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        fit_window(self, f"reason/{action}")
        self.layout_ = QVBoxLayout(self)
        heading = QLabel(subject)
        heading.setWordWrap(True)
        heading.setObjectName("dialogSubject")
        self.layout_.addWidget(heading)
        self.form = QFormLayout()
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setPlaceholderText(
            "Why? (required — recorded in the run's signed narrative)" if reason_required
            else "Optional note for the record")
        label = "Reason (required):" if reason_required else "Reason:"
        self.form.addRow(label, self.reason_edit)
        self.layout_.addLayout(self.form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(title.rstrip("…"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(self._update_ok)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.buttons)
        self._update_ok()
        self.reason_edit.setFocus()

    def ready(self) -> bool:
        return bool(self.reason_edit.text().strip()) or not self.reason_required

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(self.ready())

    def request(self) -> ActionRequest:
        reason = self.reason_edit.text().strip() or None
        return ActionRequest(self.action, reason)


class RollbackDialog(ReasonDialog):
    preview_ready = Signal(object)  # the preview dict shown

    def __init__(self, subject: str, scopes: Mapping[str, str | None],
                 preview_job: Callable[[str], Callable[[], dict[str, Any]]],
                 tasks: TaskManager | None = None, parent: QWidget | None = None) -> None:
        super().__init__("rollback", "Roll back…", subject, parent=parent)
        self._preview_job = preview_job
        self._tasks = tasks
        self._preview: dict[str, Any] | None = None
        box = QGroupBox("Scope")
        scope_layout = QVBoxLayout(box)
        self.scope_group = QButtonGroup(self)
        self.scope_buttons: dict[str, QRadioButton] = {}
        for scope, why in scopes.items():
            button = QRadioButton(SCOPE_LABELS.get(scope, scope))
            button.setObjectName(f"scope_{scope}")
            button.setEnabled(why is None)
            button.setToolTip(why or "")
            self.scope_group.addButton(button)
            self.scope_buttons[scope] = button
            scope_layout.addWidget(button)
        self.layout_.insertWidget(1, box)
        self.ticket_edit = QLineEdit()
        self.ticket_edit.setObjectName("ticketEdit")
        self.ticket_edit.setPlaceholderText("e.g. INC-1234 (optional)")
        self.form.addRow("Ticket:", self.ticket_edit)
        self.preview_text = QPlainTextEdit()
        self.preview_text.setObjectName("previewText")
        self.preview_text.setReadOnly(True)
        self.preview_text.setMaximumHeight(150)
        row = QHBoxLayout()
        row.addWidget(QLabel("Impact preview:"))
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.preview_text)
        self.finish_layout()
        allowed = [scope for scope, why in scopes.items() if why is None]
        default = "full" if "full" in allowed else (allowed[0] if allowed else None)
        self.scope_group.buttonToggled.connect(self._scope_toggled)
        if default is not None:
            self.scope_buttons[default].setChecked(True)
        else:
            self.preview_text.setPlainText("Rollback is not possible now.")

    def scope(self) -> str | None:
        for scope, button in self.scope_buttons.items():
            if button.isChecked():
                return scope
        return None

    def select_scope(self, scope: str) -> None:
        self.scope_buttons[scope].setChecked(True)

    def ready(self) -> bool:
        preview = getattr(self, "_preview", None)
        return (super().ready() and preview is not None and preview.get("allowed", False)
                and preview.get("scope") == self.scope())

    def request(self) -> ActionRequest:
        base = super().request()
        ticket = self.ticket_edit.text().strip() or None
        return ActionRequest(base.action, base.reason, self.scope(), ticket)

    def _scope_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if not checked:
            return
        scope = self.scope()
        if scope is None:  # a button was just checked: one scope is chosen
            return
        self._preview = None
        self._update_ok()
        self.preview_text.setPlainText(f"Computing the impact of a {scope} rollback…")
        (Operation(self, self._preview_job(scope), tasks=self._tasks)
         .success(self._show_preview)
         .failure(self._preview_failed)
         .run())

    def _show_preview(self, preview: dict[str, Any]) -> None:
        if preview.get("scope") != self.scope():
            return  # a newer scope was chosen meanwhile
        self._preview = preview
        self.preview_text.setPlainText(self.format_preview(preview))
        self._update_ok()
        self.preview_ready.emit(preview)

    def format_preview(self, preview: Mapping[str, Any]) -> str:
        """The preview as text; subclasses with richer previews say more."""
        return preview_text(preview)

    def _preview_failed(self, failure: Failure) -> None:
        self.preview_text.setPlainText(f"Could not compute the impact: {failure.message}")


def preview_text(preview: Mapping[str, Any]) -> str:
    lines = []
    if preview.get("refusal"):
        lines.append(f"Not possible now: {preview['refusal']}")
    steps = preview.get("steps") or []
    lines.append("Steps undone: " + (", ".join(steps) if steps else "none"))
    targets = preview.get("targets") or []
    if targets:
        lines.append(f"{len(targets)} target(s) change:")
        for change in targets:
            lines.append(f"  {change['target']}: {change.get('from') or '?'} → "
                         f"{change.get('to') or 'previous release'}")
    else:
        lines.append("No target changes recorded by the deploy steps.")
    return "\n".join(lines)
