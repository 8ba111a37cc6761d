"""``stella agent [start|stop|status]``: the site's executor as a service."""

from __future__ import annotations

import argparse

from app.cli.render import emit_json
from app.site import SiteConfig


def agent(args: argparse.Namespace) -> int:
    from app.agent import lock, process

    config = SiteConfig.resolve(home=args.home, db_url=args.db)
    if args.action == "run":
        registry = getattr(args, "registry", None)
        if registry is not None:
            factory = lambda: registry  # noqa: E731 (a test's step doubles)
        else:
            from app.steps.defaults import default_registry as factory
        grace = args.grace if args.grace is not None else process.STOP_GRACE
        return process.serve(config, factory, grace)
    if args.action == "start":
        status = process.start_detached(config)
    elif args.action == "stop":
        status = process.stop_detached(config)
    else:
        status = lock.status(config)
    if args.json:
        emit_json(status.to_json())
    elif args.action == "stop":
        print(f"agent: stopped (was pid {status.pid})" if status.running
              else "agent: not running")
    else:
        print(f"agent: {status.text}" + (f"; log {status.log_file}" if status.running else ""))
    return 0
