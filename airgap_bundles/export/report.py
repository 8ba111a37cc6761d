"""The audit report's content as HTML (Qt's rich-text subset), built from the export.

Rendering to PDF is the Qt bridge's job (``app/qt/report_pdf.py``); this module
only decides what the report says: the run and its steps, every event of the
timeline, the policy verdict's explanation, and every evidence item with its
digest and log index. The same export content always gives the same HTML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from airgap_bundles.export import layout, narrative
from airgap_bundles.export.content import ExportContent
from engine.canonical import sha256_digest
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import Statement
from engine.evidence import statements
from engine.run.events import Event
from engine.run.state import display_status, fold

_MAX_DEPTH = 6
_MAX_ROWS = 400


@dataclass(frozen=True)
class ReportDocument:
    title: str
    html: str
    stamp: str
    """RFC 3339 time the report describes (the run's last event): the PDF's creation date."""


def _td(value: Any, mono: bool = False) -> str:
    text = escape("" if value is None else str(value))
    return f"<td><tt>{text}</tt></td>" if mono else f"<td>{text}</td>"


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return (
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        f"<tr>{head}</tr>{body}</table>"
    )


def _value_html(value: Any, depth: int = 0) -> str:
    """Any JSON value as nested lists: generic, so new predicate fields still show."""
    if depth >= _MAX_DEPTH:
        return f"<tt>{escape(json.dumps(value, sort_keys=True)[:500])}</tt>"
    if isinstance(value, Mapping):
        if not value:
            return "<i>(empty)</i>"
        items = "".join(
            f"<li><b>{escape(str(k))}</b>: {_value_html(v, depth + 1)}</li>"
            for k, v in sorted(value.items())
        )
        return f"<ul>{items}</ul>"
    if isinstance(value, list):
        if not value:
            return "<i>(none)</i>"
        shown = value[:_MAX_ROWS]
        items = "".join(f"<li>{_value_html(v, depth + 1)}</li>" for v in shown)
        more = (
            f"<li><i>… {len(value) - len(shown)} more</i></li>" if len(value) > len(shown) else ""
        )
        return f"<ol>{items}{more}</ol>"
    return escape(json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


def _statement(envelope: bytes) -> Statement | None:
    try:
        return Statement.from_bytes(dsse.Envelope.from_bytes(envelope).payload)
    except CryptoError:
        return None


def _verdict_section(content: ExportContent) -> str:
    decisions = [
        e
        for e in content.evidence
        if e.predicate_type == statements.POLICY_DECISION or e.name == "policy-decision"
    ]
    if not decisions:
        return (
            "<h2>Policy verdict</h2><p>No policy decision has been recorded for this "
            "promotion yet.</p>"
        )
    parts = ["<h2>Policy verdict</h2>"]
    for item in decisions:
        statement = _statement(item.envelope)
        parts.append(
            f"<h3>{escape(item.name)} (step {escape(item.step)}, attempt "
            f"{item.attempt}, log index {item.log_index})</h3>"
        )
        if statement is None:
            parts.append("<p>The envelope could not be read.</p>")
            continue
        predicate = statement.predicate
        properties = predicate.get("properties") if isinstance(predicate, Mapping) else None
        if properties is not None:
            parts.append("<p><b>Rule-by-rule explanation</b></p>" + _value_html(properties))
            rest = {k: v for k, v in predicate.items() if k != "properties"}
            parts.append("<p><b>Decision</b></p>" + _value_html(rest))
        else:
            parts.append(
                f"<p>Predicate <tt>{escape(statement.predicate_type)}</tt>:</p>"
                + _value_html(predicate)
            )
    return "".join(parts)


def _evidence_section(content: ExportContent) -> str:
    rows = []
    for item in sorted(content.evidence, key=lambda e: e.log_index):
        rows.append(
            [
                _td(item.log_index),
                _td(item.step),
                _td(item.name),
                _td(item.attempt),
                _td(item.predicate_type, mono=True),
                _td(sha256_digest(item.envelope), mono=True),
            ]
        )
    return (
        "<h2>Evidence</h2><p>Each item is a DSSE envelope signed by the site key and "
        f"logged in the site transparency log; receipts prove inclusion under the checkpoint "
        f"of size {content.checkpoint_size}.</p>"
        + _table(["Log index", "Step", "Name", "Attempt", "Predicate type", "Digest"], rows)
    )


def _timeline_section(events: list[Event]) -> str:
    rows = [
        [
            _td(e.seq),
            _td(e.at),
            _td(e.type),
            _td(e.step or ""),
            _td(e.actor),
            _td(e.reason or ""),
            _td(e.hash[:16] + "…", mono=True),
        ]
        for e in events
    ]
    return (
        "<h2>Timeline</h2><p>Every event of the run, hash-chained: each event carries "
        "the SHA-256 of the one before it.</p>"
        + _table(["#", "Time", "Event", "Step", "Actor", "Reason", "Hash"], rows)
    )


def _custody_section(events: list[Event]) -> str:
    exports = [e for e in events if e.type == "export.recorded"]
    if not exports:
        return ""
    rows = []
    for e in exports:
        data = e.data
        rows.append(
            [
                _td(e.at),
                _td(e.actor),
                _td(data.get("bundle")),
                _td(data.get("archive")),
                _td(data.get("destination")),
                _td(str(data.get("sha256", ""))[:16] + "…", mono=True),
            ]
        )
    return "<h2>Earlier exports (chain of custody)</h2>" + _table(
        ["Time", "By", "Kind", "File", "Destination", "SHA-256"], rows
    )


def _story_section(content: ExportContent, events: list[Event]) -> str:
    """The run's story, as auditor mode shows it (airgap_bundles.export.narrative)."""
    evidence = [(f"{e.step}/{e.name}", s) for e in content.evidence
                if (s := _statement(e.envelope)) is not None]
    verdicts = []
    for gate_eval in content.gate_evals:
        try:
            doc = json.loads(gate_eval.verdict)
        except ValueError:
            continue
        if isinstance(doc, dict):
            verdicts.append((f"{gate_eval.step} attempt {gate_eval.attempt}", doc))
    story = narrative.tell(events, evidence, verdicts)
    if story is None:
        return ""
    parts = ["<h2>The run's story</h2>", f"<p>{escape(story.headline)}</p>"]
    for section in narrative.SECTIONS:
        lines = story.section(section)
        if lines:
            parts.append(f"<h3>{escape(section)}</h3>" + _table(
                ["Time", "What", "Detail", "From"],
                [[_td(line.when), _td(line.what), _td(line.detail), _td(line.item, mono=True)]
                 for line in lines]))
    return "".join(parts)


def build_report(content: ExportContent, events: list[Event]) -> ReportDocument:
    """The report for ``content``; ``events`` are its verified, parsed timeline."""
    state = fold(events)
    release = content.release
    kind = "Auditor bundle" if content.bundle == layout.AUDITOR_BUNDLE else "Evidence pack"
    title = f"{kind} — promotion {content.promotion}"
    partial = (
        "<p><b>PARTIAL:</b> the run was not sealed when this pack was exported; "
        "evidence still to come is missing.</p>"
        if content.partial
        else ""
    )
    summary = _table(
        ["Field", "Value"],
        [
            [_td("Promotion"), _td(content.promotion)],
            [_td("Release"), _td(f"{release['name']} {release['version']}")],
            [_td("Release digest"), _td(release["digest"], mono=True)],
            [_td("Environments"), _td(f"{state.from_env or '—'} → {state.to_env}")],
            [_td("Workflow"), _td(state.workflow)],
            [_td("Requested by"), _td(state.requester)],
            [_td("Run status"), _td(state.status)],
            [_td("Events"), _td(f"{state.event_count}, head {state.head}")],
            [_td("Site"), _td(content.site_name)],
            [_td("Site key"), _td(content.site_key.keyid, mono=True)],
            [_td("Log key"), _td(content.log_key.vkey, mono=True)],
        ],
    )
    steps = _table(
        ["Step", "Status", "Attempt", "Started", "Ended", "Summary"],
        [
            [
                _td(s.title),
                _td(display_status(state, s)),
                _td(s.attempt or ""),
                _td(s.started_at or ""),
                _td(s.ended_at or ""),
                _td(s.error or s.summary),
            ]
            for s in state.steps
        ],
    )
    html = (
        "<html><body style='font-family: DejaVu Sans, sans-serif; font-size: 8pt'>"
        f"<h1>{escape(title)}</h1>{partial}{summary}"
        "<p>Verify this export offline with <tt>stella verify</tt>, or by hand as README.txt "
        "explains. This report is covered by the digests in index.json; it explains, it does "
        "not prove.</p>"
        f"<h2>Steps</h2>{steps}{_story_section(content, events)}"
        f"{_verdict_section(content)}{_evidence_section(content)}{_timeline_section(events)}"
        f"{_custody_section(events)}</body></html>"
    )
    return ReportDocument(title=title, html=html, stamp=events[-1].at)
