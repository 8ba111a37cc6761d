"""Removable media discovery on a machine described by plain files."""

from __future__ import annotations

import plistlib

import pytest

from airgap_bundles import media

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 8:17 / /media/alice/AUDIT\\040STICK rw,nosuid - vfat /dev/sdb1 rw
41 27 8:33 / /mnt/usbdisk rw - exfat /dev/sdc1 rw
42 27 8:49 / /mnt/internal rw - ext4 /dev/sdd1 rw
43 27 0:50 / /run/media/bob/net rw - nfs server:/export rw
"""


@pytest.fixture
def machine(tmp_path):
    proc, sys, dev = tmp_path / "proc", tmp_path / "sys", tmp_path / "dev"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text(MOUNTINFO)
    devices = sys / "devices"
    # sdb: removable flag set; sdc: removable=0 but on a USB bus; sdd: internal SATA
    for disk, bus, removable in (("sdb", "pci0/usb1/1-1/host0", "1"),
                                 ("sdc", "pci0/usb2/2-1/host1", "0"),
                                 ("sdd", "pci0/ata1/host2", "0"),
                                 ("vda", "pci0/virtio1", "0")):
        folder = devices / bus / "block" / disk
        (folder / f"{disk}1").mkdir(parents=True)
        (folder / "removable").write_text(removable + "\n")
    (sys / "dev" / "block").mkdir(parents=True)
    for number, disk in (("8:17", "sdb"), ("8:33", "sdc"), ("8:49", "sdd")):
        target = next(devices.rglob(f"{disk}1"))
        (sys / "dev" / "block" / number).symlink_to(target)
    (sys / "dev" / "block" / "254:0").symlink_to(next(devices.rglob("vda")))
    (dev / "disk" / "by-label").mkdir(parents=True)
    (dev / "sdb1").touch()
    (dev / "disk" / "by-label" / "AUDIT\\x20STICK").symlink_to(dev / "sdb1")
    return proc, sys, dev


def test_linux_finds_removable_and_usb_media_only(machine):
    proc, sys, dev = machine
    found = media.discover_linux(proc, sys, dev)
    assert [str(m.mount_point) for m in found] == ["/media/alice/AUDIT STICK", "/mnt/usbdisk"]
    stick = found[0]
    assert (stick.label, stick.device, stick.filesystem) == ("AUDIT STICK", "/dev/sdb1", "vfat")
    assert stick.removable and stick.name == "AUDIT STICK"
    assert stick.to_json()["mountPoint"] == "/media/alice/AUDIT STICK"


def test_the_medium_of_any_folder(machine, tmp_path):
    proc, sys, dev = machine
    medium = media.medium_of_linux(tmp_path / "x", proc, sys, dev)
    assert medium is not None and str(medium.mount_point) == "/" and not medium.removable


def test_find_medium_by_label_mount_point_or_auto(machine):
    found = media.discover_linux(*machine)
    assert media.find_medium("AUDIT STICK", found) is found[0]
    assert media.find_medium("/mnt/usbdisk", found) is found[1]
    with pytest.raises(LookupError, match="several removable media"):
        media.find_medium("auto", found)
    assert media.find_medium("auto", found[:1]) is found[0]
    with pytest.raises(LookupError, match="no removable medium is mounted"):
        media.find_medium("auto", [])
    with pytest.raises(LookupError, match="no removable medium named 'nope'"):
        media.find_medium("nope", found)


def test_macos_volumes_reported_removable_by_diskutil(tmp_path):
    volumes = tmp_path / "Volumes"
    for name in ("Macintosh HD", "STICK"):
        (volumes / name).mkdir(parents=True)
    answers = {
        "Macintosh HD": {"MountPoint": "/", "Internal": True, "VolumeName": "Macintosh HD"},
        "STICK": {"MountPoint": "/Volumes/STICK", "Internal": False, "Ejectable": True,
                  "RemovableMedia": True, "VolumeName": "STICK", "DeviceNode": "/dev/disk4s1",
                  "FilesystemType": "msdos"},
    }

    def run(argv):
        return plistlib.dumps(answers[argv[-1].rsplit("/", 1)[1]])

    found = media.discover_macos(volumes, run)
    assert [(m.label, m.device, m.filesystem) for m in found] == \
        [("STICK", "/dev/disk4s1", "msdos")]
