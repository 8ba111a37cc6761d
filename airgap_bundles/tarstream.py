"""A strict, streaming tar reader for bundles.

Why not :mod:`tarfile`: we need every byte read once into a reused buffer
(hashing at disk speed), every malformed header to become *our* rejection (the
fuzz test holds us to that), and a narrow accepted subset. Accepted: POSIX
ustar and GNU headers, pax ``x`` records (``path``, ``size``), GNU long names.
Everything else is refused by type: links, devices, FIFOs, sparse files,
global pax headers. The archive must end with two zero blocks, and only zero
bytes may follow them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from airgap_bundles.compression import Source
from airgap_bundles.errors import (
    CorruptArchive,
    InvalidPath,
    LinkMember,
    SpecialMember,
    TrailingData,
    TruncatedArchive,
    UnsupportedMemberType,
)

BLOCK = 512
MAX_META_SIZE = 64 * 1024  # pax records or a GNU long name
_POSIX_MAGIC = b"ustar\x0000"
_GNU_MAGIC = b"ustar  \x00"
_ZERO_BLOCK = bytes(BLOCK)
_FILE, _DIR = "file", "dir"
_LINK_TYPES = {b"1": "hard link", b"2": "symbolic link"}
_SPECIAL_TYPES = {b"3": "character device", b"4": "block device", b"6": "FIFO"}


@dataclass(frozen=True)
class TarMember:
    name: str  # without a trailing "/"
    kind: str  # "file" or "dir"
    size: int
    executable: bool


def _number(field: bytes, what: str) -> int:
    if field[:1] == b"\x80":  # GNU base-256, positive
        return int.from_bytes(field[1:], "big")
    if field[:1] and field[0] & 0x80:
        raise CorruptArchive(f"negative or unreadable {what} in a tar header")
    digits = field.split(b"\x00", 1)[0].strip(b" ")
    if digits.strip(b"01234567"):
        raise CorruptArchive(f"unreadable {what} in a tar header")
    return int(digits, 8) if digits else 0


def _decimal(text: str) -> bool:
    """ASCII digits only, as GNU tar reads pax numbers: ``str.isdigit`` also accepts
    '²' (which ``int`` then refuses) and '١' (which ``int`` reads as 1)."""
    return 0 < len(text) <= 20 and text.isascii() and text.isdigit()


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPath(
            f"the {what} is not UTF-8 text", member=raw.decode("utf-8", "replace")
        ) from None


_HIGH_BYTES = bytes(range(128, 256))


def _check_checksum(block: bytes) -> None:
    stored = _number(block[148:156], "checksum")
    unsigned = sum(block) - sum(block[148:156]) + 8 * 0x20
    if stored == unsigned:
        return
    # Some old writers summed signed chars.
    others = block[:148] + block[156:]
    high = len(others) - len(others.translate(None, _HIGH_BYTES))
    if stored != unsigned - 256 * high:
        raise CorruptArchive("a tar header checksum does not match (damaged archive)")


def _parse_pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos, pos + 20)
        length_text = data[pos:space] if space > pos else b""
        if not (length_text.isascii() and length_text.isdigit()):  # bytes: ASCII digits only
            raise CorruptArchive("unreadable pax extended header")
        length = int(length_text)
        record = data[pos : pos + length]
        if length <= space - pos + 1 or len(record) != length or not record.endswith(b"\n"):
            raise CorruptArchive("unreadable pax extended header")
        key, sep, value = record[space - pos + 1 : -1].partition(b"=")
        if not sep:
            raise CorruptArchive("unreadable pax extended header")
        records[_text(key, "pax key")] = _text(value, "pax value")
        pos += length
    return records


class TarReader:
    """Yields members one at a time; the caller must read each file's data."""

    def __init__(self, source: Source, buffer: memoryview) -> None:
        self._source = source
        self._buffer = buffer
        self._header = bytearray(BLOCK)
        self.ended = False

    def _read_exact(self, view: memoryview, member: str | None) -> bool:
        """Fill ``view``; False if the stream ended before the first byte."""
        filled = 0
        while filled < len(view):
            n = self._source.readinto(view[filled:])
            if n == 0:
                if filled == 0 and member is None:
                    return False
                if member is None:
                    raise TruncatedArchive(
                        "the archive ends inside a tar header (the file is cut off)"
                    )
                raise TruncatedArchive(
                    "the archive ends inside this member (the file is cut off)", member=member
                )
            filled += n
        return True

    def _read_block(self) -> bytes | None:
        if not self._read_exact(memoryview(self._header), None):
            return None
        return bytes(self._header)

    def _read_meta(self, size: int) -> bytes:
        if size > MAX_META_SIZE:
            raise CorruptArchive("an extended tar header is implausibly large")
        padded = -(-size // BLOCK) * BLOCK
        data = bytearray(padded)
        self._read_exact(memoryview(data), "(extended tar header)")
        return bytes(data[:size])

    def next_member(self) -> TarMember | None:
        """The next file or folder, or None at the end-of-archive marker."""
        pax: dict[str, str] = {}
        long_name: str | None = None
        while True:
            block = self._read_block()
            if block is None:
                raise TruncatedArchive("the archive ends without its end-of-archive marker")
            if block == _ZERO_BLOCK:
                if pax or long_name is not None:
                    raise CorruptArchive("an extended header is not followed by a member")
                if self._read_block() != _ZERO_BLOCK:
                    raise CorruptArchive("a lone zero block inside the archive")
                self.ended = True
                return None
            _check_checksum(block)
            posix = block[257:265] == _POSIX_MAGIC
            if not posix and block[257:265] != _GNU_MAGIC:
                raise CorruptArchive("not a ustar header (old or foreign tar format)")
            typeflag = block[156:157]
            size = _number(block[124:136], "size")
            if typeflag == b"x":
                pax.update(_parse_pax(self._read_meta(size)))
                continue
            if typeflag in (b"L", b"K"):
                meta = self._read_meta(size).split(b"\x00", 1)[0]
                if typeflag == b"L":
                    long_name = _text(meta, "long name")
                continue
            name = long_name if long_name is not None else self._ustar_name(block, posix)
            name = pax.get("path", name)
            return self._member(typeflag, name, block, pax, size)

    @staticmethod
    def _ustar_name(block: bytes, posix: bool) -> str:
        name = block[0:100].split(b"\x00", 1)[0]
        prefix = block[345:500].split(b"\x00", 1)[0] if posix else b""
        return _text(prefix + b"/" + name if prefix else name, "member name")

    def _member(
        self, typeflag: bytes, name: str, block: bytes, pax: dict[str, str], size: int
    ) -> TarMember:
        if typeflag in _LINK_TYPES:
            raise LinkMember(f"is a {_LINK_TYPES[typeflag]}; links are not allowed", member=name)
        if typeflag in _SPECIAL_TYPES:
            raise SpecialMember(
                f"is a {_SPECIAL_TYPES[typeflag]}; only files and folders are allowed", member=name
            )
        if any(key.startswith("GNU.sparse") for key in pax) or typeflag == b"S":
            raise UnsupportedMemberType(
                "is a sparse file; only plain files are allowed", member=name
            )
        if typeflag not in (b"0", b"\x00", b"5"):
            what = "a global pax header" if typeflag == b"g" else f"of tar type {typeflag!r}"
            raise UnsupportedMemberType(
                f"is {what}; only files and folders are allowed", member=name
            )
        if "size" in pax:
            if not _decimal(pax["size"]):
                raise CorruptArchive("unreadable size in a pax header", member=name)
            size = int(pax["size"])
        mode = _number(block[100:108], "mode")
        if typeflag == b"5" or name.endswith("/"):
            if typeflag != b"5":
                raise InvalidPath("a file name ends with '/'", member=name)
            if size:
                raise CorruptArchive("a folder entry carries data", member=name)
            return TarMember(
                name=name[:-1] if name.endswith("/") else name, kind=_DIR, size=0, executable=False
            )
        return TarMember(name=name, kind=_FILE, size=size, executable=bool(mode & 0o111))

    def read_data(self, member: TarMember, on_chunk: Callable[[memoryview], None]) -> None:
        """Pass the member's bytes to ``on_chunk`` in buffer-sized pieces, then skip padding."""
        remaining = member.size
        buffer = self._buffer
        while remaining:
            n = min(remaining, len(buffer))
            view = buffer[:n]
            self._read_exact(view, member.name)
            on_chunk(view)
            remaining -= n
        padding = -member.size % BLOCK
        if padding:
            self._read_exact(buffer[:padding], member.name)

    def check_trailer(self) -> None:
        """After the end marker: only zero bytes (record padding) may follow."""
        buffer = self._buffer
        while True:
            n = self._source.readinto(buffer)
            if n == 0:
                return
            if buffer[:n].tobytes().count(0) != n:
                raise TrailingData("non-zero data follows the end of the tar archive")
