"""Site database throughput, SQLite vs PostgreSQL: promotions completed per minute and
run events appended per second with 1, 4 and 10 executor processes.

Each executor is its own process with its own site connection (as agents on several
workstations are), running whole promotions (canary workflow, test doubles for the
steps, no step delay) to completion; appends are the run events they write.

    python bench/bench_site_db.py --promotions 40 --executors 1,4,10 \\
        --postgresql postgresql+psycopg://stella@127.0.0.1:5432/postgres
    scripts/pg-cluster.sh run -- python bench/bench_site_db.py   # a private server
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from models.tables import RunEvent  # noqa: E402


def _worker(home: str, ids: list[str]) -> int:
    from app.context import Site
    from app.executor import Executor
    from app.site import SiteConfig
    from devkit.doubles import doubles_registry

    site = Site.open(SiteConfig.resolve(home=home))
    try:
        for pid in ids:
            Executor(site, pid, doubles_registry()).run()
    finally:
        site.close()
    return 0


def _site(root: Path, db_url: str | None, promotions: int):
    from app.services import promotions as promotion_service
    from devkit.factories import add_release, make_site, who
    from engine.clock import SystemClock

    site = make_site(root / "home", clock=SystemClock(), db_url=db_url)
    add_release(site)
    alice = who(site, "alice")
    ids = [promotion_service.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", alice)
           for _ in range(promotions)]
    return site, ids


def measure(db_url: str | None, promotions: int, executors: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        site, ids = _site(Path(tmp), db_url, promotions)
        with site.db.read() as session:
            before = session.scalar(select(func.count()).select_from(RunEvent)) or 0
        shares = [ids[k::executors] for k in range(executors)]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, __file__, "--worker", str(site.paths.home),
                                     *share], env=env) for share in shares if share]
        codes = [worker.wait() for worker in workers]
        elapsed = time.perf_counter() - started
        with site.db.read() as session:
            appended = (session.scalar(select(func.count()).select_from(RunEvent)) or 0) - before
        site.close()
        if any(codes):
            raise SystemExit(f"an executor failed: {codes}")
    return {"executors": executors, "promotions": promotions, "seconds": round(elapsed, 2),
            "promotions_per_min": round(promotions / elapsed * 60, 1),
            "appends_per_s": round(appended / elapsed, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promotions", type=int, default=40)
    parser.add_argument("--executors", default="1,4,10")
    parser.add_argument("--postgresql", default=os.environ.get("STELLA_TEST_DB"),
                        help="a PostgreSQL server URL (a fresh database is made on it)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args.worker[0], args.worker[1:])
    from devkit import postgres

    results = []
    for executors in [int(n) for n in args.executors.split(",")]:
        for kind in ("sqlite", "postgresql"):
            if kind == "postgresql" and not args.postgresql:
                continue
            url = postgres.fresh_database(args.postgresql) if kind == "postgresql" else None
            row = {"database": kind, **measure(url, args.promotions, executors)}
            if url:
                postgres.drop_created()
            print(json.dumps(row), flush=True)
            results.append(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
