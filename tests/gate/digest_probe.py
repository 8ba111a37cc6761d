"""``python -m tests.gate.digest_probe HOME PROMOTION``: evaluate a promotion's gate in a
fresh process (nothing recorded) and print its decision digest."""

from __future__ import annotations

import sys

from app.context import Site
from app.services import gate
from app.site import SiteConfig
from engine.clock import FixedClock
from tests.support.factories import START

if __name__ == "__main__":
    site = Site.open(SiteConfig.resolve(home=sys.argv[1], clock=FixedClock(START)))
    print(gate.evaluate_promotion(site, sys.argv[2]).result.verdict.decision_digest)
    site.close()
