"""Alpine (apk) version ordering as a ``univers`` version class.

``univers`` reads Alpine versions with Gentoo's rules, which reject the
suffixes apk accepts after Gentoo's (``_cvs``, ``_svn``, ``_git``, ``_hg``) —
and real Alpine advisories use them: ALPINE-CVE-2025-26519 fixes musl in
``1.2.4_git20230717-r5``. A range holding such a version could not be
evaluated at all, so Alpine gets this class, which orders versions the way
``apk`` does:

``<number>{.<number>}[<letter>]{_<suffix>[<number>]}[-r<number>]``

* Versions are compared token by token: numbers as integers; a dotted part
  with leading zeros sorts by the count of zeros first (``1.01 < 1.1``,
  ``1.001 < 1.01``); letters by character; suffixes ``alpha < beta < pre <
  rc < (none) < cvs < svn < git < hg < p``, then their numbers; then the
  ``-r`` revision as an integer (so ``-r9 < -r10``).
* When one version runs out of tokens first it is the smaller, unless the
  other continues with a pre-release suffix (``1.0_rc1 < 1.0``); a revision
  sorts above the bare version (``1.0 < 1.0-r1``).
"""

from __future__ import annotations

from univers.versions import Version

_DIGIT_OR_ZERO, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _REVISION, _END = range(7)
_INVALID = -1
_PRE = ("alpha", "beta", "pre", "rc")
_POST = ("cvs", "svn", "git", "hg", "p")
# A token kind may only be followed by a later kind, except for these steps back.
_BACKWARD_OK = {(_DIGIT_OR_ZERO, _DIGIT), (_SUFFIX, _SUFFIX_NO), (_DIGIT, _LETTER)}


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9"


def _kind_after(prev: int, text: str, i: int) -> tuple[int, int]:
    """The kind of the token starting at ``i`` and where its value starts."""
    c = text[i]
    if prev in (_DIGIT, _DIGIT_OR_ZERO) and "a" <= c <= "z":
        kind = _LETTER
    elif prev == _LETTER and _is_digit(c):
        kind = _DIGIT
    elif prev == _SUFFIX and _is_digit(c):
        kind = _SUFFIX_NO
    else:
        if c == ".":
            kind = _DIGIT_OR_ZERO
        elif c == "_":
            kind = _SUFFIX
        elif c == "-" and text[i + 1: i + 2] == "r":
            kind = _REVISION
            i += 1
        else:
            kind = _INVALID
        i += 1
    if kind < prev and (kind, prev) not in _BACKWARD_OK:
        kind = _INVALID
    return kind, i


def tokens(text: str) -> list[tuple[int, int]]:
    """``(value, kind of the next token)`` pairs; the last kind is END or INVALID."""
    out: list[tuple[int, int]] = []
    kind, i, n = _DIGIT, 0, len(text)
    while True:
        if i >= n:
            out.append((0, _END))
            return out
        forced = None
        if kind == _DIGIT_OR_ZERO and text[i] == "0":
            start = i
            while i < n and text[i] == "0":
                i += 1
            value, forced = start - i, _DIGIT
        elif kind in (_DIGIT_OR_ZERO, _DIGIT, _SUFFIX_NO, _REVISION):
            value = 0
            while i < n and _is_digit(text[i]):
                value = value * 10 + ord(text[i]) - 48
                i += 1
        elif kind == _LETTER:
            value = ord(text[i])
            i += 1
        else:  # _SUFFIX
            rest = text[i:]
            pre = next((k for k, s in enumerate(_PRE) if rest.startswith(s)), None)
            post = next((k for k, s in enumerate(_POST) if rest.startswith(s)), None)
            if pre is not None:
                value, i = pre - len(_PRE), i + len(_PRE[pre])
            elif post is not None:
                value, i = post, i + len(_POST[post])
            else:
                out.append((-1, _INVALID))
                return out
        if i >= n:
            kind = _END
        elif forced is not None:
            kind = forced
        else:
            kind, i = _kind_after(kind, text, i)
        out.append((value, kind))
        if kind in (_END, _INVALID):
            return out


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b``."""
    ta, tb = tokens(a), tokens(b)
    at = bt = _DIGIT
    av = bv = 0
    k = 0
    while at == bt and at not in (_END, _INVALID) and av == bv:
        av, at = ta[k]
        bv, bt = tb[k]
        k += 1
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    if at == _SUFFIX and ta[k][0] < 0:
        return -1
    if bt == _SUFFIX and tb[k][0] < 0:
        return 1
    if at > bt:
        return -1
    return 1


def is_valid(text: str) -> bool:
    return bool(text) and tokens(text)[-1][1] == _END


class ApkVersion(Version):
    """An Alpine package version, ordered as ``apk`` orders it."""

    @classmethod
    def is_valid(cls, string: str) -> bool:
        return is_valid(string)

    @classmethod
    def normalize(cls, string: str) -> str:
        return string.strip()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApkVersion):
            return NotImplemented
        return compare(self.value, other.value) == 0

    def __hash__(self) -> int:
        return hash(tuple(tokens(self.value)))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ApkVersion):
            return NotImplemented
        return compare(self.value, other.value) < 0

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, ApkVersion):
            return NotImplemented
        return compare(self.value, other.value) > 0

    def __le__(self, other: object) -> bool:
        return not self > other

    def __ge__(self, other: object) -> bool:
        return not self < other
