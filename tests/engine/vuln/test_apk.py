from __future__ import annotations

import pytest

from engine.vuln.apk import ApkVersion, compare, is_valid


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.2.5-r9", "1.2.5-r10"),  # revisions are numbers
        ("1.2.4-r3", "1.2.4_git20230717-r5"),  # post-release suffix above the bare version
        ("1.2.4_git20230717-r5", "1.2.5-r1"),
        ("1.2.3_rc1", "1.2.3"),  # pre-release suffix below it
        ("1.2.3_alpha1", "1.2.3_beta1"),
        ("1.2.3_beta1", "1.2.3_pre1"),
        ("1.2.3_pre1", "1.2.3_rc1"),
        ("1.2.3_cvs1", "1.2.3_svn1"),
        ("1.2.3_svn1", "1.2.3_git1"),
        ("1.2.3_git1", "1.2.3_hg1"),
        ("1.2.3_hg1", "1.2.3_p1"),
        ("1.2.3_p9", "1.2.3_p10"),
        ("1.1.1i-r0", "1.1.1j-r0"),  # letters
        ("1.1.1", "1.1.1a"),
        ("1.0", "1.0-r1"),
        ("1.0", "1.0.1"),
        ("1.01", "1.1"),  # leading zeros: fewer zeros first
        ("1.001", "1.01"),
        ("20191127-r5", "20200601-r0"),
        ("0.9.13", "1.2.2-r0"),
    ],
)
def test_apk_order(lower: str, higher: str) -> None:
    assert compare(lower, higher) == -1
    assert compare(higher, lower) == 1
    assert ApkVersion(lower) < ApkVersion(higher)
    assert not ApkVersion(higher) < ApkVersion(lower)


def test_equal_versions() -> None:
    assert compare("1.2.2-r0", "1.2.2-r0") == 0
    assert ApkVersion("1.2.2-r0") == ApkVersion("1.2.2-r0")
    assert hash(ApkVersion("1.2.2-r0")) == hash(ApkVersion(" 1.2.2-r0 "))


@pytest.mark.parametrize("text", ["", "1.0-x1", "1.0_foo", "1.0-r1.2", "1.0_rc1a", "1.0 beta"])
def test_not_apk_versions(text: str) -> None:
    assert not is_valid(text)


def test_versions_real_alpine_records_use_are_valid() -> None:
    for text in ("1.2.3-r4", "1.2.4_git20230717-r5", "10.5.16-r0", "1.1.1i-r0", "20191127-r5"):
        assert is_valid(text), text
