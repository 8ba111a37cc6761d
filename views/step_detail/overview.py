"""The Overview tab: timing, outcome, waiting and criteria, and the step's outputs."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.screens.snapshots import RunSnapshot
from views.common.format import duration, value_text, when
from views.common.page import list_height, read_only_table
from views.common.palette import status_badge_css
from views.common.row_model import RowModel
from views.step_detail.outputs import GridModel, fields, record_tables

KEY, VALUE = range(2)


class KeyValueTableModel(RowModel[tuple[str, str]]):
    """Labelled fields of a step's outputs (views.step_detail.outputs.fields); its lists
    of records are tables of their own (:class:`OverviewTab`)."""

    HEADERS = ("Field", "Value")

    def set_mapping(self, mapping: Mapping[str, Any]) -> None:
        self.set_rows(fields(mapping))

    def cell(self, row: tuple[str, str], column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[column]
        return None


def step_inputs(snapshot: RunSnapshot, step: str) -> dict[str, Any]:
    """The run's inputs as this step receives them: the release by digest, where it
    goes, by which workflow, and (after the first step) what the step before left."""
    state = snapshot.state
    release = state.release
    inputs: dict[str, Any] = {
        "release": f"{release.get('name')} {release.get('version')}",
        "manifest_digest": release.get("digest"),
        "environment": f"{state.from_env} → {state.to_env}" if state.from_env else state.to_env,
        "workflow": f"{snapshot.workflow_title} ({state.workflow})",
        "requested_by": state.requester,
    }
    names = [s.name for s in state.steps]
    index = names.index(step) if step in names else 0
    if index > 0:
        before = state.steps[index - 1]
        inputs["after_step"] = f"{before.title} — {before.summary or before.status}"
    return inputs


class OverviewTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setHorizontalSpacing(18)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("status", "Status"), ("attempt", "Attempt"), ("start", "Start"),
                           ("end", "End"), ("duration", "Duration"), ("summary", "Summary"),
                           ("error", "Error"), ("waiting", "Waiting for"),
                           ("criteria", "Criteria")):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"overview_{key}")
            form.addRow(f"{label}:", value)
            self.fields[key] = value
        layout.addLayout(form)
        # what every step of the run works on (the gate's own inputs are its Inputs tab)
        layout.addWidget(QLabel("<b>Inputs</b>"))
        self.inputs = KeyValueTableModel(self)
        self.inputs_view = read_only_table(self.inputs, "inputsTable", accessible="Step inputs")
        layout.addWidget(self.inputs_view)
        layout.addWidget(QLabel("<b>Outputs</b>"))
        self.outputs = KeyValueTableModel(self)
        self.outputs_view = read_only_table(self.outputs, "outputsTable",
                                            accessible="Step outputs")
        layout.addWidget(self.outputs_view, 1)
        # each list of records (targets, feeds…) as a table with its own columns
        self.records_box = QVBoxLayout()
        layout.addLayout(self.records_box)
        self.record_views: dict[str, QTableView] = {}
        self.no_outputs = QLabel("No outputs recorded for this step.")
        self.no_outputs.setObjectName("emptyState")
        layout.addWidget(self.no_outputs)
        layout.addStretch(0)

    def show_step(self, snapshot: RunSnapshot, step: str) -> None:
        view = snapshot.state.step(step)
        status = snapshot.status_of(step)
        self.fields["status"].setText(status.upper())
        self.fields["status"].setStyleSheet(status_badge_css(status))
        self.fields["status"].setMaximumWidth(self.fields["status"].sizeHint().width() + 24)
        self.fields["attempt"].setText(str(view.attempt) if view.attempt else "not started")
        self.fields["start"].setText(when(view.started_at))
        self.fields["end"].setText(when(view.ended_at))
        self.fields["duration"].setText(duration(view) or "—")
        self.fields["summary"].setText(html.escape(view.summary) or "—")
        self.fields["error"].setText(
            f"<span style='color:#c62828'>{html.escape(view.error)}</span>" if view.error else "—")
        waiting = view.waiting_for or "—"
        detail = {k: v for k, v in view.waiting_detail.items() if k not in ("for", "summary")}
        if view.waiting_for and detail:
            waiting += " (" + ", ".join(f"{k}: {value_text(v)}" for k, v in sorted(detail.items())) + ")"
        self.fields["waiting"].setText(html.escape(waiting))
        if view.criteria_met is None:
            criteria = "—"
        else:
            shown = {k: v for k, v in view.criteria.items() if k not in ("met", "summary")}
            criteria = ("met" if view.criteria_met else "NOT met") + (
                f" — {view.criteria.get('summary')}" if view.criteria.get("summary") else "")
            if shown:
                criteria += " (" + ", ".join(f"{k}: {value_text(v)}" for k, v in sorted(shown.items())) + ")"
        self.fields["criteria"].setText(html.escape(criteria))
        self.inputs.set_mapping(step_inputs(snapshot, step))
        self.inputs_view.setFixedHeight(list_height(self.inputs_view, self.inputs.rowCount()) + 4)
        self.outputs.set_mapping(view.outputs)
        self.outputs_view.setVisible(self.outputs.rowCount() > 0)
        self.no_outputs.setVisible(not view.outputs)
        self._show_records(view.outputs)

    def _show_records(self, outputs: Mapping[str, Any]) -> None:
        tables = record_tables(outputs)
        titles = [title for title, _, _ in tables]
        if titles != list(self.record_views):
            while self.records_box.count():
                item = self.records_box.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.deleteLater()
            self.record_views = {}
            for title, headers, _rows in tables:
                self.records_box.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
                view = read_only_table(GridModel(headers, self), f"records_{title}",
                                       accessible=f"Step outputs: {title}")
                view.setMinimumHeight(list_height(view, min(len(_rows), 5)) + 4)
                self.records_box.addWidget(view)
                self.record_views[title] = view
        for title, headers, rows in tables:
            model = self.record_views[title].model()
            if isinstance(model, GridModel):  # every records table is built on one
                model.set_rows(rows, headers)
