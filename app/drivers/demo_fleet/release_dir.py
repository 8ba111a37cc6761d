"""A demo target's folder: installed releases and the pointer to the current one.

::

    <root>/releases/<digest hex>/release.json
    <root>/releases/<digest hex>/artifacts/<component>/app.json
    <root>/current.json          {"digest": "sha256:…", "release_dir": "releases/<hex>"}

Deploying installs the release folder (written under a temporary name, fsynced,
renamed into place) and then replaces ``current.json`` atomically, the way
capistrano-style deployments flip a ``current`` symlink; a pointer file is used
instead of a symlink so that it works the same on Windows. Old release folders
stay, so a rollback is only a pointer switch. The target notices the new pointer
on its next request (the file's inode and mtime change with every replace).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.drivers.base import DriverError, ReleaseRef
from app.drivers.demo_fleet.artifact import (
    ARTIFACT_FILE,
    DemoArtifactError,
    DemoBehaviour,
    combined,
)
from app.drivers.demo_fleet.files import atomic_write_json, fsync_directory

CURRENT = "current.json"
RELEASES = "releases"
RELEASE_FILE = "release.json"


@dataclass(frozen=True)
class InstalledRelease:
    """What a target serves: the release identity and its combined behaviour."""

    name: str
    version: str
    digest: str
    components: tuple[Mapping[str, str], ...]
    behaviour: DemoBehaviour
    path: Path


def release_files(release: ReleaseRef) -> dict[str, bytes]:
    """Relative path → bytes of everything a target needs for ``release``."""
    if release.artifacts_dir is None:
        raise DriverError(f"release {release.label} has no artifacts folder to deploy to a demo target")
    if not release.components:
        raise DriverError(f"release {release.label} has no components to deploy")
    files: dict[str, bytes] = {}
    for component in release.components:
        source = release.artifacts_dir / component.name / ARTIFACT_FILE
        try:
            data = source.read_bytes()
        except OSError as err:
            raise DemoArtifactError(
                f"release {release.label} has no demo artifact for component {component.name!r} "
                f"({component.name}/{ARTIFACT_FILE}: {err.strerror})"
            ) from None
        DemoBehaviour.from_json(data, source=f"{component.name}/{ARTIFACT_FILE}")
        files[f"artifacts/{component.name}/{ARTIFACT_FILE}"] = data
    document = {
        "name": release.name,
        "version": release.version,
        "digest": release.digest,
        "components": [{"name": c.name, "image": c.image, "digest": c.digest} for c in release.components],
    }
    files[RELEASE_FILE] = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    return files


def install_release(root: Path, release: ReleaseRef) -> Path:
    """Install ``release`` under ``root/releases``; idempotent for identical content."""
    files = release_files(release)
    releases = root / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    final = releases / release.digest_hex
    if final.is_dir() and _same_content(final, files):
        return final
    incoming = releases / f".incoming-{release.digest_hex[:12]}-{secrets.token_hex(4)}"
    for relative, data in files.items():
        path = incoming / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    if final.exists():
        stale = releases / f".stale-{release.digest_hex[:12]}-{secrets.token_hex(4)}"
        os.replace(final, stale)
        shutil.rmtree(stale, ignore_errors=True)
    os.replace(incoming, final)
    fsync_directory(releases)
    return final


def _same_content(folder: Path, files: Mapping[str, bytes]) -> bool:
    for relative, data in files.items():
        try:
            if (folder / relative).read_bytes() != data:
                return False
        except OSError:
            return False
    return True


def activate(root: Path, release: ReleaseRef) -> None:
    """Point ``current.json`` at an installed release, atomically."""
    if not (root / RELEASES / release.digest_hex / RELEASE_FILE).is_file():
        raise DriverError(f"release {release.label} is not installed on this target")
    atomic_write_json(
        root / CURRENT, {"digest": release.digest, "release_dir": f"{RELEASES}/{release.digest_hex}"}
    )


def pointer_stamp(root: Path) -> tuple[int, int, int] | None:
    """Changes whenever ``current.json`` is replaced; None when nothing is deployed."""
    try:
        st = os.stat(root / CURRENT)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_current(root: Path) -> InstalledRelease | None:
    """The release ``current.json`` points at, or None; a broken folder raises."""
    try:
        pointer = json.loads((root / CURRENT).read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as err:
        raise DemoArtifactError(f"{CURRENT} is not JSON: {err}") from None
    digest = pointer.get("digest") if isinstance(pointer, dict) else None
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        raise DemoArtifactError(f"{CURRENT} has no release digest")
    relative = f"{RELEASES}/{digest.removeprefix('sha256:')}"
    if pointer.get("release_dir") != relative:
        raise DemoArtifactError(f"{CURRENT} points outside {RELEASES}/<digest>")
    folder = root / relative
    try:
        document = json.loads((folder / RELEASE_FILE).read_bytes())
        components = tuple(
            {"name": str(c["name"]), "image": str(c["image"]), "digest": str(c["digest"])}
            for c in document["components"]
        )
        behaviours = [
            DemoBehaviour.from_json(
                (folder / "artifacts" / c["name"] / ARTIFACT_FILE).read_bytes(),
                source=f"{c['name']}/{ARTIFACT_FILE}",
            )
            for c in components
        ]
        if document["digest"] != digest:
            raise DemoArtifactError(f"{RELEASE_FILE} digest does not match {CURRENT}")
        return InstalledRelease(
            name=str(document["name"]),
            version=str(document["version"]),
            digest=digest,
            components=components,
            behaviour=combined(behaviours),
            path=folder,
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DemoArtifactError(f"release folder {relative} is unreadable: {err}") from None
