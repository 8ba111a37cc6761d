"""Security: the findings snapshot of each release (its latest gate verdict per
environment), the site's users with their roles and signing keys (enrolment, role
changes and revocation for a signed-in admin), and the trust root in force."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.qt.context import GuiContext
from app.screens.admin_screens import (
    ReleaseFindings,
    SecurityScreen,
    UserRow,
    security_screen,
)
from app.screens.gate_screens import FindingRow
from views.admin_pages.approvals import OUTCOME_COLOURS
from views.admin_pages.common import Column, LoadingPage, RowTableModel, heading, table
from views.admin_pages.roster_actions import RosterActions
from views.common.format import short, when
from views.gate_detail.models import SEVERITY_COLOURS

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
NO_VERDICTS = ("No release has been through the policy gate yet: a snapshot appears "
               "here once a promotion's Gate Eval step has run.")


def _counts(r: ReleaseFindings) -> str:
    counts = r.counts()
    text = "  ".join(f"{s[0]}{counts.get(s, 0)}" for s in SEVERITIES)
    other = sum(n for s, n in counts.items() if s not in SEVERITIES)
    return text + (f"  ?{other}" if other else "")


def _reachable(f: FindingRow) -> str:
    return "unknown" if f.reachable is None else ("yes" if f.reachable else "no")


RELEASE_COLUMNS: tuple[Column[ReleaseFindings], ...] = (
    Column("Release", lambda r: r.release, bold=True, tooltip=lambda r: r.release_digest),
    Column("Environment", lambda r: r.environment),
    Column("Verdict", lambda r: r.outcome.upper(), colour=lambda r: OUTCOME_COLOURS.get(
        r.outcome), tooltip=lambda r: f"{r.verdict_id} ({r.promotion_id})"),
    Column("Open findings C/H/M/L", _counts,
           tooltip=lambda r: ", ".join(f"{n} {s}" for s, n in sorted(r.counts().items()))
           or "none"),
    Column("VEX-suppressed", lambda r: str(r.suppressed)),
    Column("Evaluated", lambda r: when(r.evaluated_at)),
    Column("Promotion", lambda r: r.promotion_id),
)
FINDING_COLUMNS: tuple[Column[FindingRow], ...] = (
    Column("Finding", lambda f: f.id, bold=True, tooltip=lambda f: ", ".join(f.aliases) or None),
    Column("Package", lambda f: f.package, tooltip=lambda f: f.ecosystem),
    Column("Version", lambda f: f.version),
    Column("Severity", lambda f: f.severity, colour=lambda f: SEVERITY_COLOURS.get(f.severity)),
    Column("Fixed in", lambda f: f.fixed_version or "no fix"),
    Column("VEX", lambda f: (f"suppressed — {f.vex_status}"
                             + (f" ({f.justification})" if f.justification else ""))
           if f.suppressed else (f.vex_status or "—"),
           colour=lambda f: "#2e7d32" if f.suppressed else None),
    Column("Reachable", _reachable, colour=lambda f: "#c62828" if f.reachable else None),
)
USER_COLUMNS: tuple[Column[UserRow], ...] = (
    Column("User", lambda u: u.name, bold=True),
    Column("Role", lambda u: u.role),
    Column("Signing key", lambda u: f"yes — {u.key_id[:16]}…" if u.key_id else "none in force",
           colour=lambda u: None if u.key_id else "#78909c", tooltip=lambda u: u.key_id),
)


class SecurityPage(LoadingPage):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        site = ctx.site
        super().__init__(ctx, "Security", "securityPage", lambda: security_screen(site),
                         self._show, parent)
        self.snapshot: SecurityScreen | None = None
        self.body.addWidget(heading("Findings snapshot per release (latest gate verdict per "
                                    "environment)"))
        self.releases: RowTableModel[ReleaseFindings] = RowTableModel(
            RELEASE_COLUMNS, lambda r: (r.release_digest, r.environment), self)
        self.release_table = table(self.releases, "releasesTable")
        self.body.addWidget(self.release_table, 1)
        self.findings_heading = heading("Findings")
        self.body.addWidget(self.findings_heading)
        self.findings: RowTableModel[FindingRow] = RowTableModel(
            FINDING_COLUMNS, lambda f: f.key, self)
        self.body.addWidget(table(self.findings, "findingsTable"), 3)
        split = QSplitter(Qt.Orientation.Horizontal)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading("Users, roles and signing keys"))
        self.users: RowTableModel[UserRow] = RowTableModel(USER_COLUMNS, lambda u: u.name, self)
        self.user_table = table(self.users, "usersTable")
        column.addWidget(self.user_table)
        self.roster_actions = RosterActions(ctx, self.selected_user, self.refresh, self)
        column.addWidget(self.roster_actions)
        split.addWidget(box)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading("Trust root in force"))
        self.trust = QLabel()
        self.trust.setObjectName("trustRoot")
        self.trust.setWordWrap(True)
        self.trust.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.trust.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.trust, 1)
        split.addWidget(box)
        split.setSizes([560, 560])
        self.body.addWidget(split, 2)
        self.release_table.selectionModel().selectionChanged.connect(self._selected)

    def _show(self, screen: SecurityScreen) -> None:
        chosen = self.selected()
        self.snapshot = screen
        self.releases.set_rows(screen.releases)
        self.users.set_rows(screen.users)
        self.trust.setText(trust_text(screen))
        keyed = sum(1 for u in screen.users if u.key_id)
        users = f"{len(screen.users)} user(s), {keyed} with a signing key."
        if not screen.releases:
            self.status.setText(f"<i>{NO_VERDICTS}</i> {users}")
            self._detail(None)
            return
        self.status.setText(f"{len(screen.releases)} release/environment snapshot(s). {users}")
        number = self.releases.row_of((chosen.release_digest, chosen.environment)) \
            if chosen else None
        self.release_table.selectRow(number if number is not None else 0)
        self._detail(self.selected())

    def selected_user(self) -> str | None:
        rows = self.user_table.selectionModel().selectedRows()
        return self.users.row(rows[0].row()).name if rows else None

    def selected(self) -> ReleaseFindings | None:
        rows = self.release_table.selectionModel().selectedRows()
        return self.releases.row(rows[0].row()) if rows else None

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        self._detail(self.selected())

    def _detail(self, r: ReleaseFindings | None) -> None:
        if r is None:
            self.findings_heading.setText("<b>Findings</b> — no verdict selected")
            self.findings.set_rows([])
            return
        self.findings_heading.setText(
            f"<b>Findings of {escape(r.release)} → {escape(r.environment)}</b> "
            f"({len(r.findings)}, verdict {escape(r.verdict_id)} of {escape(r.promotion_id)})"
            + ("" if r.findings else " — none"))
        self.findings.set_rows(r.findings)


def trust_text(screen: SecurityScreen) -> str:
    root = screen.trust
    if root is None:
        return (f"<span style='color:#c62828'>{escape(screen.trust_problem)}</span><br>"
                "Bundles cannot be verified until a trust root is installed "
                "(Bundles / Import, or <tt>stella trust install</tt>).")
    expiry = (f"<span style='color:#c62828'><b>expired {escape(when(root.expires))}</b></span>"
              if root.expired else f"expires {escape(when(root.expires))}")
    roles = "".join(f"<tr><td>{escape(name)}</td><td>&nbsp;{threshold} of {keys} key(s)</td></tr>"
                    for name, threshold, keys in root.roles)
    return (f"<b>Version {root.version}</b>, {expiry}<br>"
            f"Installed {escape(when(root.installed_at))} by {escape(root.installed_by)} "
            f"({escape(root.method)})<br>Digest <tt>{escape(short(root.digest))}</tt>"
            f"<table>{roles}</table>")
