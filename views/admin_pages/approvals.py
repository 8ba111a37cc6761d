"""Approvals: promotions waiting for a decision, with their gate verdict; a double
click opens the promotion's run view, where Approve and Reject are."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QWidget

from app.qt.context import GuiContext
from app.screens.admin_screens import ApprovalRow, approvals_waiting
from views.admin_pages.common import Column, LoadingPage, RowTableModel, heading, table
from views.common.format import short, when

OUTCOME_COLOURS = {"pass": "#2e7d32", "warn": "#b26a00", "require-approval": "#00838f",
                   "block": "#c62828"}
EMPTY = "No promotion is waiting for approval."


def _gate(row: ApprovalRow) -> str:
    if not row.gate_outcome:
        return "no verdict"
    found = "" if row.findings is None else f", {row.findings} finding(s)"
    return f"{row.gate_outcome.upper()}{found}"


COLUMNS: tuple[Column[ApprovalRow], ...] = (
    Column("Promotion", lambda r: r.promotion_id, bold=True),
    Column("Release", lambda r: f"{r.release}  {short(r.release_digest)}",
           tooltip=lambda r: r.release_digest),
    Column("From → To", lambda r: f"{r.from_env or '(new)'} → {r.to_env}"),
    Column("Requester", lambda r: r.requester),
    Column("Gate", _gate, colour=lambda r: OUTCOME_COLOURS.get(r.gate_outcome)),
    Column("Approvals", lambda r: f"{len(r.approvals)} / {r.required}",
           tooltip=lambda r: "Approved by " + ", ".join(r.approvals) if r.approvals
           else "No approval yet"),
    Column("Waiting since", lambda r: when(r.waiting_since)),
)


class ApprovalsPage(LoadingPage):
    def __init__(self, ctx: GuiContext, show_run: Callable[[str], object],
                 parent: QWidget | None = None) -> None:
        site = ctx.site
        super().__init__(ctx, "Approvals", "approvalsPage", lambda: approvals_waiting(site),
                         self._show, parent)
        self._show_run = show_run
        self.body.addWidget(heading("Promotions waiting for a decision"))
        self.model: RowTableModel[ApprovalRow] = RowTableModel(
            COLUMNS, lambda r: r.promotion_id, self)
        self.table = table(self.model, "approvalsTable")
        self.table.setToolTip("Double-click a promotion to open its run, where you approve "
                              "or reject it")
        self.table.activated.connect(self._open)
        self.body.addWidget(self.table, 1)

    def _show(self, rows: list[ApprovalRow]) -> None:
        self.model.set_rows(rows)
        if not rows:
            self.status.setText(f"<i>{EMPTY}</i> Promotions into an environment that requires "
                                f"approvals wait here once their policy gate has run.")
        else:
            self.status.setText(
                f"<b>{len(rows)}</b> promotion(s) waiting. Double-click one to open its run "
                f"view: the gate verdict and its evidence are there, with "
                f"<b>Approve</b> and <b>Reject</b>.")

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_run(self.model.row(index.row()).promotion_id)

    def open_run(self, promotion_id: str) -> None:
        self._show_run(promotion_id)
