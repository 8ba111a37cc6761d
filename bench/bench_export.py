"""Export benchmark: auditor-bundle throughput, read-back verification included, as a
ratio of ``tar cf`` followed by ``openssl dgst -sha256`` over the same data.

A site is built with one sealed promotion (real evidence, seal and custody) whose
step logs total ``--megabytes`` MB of realistic, moderately compressible lines. Each
run exports the auditor bundle to a fresh folder with ``app.services.exports.export``:
one database snapshot (logs spooled to disk), the PDF report, the tar.gz stream
(gzip level 1 unless ``--level``), fsync, page-cache drop, read-back and re-hash,
rename, custody receipt. The baseline takes the exported files, extracted, and runs
``tar cf`` then ``openssl dgst -sha256`` on the tar (no compression, no fsync).

Phases of our export are timed from its progress callback: *prepare* (snapshot,
spooling, report, index; *pdf* is the report's rendering within it), *write* (archive,
compression, fsync), *read back*, and *record* (renames, custody intent, receipt and
event).
The first export is not counted (it warms the caches and its files are the
baseline's content); then an export and the baseline alternate ``--runs`` times, so
both see the same load. Two ratios are printed: the whole export against the baseline, and its archive and
read-back phases alone (the baseline starts from files already on disk, while the
export first reads every log line out of the database). Every figure is a median. Usage::

    .venv/bin/python bench/bench_export.py [--megabytes 300] [--runs 3] [--level 1]
        [--dir /path/on/the/disk/to/test] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import insert

from app.qt.report_pdf import render_report
from app.services import exports
from devkit.factories import make_site, who
from devkit.sealed_site import install_trust_root, sealed_promotion
from models.tables import StepLog

TARGET_RATIO = 0.8  # issue 13, read-back included
STEPS = ("deploy-10", "deploy-50", "deploy-100", "post-deploy-verify")
BATCH = 20_000


def fill_logs(site, pid: str, megabytes: int, seed: int = 7) -> int:
    """Insert step-log lines (like a health gate's polling output) totalling ``megabytes``."""
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    written = 0
    n = 0
    while written < target:
        rows = []
        for _ in range(BATCH):
            step = STEPS[n % len(STEPS)]
            line = (f"target t{n % 40:02d}: GET /healthz 200 {rng.randint(1, 900)}ms "
                    f"req={rng.getrandbits(64):016x} p95={rng.random():.4f} "
                    f"err_rate={rng.random() / 100:.5f} ok")
            at = f"2026-02-18T09:{(n // 60) % 60:02d}:{n % 60:02d}Z"
            rows.append({"promotion_id": pid, "step": step, "attempt": 1, "at": at,
                         "line": line})
            written += len(at) + len(step) + len(line) + 8
            n += 1
        with site.db.write() as session:
            session.execute(insert(StepLog), rows)
    return n


def run_export(site, pid: str, folder: Path, level: int) -> dict[str, float]:
    marks: dict[str, float] = {}
    pdf = [0.0]

    def progress(update) -> None:
        now = time.perf_counter()
        marks.setdefault(update.phase, now)
        marks["last_" + update.phase] = now

    def renderer(content) -> bytes:
        t = time.perf_counter()
        data = render_report(content)
        pdf[0] = time.perf_counter() - t
        return data

    start = time.perf_counter()
    outcome = exports.export(site, pid, "auditor", folder, who(site, "audrey"), level=level,
                             progress=progress, renderer=renderer)
    end = time.perf_counter()
    archive = folder / outcome.files.archive.name
    return {"total": end - start, "prepare": marks["writing"] - start, "pdf": pdf[0],
            "write": marks["verifying"] - marks["writing"],
            "read_back": marks["last_verifying"] - marks["verifying"],
            "record": end - marks["last_verifying"],
            "archive_bytes": archive.stat().st_size, "archive": str(archive)}


def baseline(data_dir: Path, work: Path) -> float:
    tar = work / "baseline.tar"
    start = time.perf_counter()
    subprocess.run(["tar", "cf", str(tar), "-C", str(data_dir), "."], check=True)
    subprocess.run(["openssl", "dgst", "-sha256", str(tar)], check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    tar.unlink()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--level", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where to build and export")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("openssl") is None or shutil.which("tar") is None:
        print("needs tar and openssl on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-export-") as tmp:
        root = Path(tmp)
        site = make_site(root / "home")
        install_trust_root(site)
        pid = sealed_promotion(site)
        t = time.perf_counter()
        lines = fill_logs(site, pid, args.megabytes)
        fill_seconds = time.perf_counter() - t

        # A first export (not counted) warms the caches and gives the peer its files;
        # then the two alternate, so both see the same load.
        first = root / "first"
        first.mkdir()
        warm = run_export(site, pid, first, args.level)
        data_dir = root / "data"
        with tarfile.open(warm["archive"]) as tar:
            tar.extractall(data_dir, filter="data")
        shutil.rmtree(first)
        content_bytes = sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
        ours, base = [], []
        for n in range(args.runs):
            folder = root / f"out{n}"
            folder.mkdir()
            ours.append(run_export(site, pid, folder, args.level))
            shutil.rmtree(folder)
            base.append(baseline(data_dir, root))
        site.close()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in ours)

    ours_s, base_s = med("total"), statistics.median(base)
    result = {
        "content_mb": round(content_bytes / 1e6, 1), "log_lines": lines,
        "archive_mb": round(med("archive_bytes") / 1e6, 1), "gzip_level": args.level,
        "runs": args.runs, "fill_seconds": round(fill_seconds, 1),
        "export_seconds": round(ours_s, 2),
        "export_mb_per_s": round(content_bytes / 1e6 / ours_s, 1),
        "phases_seconds": {k: round(med(k), 2)
                           for k in ("prepare", "pdf", "write", "read_back", "record")},
        "baseline_seconds": round(base_s, 2),
        "baseline_mb_per_s": round(content_bytes / 1e6 / base_s, 1),
        "throughput_ratio": round(base_s / ours_s, 3),
        "archive_and_read_back_ratio": round(base_s / (med("write") + med("read_back")), 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"content {result['content_mb']} MB ({lines} log lines) → archive "
              f"{result['archive_mb']} MB at gzip level {args.level}; medians of {args.runs}")
        print(f"  export (read-back included)  {ours_s:7.2f} s  "
              f"{result['export_mb_per_s']:7.1f} MB/s   phases {result['phases_seconds']}")
        print(f"  tar cf + openssl dgst        {base_s:7.2f} s  "
              f"{result['baseline_mb_per_s']:7.1f} MB/s")
        print(f"  throughput ratio (export / baseline): {result['throughput_ratio']:.3f}; "
              f"archive + read-back phases only: {result['archive_and_read_back_ratio']:.3f}")
    met = result["throughput_ratio"] >= TARGET_RATIO
    print(f"target: >= {TARGET_RATIO}x tar cf + openssl dgst: {'met' if met else 'NOT met'} "
          f"(load average {os.getloadavg()[0]:.1f})", file=sys.stderr if args.json else sys.stdout)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
