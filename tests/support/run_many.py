"""An executor on one workstation competing for many runs: ``python -m
tests.support.run_many HOME SEED PID...`` advances the runs in its own shuffled order
until every one is completed (a run another executor holds is skipped and tried again)
and prints how often it found a run held (JSON)."""

from __future__ import annotations

import json
import random
import sys
import time

from app.context import Site
from app.errors import NotNow
from app.executor import Executor
from app.services import promotions
from app.site import SiteConfig
from tests.support.doubles import doubles_registry


def main(home: str, seed: int, ids: list[str]) -> int:
    site = Site.open(SiteConfig.resolve(home=home))
    order = random.Random(seed)
    held = 0
    deadline = time.monotonic() + 240
    try:
        pending = list(ids)
        while pending and time.monotonic() < deadline:
            order.shuffle(pending)
            for pid in pending:
                try:
                    Executor(site, pid, doubles_registry(delay=0.01)).run()
                except NotNow:
                    held += 1
            pending = [pid for pid in pending
                       if promotions.load_run(site, pid)[1].status != "completed"]
            if pending:
                time.sleep(0.05)
        print(json.dumps({"held": held, "pending": pending}))
        return 0 if not pending else 1
    finally:
        site.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
