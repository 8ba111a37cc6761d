#!/usr/bin/env python3
"""Bundle verification speed and memory on a 1 GiB uncompressed release bundle.

Hardware SHA-256 is the limit here, so throughput is reported as a ratio of
``openssl dgst -sha256`` on the same file (DESIGN §11: compare ratios, not
absolute times, on a shared machine). Targets (issue 3): ratio >= 0.8 for
verify-only, peak memory < 150 MB. Each verification runs in a fresh process,
whose peak RSS is read from /proc (VmHWM); runs alternate with openssl so both
see the same page cache, and the median of several runs is kept.

    .venv/bin/python bench/bench_bundle_verify.py [--size-mib 1024] [--runs 5] [--compression none]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from airgap_bundles import build_bundle  # noqa: E402
from airgap_bundles.manifest import BundlePredicate  # noqa: E402
from engine.crypto.keys import Ed25519Signer  # noqa: E402
from engine.crypto.trust_root import sign_trust_root, trust_root_document  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)  # the CLI verifies against the real clock
MiB = 1 << 20
TARGET_RATIO = 0.8
TARGET_PEAK_MB = 150


def make_sources(root: Path, size_mib: int) -> None:
    """A release whose one component ships a large artifact (random bytes, so nothing compresses)."""
    artifact = root / "artifacts" / "api" / "image.bin"
    artifact.parent.mkdir(parents=True)
    hasher = hashlib.sha256()
    with open(artifact, "wb") as out:
        for _ in range(size_mib):
            chunk = os.urandom(MiB)  # incompressible: a repeated block would look like a bomb
            hasher.update(chunk)
            out.write(chunk)
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}
    (root / "sbom").mkdir()
    (root / "sbom" / "api.cdx.json").write_text(json.dumps(sbom))
    release = {
        "name": "bench",
        "version": "1.0.0",
        "components": [
            {
                "name": "api",
                "image": "registry.local/bench/api",
                "digest": "sha256:" + hasher.hexdigest(),
                "sbom": "sbom/api.cdx.json",
                "artifact": "artifacts/api/image.bin",
            }
        ],
    }
    (root / "release.json").write_text(json.dumps(release))


CHILD = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {repo!r})
    from datetime import datetime, UTC
    from airgap_bundles import verify_bundle, NO_HISTORY
    from engine.crypto.dsse import Envelope
    from engine.crypto.trust_root import TrustRoot
    now = datetime.fromisoformat({now!r})
    root = TrustRoot.first_install(Envelope.from_bytes(open({root!r}, "rb").read()), now)
    staging = {staging!r}
    start = time.perf_counter()
    verified = verify_bundle({bundle!r}, trust_root=root, now=now, history=NO_HISTORY, staging_dir=staging)
    seconds = time.perf_counter() - start
    hwm = 0
    try:
        hwm = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]) * 1024
    except OSError:
        import resource
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({{"seconds": seconds, "peak": hwm, "ok": verified.report.ok}}))
""")


def verify_once(bundle: Path, root_file: Path, staging: Path | None) -> dict:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    code = CHILD.format(
        repo=str(REPO),
        now=NOW.isoformat(),
        root=str(root_file),
        bundle=str(bundle),
        staging=None if staging is None else str(staging),
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"verification failed:\n{out.stderr}")
    return json.loads(out.stdout)


def cli_once(bundle: Path, root_file: Path) -> float:
    """``stella bundle verify`` as a user runs it: process start to exit."""
    stella = Path(sys.executable).with_name("stella")
    start = time.perf_counter()
    subprocess.run([str(stella), "bundle", "verify", str(bundle), "--trust-root", str(root_file)],
                   capture_output=True, check=True)
    return time.perf_counter() - start


def openssl_once(bundle: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["openssl", "dgst", "-sha256", str(bundle)], capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--compression",
        choices=["none", "gzip", "zstd"],
        default="none",
        help="the targets apply to 'none'; the others show decompression cost",
    )
    args = parser.parse_args()
    if shutil.which("openssl") is None:
        print("openssl is needed as the yardstick", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        work = Path(tmp)
        signer = Ed25519Signer.from_seed(hashlib.sha256(b"bench key").digest())
        root_doc = trust_root_document(
            version=1,
            expires=NOW + timedelta(days=365),
            keys=[signer.public_key],
            roles={r: ([signer.keyid], 1) for r in ("root", "release", "feeds", "policy")},
        )
        root_file = work / "root.dsse.json"
        root_file.write_bytes(sign_trust_root(root_doc, [signer]).to_bytes())
        make_sources(work / "src", args.size_mib)
        started = time.perf_counter()
        predicate = BundlePredicate(
            "release", "bench", 1, NOW - timedelta(hours=1), NOW + timedelta(days=30), "bench"
        )
        bundle = build_bundle(
            work / "src",
            work / "bench.tar",
            predicate=predicate,
            signers=[signer],
            compression=args.compression,
        ).path
        shutil.rmtree(work / "src")
        size = bundle.stat().st_size
        print(
            f"bundle: {args.size_mib} MiB of content, {size / MiB:.0f} MiB on disk ({args.compression}), "
            f"built in {time.perf_counter() - started:.1f} s"
        )

        openssl_times, verify, staged, cli = [], [], [], []
        openssl_once(bundle)  # warm the page cache
        for _ in range(args.runs):  # alternate, so both see the same cache and load
            openssl_times.append(openssl_once(bundle))
            verify.append(verify_once(bundle, root_file, None))
            cli.append(cli_once(bundle, root_file))
        # Staged runs last: their 1 GiB of writes (and writeback) would disturb the others.
        for _ in range(args.runs):
            staged.append(verify_once(bundle, root_file, work / "staging"))
            shutil.rmtree(work / "staging")
        assert all(r["ok"] for r in verify + staged)
        t_openssl = statistics.median(openssl_times)
        t_verify = statistics.median(r["seconds"] for r in verify)
        t_staged = statistics.median(r["seconds"] for r in staged)
        peak_verify = max(r["peak"] for r in verify) / 1e6
        peak_staged = max(r["peak"] for r in staged) / 1e6
        ratio, ratio_staged = t_openssl / t_verify, t_openssl / t_staged
        gib = size / (1 << 30)
        print(
            f"openssl dgst -sha256: {t_openssl:.3f} s ({gib / t_openssl:.2f} GiB/s), median of {args.runs}"
        )
        print(
            f"verify only:          {t_verify:.3f} s ({gib / t_verify:.2f} GiB/s), ratio {ratio:.2f}, "
            f"peak RSS {peak_verify:.0f} MB"
        )
        t_cli = statistics.median(cli)
        print(
            f"stella bundle verify: {t_cli:.3f} s whole process ({gib / t_cli:.2f} GiB/s), "
            f"ratio {t_openssl / t_cli:.2f} (issue 13 target >= 0.9, start-up included)"
        )
        print(
            f"verify + staging:     {t_staged:.3f} s ({gib / t_staged:.2f} GiB/s), ratio {ratio_staged:.2f}, "
            f"peak RSS {peak_staged:.0f} MB"
        )
        ok = ratio >= TARGET_RATIO and max(peak_verify, peak_staged) < TARGET_PEAK_MB
        print(
            f"targets: ratio >= {TARGET_RATIO} (verify only), peak < {TARGET_PEAK_MB} MB: "
            f"{'met' if ok else 'NOT met'}"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
