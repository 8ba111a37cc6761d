"""Fuzz the archive reader: whatever the bytes, only the package's own BundleError escapes."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airgap_bundles import BundleError, BundleLimits, verify_bundle
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, feed_files, predicate, release_files

PLAIN = bundle_bytes(release_files())
SEEDS = [
    PLAIN,
    gzip.compress(PLAIN, mtime=0),
    zstandard.ZstdCompressor(write_checksum=True).compress(PLAIN),
    bundle_bytes(feed_files(2), predicate("feed-snapshot", "osv")),
]
LIMITS = BundleLimits(max_member_size=1 << 20, max_total_size=4 << 20, ratio_floor=64 << 10)
FUZZ = settings(
    max_examples=int(os.environ.get("STELLA_FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
WORK = Path(tempfile.mkdtemp(prefix="bundle-fuzz-"))


def _verify(data: bytes) -> None:
    path = WORK / "b"
    path.write_bytes(data)
    staging = Path(tempfile.mkdtemp(dir=WORK))
    try:
        verify_bundle(
            path, trust_root=ROOT, now=NOW, history=NO_HISTORY, staging_dir=staging, limits=LIMITS
        )
    except BundleError:
        pass
    finally:
        shutil.rmtree(staging)


@FUZZ
@given(
    st.sampled_from([b"", b"\x1f\x8b", b"\x28\xb5\x2f\xfd", PLAIN[:512]]), st.binary(max_size=2048)
)
def test_random_bytes_after_a_plausible_start(prefix: bytes, body: bytes) -> None:
    _verify(prefix + body)


@FUZZ
@given(st.sampled_from(range(len(SEEDS))), st.data())
def test_mutated_valid_bundles(seed: int, data) -> None:
    raw = bytearray(SEEDS[seed])
    for _ in range(data.draw(st.integers(1, 6))):
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        i = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if action == "flip" and raw:
            raw[i] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            del raw[i:]
        elif action == "insert":
            raw[i:i] = data.draw(st.binary(min_size=1, max_size=64))
        elif action == "zero":
            raw[i : i + 512] = bytes(min(512, len(raw) - i))
    _verify(bytes(raw))


def teardown_module() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
