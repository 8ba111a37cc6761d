"""Deterministic tar headers: POSIX ustar, pax ``x`` records only when a name or size needs them.

Fixed metadata: uid/gid 0, empty user and group names, the given mtime, mode
0644 (0755 for executables), no device numbers. The pax header block itself
has a fixed name and mtime, so equal inputs give equal bytes on every platform.
"""

from __future__ import annotations

from airgap_bundles.tarstream import BLOCK

_MAX_OCTAL_SIZE = 0o77777777777  # 11 octal digits: 8 GiB - 1
_PAX_NAME = b"././@PaxHeader"
END_OF_ARCHIVE = bytes(2 * BLOCK)


def _octal(value: int, width: int) -> bytes:
    return b"%0*o\x00" % (width - 1, value)


def _split_ustar(name: bytes) -> tuple[bytes, bytes] | None:
    """(prefix, name) fitting ustar's 155 + 100 bytes, split at a '/', or None."""
    if len(name) <= 100:
        return b"", name
    for i in range(len(name) - 1, 0, -1):
        if name[i : i + 1] == b"/" and len(name) - i - 1 <= 100 and i <= 155:
            return name[:i], name[i + 1 :]
    return None


def _header(
    name: bytes, prefix: bytes, size_field: bytes, mode: int, mtime: int, typeflag: bytes
) -> bytes:
    block = bytearray(BLOCK)
    block[0 : len(name)] = name
    block[100:108] = _octal(mode, 8)
    block[108:116] = _octal(0, 8)
    block[116:124] = _octal(0, 8)
    block[124:136] = size_field
    block[136:148] = _octal(mtime, 12)
    block[148:156] = b" " * 8
    block[156:157] = typeflag
    block[257:265] = b"ustar\x0000"
    block[329:337] = _octal(0, 8)
    block[337:345] = _octal(0, 8)
    block[345 : 345 + len(prefix)] = prefix
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


def _pax_record(key: str, value: str) -> bytes:
    body = f" {key}={value}\n".encode()
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length = len(str(length)) + len(body)
    return str(length).encode() + body


def _size_field(size: int) -> bytes:
    if size <= _MAX_OCTAL_SIZE:
        return _octal(size, 12)
    return b"\x80" + size.to_bytes(11, "big")  # GNU base-256; pax "size" says the same


def padding(size: int) -> bytes:
    return bytes(-size % BLOCK)


def file_header(path: str, size: int, *, mtime: int, executable: bool) -> bytes:
    """Header block(s) for a regular file member."""
    encoded = path.encode("utf-8")
    split = _split_ustar(encoded) if encoded.isascii() else None
    pax: list[bytes] = []
    if split is None:
        pax.append(_pax_record("path", path))
        fallback = path.encode("ascii", "replace")[-100:]
        split = (b"", fallback)
    if size > _MAX_OCTAL_SIZE:
        pax.append(_pax_record("size", str(size)))
    mode = 0o755 if executable else 0o644
    out = b""
    if pax:
        records = b"".join(pax)
        out += _header(_PAX_NAME, b"", _octal(len(records), 12), 0o644, 0, b"x")
        out += records + padding(len(records))
    prefix, name = split
    return out + _header(name, prefix, _size_field(size), mode, mtime, b"0")
