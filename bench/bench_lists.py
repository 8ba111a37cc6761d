#!/usr/bin/env python3
"""Lists and runs on a site with many promotions: the cost must not grow with history.

On a site from bench/make_big_site.py (``--home``; or one of ``--promotions`` built
here first), medians of ``--runs`` calls in one warm process, as the app makes them:

- ``list``: :func:`app.services.promotions.list_promotions`, every promotion (the
  promotions page, Approvals, health's failed runs; target for the first page <= 0.3 s);
- ``page``: its first ``--page`` rows;
- ``heads``: the live-refresh poll (event count per promotion);
- ``open run``: :func:`app.services.promotions.load_run` of runs spread over the site
  (chain verified, folded; target <= 0.2 s);
- ``health``: the data-health report without asking targets (the banner);
- ``verifier status``: where background chain verification stands.

The peer is the same calls on a demo-sized site (``--small-home``, or six promotions
built here), so the ratio says how much history costs.

    .venv/bin/python bench/bench_lists.py --home BIG [--runs 5] [--json]
    .venv/bin/python bench/bench_lists.py --promotions 500        # quick
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from app.context import Site  # noqa: E402
from app.services import chain_verifier, health, promotions  # noqa: E402
from app.site import SiteConfig  # noqa: E402


def _median(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(home: Path, runs: int, page: int) -> dict[str, float]:
    site = Site.open(SiteConfig.resolve(home=home))
    began = time.perf_counter()
    listed = promotions.list_promotions(site)
    first = time.perf_counter() - began
    ids = [p.id for p in listed]
    sample = ids[:: max(1, len(ids) // runs)][:runs]
    opened = []
    for pid in sample:
        began = time.perf_counter()
        promotions.load_run(site, pid)
        opened.append(time.perf_counter() - began)
    found = {
        "promotions": len(ids),
        "list (first call)": first,
        "list": _median(lambda: promotions.list_promotions(site), runs),
        "page": _median(lambda: promotions.list_promotions(site, limit=page), runs),
        "heads": _median(lambda: promotions.heads(site), runs),
        "open run": statistics.median(opened),
        "health": _median(lambda: health.report(site, probe_targets=False), runs),
        "verifier status": _median(lambda: chain_verifier.status(site), runs),
    }
    site.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a site from bench/make_big_site.py")
    parser.add_argument("--promotions", type=int, default=500, help="without --home: build this many")
    parser.add_argument("--small-home", type=Path, help="the demo-sized peer (default: built here)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import make_big_site

    quiet = (lambda _line: None) if args.json else print
    with tempfile.TemporaryDirectory() as tmp:
        big = args.home
        if big is None:
            big = Path(tmp) / "big"
            make_big_site.build(big, args.promotions, 100, quiet).close()
        small = args.small_home
        if small is None:
            small = Path(tmp) / "small"
            make_big_site.build(small, 6, 100, lambda _line: None).close()
        result = {"big": measure(big, args.runs, args.page), "small": measure(small, args.runs, args.page)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'':<20} {'big':>10} {'small':>10} {'ratio':>7}")
    for key, value in result["big"].items():
        peer = result["small"][key]
        if key == "promotions":
            print(f"{key:<20} {value:>10} {peer:>10}")
        else:
            print(f"{key:<20} {value * 1000:>8.1f}ms {peer * 1000:>8.1f}ms {value / peer:>6.1f}x")
    print("targets: first page <= 300 ms, open run <= 200 ms (on 10,000 promotions)")


if __name__ == "__main__":
    main()
