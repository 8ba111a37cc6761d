"""A 100,000-advisory feed snapshot streams through verification without being held in memory."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airgap_bundles.manifest import BUNDLE_PREDICATE_TYPE
from airgap_bundles.tarwrite import END_OF_ARCHIVE, file_header, padding
from engine.crypto import dsse
from tests.bundles.helpers import INTOTO, KEYS, predicate

RECORDS = 100_000
DETAILS = "x" * 2000  # ~200 MB of records in total: holding them would show in the peak RSS
REPO = Path(__file__).resolve().parents[2]


def _record(i: int) -> bytes:
    return json.dumps(
        {
            "id": f"TEST-{i}",
            "modified": "2026-01-01T00:00:00Z",
            "details": DETAILS,
            "affected": [
                {"package": {"ecosystem": "PyPI", "name": f"pkg{i % 997}"}, "versions": ["1.0"]}
            ],
        }
    ).encode()


def _members():
    yield (
        "feed.json",
        json.dumps(
            {
                "source": "osv",
                "snapshot": "2026-02-18T05:30:00Z",
                "ecosystems": ["PyPI"],
                "records": RECORDS,
            }
        ).encode(),
    )
    for i in range(RECORDS):
        yield f"osv/PyPI/{i % 100:02d}/TEST-{i}.json", _record(i)


def _write_feed_bundle(path: Path) -> int:
    """The archive written directly (our own builder is tested elsewhere; this is about the reader).

    Records are generated twice (digests, then data) so this process never holds them all.
    """
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {"name": n, "digest": {"sha256": hashlib.sha256(d).hexdigest()}} for n, d in _members()
        ],
        "predicateType": BUNDLE_PREDICATE_TYPE,
        "predicate": predicate("feed-snapshot", "osv").to_json(),
    }
    payload = json.dumps(statement, separators=(",", ":")).encode()
    manifest = json.dumps(dsse.sign(INTOTO, payload, [KEYS["feeds"]]).to_json()).encode()
    total = 0
    with open(path, "wb") as out:
        for name, data in [("manifest.dsse.json", manifest)]:
            out.write(
                file_header(name, len(data), mtime=0, executable=False) + data + padding(len(data))
            )
        for name, data in _members():
            out.write(
                file_header(name, len(data), mtime=0, executable=False) + data + padding(len(data))
            )
            total += len(data)
        out.write(END_OF_ARCHIVE)
    return total


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_hundred_thousand_records_stream_with_flat_memory(tmp_path) -> None:
    bundle = tmp_path / "feed.tar"
    total = _write_feed_bundle(bundle)
    assert total > 200_000_000
    # Peak RSS of the verifying process alone: VmHWM (ru_maxrss would include the
    # parent's pages, since Linux carries it across fork and exec).
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from airgap_bundles import verify_bundle
        from airgap_bundles.options import NO_HISTORY
        from tests.bundles.helpers import NOW, ROOT
        verified = verify_bundle({str(bundle)!r}, trust_root=ROOT, now=NOW, history=NO_HISTORY)
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(verified.content.record_count, int(hwm.split()[1]) // 1024)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    count, peak_mib = map(int, result.stdout.split())
    assert count == RECORDS
    # The records alone are >200 MB (several times that once parsed); what remains is
    # per-member metadata (names, digests, ids), well under that.
    assert peak_mib < 200, f"peak RSS {peak_mib} MiB"
