"""``stella gui`` (and ``stella`` alone): the desktop app.

Its own module so that starting the app imports neither the commands' services nor
SQLAlchemy before the window paints (issue 13: the window's frame first, the data
layer in a worker)."""

from __future__ import annotations

import argparse

from app.site import SiteConfig


def gui(args: argparse.Namespace) -> int:
    if getattr(args, "audit", None):
        from app.gui import launch_audit

        return launch_audit(args.audit)
    from app.gui import launch

    return launch(SiteConfig.resolve(home=args.home, db_url=args.db))
