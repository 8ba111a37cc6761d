"""Rules and findings of a verdict as Qt table models, and the findings filter.

Thin adapters (views.common.row_model) over the frozen rows of
:mod:`app.screens.gate_screens`; sorting and filtering happen in :class:`FindingFilterProxy`, whose sort
role orders severities by rank and scores as numbers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from app.screens.gate_screens import FindingRow, GateDetail, RuleRow
from views.common.row_model import RowModel

_Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 10
KEY_ROLE = Qt.ItemDataRole.UserRole + 11

OUTCOME_COLOURS = {"triggered": "#c62828", "error": "#ad1457", "not-triggered": "#2e7d32"}
ACTION_COLOURS = {"block": "#c62828", "require-approval": "#00838f", "warn": "#b26a00"}
SEVERITY_COLOURS = {"CRITICAL": "#b71c1c", "HIGH": "#e65100", "MEDIUM": "#b26a00",
                    "LOW": "#546e7a", "NONE": "#78909c", "UNKNOWN": "#78909c"}

RULE, ACTION, OUTCOME, RULE_FINDINGS, EXPLANATION = range(5)
RULE_HEADERS = ("Rule", "Action", "Outcome", "Findings", "Explanation")


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class RuleTableModel(RowModel[RuleRow]):
    HEADERS = RULE_HEADERS

    def cell(self, row: RuleRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            label = row.id + (" (built in)" if row.builtin else "")
            return (label, row.action, row.outcome.upper(), str(len(row.findings)) if
                    row.findings else "", row.explanation)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == RULE_FINDINGS and row.findings:
                return "\n".join(row.findings)
            return row.explanation
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == OUTCOME:
                if row.outcome == "triggered":  # as serious as what it does
                    return QColor(ACTION_COLOURS.get(row.action, "#455a64"))
                return QColor(OUTCOME_COLOURS.get(row.outcome, "#455a64"))
            if column == ACTION:
                return QColor(ACTION_COLOURS.get(row.action, "#455a64"))
        if role == Qt.ItemDataRole.FontRole and column == OUTCOME and row.outcome != \
                "not-triggered":
            return _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == RULE_FINDINGS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


SEVERITY, SCORE, FINDING_ID, PACKAGE, VERSION, FIXED, REACHABLE, VEX, NEW, RULES = range(10)
FINDING_HEADERS = ("Severity", "Score", "Vulnerability", "Package", "Version", "Fixed in",
                   "Reachable", "VEX", "New", "Rules")


def _yes(value: bool | None, unknown: str = "?") -> str:
    return unknown if value is None else ("yes" if value else "no")


class FindingTableModel(RowModel[FindingRow]):
    HEADERS = FINDING_HEADERS

    def _display(self, row: FindingRow, column: int) -> str:
        package = f"{row.ecosystem}/{row.package}"
        vex = row.vex_status or ""
        return (row.severity, "" if row.score is None else f"{row.score:.1f}", row.id, package,
                row.version, row.fixed_version or "none", _yes(row.reachable, "unknown"),
                vex, "yes" if row.new else "no", ", ".join(row.rules))[column]

    def cell(self, row: FindingRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            if column == SEVERITY:
                return row.severity_rank
            if column == SCORE:
                return -1.0 if row.score is None else row.score
            return self._display(row, column).lower()
        if role == KEY_ROLE:
            return row.key
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == SEVERITY:
                return QColor(SEVERITY_COLOURS.get(row.severity, "#455a64"))
            if row.suppressed:
                return QColor("#9e9e9e")
        if role == Qt.ItemDataRole.FontRole and column == SEVERITY:
            return _bold()
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [row.key]
            if row.aliases:
                lines.append("aliases: " + ", ".join(row.aliases))
            if row.suppressed:
                lines.append(f"suppressed by VEX ({row.vex_status}): {row.justification}")
            if row.rules:
                lines.append("behind: " + ", ".join(row.rules))
            return "\n".join(lines)
        return None


class FindingFilterProxy(QSortFilterProxyModel):
    """Text filter over every field, an option to hide suppressed findings, numeric sort."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._hide_suppressed = False
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_hide_suppressed(self, hide: bool) -> None:
        self.beginFilterChange()
        self._hide_suppressed = hide
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, FindingTableModel):
            return True
        row = model.row(source_row)
        if self._hide_suppressed and row.suppressed:
            return False
        return all(word in row.text() for word in self._text.split())


INPUT_HEADERS = ("Input", "Name", "Digest", "Note")


def input_rows(detail: GateDetail) -> list[tuple[str, str, str, str]]:
    """Every sealed input with its full digest (the Inputs tab)."""
    release = detail.release
    rows = [("release", f"{release['name']} {release['version']}", release["digest"],
             "bundle manifest (release.json)")]
    if detail.bundle_digest:
        rows.append(("bundle", "release bundle", detail.bundle_digest, "as imported"))
    rows += [("sbom", path, digest, "") for path, digest in detail.sboms]
    rows += [("vex", path, digest, "") for path, digest in detail.vex]
    rows += [("feed", f"{f.source}/{f.ecosystem}", f.digest,
              f"snapshot {f.snapshot}, {f.age_hours:g}h old" + (" — STALE" if f.stale else ""))
             for f in detail.feeds]
    rows.append(("policy", f"{detail.policy['name']} v{detail.policy['version']}",
                 str(detail.policy["digest"]),
                 "with a stale-feeds override" if detail.override else "as imported"))
    if detail.override:
        rows.append(("policy", "imported policy", detail.base_policy_digest, "before the override"))
    if detail.baseline:
        rows.append(("baseline", str(detail.baseline["name"]), str(detail.baseline["digest"]),
                     f"{detail.baseline['known']} known finding(s)"))
    return rows


class InputTableModel(RowModel[tuple[str, str, str, str]]):
    HEADERS = INPUT_HEADERS

    def cell(self, row: tuple[str, str, str, str], column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return row[column]
        if role == Qt.ItemDataRole.ForegroundRole and "STALE" in row[3]:
            return QColor("#c62828")
        return None
