"""What the demo site holds: environments, fleets, users (all DEMO ONLY)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import airgap_bundles

SAMPLES = Path(airgap_bundles.__file__).resolve().parent / "samples"
MARKER = ".stella-demo"  # only a folder holding this may be wiped by --rebuild

# The sample releases declare these inputs (file:…); demo values, not secrets.
DEMO_ONLY_SECRETS = {"platform-db-password": "demo-only-db-password-7f3a", "platform-region": "eu-west-1"}

# Published with the product: anyone can sign in with it. Demo sites only.
DEMO_ONLY_PASSPHRASE = "demo-only-passphrase"
DEMO_ADMIN = "admin"  # the demo site's administrator (same published passphrase)


@dataclass(frozen=True)
class DemoEnvironment:
    name: str
    targets: tuple[str, ...]
    approvals: int
    baseline: str


ENVIRONMENTS = (
    DemoEnvironment("eu-stage", ("eu-stage-01", "eu-stage-02", "eu-stage-03"), 0, "Stage-EU-West"),
    DemoEnvironment("eu-prod", ("eu-prod-01", "eu-prod-02", "eu-prod-03", "eu-prod-04",
                                "eu-prod-05"), 1, "Prod-EU-West"),
    DemoEnvironment("us-prod", ("us-prod-01", "us-prod-02", "us-prod-03"), 1, "Prod-US-East"),
)

USERS = (
    ("alice", "release-manager"),
    ("olga", "operator"),
    ("bob", "approver"),
    ("carol", "approver"),
    ("audrey", "auditor"),
)

# Short health windows while the demo builds its history; the live canary then uses
# the seed's "proceed if 95% healthy for 5m, error rate < 1%".
BUILD_GATE = {"window_seconds": 2.0, "interval_seconds": 0.4, "max_gap_seconds": 3.0,
              "inconclusive_limit": 3}
LIVE_GATE = {"window_seconds": "5m", "interval_seconds": "5s"}
LIVE_ENVIRONMENT = "eu-prod"  # the live canary's; measured by Prometheus when one is installed

PREVIOUS_VERSION = "1.2.3"  # what the fleet runs before the demo's first promotion
RELEASE_BUNDLES = ("release-platform-1.2.4.tar.gz", "release-platform-1.3.0-rc1.tar.gz",
                   "release-platform-1.3.0-rc1-bad.tar.gz")
FEED_SOURCE = SAMPLES / "src" / "feed-osv-2026-02-18"
FEED_KEY = SAMPLES / "keys" / "DEMO-ONLY-feeds-1.key"
FEED_STALENESS_HOURS = 7  # old enough for the 6 h warning, fresh enough not to block
