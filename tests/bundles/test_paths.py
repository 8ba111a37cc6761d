from __future__ import annotations

import unicodedata

import pytest

from airgap_bundles import errors as E
from airgap_bundles.paths import PathSet, check_member_path, collision_key


@pytest.mark.parametrize(
    "path",
    [
        "release.json",
        "sbom/api.cdx.json",
        "osv/PyPI/PYSEC-2021-1.json",
        "artifacts/données/é.txt",
        "a/b.c/d-e_f",
        "1.3.0-rc1/x",
    ],
)
def test_good_paths(path: str) -> None:
    check_member_path(path)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/etc/passwd", E.AbsolutePath),
        ("\\\\server\\share", E.AbsolutePath),
        ("C:/Windows/x", E.AbsolutePath),
        ("c:x", E.AbsolutePath),
        ("..", E.PathTraversal),
        ("a/../../b", E.PathTraversal),
        ("a\\..\\b", E.PathTraversal),
        ("", E.InvalidPath),
        ("./a", E.InvalidPath),
        ("a//b", E.InvalidPath),
        ("a/", E.InvalidPath),
        ("a\\b", E.InvalidPath),
        ("ab:c", E.InvalidPath),
        ("a\nb", E.InvalidPath),
        ("a\u200bb", E.InvalidPath),
        ("dir./x", E.InvalidPath),
        ("x ", E.InvalidPath),
        ("CON", E.InvalidPath),
        ("sub/nul.txt", E.InvalidPath),
        ("a" * 256, E.InvalidPath),
        ("/".join(["d" * 200] * 6), E.InvalidPath),
        ("\ud800", E.InvalidPath),
    ],
)
def test_bad_paths(path: str, error: type[E.BundleRejected]) -> None:
    with pytest.raises(error):
        check_member_path(path)


def test_collision_keys() -> None:
    nfc, nfd = unicodedata.normalize("NFC", "Café"), unicodedata.normalize("NFD", "Café")
    assert nfc != nfd and collision_key(nfc) == collision_key(nfd) == collision_key("CAFÉ")
    assert collision_key("straße") == collision_key("STRASSE")
    assert collision_key("a") != collision_key("b")


def test_path_set() -> None:
    paths = PathSet()
    paths.add_file("sbom/api.json")
    paths.add_file("sbom/web.json")
    assert paths.is_folder("sbom") and not paths.is_folder("SBOM")
    assert paths.spelling_of("SBOM/API.json") == "sbom/api.json"
    with pytest.raises(E.NameCollision):
        paths.add_file("SBOM/x.json")
    with pytest.raises(E.NameCollision):
        paths.add_file("Sbom/API.json")
    with pytest.raises(E.PathConflict):
        paths.add_file("sbom")
    with pytest.raises(E.PathConflict):
        paths.add_file("sbom/api.json/x")
