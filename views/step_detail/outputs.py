"""A step's outputs as an operator reads them: labelled fields, and a table for each
list of records (targets, feeds…) — never a line of JSON."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt

from views.common.row_model import RowModel

SEPARATOR = " › "


def label(key: str) -> str:
    """``verdict_id`` → ``Verdict id``; ``eventChain`` → ``Event chain``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(key))
    text = text.replace("_", " ").replace("-", " ").strip().lower()
    return text[:1].upper() + text[1:] if text else str(key)


def scalar(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def fields(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Every scalar of ``mapping`` as (label, text), nested mappings flattened into
    ``Policy › Name`` labels; lists of scalars joined; lists of records left out (they
    are :func:`record_tables`)."""
    rows: list[tuple[str, str]] = []
    for key in sorted(mapping):
        value = mapping[key]
        name = prefix + label(key)
        if isinstance(value, Mapping):
            rows.extend(fields(value, name + SEPARATOR) if value else [(name, "—")])
        elif is_records(value):
            continue
        elif isinstance(value, (list, tuple)):
            rows.append((name, ", ".join(scalar(v) if not isinstance(v, (Mapping, list))
                                         else str(v) for v in value) or "—"))
        else:
            rows.append((name, scalar(value)))
    return rows


def record_tables(mapping: Mapping[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Each list of records of ``mapping`` as (title, headers, rows)."""
    tables = []
    for key in sorted(mapping):
        value = mapping[key]
        if not is_records(value):
            continue
        columns: list[str] = []
        for record in value:
            columns.extend(k for k in record if k not in columns)
        rows = [[_cell(record.get(c)) for c in columns] for record in value]
        tables.append((label(key), [label(c) for c in columns], rows))
    return tables


def _cell(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{name}: {text}" for name, text in fields(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value) or "—"
    return scalar(value)


class GridModel(RowModel[tuple[str, ...]]):
    """Rows of text under headers that come with the rows (read-only)."""

    def __init__(self, headers: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.HEADERS = tuple(headers)

    def set_rows(self, rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None) -> None:
        frozen = [tuple(r) for r in rows]
        if headers is not None and tuple(headers) != self.HEADERS:
            self.beginResetModel()  # other columns: nothing can be updated in place
            self.HEADERS = tuple(headers)
            self._rows = frozen
            self.endResetModel()
            return
        super().set_rows(frozen)

    def cell(self, row: tuple[str, ...], column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[column] if column < len(row) else None
        return None
