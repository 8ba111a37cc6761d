"""Transparency-log benchmark: append rate and proof times at 10^4, 10^5 and 10^6 entries.

Two stores: the engine's in-memory ``MemoryNodeStore`` and a SQLite store written
here with the stdlib ``sqlite3`` module, a stand-in for the SQL layer: one table
``nodes(key BLOB PRIMARY KEY, hash BLOB)`` keyed by ``NodeId.to_key()``, batched
inserts with ``executemany`` and one ``SELECT ... IN (...)`` per proof.

For each size the tree is built with batched appends (one transaction per batch),
then measured:

- ``append``: single appends, one transaction each (an evidence item at a time);
- ``reopen``: opening the tree at its size (reads the O(log n) frontier);
- ``inclusion`` / ``consistency``: proof generation at random indexes / sizes,
  and verification of those proofs (store-free);
- ``root_at``: the root at a random earlier size.

Every figure is a median. Usage::

    .venv/bin/python bench/bench_tlog.py [--sizes 10000,100000,1000000]
        [--stores memory,sqlite] [--samples 300] [--synchronous NORMAL|FULL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.tlog import (
    LogTree,
    MemoryNodeStore,
    NodeId,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

BUILD_BATCH = 10_000
SINGLE_APPENDS = 200


class SqliteNodeStore:
    """``NodeStore`` over one SQLite table; the caller owns the transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute(
            "CREATE TABLE IF NOT EXISTS nodes (key BLOB PRIMARY KEY, hash BLOB NOT NULL)"
            " WITHOUT ROWID"
        )

    def get_many(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        keys = [n.to_key() for n in ids]
        found: dict[NodeId, bytes] = {}
        for start in range(0, len(keys), 500):  # stay under SQLite's variable limit
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, h in self.conn.execute(
                f"SELECT key, hash FROM nodes WHERE key IN ({marks})", chunk
            ):
                found[NodeId.from_key(key)] = h
        return found

    def put_many(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        self.conn.executemany(
            "INSERT INTO nodes (key, hash) VALUES (?, ?)",
            [(n.to_key(), h) for n, h in nodes],
        )


def _entry(i: int) -> bytes:
    # About the size of a small DSSE envelope's canonical bytes.
    return b'{"payload":"%08d","payloadType":"application/vnd.in-toto+json","signatures":[]}' % i


def _median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000.0


def _timed(fn: Callable[[], object]) -> tuple[int, object]:
    t0 = time.perf_counter_ns()
    out = fn()
    return time.perf_counter_ns() - t0, out


class Backend:
    """A store plus its transaction boundary (a no-op in memory)."""

    def __init__(self, kind: str, workdir: Path, synchronous: str) -> None:
        self.kind = kind
        self.conn: sqlite3.Connection | None = None
        if kind == "memory":
            self.store: object = MemoryNodeStore()
        else:
            path = workdir / f"tlog-{os.getpid()}-{time.monotonic_ns()}.sqlite"
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(f"PRAGMA synchronous={synchronous}")
            self.store = SqliteNodeStore(self.conn)
            self.path = path

    def begin(self) -> None:
        if self.conn is not None:
            self.conn.execute("BEGIN")

    def commit(self) -> None:
        if self.conn is not None:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def run_one(
    kind: str, size: int, samples: int, workdir: Path, rng: random.Random, synchronous: str
) -> dict:
    backend = Backend(kind, workdir, synchronous)
    try:
        tree = LogTree(backend.store)  # type: ignore[arg-type]

        batch_ns: list[int] = []
        t_build = time.perf_counter_ns()
        for start in range(0, size, BUILD_BATCH):
            data = [_entry(i) for i in range(start, min(size, start + BUILD_BATCH))]
            t0 = time.perf_counter_ns()
            backend.begin()
            tree.append_many(data)
            backend.commit()
            batch_ns.append((time.perf_counter_ns() - t0) // len(data))
        build_s = (time.perf_counter_ns() - t_build) / 1e9

        single: list[int] = []
        for i in range(size, size + SINGLE_APPENDS):
            d = _entry(i)

            def one(d: bytes = d) -> None:
                backend.begin()
                tree.append(d)
                backend.commit()

            single.append(_timed(one)[0])
        n = tree.size

        reopen = [_timed(lambda: LogTree(backend.store, n))[0]  # type: ignore[arg-type]
                  for _ in range(min(samples, 50))]

        root = tree.root
        incl_gen: list[int] = []
        incl_ver: list[int] = []
        proof_len: list[int] = []
        for _ in range(samples):
            i = rng.randrange(n)
            ns, proof = _timed(lambda i=i: tree.inclusion_proof(i))
            incl_gen.append(ns)
            proof_len.append(len(proof))  # type: ignore[arg-type]
            lh = leaf_hash(_entry(i))
            incl_ver.append(_timed(
                lambda i=i, p=proof, lh=lh: verify_inclusion(lh, i, n, p, root))[0])  # type: ignore[arg-type]

        cons_gen: list[int] = []
        cons_ver: list[int] = []
        root_at: list[int] = []
        for _ in range(samples):
            m = rng.randrange(1, n + 1)
            ns, old_root = _timed(lambda m=m: tree.root_at(m))
            root_at.append(ns)
            ns, proof = _timed(lambda m=m: tree.consistency_proof(m))
            cons_gen.append(ns)
            cons_ver.append(_timed(
                lambda m=m, p=proof, r=old_root: verify_consistency(m, n, p, r, root))[0])  # type: ignore[arg-type]

        return {
            "store": kind,
            "entries": size,
            "build_s": round(build_s, 2),
            "build_entries_per_s": round(size / build_s),
            "batched_append_us_per_entry": round(_median_us(batch_ns), 2),
            "single_append_us": round(_median_us(single), 1),
            "reopen_us": round(_median_us(reopen), 1),
            "inclusion_proof_us": round(_median_us(incl_gen), 1),
            "inclusion_verify_us": round(_median_us(incl_ver), 1),
            "inclusion_proof_hashes": statistics.median(proof_len),
            "consistency_proof_us": round(_median_us(cons_gen), 1),
            "consistency_verify_us": round(_median_us(cons_ver), 1),
            "root_at_us": round(_median_us(root_at), 1),
            "stored_nodes": len(backend.store) if kind == "memory" else None,  # type: ignore[arg-type]
        }
    finally:
        backend.close()


COLUMNS = [
    ("store", "store"), ("entries", "entries"), ("build_entries_per_s", "build/s"),
    ("single_append_us", "append µs"), ("reopen_us", "reopen µs"),
    ("inclusion_proof_us", "incl gen µs"), ("inclusion_verify_us", "incl ver µs"),
    ("consistency_proof_us", "cons gen µs"), ("consistency_verify_us", "cons ver µs"),
    ("root_at_us", "root_at µs"),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stores", default="memory,sqlite")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6962)
    parser.add_argument("--workdir", default=None, help="folder for the SQLite files")
    parser.add_argument("--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL"],
                        help="SQLite synchronous pragma (FULL fsyncs every commit)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for kind in args.stores.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                row = run_one(kind, size, args.samples, Path(tmp), rng, args.synchronous)
                rows.append(row)
                if not args.json:
                    print(f"  {kind:6} {size:>9,} built in {row['build_s']} s", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"sqlite: WAL, synchronous={args.synchronous}, one transaction per build batch "
          f"({BUILD_BATCH:,}) and per single append; medians of {args.samples} samples")
    widths = [max(len(h), *(len(str(r[k])) for r in rows)) for k, h in COLUMNS]
    print("  ".join(h.rjust(w) for (_, h), w in zip(COLUMNS, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[k]).rjust(w) for (k, _), w in zip(COLUMNS, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
