"""Plain, gzip and zstd streams for bundles, chosen by magic bytes, never by file name.

Readers decompress with bounded output per call (memory stays flat whatever
the ratio) and count the compressed bytes they consumed, so the verifier can
stop a decompression bomb and report progress over the file. Truncation is
detected in the compressed layer itself: zlib reports an unfinished gzip
member, and a small frame walker follows zstd frame and block headers, because
the zstd streaming reader simply stops at the end of its input.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO, Protocol

import zstandard

from airgap_bundles.errors import CorruptCompression, TruncatedArchive, UnsupportedCompression

PLAIN, GZIP, ZSTD = "none", "gzip", "zstd"
COMPRESSIONS = (PLAIN, GZIP, ZSTD)
DEFAULT_LEVELS = {GZIP: 6, ZSTD: 3}  # gzip 9 is ~30% slower than 6 for ~1% size (DESIGN §11)
ZSTD_MAX_WINDOW = 1 << 25  # 32 MiB: any level up to 19; refuses frames asking for more memory

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_READ_SIZE = 1 << 18
_OUT_SIZE = 1 << 20


class Source(Protocol):
    """Decompressed bytes of the archive."""

    @property
    def consumed(self) -> int:
        """Bytes read from the file so far (compressed bytes)."""

    def readinto(self, buffer: memoryview) -> int:
        """Fill up to ``len(buffer)`` bytes; 0 only at the end of the stream."""


class Readable(Protocol):
    """The seekable binary file a bundle is read from (what ``open(path, "rb")`` gives)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def readinto(self, buffer: memoryview, /) -> int | None: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


class Writer(Protocol):
    """Where a bundle's tar stream is written; ``close`` finishes the compressed stream."""

    def write(self, data: bytes, /) -> int: ...

    def close(self) -> None: ...


class _CountingFile:
    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:
        n = self._raw.readinto(buffer) or 0
        self.consumed += n
        return n


def _is_skippable(magic: bytes) -> bool:
    return len(magic) == 4 and int.from_bytes(magic, "little") & 0xFFFFFFF0 == 0x184D2A50


def detect(head: bytes) -> str:
    """Compression of a stream whose first bytes are ``head``."""
    if head.startswith(_GZIP_MAGIC):
        return GZIP
    if head.startswith(_ZSTD_MAGIC) or _is_skippable(head[:4]):
        return ZSTD
    if head.startswith((b"BZh", b"\xfd7zXZ\x00", b"PK\x03\x04", b"\x5d\x00\x00")):
        raise UnsupportedCompression("bzip2, xz, lzma and zip are not bundle formats")
    if len(head) >= 263 and head[257:262] == b"ustar":
        return PLAIN
    if not head:
        raise TruncatedArchive("the file is empty")
    raise UnsupportedCompression("not a tar archive, nor gzip- or zstd-compressed tar")


def open_source(raw: Readable) -> tuple[Source, str]:
    """Detect the compression of seekable ``raw`` and return a decompressing source."""
    head = raw.read(512)
    raw.seek(0)
    kind = detect(head)
    counting = _CountingFile(raw)
    if kind == GZIP:
        return _GzipSource(counting), kind
    if kind == ZSTD:
        return _ZstdSource(counting), kind
    return _PlainSource(counting), kind


class _PlainSource:
    def __init__(self, raw: _CountingFile) -> None:
        self._raw = raw

    @property
    def consumed(self) -> int:
        return self._raw.consumed

    def readinto(self, buffer: memoryview) -> int:
        return self._raw.readinto(buffer)


class _GzipSource:
    """RFC 1952 members (one or more, back to back) through zlib with bounded output.

    Output is produced in blocks of up to 1 MiB and handed out from there, so the
    many small reads of tar headers do not each restart zlib.
    """

    def __init__(self, raw: _CountingFile) -> None:
        self._raw = raw
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = b""
        self._out = memoryview(b"")

    @property
    def consumed(self) -> int:
        return self._raw.consumed

    def readinto(self, buffer: memoryview) -> int:
        if not self._out:
            self._out = memoryview(self._inflate_block())
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _inflate_block(self) -> bytes:
        """Up to _OUT_SIZE decompressed bytes; b"" only at the proper end of the stream."""
        while True:
            if self._inflate.eof:
                rest = self._inflate.unused_data + self._input
                self._input = b""
                if not rest:
                    rest = self._raw.read(_READ_SIZE)
                    if not rest:
                        return b""
                if not rest.startswith(_GZIP_MAGIC[: len(rest)]):
                    raise CorruptCompression("data follows the end of the gzip stream")
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._input = rest
            data = self._inflate.unconsumed_tail or self._input
            self._input = b""
            if not data:
                data = self._raw.read(_READ_SIZE)  # b"" at the end: flushes pending output
            try:
                out = self._inflate.decompress(data, _OUT_SIZE)
            except zlib.error as exc:
                raise CorruptCompression(f"the gzip data is damaged ({exc})") from None
            if out:
                return out
            if not data and not self._inflate.eof:
                raise TruncatedArchive("the gzip stream ends early (the file is cut off)")


class _ZstdSource:
    def __init__(self, raw: _CountingFile) -> None:
        self._raw = raw
        self._frames = ZstdFrameWalker()
        decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._reader = decompressor.stream_reader(
            # zstandard's stubs ask for a whole IO[bytes]; the reader only ever calls read()
            _WalkingFile(raw, self._frames),  # type: ignore[arg-type]
            read_size=_READ_SIZE,
            read_across_frames=True,
        )

    @property
    def consumed(self) -> int:
        return self._raw.consumed

    def readinto(self, buffer: memoryview) -> int:
        try:
            n = self._reader.readinto(buffer)
        except zstandard.ZstdError as exc:
            raise CorruptCompression(f"the zstd data is damaged ({exc})") from None
        if n == 0:
            self._frames.check_complete()
        return n


class _WalkingFile:
    """Feeds the bytes the zstd reader pulls through the frame walker."""

    def __init__(self, raw: _CountingFile, walker: ZstdFrameWalker) -> None:
        self._raw = raw
        self._walker = walker

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._walker.feed(data)
        return data


class ZstdFrameWalker:
    """Follows RFC 8878 frame and block headers to tell a complete stream from a cut one."""

    def __init__(self) -> None:
        self._need = 4  # bytes wanted for the next header
        self._state = "magic"
        self._header = bytearray()
        self._skip = 0
        self._checksum = False
        self._frames = 0

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        i = 0
        while i < len(view):
            if self._skip:
                step = min(self._skip, len(view) - i)
                self._skip -= step
                i += step
                continue
            take = min(self._need - len(self._header), len(view) - i)
            self._header += view[i : i + take]
            i += take
            if len(self._header) == self._need:
                header = bytes(self._header)
                self._header.clear()
                self._advance(header)

    def _advance(self, header: bytes) -> None:
        if self._state == "magic":
            if header == _ZSTD_MAGIC:
                self._state, self._need = "descriptor", 1
            elif _is_skippable(header):
                self._state, self._need = "skippable", 4
            else:
                raise CorruptCompression("data follows the end of the zstd stream")
        elif self._state == "skippable":
            self._skip = int.from_bytes(header, "little")
            self._state, self._need = "magic", 4
        elif self._state == "descriptor":
            fhd = header[0]
            single_segment = (fhd >> 5) & 1
            self._checksum = bool((fhd >> 2) & 1)
            fcs = (1 if single_segment else 0, 2, 4, 8)[fhd >> 6]
            self._skip = (0 if single_segment else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
            self._state, self._need = "block", 3
        elif self._state == "block":
            value = int.from_bytes(header, "little")
            block_type, size = (value >> 1) & 3, value >> 3
            if block_type == 3:
                raise CorruptCompression("the zstd stream has a reserved block type")
            self._skip = 1 if block_type == 1 else size
            if value & 1:  # last block of the frame
                self._skip += 4 if self._checksum else 0
                self._frames += 1
                self._state, self._need = "magic", 4

    def check_complete(self) -> None:
        if self._frames == 0 or self._state != "magic" or self._header or self._skip:
            raise TruncatedArchive("the zstd stream ends early (the file is cut off)")


# --- writing -----------------------------------------------------------------------


def compressing_writer(raw: BinaryIO, compression: str, level: int | None) -> Writer:
    """A writer that compresses into ``raw`` deterministically; close it to finish.

    gzip: no file name, mtime 0 in the header. zstd: single-threaded, checksummed.
    """
    if compression == PLAIN:
        return _Unclosing(raw)
    chosen = DEFAULT_LEVELS[compression] if level is None else level
    if compression == GZIP:
        import gzip

        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=chosen, mtime=0)
    if compression == ZSTD:
        compressor = zstandard.ZstdCompressor(level=chosen, write_checksum=True)
        return compressor.stream_writer(raw, closefd=False)
    raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}")


class _Unclosing:
    """Plain output straight into ``raw``; closing it leaves ``raw`` to its owner."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw

    def write(self, data: bytes, /) -> int:
        return self._raw.write(data)

    def close(self) -> None:
        pass
