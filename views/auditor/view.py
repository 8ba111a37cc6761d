"""Auditor mode: open an export (archive, extracted folder or split parts), verify it
offline in a worker, and show every check per file, green or red, in plain words.

It never touches a site: no database, no keys of this machine. Trust comes only
from what the export ships (and the site key id the auditor may pin), exactly as
``stella verify`` decides.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from app.screens.audit_snapshots import AuditResult, audit_bundle, reassemble_parts, save_report
from views.auditor.model import GREEN, ITEM, LEVEL, MESSAGE, RED, RESULT, AuditTreeModel
from views.auditor.story import StoryView
from views.common.page import read_only_tree, scrolling
from views.export_dialog.text import human_size

ARCHIVES = "Exports (*.tar.gz *.part-* *.dsse.json);;All files (*)"
FACT_ORDER = ("export", "promotion", "release", "site", "site key", "log", "checkpoint", "run",
              "parts")


class AuditorView(QWidget):
    verified = Signal(object)  # AuditResult
    failed = Signal(str)  # message
    reassembled = Signal(str)  # path of the whole archive

    def __init__(self, tasks: TaskManager | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditorView")
        self._tasks = tasks
        self.result: AuditResult | None = None
        self.path: str | None = None
        self._running = False
        self.model = AuditTreeModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)

        top = QHBoxLayout()
        title = QLabel("Auditor mode — offline verification")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.open_file_button = QPushButton("Open archive or part…")
        self.open_file_button.setObjectName("auditOpenFile")
        self.open_file_button.clicked.connect(self.choose_file)
        self.open_folder_button = QPushButton("Open extracted folder…")
        self.open_folder_button.setObjectName("auditOpenFolder")
        self.open_folder_button.clicked.connect(self.choose_folder)
        top.addWidget(self.open_file_button)
        top.addWidget(self.open_folder_button)
        layout.addLayout(top)

        pin_row = QHBoxLayout()
        pin_row.addWidget(QLabel("Expected site key id (optional):"))
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("auditPin")
        self.pin_edit.setAccessibleName("Expected trust-root digest")
        self.pin_edit.setPlaceholderText("the key id the site published — pins who must have "
                                         "signed this export")
        pin_row.addWidget(self.pin_edit, 1)
        layout.addLayout(pin_row)

        self.path_label = QLabel("No export opened. Open an archive (.tar.gz), one of its "
                                 "parts, or an extracted folder.")
        self.path_label.setObjectName("auditPath")
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.path_label)
        self.progress = QProgressBar()
        self.progress.setObjectName("auditProgress")
        self.progress.setRange(0, 0)
        self.progress.setFormat("Verifying…")
        self.progress.hide()
        layout.addWidget(self.progress)

        self.banner = QLabel()
        self.banner.setObjectName("auditVerdict")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.facts_frame = QFrame()
        self.facts_frame.setObjectName("runHeader")
        self.facts = QFormLayout(self.facts_frame)
        self.facts.setContentsMargins(14, 8, 14, 8)
        self.facts.setVerticalSpacing(2)
        self.facts_frame.hide()

        filter_row = QHBoxLayout()
        self.only_failures = QCheckBox("Show only failures")
        self.only_failures.setObjectName("auditOnlyFailures")
        self.only_failures.toggled.connect(self._filter_toggled)
        filter_row.addWidget(self.only_failures)
        filter_row.addStretch(1)
        self.counts = QLabel()
        filter_row.addWidget(self.counts)

        self.tree = read_only_tree(self.model, "auditTree", "Verification checks")
        header = self.tree.header()
        header.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(RESULT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LEVEL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.tree.setColumnWidth(ITEM, 470)
        self.tree.setColumnWidth(LEVEL, 200)
        self.story = StoryView()
        self.story.item_requested.connect(self.show_checks_of)
        checks_page = QWidget()
        checks_layout = QVBoxLayout(checks_page)
        checks_layout.setContentsMargins(0, 4, 0, 0)
        checks_layout.addLayout(filter_row)
        checks_layout.addWidget(self.tree, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("auditTabs")
        self.tabs.addTab(self.story, "The run's story")
        self.tabs.addTab(checks_page, "Checks")
        # the export's facts and keys: a tab, so the story and checks get the height
        self.tabs.addTab(scrolling(self.facts_frame), "Export facts and keys")
        layout.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.save_button = QPushButton("Save report…")
        self.save_button.setObjectName("auditSave")
        self.save_button.clicked.connect(self.choose_report_file)
        self.reassemble_button = QPushButton("Reassemble parts…")
        self.reassemble_button.setObjectName("auditReassemble")
        self.reassemble_button.clicked.connect(self.choose_reassembly_folder)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.reassemble_button)
        bottom.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        bottom.addWidget(self.status)
        layout.addLayout(bottom)
        self._update_buttons()

    # -- opening ----------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an export for audit", "", ARCHIVES)
        if path:
            self.verify(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open an extracted export for audit")
        if path:
            self.verify(path)

    @property
    def running(self) -> bool:
        return self._running

    def verify(self, path: str | os.PathLike[str]) -> None:
        """Verify ``path`` in a worker; the result replaces what is shown."""
        if self._running:
            return
        self.path = str(path)
        pin = self.pin_edit.text().strip() or None
        self._running = True
        self.result = None
        self.model.set_result(None)
        self.banner.hide()
        self.facts_frame.hide()
        self.path_label.setText(f"<b>{html.escape(self.path)}</b>")
        self.progress.setFormat(f"Verifying {_size_text(Path(self.path))} — digests, "
                                "signatures, log proofs, chains…")
        self.progress.show()
        self.status.setText("")
        self._update_buttons()
        target = self.path
        (Operation(self, lambda: audit_bundle(target, pin), tasks=self._tasks)
         .success(self._show)
         .failure(self._failed)
         .finally_(self._ended)
         .run())

    def _ended(self) -> None:
        self._running = False
        self.progress.hide()
        self._update_buttons()

    def _failed(self, failure: Failure) -> None:
        self._banner(False, f"✗ Could not verify: {failure.message}")
        self.failed.emit(failure.message)

    # -- showing ----------------------------------------------------------------------
    def _show(self, result: AuditResult) -> None:
        self.result = result
        self.model.set_result(result)
        self._expand()
        self._banner(result.ok, ("✓ " if result.ok else "✗ ") + result.verdict)
        while self.facts.rowCount():
            self.facts.removeRow(0)
        facts = dict(result.facts)
        for key in (*[k for k in FACT_ORDER if k in facts], *[k for k in facts
                                                              if k not in FACT_ORDER]):
            self._fact(key.capitalize(), html.escape(facts[key]))
        for keyid, roles in result.keys:
            self._fact("Signer key", f"<code>{html.escape(keyid)}</code> "
                       f"<span style='color:#546e7a'>{html.escape(roles)}</span>")
        self.facts_frame.setVisible(self.facts.rowCount() > 0)
        self.counts.setText(f"{result.passed} passed · {result.failed} failed · "
                            f"{len(result.items)} item(s) · {result.seconds:.2f} s")
        self.story.show_story(result.story, result.ok)
        self.tabs.setTabText(1, f"Checks ({result.passed} ✓, {result.failed} ✗)")
        # a failed export opens on what is wrong; a verified one on its story
        self.tabs.setCurrentIndex(0 if result.ok and result.story is not None else 1)
        self._update_buttons()
        self.verified.emit(result)

    def show_checks_of(self, item: str) -> bool:
        """The Checks tab on ``item``'s checks (a story line's "From")."""
        row = self.model.item_row(item)
        if row is None and self.only_failures.isChecked():  # a passing item is filtered out
            self.only_failures.setChecked(False)
            row = self.model.item_row(item)
        self.tabs.setCurrentIndex(1)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.tree.expand(index)
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def _fact(self, label: str, value_html: str) -> None:
        value = QLabel(value_html)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setWordWrap(True)
        self.facts.addRow(f"{label}:", value)

    def _banner(self, ok: bool, text: str) -> None:
        colour, fill = (GREEN, "#e8f5e9") if ok else (RED, "#ffebee")
        self.banner.setStyleSheet(f"color: {colour}; background: {fill}; border: 1px solid "
                                  f"{colour}; border-radius: 4px; padding: 8px 12px; "
                                  "font-weight: bold; font-size: 11pt;")
        self.banner.setText(html.escape(text))
        self.banner.show()

    def _expand(self) -> None:
        """Failing items open, the rest closed: the eye goes to what is wrong."""
        self.tree.collapseAll()
        for row in range(self.model.rowCount()):
            if self.model.item(row).ok is False:
                self.tree.expand(self.model.index(row, 0))

    def _filter_toggled(self, only: bool) -> None:
        self.model.set_only_failures(only)
        self._expand()

    def _update_buttons(self) -> None:
        for button in (self.open_file_button, self.open_folder_button):
            button.setEnabled(not self._running)
        self.pin_edit.setEnabled(not self._running)
        self.save_button.setEnabled(self.result is not None)
        can_join = self.result is not None and self.result.ok and self.result.split
        self.reassemble_button.setEnabled(can_join)
        self.reassemble_button.setToolTip(
            "Write the whole archive from its verified parts" if can_join
            else "Only for a split export whose parts all verified")

    # -- report and reassembly -----------------------------------------------------------
    def choose_report_file(self) -> None:
        if self.result is None:
            return
        name = Path(self.result.path).name + ".verify.txt"
        path, _ = QFileDialog.getSaveFileName(self, "Save the verification report", name,
                                              "Text (*.txt);;All files (*)")
        if path:
            self.save_report(path)

    def save_report(self, path: str) -> None:
        result = self.result
        if result is None:
            return
        (Operation(self, lambda: save_report(result, path), tasks=self._tasks)
         .success(lambda _r: self.status.setText(f"Report saved to {path}"))
         .failure(lambda f: self.status.setText(f"Could not save: {f.message}"))
         .run())

    def choose_reassembly_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Reassemble the archive into")
        if folder:
            self.reassemble_into(folder)

    def reassemble_into(self, folder: str) -> None:
        if self.path is None:
            return
        source = self.path
        self.reassemble_button.setEnabled(False)
        (Operation(self, lambda: str(reassemble_parts(source, folder)), tasks=self._tasks)
         .success(self._reassembled)
         .failure(lambda f: self.status.setText(f"Could not reassemble: {f.message}"))
         .finally_(self._update_buttons)
         .run())

    def _reassembled(self, path: str) -> None:
        self.status.setText(f"Reassembled into {path}")
        self.reassembled.emit(path)


def _size_text(path: Path) -> str:
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None
    if size is None:
        return path.name or str(path)
    return f"{path.name} ({human_size(size)})"

