"""Build the demo site (DEMO ONLY) through the product's own services.

Everything goes through the same doors an operator uses: the sample trust root is
installed as trust on first use, the sample bundles are imported and verified, a
fresh feed snapshot is signed with the published DEMO-ONLY feeds key (as a release
manager's connected machine would), and the promotions are run by the real
executor against real demo-fleet processes on 127.0.0.1 under synthetic traffic.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import airgap_bundles as ab
from app.context import Site
from app.demo import layout
from app.demo.prometheus import DemoPrometheus, PrometheusNotReady, find_binary, live_metrics
from app.demo.traffic import TrafficProcess
from app.deploy.artifacts import release_ref
from app.deploy.settings import set_deploy_config
from app.drivers.base import ReleaseRef
from app.drivers.demo_fleet import DemoBehaviour, DemoFleet, write_demo_artifact
from app.executor import Executor
from app.services import approvals, bundles, identity, promotions, setup, trust
from app.services.releases import find_release
from app.site import SiteConfig, SitePaths
from app.steps.defaults import default_registry
from app.steps.inputs import SECRETS_DIR
from engine.clock import rfc3339
from engine.crypto.atomic import atomic_write_bytes
from engine.crypto.keys import load_private_key

Say = Callable[[str], None]


@dataclass
class DemoSummary:
    home: Path
    promotions: dict[str, str] = field(default_factory=dict)  # id → what it shows
    live: str | None = None
    fleets: dict[str, dict[str, int]] = field(default_factory=dict)
    prometheus: str | None = None  # the address of the Prometheus beside the fleet, if any


def build(config: SiteConfig, say: Say = print) -> DemoSummary:
    """A new demo site in ``config``'s home (which must be empty or a demo site)."""
    home = config.paths.home
    (home / layout.MARKER).parent.mkdir(parents=True, exist_ok=True)
    (home / layout.MARKER).write_text("This folder is a Stella Ops DEMO site (DEMO-ONLY keys).\n")
    say(f"creating the demo site in {home}")
    site = setup.init_site(config, "demo-eu-west", admin=layout.DEMO_ADMIN,
                           passphrase=layout.DEMO_ONLY_PASSPHRASE)
    summary = DemoSummary(home)
    try:
        admin = _who(site, layout.DEMO_ADMIN)
        for name, role in layout.USERS:
            identity.create_user(site, admin, name, role, layout.DEMO_ONLY_PASSPHRASE)
        _trust_and_bundles(site, say)
        _demo_secrets(site.paths.home, say)
        fleets = _environments_and_fleets(site, say)
        summary.prometheus = start_prometheus(site.paths, {e: f.ports() for e, f in fleets.items()}, say)
        TrafficProcess(site.paths).start([env.name for env in layout.ENVIRONMENTS])
        say("synthetic traffic started (demo load generator)")
        _history(site, summary, say)
    except BaseException:
        from app.demo.control import stop

        stop(site.paths)  # no orphaned demo processes after a failed build
        raise
    finally:
        site.close()
    summary.fleets = {env: fleet.ports() for env, fleet in fleets.items()}
    return summary


def start_prometheus(paths: SitePaths, fleets: dict[str, dict[str, int]], say: Say) -> str | None:
    """Start the Prometheus beside the fleet when installed; say what happened either way."""
    binary = find_binary()
    if binary is None:
        say("Prometheus not found (install the 'prometheus' package to see canaries measured "
            "by PromQL); canaries read the demo targets' own /metrics")
        return None
    try:
        address = DemoPrometheus(paths, binary).start(fleets)
    except (PrometheusNotReady, OSError) as err:
        say(f"Prometheus ({binary}) could not start, canaries read the demo targets' own /metrics: {err}")
        return None
    say(f"Prometheus started at {address} ({binary}), scraping the demo fleet through "
        "file service discovery")
    return address


def _trust_and_bundles(site: Site, say: Say) -> None:
    root = (layout.SAMPLES / "trust-root-v1.dsse.json").read_bytes()
    trust.install_first(site, root, "alice", confirmed=True)
    say("trust root v1 installed (trust on first use of the DEMO-ONLY sample root)")
    for name in (*layout.RELEASE_BUNDLES, "policy-default.tar.gz"):
        result = bundles.import_bundle(site, layout.SAMPLES / "bundles" / name, "alice")
        say(f"imported {result.bundle.kind} {result.label}")
    with tempfile.TemporaryDirectory() as scratch:
        feed = _fresh_feed_bundle(site, Path(scratch))
        result = bundles.import_bundle(site, feed, "alice")
        say(f"imported {result.bundle.kind} {result.label}")
    result = bundles.import_bundle(site, layout.SAMPLES / "bundles" / "trust-root-v2.tar.gz", "alice")
    say(f"rotated to {result.label}")


def _demo_secrets(home: Path, say: Say) -> None:
    """The sample releases' declared inputs, in the site secrets folder (0700/0600)."""
    folder = home / SECRETS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    for name, value in layout.DEMO_ONLY_SECRETS.items():
        atomic_write_bytes(folder / name, value.encode(), mode=0o600)
    say(f"demo secrets written to {folder} (DEMO ONLY values)")


def _fresh_feed_bundle(site: Site, scratch: Path) -> Path:
    """The sample OSV records as a snapshot taken a few hours ago, signed with the
    DEMO-ONLY feeds key, so the data-health banner warns without the gate blocking."""
    source = scratch / "feed"
    shutil.copytree(layout.FEED_SOURCE, source)
    taken = site.clock.now().replace(microsecond=0) - timedelta(hours=layout.FEED_STALENESS_HOURS)
    feed = json.loads((source / "feed.json").read_text(encoding="utf-8"))
    feed["snapshot"] = rfc3339(taken)
    (source / "feed.json").write_text(json.dumps(feed, indent=2) + "\n", encoding="utf-8")
    out = scratch / "feed.tar.zst"
    predicate = ab.BundlePredicate(kind="feed-snapshot", name="osv", version=1, created=taken,
                                   expires=taken + timedelta(days=30),
                                   producer="stella demo (DEMO-ONLY feeds key)",
                                   description="sample OSV records, re-dated for the demo")
    ab.build_bundle(source, out, predicate=predicate, signers=[load_private_key(layout.FEED_KEY)],
                    compression="zstd")
    return out


def _environments_and_fleets(site: Site, say: Say) -> dict[str, DemoFleet]:
    fleets = {}
    base = _previous_release(site)
    admin = _who(site, layout.DEMO_ADMIN)
    for env in layout.ENVIRONMENTS:
        setup.add_environment(site, admin, env.name, approvals_required=env.approvals,
                              baseline=env.baseline)
        for target in env.targets:
            setup.add_target(site, admin, env.name, target, "demo-fleet")
        set_deploy_config(site, env.name, {"gates": {"default": layout.BUILD_GATE},
                                           "auto_continue": True}, admin)
        fleet = DemoFleet(site.paths.home, env.name)
        fleet.start(list(env.targets), release=base)
        fleets[env.name] = fleet
        say(f"environment {env.name}: {len(env.targets)} demo targets on 127.0.0.1")
    return fleets


def _previous_release(site: Site) -> ReleaseRef:
    """platform 1.2.3, what the targets ran before this site kept records (deployed by
    other means, so it is not a release of this site): 1.2.4's components, re-versioned."""
    current = release_ref(site, _digest(site, "platform@1.2.4"))
    folder = site.paths.home / "demo-fleet" / "previous-release" / "artifacts"
    for component in current.components:
        write_demo_artifact(folder, component.name, DemoBehaviour(version=layout.PREVIOUS_VERSION,
                                                                  latency_ms=45.0))
    manifest = {"name": current.name, "version": layout.PREVIOUS_VERSION,
                "components": [{"name": c.name, "image": c.image, "digest": c.digest}
                               for c in current.components],
                "notes": "running before this site kept records (DEMO)"}
    return ReleaseRef.from_release_json(manifest, artifacts_dir=folder)


def _digest(site: Site, ref: str) -> str:
    with site.db.read() as session:
        return find_release(session, ref).digest


def _who(site: Site, name: str) -> identity.Identity:
    """A demo user, signed in with the published DEMO-ONLY passphrase."""
    return identity.authenticate(site, name, layout.DEMO_ONLY_PASSPHRASE)


def _run(site: Site, pid: str) -> None:
    Executor(site, pid, default_registry()).run()


def _approve(site: Site, pid: str, approver: str, reason: str) -> None:
    approvals.approve(site, pid, approver, layout.DEMO_ONLY_PASSPHRASE, reason)


def _history(site: Site, summary: DemoSummary, say: Say) -> None:
    shows = summary.promotions
    alice = _who(site, "alice")

    pid = promotions.create_promotion(site, "platform@1.2.4", "eu-stage", alice)
    _run(site, pid)
    shows[pid] = "completed and sealed"
    say(f"{pid}: platform 1.2.4 → eu-stage, {_status(site, pid)}")

    pid = promotions.create_promotion(site, "platform@1.2.4", "eu-prod", alice, "eu-stage")
    _run(site, pid)
    _approve(site, pid, "bob", "CAB-2041 approved for the EU window")
    _run(site, pid)
    shows[pid] = "completed and sealed, approved by bob"
    say(f"{pid}: platform 1.2.4 eu-stage → eu-prod, {_status(site, pid)}")

    pid = promotions.create_promotion(site, "platform@1.3.0-rc1-bad", "eu-stage", alice)
    _run(site, pid)
    shows[pid] = "auto-rolled-back at canary 10% (error rate breach)"
    say(f"{pid}: platform 1.3.0-rc1-bad → eu-stage, {_status(site, pid)}")

    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "us-prod", alice, "eu-stage")
    _run(site, pid)
    shows[pid] = "waiting for approval"
    say(f"{pid}: platform 1.3.0-rc1 eu-stage → us-prod, {_status(site, pid)}")

    # The live one: eu-prod now measures each canary stage for five minutes, asking the
    # Prometheus beside the fleet when there is one.
    live: dict[str, object] = {"gates": {"default": layout.LIVE_GATE}, "auto_continue": False}
    if summary.prometheus:
        live["metrics"] = live_metrics(summary.prometheus)
    set_deploy_config(site, layout.LIVE_ENVIRONMENT, live, _who(site, layout.DEMO_ADMIN))
    if summary.prometheus:
        say(f"{layout.LIVE_ENVIRONMENT}'s canary asks Prometheus at {summary.prometheus} (PromQL error rate, p95)")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", alice, "eu-stage")
    _run_until_approval(site, pid)
    _approve(site, pid, "bob", "CAB-2047: canary in the EU window")
    summary.live = pid
    shows[pid] = "approved by bob; canary 10% measuring live (5 minute window)"
    say(f"{pid}: platform 1.3.0-rc1 eu-stage → eu-prod, approved; its canary runs live")

    scheduled = _schedule(site, say)
    if scheduled:
        shows[scheduled] = "scheduled for tomorrow 02:00 UTC, 2h window"


def _run_until_approval(site: Site, pid: str) -> None:
    Executor(site, pid, default_registry()).run(until="approval")


def _schedule(site: Site, say: Say) -> str | None:
    """The hotfix re-apply of the seed's Schedule screen, when this build has a scheduler."""
    try:
        from app.services import scheduler
    except ImportError:
        return None
    pid = promotions.create_promotion(site, "platform@1.2.4", "us-prod", _who(site, "alice"),
                                      "eu-stage")
    now = site.clock.now()
    at = (now + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    scheduler.create_schedule(site, pid, at=at, window=timedelta(hours=2), actor="alice",
                              requires=("feeds-fresh<24h",), warns=("integrations-healthy",))
    say(f"{pid}: platform 1.2.4 → us-prod scheduled for {rfc3339(at)} (2h window)")
    return pid


def _status(site: Site, pid: str) -> str:
    _, state = promotions.load_run(site, pid)
    current = state.current
    return state.status + (f" ({current.title})" if current else "")
