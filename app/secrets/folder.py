"""``file:NAME`` inputs from the site secrets folder (``<home>/secrets/NAME``).

Why the checks: a secret readable by other local users is already disclosed, and a
link could make the app read (and digest) any file it can reach. So a file is used
only when it is a regular file (not a link) directly in the folder, owned by the
user running the app, with no group or world permission bits, and the folder is not
writable by others. Each refusal says which rule and how to fix it. One trailing
newline is dropped (``echo secret > file`` writes one); the value is otherwise the
file's bytes. POSIX permission checks are skipped where the OS has none (Windows).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from app.secrets.base import InputRef, InputRefError, SecretMissing, SecretRefused, SecretValue

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_SECRET_BYTES = 64 * 1024


class SiteSecretsFolder:
    scheme = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def description(self) -> str:
        return f"site secrets folder {self.folder}"

    def resolve(self, ref: InputRef) -> SecretValue:
        name = ref.path
        if not _NAME.fullmatch(name) or name in (".", ".."):
            raise InputRefError(
                f"{ref}: {name!r} is not a plain file name in the secrets folder "
                "(letters, digits, '.', '_', '-'; no '/')", ref=str(ref))
        self._check_folder(ref)
        path = self.folder / name
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            raise SecretMissing(f"{ref}: no file {name} in the secrets folder {self.folder}",
                                ref=str(ref)) from None
        if stat.S_ISLNK(info.st_mode):
            raise SecretRefused(f"{ref}: {path} is a symbolic link; put the secret itself in the folder",
                                ref=str(ref))
        if not stat.S_ISREG(info.st_mode):
            raise SecretRefused(f"{ref}: {path} is not a regular file", ref=str(ref))
        if os.name == "posix":
            mode = stat.S_IMODE(info.st_mode)
            if info.st_uid != os.geteuid():
                raise SecretRefused(
                    f"{ref}: {path} belongs to uid {info.st_uid}, not to the user running the app "
                    f"(uid {os.geteuid()})", ref=str(ref))
            if mode & 0o077:
                who = _who(mode)
                raise SecretRefused(
                    f"{ref}: {path} is {who} (mode {mode:04o}); a secret must be readable by its "
                    f"owner only: chmod 600 {path}", ref=str(ref))
        if info.st_size > MAX_SECRET_BYTES:
            raise SecretRefused(f"{ref}: {path} is {info.st_size} bytes, more than the "
                                f"{MAX_SECRET_BYTES} a secret may hold", ref=str(ref))
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        if not data:
            raise SecretMissing(f"{ref}: {path} is empty", ref=str(ref))
        return SecretValue(data)

    def _check_folder(self, ref: InputRef) -> None:
        try:
            info = os.stat(self.folder)
        except FileNotFoundError:
            raise SecretMissing(f"{ref}: the site secrets folder {self.folder} does not exist",
                                ref=str(ref)) from None
        if not stat.S_ISDIR(info.st_mode):
            raise SecretRefused(f"{ref}: {self.folder} is not a folder", ref=str(ref))
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o022:
            raise SecretRefused(
                f"{ref}: the secrets folder {self.folder} is writable by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}), so its files could be swapped: "
                f"chmod 700 {self.folder}", ref=str(ref))


def _who(mode: int) -> str:
    parts = []
    if mode & 0o070:
        parts.append("group-" + _rights(mode >> 3))
    if mode & 0o007:
        parts.append("world-" + _rights(mode))
    return " and ".join(parts)


def _rights(bits: int) -> str:
    names = [n for bit, n in ((4, "readable"), (2, "writable"), (1, "executable")) if bits & bit]
    return "/".join(names)
