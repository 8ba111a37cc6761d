"""Export errors: one base, one subclass per cause.

Every message is written for the person at the console. Errors raised while
writing say what was left on the medium: after any failure nothing under a
final name exists, so the message says so (or names the temporary file that
could not be removed, whose name marks it incomplete).
"""

from __future__ import annotations

from typing import ClassVar


class ExportError(Exception):
    """Base of every error raised by :mod:`airgap_bundles.export`."""

    rule: ClassVar[str] = "export"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExportContentError(ExportError):
    """The content handed to the writer is inconsistent (a bug or a damaged site)."""

    rule = "content"


class MediumFull(ExportError):
    """The destination ran out of space (ENOSPC, EDQUOT) while writing."""

    rule = "medium-full"


class MediumError(ExportError):
    """The destination failed (EIO, a pulled stick, a read-only or missing folder)."""

    rule = "medium-error"


class ReadBackMismatch(ExportError):
    """The bytes read back from the medium differ from the bytes written."""

    rule = "read-back"


class ExportCancelled(ExportError):
    """The caller cancelled the export; temporary files were removed."""

    rule = "cancelled"


class DestinationExists(ExportError):
    """A file with the export's final name already exists; exports never overwrite."""

    rule = "exists"
