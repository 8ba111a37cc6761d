"""The staging folder: where a verification being run writes what it has hashed.

The caller creates it empty (ideally next to the site store, so a successful
import is a rename) and removes it afterwards, whatever happened. Member paths
reaching here have passed every path rule, and the folder held nothing to begin
with, so no link can exist inside it; files are still opened with ``O_EXCL``
and ``O_NOFOLLOW`` so that nothing is ever overwritten or followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from airgap_bundles.errors import StagingError

_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
)


class Staging:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise StagingError(f"the staging folder {self.root} does not exist")
        if any(self.root.iterdir()):
            raise StagingError(f"the staging folder {self.root} is not empty")

    def _path(self, member: str) -> Path:
        return self.root.joinpath(*member.split("/"))

    def folder(self, member: str) -> None:
        self._path(member).mkdir(parents=True, exist_ok=True)

    def open_file(self, member: str, *, executable: bool) -> int:
        """A new file's descriptor (mode 0644, or 0755 for executables)."""
        target = self._path(member)
        target.parent.mkdir(parents=True, exist_ok=True)
        return os.open(target, _FLAGS, 0o755 if executable else 0o644)


def write_all(fd: int, view: memoryview) -> None:
    while view:
        view = view[os.write(fd, view) :]
