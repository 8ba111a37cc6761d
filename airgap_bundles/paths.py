"""Member paths: what a safe, portable bundle path is (DESIGN §4.3-4.4).

A member path is relative, ``/``-separated, normalised (no empty, ``.`` or
``..`` components), free of characters that mean something to a filesystem
(backslash, colon, control characters), and has no component that Windows
would rewrite (reserved device names, trailing dot or space). Two paths may not
differ only by case or Unicode normalisation: on macOS and Windows they would
land on the same file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from airgap_bundles.errors import (
    AbsolutePath,
    InvalidPath,
    NameCollision,
    PathConflict,
    PathTraversal,
)

MANIFEST_NAME = "manifest.dsse.json"
MAX_PATH_BYTES = 1024
MAX_COMPONENT_BYTES = 255

_DRIVE = re.compile(r"\A[A-Za-z]:")
_UNSAFE = "\\:"
_UNSAFE_ASCII = re.compile(r"[\x00-\x1f\x7f\\:]")
# control, format (zero-width...), surrogate, line and paragraph separator characters
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)


def check_member_path(path: str) -> None:
    """Raise the specific rejection when ``path`` is not a safe member path."""
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        raise AbsolutePath("absolute paths are not allowed", member=path)
    components = path.split("/")
    if ".." in components or ".." in path.split("\\"):
        raise PathTraversal("'..' is not allowed in a member path", member=path)
    if not path:
        raise InvalidPath("empty member name", member="(empty)")
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidPath("the name is not valid Unicode text", member=repr(path)) from None
    if len(encoded) > MAX_PATH_BYTES:
        raise InvalidPath(f"the path is longer than {MAX_PATH_BYTES} bytes", member=path)
    _check_characters(path)
    for part in components:
        _check_component(part, path)


def _check_characters(path: str) -> None:
    if path.isascii():  # the common case, checked at C speed
        bad = _UNSAFE_ASCII.search(path)
        found = bad.group() if bad else None
    else:
        found = next(
            (c for c in path if c in _UNSAFE or unicodedata.category(c) in _UNSAFE_CATEGORIES), None
        )
    if found is not None:
        raise InvalidPath(f"the path contains the unsafe character {found!r}", member=path)


def _check_component(part: str, path: str) -> None:
    if part in ("", "."):
        raise InvalidPath("the path is not normalised (empty or '.' component)", member=path)
    if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
        raise InvalidPath(
            f"a path component is longer than {MAX_COMPONENT_BYTES} bytes", member=path
        )
    if part.endswith((".", " ")):
        raise InvalidPath("a path component ends with '.' or a space", member=path)
    if part.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        raise InvalidPath(f"{part!r} is a reserved device name on Windows", member=path)


def collision_key(path: str) -> str:
    """Canonical caseless form: equal keys mean the same file on some filesystem."""
    key = unicodedata.normalize("NFD", unicodedata.normalize("NFD", path).casefold())
    return path if key == path else key  # one string, not two, for most paths


def parent_dirs(path: str) -> Iterable[str]:
    """``a/b/c`` -> ``a``, ``a/b``."""
    parts = path.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


class PathSet:
    """Files and their folders, refusing duplicates, collisions and file/folder clashes.

    Duplicates are reported by the caller (they are a different rule in the archive
    than in the manifest); this class reports collisions and conflicts.
    """

    def __init__(self) -> None:
        self._files: dict[str, str] = {}  # collision key -> file path
        self._dirs: dict[str, str] = {}  # collision key -> folder path

    def __contains__(self, path: str) -> bool:
        return collision_key(path) in self._files

    def add_file(self, path: str) -> None:
        key = collision_key(path)
        for table in (self._files, self._dirs):
            other = table.get(key)
            if other is not None and other != path:
                raise NameCollision(
                    f"differs from {other!r} only by case or Unicode form", member=path
                )
        if key in self._dirs:
            raise PathConflict(
                "is a folder of another member and cannot also be a file", member=path
            )
        for parent in parent_dirs(path):
            pkey = collision_key(parent)
            if pkey in self._files:
                raise PathConflict(f"uses the file {self._files[pkey]!r} as a folder", member=path)
            other = self._dirs.setdefault(pkey, parent)
            if other != parent:
                raise NameCollision(
                    f"folder {parent!r} differs from {other!r} only by case or Unicode form",
                    member=path,
                )
        self._files[key] = path

    def spelling_of(self, path: str) -> str | None:
        """The added file or folder that ``path`` would land on, however it is spelled."""
        key = collision_key(path)
        return self._files.get(key) or self._dirs.get(key)

    def is_folder(self, path: str) -> bool:
        """True when ``path`` is exactly (same spelling) a folder of the added files."""
        return self._dirs.get(collision_key(path)) == path
