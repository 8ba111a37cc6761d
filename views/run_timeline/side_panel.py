"""The column beside the run's timeline: the run's facts, what happens now and next,
the data health banner and the run's dialogs (step detail, evidence, export, the
deploy stage, replay, schedule).

Beside the timeline rather than above it: at 1366×768 the promotions list and the
timeline share the height, and every line stacked above the timeline was a row of it
less (the timeline showed four).
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from views.common.shortcuts import with_keys

PANEL_WIDTH = 340  # two buttons side by side; the timeline keeps the rest


def _button(text: str, name: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tooltip)
    return button


class RunSidePanel(QWidget):
    def __init__(self, facts: QWidget, banner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runSidePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 2, 0)
        layout.setSpacing(6)
        # what happens now and the dialogs first: a short screen scrolls the facts
        self.now_label = QLabel()
        self.now_label.setObjectName("nowLabel")
        self.now_label.setWordWrap(True)
        layout.addWidget(self.now_label)

        self.detail_button = _button(
            "Step deta&il…", "stepDetailButton",
            with_keys("The selected step's logs, inputs, outputs and evidence", "step-detail"))
        self.evidence_button = _button(
            "&Evidence timeline…", "evidenceTimeline",
            with_keys("What evidence exists now, what seals at finalize, and exports "
                      "(seed §14.7)", "evidence-timeline"))
        self.export_button = _button(
            "E&xport evidence…", "exportEvidence",
            with_keys("Export this run's evidence pack to removable media — marked PARTIAL "
                      "while the run is not sealed (seed §14.3)", "export"))
        self.stage_button = _button(
            "Deploy &stage…", "deployStage",
            "The current canary stage: health, targets, charts and its controls (seed §14.5)")
        self.replay_button = _button(
            "Replay p&olicy…", "replayPolicy",
            with_keys("Replay/Verify this promotion's policy verdicts (seed §14.8)", "replay"))
        self.schedule_button = _button(
            "Sche&dule…", "schedulePromotion",
            "Run this promotion (or a stage of it) in a time window once its preconditions "
            "hold (seed §14.9)")
        grid = QGridLayout()
        grid.setSpacing(4)
        for number, button in enumerate((self.detail_button, self.evidence_button,
                                         self.export_button, self.replay_button,
                                         self.schedule_button, self.stage_button)):
            grid.addWidget(button, number // 2, number % 2)
        layout.addLayout(grid)
        self.data_health_slot = QWidget()  # the data health banner (seed §14.3)
        self.data_health_slot.setObjectName("dataHealthSlot")
        slot_layout = QVBoxLayout(self.data_health_slot)
        slot_layout.setContentsMargins(0, 0, 0, 0)
        slot_layout.addWidget(banner)
        layout.addWidget(self.data_health_slot)
        layout.addWidget(facts)
        layout.addStretch(1)
