"""The audit report as PDF: Qt's QTextDocument laid out on a QPdfWriter.

The renderer an export is given (``app.services.exports`` has no Qt): the GUI and
the ``stella export`` command pass :func:`render_report`, so Qt is loaded only by the
edge that asks for a report. Works headless: when no Qt application exists (the ``stella`` CLI), a
QGuiApplication is created on the offscreen platform. The output is
deterministic so that ``report.pdf`` can sit in a reproducible export: the
document id is derived from the content, the XMP metadata is ours, and the
creation and modification dates Qt stamps from the wall clock are replaced by
the time the report describes (same length, so the PDF's byte offsets hold).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, QUuid
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication

from airgap_bundles.export import ExportContent, build_report, parse_events
from airgap_bundles.export.report import ReportDocument
from engine.clock import parse_rfc3339

CREATOR = "Stella Ops Offline Console"
_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})(Z|[+-]\d\d'\d\d')\)")
_app: QGuiApplication | None = None


def _ensure_application() -> None:
    """Qt needs an application object for fonts; headless callers get an offscreen one."""
    global _app
    if QGuiApplication.instance() is not None:
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A widgets application, not a bare QGuiApplication: the same process may open
    # windows later (the GUI exports too), and Qt allows one application object.
    _app = QApplication([])


def _xmp(document: ReportDocument, document_id: uuid.UUID) -> bytes:
    stamp = document.stamp.replace("Z", "+00:00")
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(document.title)}</rdf:li>'
        f'</rdf:Alt></dc:title><xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>'
        f'<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>'
        f'<xmp:MetadataDate>{stamp}</xmp:MetadataDate>'
        f'<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>'
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _fix_dates(pdf: bytes, stamp: str) -> bytes:
    moment = parse_rfc3339(stamp).strftime("%Y%m%d%H%M%S")

    def replace(match: re.Match[bytes]) -> bytes:
        zone = match.group(3)
        fixed = b"Z" if zone == b"Z" else b"+00'00'"
        return b"/%s (D:%s%s)" % (match.group(1), moment.encode("ascii"), fixed)

    return _DATE.sub(replace, pdf)


def render_pdf(document: ReportDocument) -> bytes:
    """The report as PDF bytes (A4); the same document always gives the same bytes.

    Safe in a worker thread once the GUI's application exists; without one (the CLI)
    call it from the main thread, which creates the offscreen application.
    """
    _ensure_application()
    document_id = uuid.UUID(bytes=hashlib.sha256(document.html.encode("utf-8")).digest()[:16])
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(document.title)
    writer.setCreator(CREATOR)
    writer.setDocumentId(QUuid(str(document_id)))
    writer.setDocumentXmpMetadata(QByteArray(_xmp(document, document_id)))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setResolution(300)
    text = QTextDocument()
    text.setHtml(document.html)
    text.setPageSize(QSizeF(writer.width(), writer.height()))
    text.print_(writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return _fix_dates(bytes(data.data()), document.stamp)


def render_report(content: ExportContent) -> bytes:
    """The export's ``report.pdf``: the report built from ``content``, rendered to PDF."""
    return render_pdf(build_report(content, parse_events(content.events)))
