"""Keep secret values out of everything a run records: a command that echoes an input
it was given (on stdout, or on stderr that ends up in an error message) must not
write it into the run's narrative."""

from __future__ import annotations

from collections.abc import Callable, Iterable

REDACTED = "[redacted]"


class Redactor:
    """Replaces every occurrence of any of ``values``, longest first (no partial leftovers)."""

    def __init__(self, values: Iterable[bytes | str] = ()) -> None:
        self._texts = sorted({v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                              for v in values if v}, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._texts)

    def __call__(self, text: str) -> str:
        for secret in self._texts:
            text = text.replace(secret, REDACTED)
        return text

    def sink(self, sink: Callable[[str], None]) -> Callable[[str], None]:
        """A log sink that redacts each line before passing it on."""
        if not self._texts:
            return sink
        return lambda line: sink(self(line))


def redacting(sink: Callable[[str], None], values: Iterable[bytes | str]) -> Callable[[str], None]:
    return Redactor(values).sink(sink)
