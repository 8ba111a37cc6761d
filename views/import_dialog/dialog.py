"""The verification report of one import: every check with ✓/✗, the failing rule in
plain words for a rejection, or what was imported for a success.

The only action it offers is the audited override of rollback protection, and only
when that is the rule that failed: "Allow older version…" asks for a required reason
and hands a new request back to the page, which runs the import again with it.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.screens.import_jobs import IMPORTED, ImportOutcome, ImportRequest
from views.common.geometry import fit_window
from views.common.reason_dialog import ReasonDialog
from views.import_dialog.text import checks_html, headline, plain_report, reason_html, summary_rows

ALLOW_OLDER = "Allow older version…"


def _rich(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ImportReportDialog(QDialog):
    allow_older_requested = Signal(object)  # ImportRequest carrying the reason

    def __init__(self, outcome: ImportOutcome, key_names: dict[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importReportDialog")
        self.outcome = outcome
        self.reason_dialog: ReasonDialog | None = None
        imported = outcome.status == IMPORTED
        self.setWindowTitle(("Bundle imported — " if imported else "Bundle rejected — ")
                            + outcome.request.file_name)
        self.setMinimumWidth(760)
        fit_window(self, "importReport")
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.headline = _rich(headline(outcome), "reportHeadline")
        layout.addWidget(self.headline)
        if not imported:
            self.reason = _rich(reason_html(outcome), "reportReason")
            layout.addWidget(self.reason)
        elif outcome.summary is not None:
            box = QGroupBox("What was imported")
            form = QFormLayout(box)
            self.summary_fields: dict[str, QLabel] = {}
            for label, text in summary_rows(outcome.summary, key_names):
                field = _rich(text, "summaryField")
                self.summary_fields[label] = field
                form.addRow(f"{label}:", field)
            layout.addWidget(box)
        checks_title = QLabel(f"Checks ({sum(c.passed for c in outcome.checks)} of "
                              f"{len(outcome.checks)} passed)")
        checks_title.setObjectName("checksTitle")
        layout.addWidget(checks_title)
        self.checks_view = QTextBrowser()
        self.checks_view.setObjectName("checksView")
        self.checks_view.setAccessibleName("Checks")
        self.checks_view.setOpenLinks(False)
        self.checks_view.setHtml(checks_html(outcome))
        self.checks_view.setMinimumHeight(min(36 + 24 * len(outcome.checks), 420))
        layout.addWidget(self.checks_view, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.setObjectName("copyReport")
        self.copy_button.setToolTip("Copy the report as text (Shift: as JSON)")
        self.copy_button.clicked.connect(self.copy_report)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.allow_older_button: QPushButton | None = None
        if outcome.can_allow_older:
            self.allow_older_button = QPushButton(ALLOW_OLDER)
            self.allow_older_button.setObjectName("allowOlder")
            self.allow_older_button.setToolTip(
                "Import this version although it is not newer than the last one imported. "
                "Rollback protection exists for a reason: the override and its reason are "
                "recorded with the import.")
            self.allow_older_button.clicked.connect(self.ask_allow_older)
            self.buttons.addButton(self.allow_older_button,
                                   QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)

    def copy_report(self) -> None:
        shift = QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        text = (json.dumps(dict(self.outcome.report_json), indent=2, sort_keys=True)
                if shift else plain_report(self.outcome))
        QGuiApplication.clipboard().setText(text)

    def ask_allow_older(self) -> ReasonDialog:
        dialog = ReasonDialog(
            "allow-older", ALLOW_OLDER,
            f"Import <b>{html.escape(self.outcome.request.file_name)}</b> although it is not "
            f"newer than the last import of the same bundle?<br><br>"
            f"{html.escape(self.outcome.message)}",
            parent=self)
        dialog.reason_edit.setPlaceholderText(
            "Why accept an older version? (required — recorded with the import)")
        dialog.finish_layout()
        dialog.accepted.connect(lambda: self._allow_older(dialog))
        self.reason_dialog = dialog
        dialog.open()
        return dialog

    def _allow_older(self, dialog: ReasonDialog) -> None:
        reason = dialog.request().reason
        if not reason:
            return
        request: ImportRequest = replace(self.outcome.request, allow_older_reason=reason)
        self.allow_older_requested.emit(request)
        self.accept()
