"""Terminal-safe standard streams for the CLI.

Printers escape each untrusted field with :func:`engine.text.terminal_safe`; this
guard is the second line: whatever reaches stdout or stderr while a command runs
passes :func:`engine.text.stream_safe`, so no ESC, C1 or bidi control can act on the
terminal even if a printer forgot a field. Line breaks and tabs stay; a carriage
return only on a terminal (the export progress line).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from engine.text import stream_safe


class SafeStream(io.TextIOBase):
    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        try:
            self._tty = bool(inner.isatty())
        except (AttributeError, ValueError, OSError):
            self._tty = False

    def write(self, text: str) -> int:
        self.inner.write(stream_safe(text, carriage_return=self._tty))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self._tty

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8") or "utf-8"

    def close(self) -> None:  # closing the guard closes nothing of the caller's
        try:
            self.inner.flush()
        except (OSError, ValueError):
            pass


@contextmanager
def safe_streams() -> Iterator[None]:
    """stdout and stderr guarded for the duration; the originals restored after."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(saved[0]), SafeStream(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        sys.stdout, sys.stderr = saved
