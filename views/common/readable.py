"""Any JSON mapping as an operator reads it — labelled fields, and a table for each
list of records — with the raw JSON one toggle away for those who want it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from views.common.page import list_height, read_only_table, scrolling
from views.step_detail.outputs import GridModel, fields, record_tables


class ReadableMapping(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.raw_check = QCheckBox("Show raw JSON")
        self.raw_check.setObjectName(f"{name}Raw")
        layout.addWidget(self.raw_check)
        self.stack = QStackedWidget()
        self.readable = QWidget()
        self.readable_layout = QVBoxLayout(self.readable)
        self.readable_layout.setContentsMargins(0, 0, 0, 0)
        self.stack.addWidget(scrolling(self.readable))
        self.raw = QPlainTextEdit()
        self.raw.setObjectName(f"{name}Text")
        self.raw.setAccessibleName("Raw JSON")
        self.raw.setReadOnly(True)
        self.raw.setFont(QFont("DejaVu Sans Mono", 9))
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.stack.addWidget(self.raw)
        layout.addWidget(self.stack, 1)
        self.raw_check.toggled.connect(lambda raw: self.stack.setCurrentIndex(1 if raw else 0))
        self.field_model: GridModel | None = None
        self.tables: dict[str, GridModel] = {}

    def show_mapping(self, mapping: Mapping[str, Any], raw_text: str | None = None) -> None:
        self.raw.setPlainText(raw_text if raw_text is not None
                              else json.dumps(mapping, indent=2, sort_keys=True, ensure_ascii=False))
        while self.readable_layout.count():
            item = self.readable_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        rows = [list(row) for row in fields(mapping)]
        self.field_model = GridModel(["Field", "Value"], self)
        self.field_model.set_rows(rows)
        view = read_only_table(self.field_model, "readableFields", accessible="Fields")
        view.setMinimumHeight(list_height(view, min(len(rows), 12)) + 4)
        self.readable_layout.addWidget(view)
        self.tables = {}
        for title, headers, table_rows in record_tables(mapping):
            self.readable_layout.addWidget(QLabel(f"<b>{title}</b> ({len(table_rows)})"))
            model = GridModel(headers, self)
            model.set_rows(table_rows)
            table = read_only_table(model, f"readable_{title}", accessible=title)
            table.setMinimumHeight(list_height(table, min(len(table_rows), 10)) + 4)
            self.readable_layout.addWidget(table)
            self.tables[title] = model
        self.readable_layout.addStretch(1)
