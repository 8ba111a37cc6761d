"""Removable media discovery (DESIGN §7): where an export can go.

- Linux: mounts from ``/proc/self/mountinfo`` under ``/media``, ``/run/media`` or
  ``/mnt`` whose block device has the sysfs ``removable`` flag, or sits on a USB
  bus (many USB disks report ``removable=0``). Labels come from
  ``/dev/disk/by-label``.
- Windows: drives whose type is ``DRIVE_REMOVABLE``.
- macOS: volumes under ``/Volumes`` that ``diskutil`` reports as removable,
  ejectable or external.

Roots and the command runner are parameters, so tests describe a machine with
plain files. :func:`medium_of` tells, for any folder the operator picks, which
mounted filesystem holds it — that goes into the chain-of-custody receipt.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LINUX_MEDIA_ROOTS = ("/media", "/run/media", "/mnt")
_UDEV_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


@dataclass(frozen=True)
class Medium:
    """A mounted filesystem an export can be written to."""

    mount_point: Path
    device: str
    label: str
    filesystem: str
    removable: bool
    total_bytes: int
    free_bytes: int

    @property
    def name(self) -> str:
        return self.label or self.mount_point.name or str(self.mount_point)

    def to_json(self) -> dict[str, Any]:
        """What the custody receipt records about the medium."""
        return {
            "mountPoint": str(self.mount_point),
            "device": self.device,
            "label": self.label,
            "filesystem": self.filesystem,
            "removable": self.removable,
            "totalBytes": str(self.total_bytes),
        }


# --- Linux ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mount:
    device_number: str
    mount_point: str
    filesystem: str
    source: str


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as ``\\ooo`` octal."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 4 <= len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[_Mount]:
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if "-" not in fields or len(fields) < 10:
            continue
        sep = fields.index("-")
        mounts.append(
            _Mount(
                device_number=fields[2],
                mount_point=_unescape(fields[4]),
                filesystem=fields[sep + 1],
                source=_unescape(fields[sep + 2]),
            )
        )
    return mounts


def _sysfs_removable(sys_root: Path, device_number: str) -> bool:
    link = sys_root / "dev" / "block" / device_number
    try:
        target = link.resolve(strict=True)
    except OSError:
        return False
    if "/usb" in target.as_posix():
        return True
    for candidate in (target, target.parent):
        flag = candidate / "removable"
        try:
            return flag.read_text().strip() == "1"
        except OSError:
            continue
    return False


def _labels(dev_root: Path) -> dict[str, str]:
    folder = dev_root / "disk" / "by-label"
    labels: dict[str, str] = {}
    try:
        entries = list(folder.iterdir())
    except OSError:
        return labels
    for entry in entries:
        name = _UDEV_ESCAPE.sub(lambda m: chr(int(m[1], 16)), entry.name)
        labels[os.path.basename(os.path.realpath(entry))] = name  # keyed by device name
    return labels


def _usage(path: str) -> tuple[int, int]:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return 0, 0
    return usage.total, usage.free


def _linux_medium(mount: _Mount, sys_root: Path, labels: dict[str, str]) -> Medium:
    total, free = _usage(mount.mount_point)
    return Medium(
        mount_point=Path(mount.mount_point),
        device=mount.source,
        label=labels.get(os.path.basename(mount.source), ""),
        filesystem=mount.filesystem,
        removable=_sysfs_removable(sys_root, mount.device_number),
        total_bytes=total,
        free_bytes=free,
    )


def _linux_mounts(proc_root: Path) -> list[_Mount]:
    try:
        return parse_mountinfo((proc_root / "self" / "mountinfo").read_text())
    except OSError:
        return []


def discover_linux(
    proc_root: Path = Path("/proc"), sys_root: Path = Path("/sys"), dev_root: Path = Path("/dev")
) -> list[Medium]:
    labels = _labels(dev_root)
    found = []
    for mount in _linux_mounts(proc_root):
        under = any(
            mount.mount_point == r or mount.mount_point.startswith(r + "/")
            for r in LINUX_MEDIA_ROOTS
        )
        if not under:
            continue
        medium = _linux_medium(mount, sys_root, labels)
        if medium.removable:
            found.append(medium)
    return sorted(found, key=lambda m: str(m.mount_point))


def medium_of_linux(
    path: Path,
    proc_root: Path = Path("/proc"),
    sys_root: Path = Path("/sys"),
    dev_root: Path = Path("/dev"),
) -> Medium | None:
    target = os.path.realpath(path)
    best: _Mount | None = None
    for mount in _linux_mounts(proc_root):
        point = mount.mount_point.rstrip("/") or "/"
        inside = target == point or target.startswith(point.rstrip("/") + "/") or point == "/"
        if inside and (best is None or len(point) >= len(best.mount_point)):
            best = mount
    return None if best is None else _linux_medium(best, sys_root, _labels(dev_root))


# --- Windows and macOS ----------------------------------------------------------------


def discover_windows() -> list[Medium]:  # pragma: no cover - exercised on Windows only
    import ctypes

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    found = []
    mask = kernel.GetLogicalDrives()
    for i in range(26):
        if not mask & (1 << i):
            continue
        root = f"{chr(65 + i)}:\\"
        if kernel.GetDriveTypeW(root) != 2:  # DRIVE_REMOVABLE
            continue
        label = ctypes.create_unicode_buffer(261)
        fs = ctypes.create_unicode_buffer(261)
        if not kernel.GetVolumeInformationW(root, label, 261, None, None, None, fs, 261):
            continue  # no medium in the drive
        total, free = _usage(root)
        found.append(Medium(Path(root), root[:2], label.value, fs.value, True, total, free))
    return found


Runner = Callable[[list[str]], bytes]


def _run(argv: list[str]) -> bytes:
    return subprocess.run(argv, check=True, capture_output=True, timeout=10).stdout


def discover_macos(volumes: Path = Path("/Volumes"), run: Runner = _run) -> list[Medium]:
    found: list[Medium] = []
    try:
        entries = sorted(volumes.iterdir())
    except OSError:
        return found
    for entry in entries:
        try:
            info = plistlib.loads(run(["diskutil", "info", "-plist", str(entry)]))
        except (OSError, subprocess.SubprocessError, plistlib.InvalidFileException, ValueError):
            continue
        removable = bool(
            info.get("RemovableMedia")
            or info.get("Removable")
            or info.get("Ejectable")
            or info.get("Internal") is False
        )
        if not removable or info.get("MountPoint") in (None, "/"):
            continue
        total, free = _usage(str(entry))
        found.append(
            Medium(
                Path(info.get("MountPoint", str(entry))),
                str(info.get("DeviceNode", "")),
                str(info.get("VolumeName", "")),
                str(info.get("FilesystemType", "")),
                True,
                total,
                free,
            )
        )
    return found


def discover() -> list[Medium]:
    """Removable media mounted on this machine now."""
    if sys.platform.startswith("linux"):
        return discover_linux()
    if sys.platform == "win32":
        return discover_windows()
    if sys.platform == "darwin":
        return discover_macos()
    return []


def medium_of(path: Path) -> Medium | None:
    """The mounted filesystem holding ``path`` (removable or not), where the OS tells."""
    if sys.platform.startswith("linux"):
        return medium_of_linux(path)
    for medium in discover():
        try:
            Path(path).resolve().relative_to(medium.mount_point)
        except ValueError:
            continue
        return medium
    return None


def find_medium(name: str, media: list[Medium] | None = None) -> Medium:
    """The removable medium called ``name`` (label, mount point or device); ``auto``
    picks the only one. Raises ``LookupError`` with a message for the operator."""
    media = discover() if media is None else media
    if not media:
        raise LookupError("no removable medium is mounted; insert one or give a folder")
    if name == "auto":
        if len(media) > 1:
            names = ", ".join(m.name for m in media)
            raise LookupError(f"several removable media are mounted ({names}); name one")
        return media[0]
    for medium in media:
        if name in (medium.label, str(medium.mount_point), medium.device, medium.name):
            return medium
    raise LookupError(
        f"no removable medium named {name!r}; mounted: " + ", ".join(m.name for m in media)
    )
