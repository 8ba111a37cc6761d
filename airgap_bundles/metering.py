"""The unpacked stream as the verifier sees it: counted, limited, reported, cancellable.

One place enforces the whole-archive limits that no single header can reveal —
total unpacked size and compression ratio (a decompression bomb) — and, since
every read passes here, also reports progress over the file and polls the
caller's cancel flag.
"""

from __future__ import annotations

from collections.abc import Callable

from airgap_bundles.compression import Source
from airgap_bundles.errors import ArchiveTooLarge, BundleCancelled, CompressionRatioExceeded
from airgap_bundles.options import BundleLimits

ProgressCallback = Callable[[int, int], None]  # (bytes of the file read, file size)
REPORT_EVERY = 1 << 20


class MeteredSource:
    """Counts unpacked bytes, enforces total size and ratio, reports progress, polls cancel."""

    def __init__(
        self,
        source: Source,
        *,
        compressed: bool,
        file_size: int,
        limits: BundleLimits,
        progress: ProgressCallback | None,
        cancel: Callable[[], bool] | None,
    ) -> None:
        self._source = source
        self._compressed = compressed
        self._file_size = file_size
        self._limits = limits
        self._max_stream = limits.max_stream_size()
        self._progress = progress
        self._cancel = cancel
        self._reported = -REPORT_EVERY
        self.produced = 0

    @property
    def consumed(self) -> int:
        return self._source.consumed

    def readinto(self, buffer: memoryview) -> int:
        if self._cancel is not None and self._cancel():
            raise BundleCancelled("verification cancelled; remove the staging folder")
        n = self._source.readinto(buffer)
        self.produced += n
        if self.produced > self._max_stream:
            raise ArchiveTooLarge(f"unpacks to more than {self._max_stream} bytes")
        consumed = self._source.consumed
        limits = self._limits
        if (
            self._compressed
            and self.produced > limits.ratio_floor
            and self.produced > limits.max_compression_ratio * max(consumed, 1)
        ):
            raise CompressionRatioExceeded(
                f"{consumed} compressed bytes unpacked to {self.produced} bytes, more than "
                f"{limits.max_compression_ratio:g} times (a decompression bomb?)"
            )
        if self._progress is not None and (n == 0 or consumed - self._reported >= REPORT_EVERY):
            self._reported = consumed
            self._progress(consumed, self._file_size)
        return n
