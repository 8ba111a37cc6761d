"""Tar numbers are ASCII digits only (pax decimal, ustar octal), as GNU tar reads them:
a differential between two readers of one archive is a place to hide a member."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile

import pytest

from airgap_bundles.compression import open_source
from airgap_bundles.errors import CorruptArchive
from airgap_bundles.tarstream import TarReader

PAX_SIZES = {"ok": "1", "superscript-two": "²", "arabic-indic-one": "١", "fullwidth-one": "１",
             "plus": "+1", "space": " 1", "empty": "", "huge": "9" * 30}


def _pax_archive(size_text: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("a.txt")
        info.size = 1
        info.pax_headers = {"size": size_text}
        tar.addfile(info, io.BytesIO(b"x"))
    return out.getvalue()


def _ustar_with_size_field(field: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("a.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    data = bytearray(out.getvalue())
    data[124:136] = field.ljust(12, b"\0")[:12]
    data[148:156] = b" " * 8
    data[148:156] = b"%06o\0 " % sum(data[:512])
    return bytes(data)


def _ours(data: bytes, tmp_path) -> list[tuple[str, int]]:
    source, _ = open_source(io.BytesIO(data))
    reader = TarReader(source, memoryview(bytearray(1 << 16)))
    members = []
    while (member := reader.next_member()) is not None:
        reader.read_data(member, lambda _chunk: None)
        members.append((member.name, member.size))
    return members


def _gnu_tar_accepts(data: bytes, tmp_path) -> bool:
    path = tmp_path / "gnu.tar"
    path.write_bytes(data)
    return subprocess.run(["tar", "-tvf", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("label", sorted(PAX_SIZES))
def test_pax_size_accepts_ascii_digits_only(label, tmp_path):
    data = _pax_archive(PAX_SIZES[label])
    if label == "ok":
        assert _ours(data, tmp_path) == [("a.txt", 1)]
    else:
        with pytest.raises(CorruptArchive, match="size"):
            _ours(data, tmp_path)


@pytest.mark.parametrize("field", [b"00000000001", b"\xd9\xa100000000", b"0000000000\xc2\xb2",
                                   b"+0000000001", b"0x00000001"])
def test_octal_size_accepts_ascii_octal_digits_only(field, tmp_path):
    data = _ustar_with_size_field(field)
    if field == b"00000000001":
        assert _ours(data, tmp_path) == [("a.txt", 1)]
    else:
        with pytest.raises(CorruptArchive):
            _ours(data, tmp_path)


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar is not installed")
@pytest.mark.parametrize("label", sorted(set(PAX_SIZES) - {"huge"}))
def test_we_agree_with_gnu_tar_on_pax_sizes(label, tmp_path):
    data = _pax_archive(PAX_SIZES[label])
    try:
        _ours(data, tmp_path)
        ours = True
    except CorruptArchive:
        ours = False
    assert ours == _gnu_tar_accepts(data, tmp_path)
