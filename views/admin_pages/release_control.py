"""Release Control: each environment's workflow, approvals, baseline and canary gate
per stage, and the targets of the selected one. Read-only: changes are made with
``stella env`` and ``stella target`` so they are recorded with their actor."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from app.qt.context import GuiContext
from app.screens.admin_screens import EnvironmentRow, StageGate, TargetRow, release_control
from views.admin_pages.common import Column, LoadingPage, RowTableModel, heading, note, table
from views.common.format import short

CLI_NOTE = ("Read-only here. Add environments with <tt>stella env add NAME --workflow … "
            "--requires-approval N --baseline …</tt>, change their canary gates, auto-continue "
            "and driver commands with <tt>stella env configure NAME --file SETTINGS.json</tt>, "
            "add targets with <tt>stella target add ENV NAME --driver …</tt>.")

ENV_COLUMNS: tuple[Column[EnvironmentRow], ...] = (
    Column("Environment", lambda e: e.name, bold=True,
           colour=lambda e: "#c62828" if e.problem else None,
           tooltip=lambda e: e.problem or None),
    Column("Workflow", lambda e: e.workflow),
    Column("Approvals required", lambda e: str(e.approvals_required)),
    Column("Baseline", lambda e: e.baseline or "—"),
    Column("Auto-continue", lambda e: "yes" if e.auto_continue else "no (operator continues)"),
    Column("Targets", lambda e: str(len(e.targets))),
    Column("Driver commands", lambda e: "configured" if e.driver_commands else "—"),
)
GATE_COLUMNS: tuple[Column[StageGate], ...] = (
    Column("Stage", lambda g: g.stage, bold=True),
    Column("Canary gate", lambda g: g.policy, tooltip=lambda g: g.detail),
)
TARGET_COLUMNS: tuple[Column[TargetRow], ...] = (
    Column("Target", lambda t: t.name, bold=True),
    Column("Driver", lambda t: t.driver),
    Column("Release last deployed", lambda t: t.release or "— (none recorded)",
           colour=lambda t: None if t.release else "#78909c"),
    Column("Digest", lambda t: short(t.release_digest) if t.release_digest else "—",
           tooltip=lambda t: t.release_digest),
)


class ReleaseControlPage(LoadingPage):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        site = ctx.site
        super().__init__(ctx, "Release Control", "releaseControlPage",
                         lambda: release_control(site), self._show, parent)
        self.body.addWidget(note(CLI_NOTE, "cliNote"))
        self.body.addWidget(heading("Environments"))
        self.environments: RowTableModel[EnvironmentRow] = RowTableModel(
            ENV_COLUMNS, lambda e: e.name, self)
        self.env_table = table(self.environments, "environmentsTable")
        self.body.addWidget(self.env_table, 1)
        self.env_heading = heading("Select an environment")
        self.body.addWidget(self.env_heading)
        self.gates: RowTableModel[StageGate] = RowTableModel(GATE_COLUMNS, lambda g: g.stage, self)
        self.targets: RowTableModel[TargetRow] = RowTableModel(
            TARGET_COLUMNS, lambda t: t.name, self)
        split = QSplitter(Qt.Orientation.Horizontal)
        for title, model, name in (("Canary gate per stage", self.gates, "gatesTable"),
                                   ("Targets", self.targets, "targetsTable")):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(heading(title))
            column.addWidget(table(model, name))
            split.addWidget(box)
        self.body.addWidget(split, 2)
        self.env_table.selectionModel().selectionChanged.connect(self._selected)

    def _show(self, rows: list[EnvironmentRow]) -> None:
        chosen = self.selected()
        self.environments.set_rows(rows)
        if not rows:
            self.status.setText("<i>No environments yet.</i> Add one with "
                                "<tt>stella env add NAME</tt>.")
            self._detail(None)
            return
        self.status.setText(f"{len(rows)} environment(s), "
                            f"{sum(len(e.targets) for e in rows)} target(s).")
        number = self.environments.row_of(chosen.name) if chosen else None
        self.env_table.selectRow(number if number is not None else 0)
        self._detail(self.selected())

    def selected(self) -> EnvironmentRow | None:
        rows = self.env_table.selectionModel().selectedRows()
        return self.environments.row(rows[0].row()) if rows else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._detail(self.selected())

    def _detail(self, env: EnvironmentRow | None) -> None:
        if env is None:
            self.env_heading.setText("<b>Select an environment</b>")
            self.gates.set_rows([])
            self.targets.set_rows([])
            return
        problem = (f" <span style='color:#c62828'>{escape(env.problem)}</span>"
                   if env.problem else "")
        empty = "" if env.targets else " — no targets: <tt>stella target add</tt>"
        self.env_heading.setText(f"<b>{escape(env.name)}</b>{empty}{problem}")
        self.gates.set_rows(env.gates)
        self.targets.set_rows(env.targets)
