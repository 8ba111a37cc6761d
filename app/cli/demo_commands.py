"""``stella demo``: a complete demo site, its fleet and promotions (DEMO ONLY)."""

from __future__ import annotations

import argparse

from app.cli.render import emit_json
from app.context import Site
from app.demo import control, layout
from app.site import SiteConfig


def demo(args: argparse.Namespace) -> int:
    config = SiteConfig.resolve(home=args.home, db_url=args.db)
    say = (lambda _line: None) if args.json else (lambda line: print(f"demo: {line}", flush=True))
    if args.stop:
        stopped = control.stop(config.paths)
        say("stopped " + (", ".join(stopped) if stopped else "nothing (not running)"))
        return 0
    control.refuse_foreign_home(config.paths.home)
    if args.rebuild:
        control.wipe(config.paths)
    if config.paths.db_file.exists():
        site = Site.open(config)
        down = control.resume(site, say)
        say(f"reusing the demo site in {config.paths.home}")
        if down:
            say(f"demo targets not running: {', '.join(down)} (`stella demo --rebuild` starts afresh)")
        live = control.live_promotion(site)
        fleets = {}
    else:
        from app.demo.builder import build

        summary = build(config, say)
        site = Site.open(config)
        live = summary.live
        fleets = summary.fleets
    listing = _listing(site, fleets, live)
    listing["prometheus"] = control.prometheus_address(config.paths)
    site.close()
    # The demo's agent advances the live canary (and every other run) with or without
    # the GUI, and keeps doing so when the GUI quits; `demo --stop` stops it.
    agent = control.start_agent(config)
    listing["agent"] = agent.to_json()
    _print(listing, args.json)
    if args.no_gui:
        return 0
    from app.gui import launch

    return launch(config)


def _listing(site: Site, fleets: dict, live: str | None) -> dict:
    from app.services import promotions

    return {
        "home": str(site.paths.home),
        "database": site.config.db_url,
        "users": {name: role for name, role in layout.USERS},
        "passphrase": layout.DEMO_ONLY_PASSPHRASE,
        "fleets": fleets,
        "live_promotion": live,
        "promotions": [{"id": p.id, "release": f"{p.release_name} {p.release_version}",
                        "to": p.to_env, "status": p.status, "step": p.current_title,
                        "scheduled_at": p.scheduled_at}
                       for p in promotions.list_promotions(site)],
    }


def _print(listing: dict, as_json: bool) -> None:
    if as_json:
        emit_json(listing)
        return
    print(f"\nDEMO site (DEMO-ONLY keys and passphrase): {listing['home']}")
    print(f"  database   {listing['database']}")
    print("  users      " + ", ".join(f"{n} ({r})" for n, r in listing["users"].items()))
    print(f"  passphrase {listing['passphrase']}  (every demo user; published, not secret)")
    for env, ports in listing["fleets"].items():
        print(f"  {env:<9}  " + ", ".join(f"{n} 127.0.0.1:{p}" for n, p in sorted(ports.items())))
    for p in listing["promotions"]:
        waits = p.get("scheduled_at") and p["status"] == "pending"  # for its schedule's slot
        status, step = ("SCHEDULED", f"slot {p['scheduled_at']}") if waits else \
            (p["status"].upper(), p["step"])
        print(f"  {p['id']}  {p['release']:<22} → {p['to']:<8} {status:<12} {step}")
    print("  prometheus " + (f"{listing['prometheus']} (measures {layout.LIVE_ENVIRONMENT}'s canary)"
                             if listing.get("prometheus") else "not running (canaries read the targets' /metrics)"))
    if listing.get("live_promotion"):
        print(f"  live canary: {listing['live_promotion']}")
    agent = listing.get("agent") or {}
    if agent.get("running"):
        print(f"  agent      pid {agent['pid']} since {agent['since']} (log {agent['log_file']})")
    print("  stop the fleet with: stella --home … demo --stop")


def demo_traffic(args: argparse.Namespace) -> int:
    from app.demo import traffic

    return traffic.main(["--home", str(SiteConfig.resolve(home=args.home).paths.home),
                         *args.environments])


def demo_target(argv: list[str]) -> int:
    """``stella demo-target …``: a demo target process, for the desktop build (which
    has no ``python -m``); its arguments are the target module's own."""
    from app.drivers.demo_fleet import target

    return target.main(argv)
