"""Feed-snapshot import benchmark: 100,000 advisories through ``store_snapshot`` into SQLite.

Records are synthesised as ``bench_gate.py`` does — copies of the real OSV records
under tests/data/osv with new ids and package names drawn from per-ecosystem
pools — and held in memory as ``(member path, bytes)``, so the figure is the
service's own cost: reading a verified bundle's staged files back adds the
file system's (on this machine, opening a small file costs ~0.15 ms, i.e. ~15 s
per 100,000 records). One write transaction, as the import does.

Measured:

- ``import``: :func:`app.services.feeds.store_snapshot` for the whole snapshot,
  commit included (records/s and MiB/s of record bytes);
- ``parse share``: the part of that spent in ``OsvRecord.from_bytes``
  (measured separately over the same files);
- ``incremental``: a second snapshot where ``--changed`` of the records
  changed: shared records are not stored again;
- ``gate inputs``: reading the candidate records for a 5,000-component SBOM
  out of the stored snapshot and building the advisory index from them — what
  a gate run does instead of re-parsing the snapshot — cold (parse cache
  cleared) and warm (a second run in the same process, as replays are).

Usage::

    .venv/bin/python bench/bench_feed_import.py [--advisories 100000] [--changed 0.05]
        [--components 5000] [--seed 7] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_gate  # noqa: E402

from app.services.feeds import store_snapshot  # noqa: E402
from app.services.gate_inputs import (  # noqa: E402
    build_index,
    clear_parsed_cache,
    feed_values,
    select_feeds,
)
from engine.vuln import CycloneDxSbom, OsvRecord  # noqa: E402
from models import feeds as q  # noqa: E402
from models.db import Database, sqlite_url  # noqa: E402
from models.migrate import upgrade  # noqa: E402

AT = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)


def synthesise(count: int, rng: random.Random, pool: int
               ) -> tuple[list[tuple[str, bytes]], list]:
    """``count`` synthetic records as ``(member path, bytes)``, in memory."""
    templates = bench_gate.load_templates()
    records, named = [], []
    for i, (data, entries) in enumerate(bench_gate.synthesise(templates, count, rng, pool)):
        records.append((f"osv/{i // 1000:03d}/{i:06d}.json", data))
        named.extend(entries)
    return records, named


def change(records: list[tuple[str, bytes]], share: float, rng: random.Random
           ) -> list[tuple[str, bytes]]:
    """The next snapshot: ``share`` of the records modified, the rest byte-identical."""
    out = list(records)
    for i in rng.sample(range(len(out)), int(len(out) * share)):
        path, data = out[i]
        doc = json.loads(data)
        doc["modified"] = "2026-02-18T06:00:00Z"
        out[i] = (path, json.dumps(doc).encode())
    return out


def import_snapshot(db: Database, records: list[tuple[str, bytes]], digest: str,
                    snapshot: str) -> float:
    feed = {"source": "osv", "snapshot": snapshot, "ecosystems": sorted(bench_gate._NAMES),
            "records": len(records)}
    started = time.perf_counter()
    with db.write() as session:
        store_snapshot(session, digest, feed, iter(records), AT)
    return time.perf_counter() - started


def raw_peer(records: list[tuple[str, bytes]], db_file: Path) -> float:
    """The floor issue 13 compares with: ``json.loads`` of every record and plain
    ``sqlite3`` ``executemany`` of the same rows (record bytes by digest, the snapshot's
    members, the packages each names), one transaction, the product's pragmas."""
    connection = sqlite3.connect(db_file, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript(
        "CREATE TABLE advisories (digest TEXT PRIMARY KEY, osv_id TEXT, modified TEXT, data BLOB);"
        "CREATE TABLE feed_advisories (snapshot_id INTEGER, advisory_digest TEXT, path TEXT,"
        " PRIMARY KEY (snapshot_id, advisory_digest));"
        "CREATE TABLE advisory_packages (ecosystem TEXT, name_key TEXT, advisory_digest TEXT,"
        " PRIMARY KEY (ecosystem, name_key, advisory_digest));")
    started = time.perf_counter()
    advisories, members, packages = [], [], []
    for path, data in records:
        doc = json.loads(data)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        advisories.append((digest, doc["id"], doc.get("modified", ""), data))
        members.append((1, digest, path))
        for affected in doc.get("affected", []):
            package = affected.get("package") or {}
            packages.append((package.get("ecosystem", ""), package.get("name", "").lower(), digest))
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("INSERT OR IGNORE INTO advisories VALUES (?, ?, ?, ?)", advisories)
    connection.executemany("INSERT OR IGNORE INTO feed_advisories VALUES (?, ?, ?)", members)
    connection.executemany("INSERT OR IGNORE INTO advisory_packages VALUES (?, ?, ?)", packages)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


TARGET_RATIO = 0.5  # issue 13


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--components", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    pool = max(50, args.advisories // 20)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-feed-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        records, named = synthesise(args.advisories, rng, pool)
        record_bytes = sum(len(data) for _, data in records)
        # As the desktop app does after start-up (app.gui.settle_heap): the synthesised
        # data is not the import's garbage to scan over and over.
        gc.collect()
        gc.freeze()

        started = time.perf_counter()
        for _, data in records:
            OsvRecord.from_bytes(data)
        parse_s = time.perf_counter() - started

        peer_s = raw_peer(records, work / "peer.db")
        db_file = work / "stella.db"
        url = sqlite_url(db_file)
        upgrade(url)
        db = Database(url)
        first_s = import_snapshot(db, records, "sha256:" + "1" * 64, "2026-02-18T05:30:00Z")
        db_size_first = db_file.stat().st_size
        second_s = import_snapshot(db, change(records, args.changed, rng), "sha256:" + "2" * 64,
                                   "2026-02-18T06:30:00Z")
        records = []
        sbom = CycloneDxSbom.from_bytes(bench_gate.build_sbom(named, args.components, rng, 0.1),
                                        name="sbom/bench.cdx.json")
        gate_times, candidates = [], 0
        for run in range(4):
            if run < 3:
                clear_parsed_cache()
            started = time.perf_counter()
            with db.read() as session:
                entries = select_feeds(q.newest_coverage(session),
                                       {c.ecosystem for c in sbom.components if c.ecosystem})
                index = build_index(session, entries, sbom.components)
            gate_times.append(time.perf_counter() - started)
            candidates = len(index)
        db.dispose()
        figures = {
            "advisories": args.advisories,
            "record_bytes_mib": round(record_bytes / 2**20, 1),
            "import_s": round(first_s, 2),
            "import_records_per_s": round(args.advisories / first_s),
            "import_mib_per_s": round(record_bytes / 2**20 / first_s, 1),
            "raw_peer_s": round(peer_s, 2),
            "ratio_vs_raw_peer": round(peer_s / first_s, 2),
            "parse_s": round(parse_s, 2),
            "parse_share": round(parse_s / first_s, 2),
            "db_mib_after_first": round(db_size_first / 2**20, 1),
            "incremental_changed_share": args.changed,
            "incremental_import_s": round(second_s, 2),
            "db_mib_after_second": round(db_file.stat().st_size / 2**20, 1),
            "sbom_components": len(sbom.components),
            "feeds_used": len(feed_values(entries)),
            "candidate_advisories": candidates,
            "gate_inputs_cold_s": round(sorted(gate_times[:3])[1], 3),
            "gate_inputs_warm_s": round(gate_times[3], 3),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:>26}: {value}")
    met = figures["ratio_vs_raw_peer"] >= TARGET_RATIO
    print(f"target: >= {TARGET_RATIO}x the raw peer: {'met' if met else 'NOT met'} "
          f"(load average {os.getloadavg()[0]:.1f})", file=sys.stderr if args.json else sys.stdout)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
