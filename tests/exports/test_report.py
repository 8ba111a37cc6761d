"""The audit report: what it says (HTML, no Qt) and a deterministic PDF (Qt, offscreen)."""

from __future__ import annotations

from airgap_bundles.export import build_report, parse_events
from app.qt.report_pdf import render_pdf
from engine.canonical import sha256_digest
from tests.support import exporting
from tests.support.factories import who


def _content(sealed, tmp_path):
    site, pid = sealed
    captured = {}

    def renderer(content):
        captured["content"] = content
        return b"%PDF-stub"

    exporting.export(site, pid, "auditor", tmp_path, who(site, "audrey"), renderer=renderer)
    return captured["content"]


def test_report_covers_timeline_verdict_and_evidence(sealed, tmp_path):
    content = _content(sealed, tmp_path)
    events = parse_events(content.events)
    document = build_report(content, events)
    html = document.html
    for item in content.evidence:
        assert sha256_digest(item.envelope) in html
        assert f"<td>{item.log_index}</td>" in html
    for event in events:
        assert event.type in html
    assert "Policy verdict" in html and "policy-decision" in html
    assert "PASS" in html  # the recorded predicate, rendered generically
    assert content.site_key.keyid in html and content.release["digest"] in html
    assert document.stamp == events[-1].at


def test_report_escapes_what_it_shows(sealed, tmp_path):
    content = _content(sealed, tmp_path)
    from dataclasses import replace

    hostile = replace(content, site_name="<script>alert(1)</script>")
    html = build_report(hostile, parse_events(hostile.events)).html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_pdf_is_deterministic_and_dated_by_the_run(sealed, tmp_path):
    content = _content(sealed, tmp_path)
    document = build_report(content, parse_events(content.events))
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert render_pdf(document) == pdf
    stamp = document.stamp.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
    assert f"/CreationDate (D:{stamp}".encode() in pdf
