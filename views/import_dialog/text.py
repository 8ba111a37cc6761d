"""The verification report as people read it: one line per check, ✓ or ✗ and its
detail in plain words; the failing rule on top of a rejection; the bundle's summary on
top of a success. Pure functions over :class:`~app.screens.import_jobs.ImportOutcome`."""

from __future__ import annotations

import html
from collections.abc import Mapping

from app.screens.import_jobs import IMPORTED, ImportedSummary, ImportOutcome
from engine.text import terminal_safe
from views.common.format import when
from views.common.palette import status_hex

PASSED = status_hex("succeeded")
FAILED = status_hex("failed")
WARNING = status_hex("warned")



def shown(text: object) -> str:
    """Untrusted text (member names, bundle fields, messages) as rich text: controls and
    bidi overrides escaped visibly, then HTML-escaped."""
    return html.escape(terminal_safe(text))


KIND_TITLES = {"release": "Release", "feed-snapshot": "Feed snapshot", "policy": "Policy",
               "trust-root": "Trust root"}


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind)


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def progress_text(done: int, total: int) -> str:
    return f"{size_text(done)} of {size_text(total)} hashed"


def key_text(keyid: str, names: Mapping[str, str] | None = None, compact: bool = False) -> str:
    """``50173d94d004 (DEMO-ONLY release-1)``: the short id and the key's own name
    (``demo release-1`` when ``compact``, for table cells)."""
    name = (names or {}).get(keyid, "")
    label = name.split(":", 1)[0].strip()
    if compact:
        label = label.replace("DEMO-ONLY ", "demo ")
    return f"{keyid[:12]} ({label})" if label else keyid[:12]


def headline(outcome: ImportOutcome) -> str:
    """The first thing the dialog says, as rich text."""
    name = shown(outcome.request.file_name)
    if outcome.status == IMPORTED:
        return (f"<span style='color:{PASSED}; font-size:13pt; font-weight:bold'>✓ Imported"
                f"</span> &nbsp;<b>{name}</b>")
    rule = shown(outcome.rule_title or "the bundle was refused")
    return (f"<span style='color:{FAILED}; font-size:13pt; font-weight:bold'>✗ Rejected: "
            f"{rule}</span><br><b>{name}</b> breaks this rule, so nothing from it was "
            f"imported.")


def reason_html(outcome: ImportOutcome) -> str:
    """What exactly failed (rejections only), in red."""
    if outcome.status == IMPORTED:
        return ""
    member = (f"<br>Member: <code>{shown(outcome.member)}</code>" if outcome.member
              else "")
    return f"<span style='color:{FAILED}'>{shown(outcome.message)}</span>{member}"


def summary_rows(summary: ImportedSummary, names: dict[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    """(label, rich text) pairs for the success summary."""
    rows = [
        ("Kind", shown(kind_title(summary.kind))),
        ("Label", f"<b>{shown(summary.label)}</b>"),
        ("Version", str(summary.version)),
        ("Signed by", "<br>".join(shown(key_text(k, names)) for k in summary.signer_keyids)
         or "—"),
        ("Manifest digest" if summary.kind != "trust-root" else "Trust root digest",
         f"<code>{shown(summary.manifest_digest)}</code>"),
        ("Valid until", shown(when(summary.expires))),
        ("Size", f"{summary.member_count} file(s), {shown(size_text(summary.archive_size))}"),
    ]
    if summary.override_reason is not None:
        rows.append(("Override", f"<span style='color:{WARNING}; font-weight:bold'>older "
                     f"version accepted (last imported: {summary.overridden_version}) — "
                     f"{shown(summary.override_reason)}</span>"))
    return rows


def checks_html(outcome: ImportOutcome) -> str:
    """Every check in the order it ran, ✓ green or ✗ red, with its detail."""
    rows = []
    for check in outcome.checks:
        colour, mark = (PASSED, "✓") if check.passed else (FAILED, "✗")
        title = shown(check.title)
        if not check.passed:
            title = f"<b>{title}</b>"
        rows.append(
            f"<tr><td style='color:{colour}; font-weight:bold; padding:3px 8px 3px 2px'>"
            f"{mark}</td><td style='padding:3px 12px 3px 0'>{title}</td>"
            f"<td style='padding:3px 0; color:{'#37474f' if check.passed else colour}'>"
            f"{shown(check.detail)}</td></tr>")
    if not rows:
        return "<p>No checks were made.</p>"
    return "<table cellspacing='0' width='100%'>" + "".join(rows) + "</table>"


def plain_report(outcome: ImportOutcome) -> str:
    """The report as text (copied to the clipboard, same lines as the CLI)."""
    safe = terminal_safe
    lines = [f"{safe(outcome.request.file_name)}: {outcome.status.upper()}"]
    if outcome.status != IMPORTED:
        lines.append(f"rule: {safe(outcome.rule_title)} ({safe(outcome.rule)})")
        lines.append(safe(outcome.message))
    elif outcome.summary is not None:
        s = outcome.summary
        lines.append(f"{s.kind} {safe(s.label)} v{s.version} {s.manifest_digest}")
        if s.override_reason is not None:
            lines.append(f"OVERRIDE: older version accepted: {safe(s.override_reason)}")
    lines.extend(f"  {'✓' if c.passed else '✗'} {c.title}: {safe(c.detail)}"
                 for c in outcome.checks)
    return "\n".join(lines)
