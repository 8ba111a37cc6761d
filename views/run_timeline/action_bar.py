"""Quick actions: each button is enabled exactly when the run's snapshot allows the
action for the acting user, and a disabled button says why in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.screens.snapshots import RunSnapshot
from views.common.shortcuts import with_keys

BUTTONS = (
    ("pause", "Pause", "Pause the run: the executor stops before doing anything more"),
    ("resume", "Resume", "Resume the paused run"),
    ("retry", "Retry step", "Run the current step again (later steps are reset)"),
    ("continue", "Continue", "Continue to the next canary stage: its health criteria are met"),
    ("rollback", "Rollback…", "Roll back a step, the canary stages or the whole deploy"),
    ("cancel", "Cancel run", "Cancel the promotion for good"),
    ("mark-failed", "Mark failed", "Record the current step as failed"),
    ("approve", "Approve", "Approve this promotion (needs the approver role)"),
    ("reject", "Reject", "Reject this promotion (needs the approver role)"),
)
LABELS = {action: label for action, label, _ in BUTTONS}
# Alt+letter on each button (letters chosen not to clash with the menus, File, Run, Help)
MNEMONICS = {"pause": "&Pause", "resume": "Res&ume", "retry": "Retr&y step",
             "continue": "&Continue", "rollback": "Roll&back…", "cancel": "Cance&l run",
             "mark-failed": "&Mark failed", "approve": "&Approve", "reject": "Re&ject"}
KEYED = frozenset({"pause", "resume", "continue", "rollback", "approve", "reject"})


class ActionBar(QWidget):
    triggered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(QLabel("<b>Quick actions:</b>"))
        self.buttons: dict[str, QPushButton] = {}
        self._help: dict[str, str] = {}
        for action, label, help_text in BUTTONS:
            button = QPushButton(MNEMONICS.get(action, label))
            button.setObjectName(f"action_{action}")
            button.setAccessibleName(label.rstrip("…"))
            button.clicked.connect(lambda _checked=False, a=action: self.triggered.emit(a))
            layout.addWidget(button)
            self.buttons[action] = button
            self._help[action] = with_keys(help_text, action) if action in KEYED else help_text
        layout.addStretch(1)
        self._snapshot: RunSnapshot | None = None
        self._busy = False
        self._apply()

    def set_snapshot(self, snapshot: RunSnapshot | None) -> None:
        self._snapshot = snapshot
        self._apply()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._apply()

    def _apply(self) -> None:
        for action, button in self.buttons.items():
            if self._snapshot is None:
                why: str | None = "no promotion selected"
            else:
                why = self._snapshot.refusal(action)
            if why is None and self._busy:
                why = "another action on this run is being recorded"
            button.setEnabled(why is None)
            button.setToolTip(self._help[action] if why is None else f"Not now: {why}")
