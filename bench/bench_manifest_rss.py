#!/usr/bin/env python3
"""Peak memory of ``stella bundle verify`` on big manifests (issue 12).

Two archives, each verified by ``stella bundle verify FILE --trust-root ROOT`` in a
fresh process whose peak RSS is its VmHWM (/proc/self/status, reset by exec):

* an **unsigned** 60 MB manifest (signed by a key the trust root does not know):
  everything done with it happens before authentication, so the pre-authentication
  cap (8 MiB, DESIGN §4.3) must refuse it before it is parsed;
* a **signed** manifest listing 200,000 subjects (the members themselves are left
  out, so verification stops at the first missing one, after the whole manifest
  was read, authenticated and parsed).

Target: peak RSS < 150 MB for both.

    .venv/bin/python bench/bench_manifest_rss.py [--unsigned-mb 60] [--subjects 200000]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from airgap_bundles.manifest import BUNDLE_PREDICATE_TYPE, BundlePredicate  # noqa: E402
from engine.canonical import canonical_bytes  # noqa: E402
from engine.crypto import dsse  # noqa: E402
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE  # noqa: E402
from engine.crypto.keys import Ed25519Signer  # noqa: E402
from engine.crypto.trust_root import sign_trust_root, trust_root_document  # noqa: E402

TARGET_PEAK_MB = 150
NOW = datetime.now(UTC).replace(microsecond=0)


def _statement(count: int) -> bytes:
    predicate = BundlePredicate("release", "bench", 1, NOW - timedelta(hours=1),
                                NOW + timedelta(days=30), "bench")
    subjects = [{"name": f"artifacts/part-{i:07d}.bin",
                 "digest": {"sha256": hashlib.sha256(str(i).encode()).hexdigest()}}
                for i in range(count)]
    return canonical_bytes({"_type": "https://in-toto.io/Statement/v1", "subject": subjects,
                            "predicateType": BUNDLE_PREDICATE_TYPE,
                            "predicate": predicate.to_json()})


def _archive(path: Path, manifest: bytes) -> None:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("manifest.dsse.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))


def _unsigned(path: Path, megabytes: int) -> int:
    count = megabytes * 10**6 * 3 // 4 // 131  # ~131 bytes a subject, base64 adds a third
    payload = _statement(count)
    envelope = {"payload": base64.b64encode(payload).decode(), "payloadType": INTOTO_PAYLOAD_TYPE,
                "signatures": [{"keyid": "ab" * 32, "sig": base64.b64encode(bytes(64)).decode()}]}
    manifest = json.dumps(envelope).encode()
    _archive(path, manifest)
    return len(manifest)


def _signed(path: Path, subjects: int, signer: Ed25519Signer) -> int:
    manifest = dsse.sign(INTOTO_PAYLOAD_TYPE, _statement(subjects), [signer]).to_bytes()
    _archive(path, manifest)
    return len(manifest)


def _measure(argv: list[str]) -> tuple[int, float, str]:
    code = ("import os, sys\n"
            "from app.cli.main import main\n"
            "status = main(sys.argv[1:])\n"
            "hwm = int(next(l for l in open('/proc/self/status')\n"
            "               if l.startswith('VmHWM:')).split()[1]) * 1024\n"
            "os.write(int(os.environ['BENCH_FD']), str(hwm).encode())\n"
            "sys.exit(status)\n")
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    child = subprocess.Popen([sys.executable, "-c", code, *argv], cwd=REPO, pass_fds=(write_end,),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "BENCH_FD": str(write_end)})
    os.close(write_end)
    _, err = child.communicate()
    with os.fdopen(read_end, "rb") as pipe:
        peak = int(pipe.read() or b"0")
    lines = err.decode(errors="replace").strip().splitlines()
    return child.returncode, peak / 1e6, lines[-1] if lines else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unsigned-mb", type=int, default=60)
    parser.add_argument("--subjects", type=int, default=200_000)
    args = parser.parse_args()
    signer = Ed25519Signer.from_seed(hashlib.sha256(b"bench manifest key").digest())
    with tempfile.TemporaryDirectory(prefix="bench-manifest-") as tmp:
        work = Path(tmp)
        root_doc = trust_root_document(
            version=1, expires=NOW + timedelta(days=365), keys=[signer.public_key],
            roles={r: ([signer.keyid], 1) for r in ("root", "release", "feeds", "policy")})
        root = work / "root.dsse.json"
        root.write_bytes(sign_trust_root(root_doc, [signer]).to_bytes())
        results = []
        for label, build in (
                (f"unsigned {args.unsigned_mb} MB manifest",
                 lambda p: _unsigned(p, args.unsigned_mb)),
                (f"signed manifest of {args.subjects} subjects",
                 lambda p: _signed(p, args.subjects, signer))):
            archive = work / "bundle.tar"
            size = build(archive)
            code, peak, last = _measure(["bundle", "verify", str(archive), "--trust-root",
                                         str(root)])
            results.append(peak)
            print(f"{label}: manifest {size / 1e6:.1f} MB, exit {code}, peak RSS {peak:.0f} MB"
                  f"\n    {last}")
            archive.unlink()
        met = 0 < min(results) and max(results) < TARGET_PEAK_MB
        print(f"target: peak < {TARGET_PEAK_MB} MB for both: {'met' if met else 'NOT met'}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
