#!/usr/bin/env python3
"""Start-up of the ``stella`` command, as a whole process, against the interpreter alone.

Measured (medians of ``--runs``, alternating so both see the same machine load):

- ``python -c pass`` with the same interpreter: the floor;
- ``stella --version``: target <= 8x the floor (issue 13);
- ``stella promotions`` on a demo-sized site (``--home``, or six promotions built here
  through the executor): target <= 0.5 s;
- with ``--big-home`` (a site from bench/make_big_site.py): ``stella promotions --json``
  there against the same on the demo-sized site: target <= 2x.

    .venv/bin/python bench/bench_startup.py [--runs 9] [--home SITE] [--big-home BIG] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
STELLA = Path(sys.executable).with_name("stella")


def _time(argv: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "STELLA_DEBUG": ""})
    return time.perf_counter() - began


def _medians(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    seen: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            seen[name].append(_time(argv))
    return {name: statistics.median(times) for name, times in seen.items()}


def _demo_sized_site(home: Path) -> Path:
    """Six promotions through the executor and the test suite's step doubles."""
    from app.executor import Executor
    from app.services import promotions
    from devkit import factories
    from devkit.doubles import doubles_registry

    site = factories.make_site(home)
    factories.add_release(site)
    for index in range(6):
        to_env = "eu-prod" if index % 3 == 2 else "eu-stage"
        pid = promotions.create_promotion(site, "platform@1.3.0-rc1", to_env,
                                          factories.who(site, "alice"),
                                          "eu-stage" if to_env == "eu-prod" else None)
        Executor(site, pid, doubles_registry()).run()
    site.close()
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--home", type=Path, help="a demo-sized site (default: built here)")
    parser.add_argument("--big-home", type=Path, help="a site from bench/make_big_site.py")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or _demo_sized_site(Path(tmp) / "demo")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "stella --version": [str(STELLA), "--version"],
            "stella promotions (demo)": [str(STELLA), "--home", str(home), "promotions"],
            "stella promotions --json (demo)": [str(STELLA), "--home", str(home), "promotions", "--json"],
        }
        if args.big_home:
            commands["stella promotions --json (big)"] = [str(STELLA), "--home", str(args.big_home),
                                                          "promotions", "--json"]
        _medians(commands, 1)  # warm the page cache and the bytecode
        found = _medians(commands, args.runs)
    floor = found["python -c pass"]
    ratios = {"version_vs_python": found["stella --version"] / floor}
    if args.big_home:
        ratios["big_vs_demo_json"] = (found["stella promotions --json (big)"]
                                      / found["stella promotions --json (demo)"])
    missed = [name for name, met in (
        ("--version", ratios["version_vs_python"] <= 8),
        ("promotions", found["stella promotions (demo)"] <= 0.5),
        ("big --json", ratios.get("big_vs_demo_json", 0) <= 2)) if not met]
    if args.json:
        print(json.dumps({"seconds": found, "ratios": ratios, "missed": missed}, indent=2))
        sys.exit(1 if missed else 0)
    for name, seconds in found.items():
        print(f"{name:<34} {seconds * 1000:8.1f} ms")
    print(f"stella --version / python -c pass  {ratios['version_vs_python']:.2f}x  (target <= 8x)")
    print(f"stella promotions on the demo site {found['stella promotions (demo)']:.3f} s  "
          "(target <= 0.5 s)")
    if args.big_home:
        print(f"promotions --json, big / demo      {ratios['big_vs_demo_json']:.2f}x  (target <= 2x)")
    print(f"load average {os.getloadavg()[0]:.1f}; " + (f"MISSED: {', '.join(missed)}" if missed else "all targets met"))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
