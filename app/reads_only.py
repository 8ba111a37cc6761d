"""Whether the running command only reads the site (no SQLAlchemy here: every
command's start-up imports this module)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_READS_ONLY: ContextVar[bool] = ContextVar("stella_reads_only", default=False)


@contextmanager
def reads_only(only_reads: bool = True) -> Iterator[None]:
    """Within: the command only reads the site, so a site on a full disk is opened
    read-only (see ``Site.open``); its writers still refuse with "no space left"."""
    token = _READS_ONLY.set(only_reads)
    try:
        yield
    finally:
        _READS_ONLY.reset(token)


def only_reading() -> bool:
    return _READS_ONLY.get()
