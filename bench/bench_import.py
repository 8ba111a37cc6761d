#!/usr/bin/env python3
"""`stella import` of a large uncompressed release bundle as a whole process, against
``openssl dgst -sha256`` of the same file (issue 13: >= 0.7x, peak RSS < 150 MB).

An import verifies every byte (one SHA-256 pass, the limit openssl shows) and commits
the staged content into the site's store and database; the process is timed from its
start to its exit, as a user runs it. Each run imports into a fresh copy of one trusted
site (the copy is not timed) and alternates with openssl, so both see the same page
cache and load; medians are kept, the peak RSS is the child's own (wait4).

    .venv/bin/python bench/bench_import.py [--size-mib 1024] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from airgap_bundles import build_bundle  # noqa: E402
from airgap_bundles.manifest import BundlePredicate  # noqa: E402
from app.services import trust  # noqa: E402
from bench.bench_bundle_verify import make_sources  # noqa: E402
from devkit.factories import make_site  # noqa: E402
from engine.clock import SystemClock  # noqa: E402
from engine.crypto.keys import Ed25519Signer  # noqa: E402
from engine.crypto.trust_root import sign_trust_root, trust_root_document  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)  # the CLI imports against the real clock
MiB = 1 << 20
TARGET_RATIO = 0.7
TARGET_PEAK_MB = 150
STELLA = Path(sys.executable).with_name("stella")


def _timed(argv: list[str]) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one child process, start to exit."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv[0]} failed:\n{child.stderr.read().decode(errors='replace')}")
    child.stderr.close()
    return seconds, usage.ru_maxrss * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("openssl") is None:
        print("openssl is needed as the yardstick", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        signer = Ed25519Signer.from_seed(hashlib.sha256(b"bench key").digest())
        root = sign_trust_root(trust_root_document(
            version=1, expires=NOW + timedelta(days=365), keys=[signer.public_key],
            roles={r: ([signer.keyid], 1) for r in ("root", "release", "feeds", "policy")}),
            [signer]).to_bytes()
        make_sources(work / "src", args.size_mib)
        predicate = BundlePredicate("release", "bench", 1, NOW - timedelta(hours=1),
                                    NOW + timedelta(days=30), "bench")
        bundle = build_bundle(work / "src", work / "bench.tar", predicate=predicate,
                              signers=[signer], compression="none").path
        shutil.rmtree(work / "src")
        template = work / "template"
        site = make_site(template, clock=SystemClock())
        trust.install_first(site, root, "alice", confirmed=True)
        site.close()
        size = bundle.stat().st_size
        print(f"bundle: {size / MiB:.0f} MiB, uncompressed tar")

        openssl = ["openssl", "dgst", "-sha256", str(bundle)]
        _timed(openssl)  # warm the page cache
        ssl_times, imports = [], []
        for run in range(args.runs):
            home = work / f"home-{run}"
            shutil.copytree(template, home, symlinks=True)
            ssl_times.append(_timed(openssl)[0])
            imports.append(_timed([str(STELLA), "--home", str(home), "--as", "alice",
                                   "import", str(bundle)]))
            shutil.rmtree(home)  # its store holds a copy of the bundle's content
        t_ssl = statistics.median(ssl_times)
        t_import = statistics.median(s for s, _ in imports)
        peak = max(p for _, p in imports) / 1e6
        gib = size / (1 << 30)
        ratio = t_ssl / t_import
        print(f"openssl dgst -sha256: {t_ssl:.3f} s ({gib / t_ssl:.2f} GiB/s), median of {args.runs}")
        print(f"stella import:        {t_import:.3f} s whole process ({gib / t_import:.2f} GiB/s), "
              f"ratio {ratio:.2f}, peak RSS {peak:.0f} MB")
        ok = ratio >= TARGET_RATIO and peak < TARGET_PEAK_MB
        print(f"targets: ratio >= {TARGET_RATIO}, peak < {TARGET_PEAK_MB} MB: "
              f"{'met' if ok else 'NOT met'} (load average {os.getloadavg()[0]:.1f})")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
