"""Keep secret values out of step logs: a command that echoes an input it was given
must not write it into the run's narrative."""

from __future__ import annotations

from collections.abc import Callable, Iterable

REDACTED = "[redacted]"


def redacting(sink: Callable[[str], None], values: Iterable[bytes | str]) -> Callable[[str], None]:
    """A log sink that replaces every occurrence of any of ``values`` before passing lines on."""
    texts = sorted({v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                    for v in values if v}, key=len, reverse=True)  # longest first: no partial leftovers
    if not texts:
        return sink

    def write(line: str) -> None:
        for text in texts:
            line = line.replace(text, REDACTED)
        sink(line)

    return write
