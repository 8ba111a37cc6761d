"""A workstation creating promotions as fast as it can: ``python -m
tests.support.create_many HOME COUNT BARRIER`` waits for BARRIER/go, creates COUNT
promotions as alice and prints their ids (JSON), or the error a user would see."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app.context import Site
from app.errors import StellaError
from app.site import SiteConfig
from tests.support.factories import who


def main(home: str, count: int, barrier: Path) -> int:
    from app.services import promotions

    site = Site.open(SiteConfig.resolve(home=home))
    try:
        alice = who(site, "alice")
        (barrier / f"ready-{id(site)}-{time.monotonic_ns()}").touch()
        while not (barrier / "go").exists():
            time.sleep(0.005)
        ids, errors = [], []
        for _ in range(count):
            try:
                ids.append(promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage",
                                                       alice))
            except StellaError as error:
                errors.append(str(error))
        print(json.dumps({"ids": ids, "errors": errors}))
        return 0
    finally:
        site.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
