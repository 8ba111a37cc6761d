from __future__ import annotations

from engine.policy.scope import finding_fields

KEYS = ("id", "severity", "score", "suppressed", "fix_available", "package")


def test_fields_read_through_member_access() -> None:
    assert finding_fields("!f.suppressed && f.severity == 'CRITICAL'", KEYS) == (
        "severity", "suppressed")
    assert finding_fields("f.score != null && f . score >= 9.0", KEYS) == ("score",)
    # A word inside a string literal counts: the answer may only be too large.
    assert finding_fields("f.id.startsWith('package')", KEYS) == ("id", "package")


def test_whole_finding_use_means_per_finding_evaluation() -> None:
    assert finding_fields("f['severity'] == 'HIGH'", KEYS) is None
    assert finding_fields("size(f) > 3", KEYS) is None
    assert finding_fields("findings.exists(f, f.severity == 'HIGH')", KEYS) is None
    assert finding_fields("counts.high > 3", KEYS) == ()
