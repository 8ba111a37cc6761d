#!/usr/bin/env python3
"""Import of a large release bundle through the desktop app's import path, against the
import service called directly.

What it shows: the worker path (``BundleImporter`` → ``run_import`` → the service)
costs next to nothing over the service alone, the progress bar gets at most ~1000
updates whatever the size, and the GUI thread stays responsive — a 10 ms timer on it
is sampled during the whole import and its worst delay is reported.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui_import.py [--size-mib 256]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from airgap_bundles import build_bundle  # noqa: E402
from airgap_bundles.manifest import BundlePredicate  # noqa: E402
from app.services import bundles, trust  # noqa: E402
from bench.bench_bundle_verify import make_sources  # noqa: E402
from devkit.factories import START, make_site  # noqa: E402
from engine.crypto.keys import Ed25519Signer  # noqa: E402
from engine.crypto.trust_root import sign_trust_root, trust_root_document  # noqa: E402

MiB = 1 << 20
TICK_MS = 10


def trusted_site(home: Path, root: bytes):
    site = make_site(home)
    trust.install_first(site, root, "alice", confirmed=True)
    return site


def gui_import(site, bundle: Path) -> dict:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from app.gui import application
    from app.qt.context import GuiContext
    from app.screens.import_jobs import ImportRequest
    from views.bundles.importer import BundleImporter

    application()
    ctx = GuiContext(site, poll_interval_ms=60_000)
    ctx.set_actor("alice")
    importer = BundleImporter(ctx)
    gaps: list[float] = []
    progress: list[tuple[int, int]] = []
    outcome: list = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    importer.progress.connect(progress.append)
    importer.finished.connect(outcome.append)
    importer.failed.connect(lambda _r, failure: (outcome.append(failure), loop.quit()))
    importer.idle.connect(loop.quit)
    started = time.perf_counter()
    timer.start()
    importer.enqueue(ImportRequest(str(bundle)))
    loop.exec()
    elapsed = time.perf_counter() - started
    timer.stop()
    ctx.shutdown()
    late = [g - TICK_MS for g in gaps]
    return {"seconds": elapsed, "outcome": outcome[0], "progress_updates": len(progress),
            "worst_delay_ms": max(late), "p99_delay_ms": statistics.quantiles(late, n=100)[98],
            "ticks": len(gaps)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-gui-import-") as tmp:
        work = Path(tmp)
        signer = Ed25519Signer.from_seed(hashlib.sha256(b"bench key").digest())
        root = sign_trust_root(trust_root_document(
            version=1, expires=START + timedelta(days=365), keys=[signer.public_key],
            roles={r: ([signer.keyid], 1) for r in ("root", "release", "feeds", "policy")}),
            [signer]).to_bytes()
        make_sources(work / "src", args.size_mib)
        predicate = BundlePredicate("release", "bench", 1, START - timedelta(hours=1),
                                    START + timedelta(days=30), "bench")
        bundle = build_bundle(work / "src", work / "bench.tar", predicate=predicate,
                              signers=[signer], compression="none").path
        size = bundle.stat().st_size
        print(f"bundle: {size / MiB:.0f} MiB, uncompressed tar")

        direct_site = trusted_site(work / "direct", root)
        bundles.import_bundle(direct_site, bundle, "alice")  # warm the page cache
        direct_site.close()
        direct_site = trusted_site(work / "direct2", root)
        started = time.perf_counter()
        bundles.import_bundle(direct_site, bundle, "alice")
        direct = time.perf_counter() - started
        direct_site.close()

        gui_site = trusted_site(work / "gui", root)
        result = gui_import(gui_site, bundle)
        gui_site.close()
    outcome = result["outcome"]
    status = getattr(outcome, "status", getattr(outcome, "message", outcome))
    print(f"service alone:       {direct:.2f} s ({size / MiB / direct:.0f} MiB/s)")
    print(f"through the GUI path: {result['seconds']:.2f} s ({size / MiB / result['seconds']:.0f} "
          f"MiB/s), ratio {direct / result['seconds']:.2f}, outcome {status}")
    print(f"progress updates:    {result['progress_updates']}")
    print(f"GUI thread, {TICK_MS} ms timer over {result['ticks']} ticks: worst delay "
          f"{result['worst_delay_ms']:.1f} ms, p99 {result['p99_delay_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
