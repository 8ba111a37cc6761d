"""CLI handlers for the site authority: init with its first admin, users, environments,
targets. Every change is made by an admin (``--as ADMIN`` with the admin's passphrase
from ``--passphrase-file F`` or ``STELLA_PASSPHRASE``) as a signed roster record; a
refusal (no admin given, not an admin, wrong passphrase) changes nothing, exit 1."""

from __future__ import annotations

import argparse
import os

from app.cli import edge
from app.cli.render import emit_json
from app.context import Site
from app.errors import Rejected, UsageError
from app.services import identity, setup, site_roster
from app.services.identity import Identity
from app.site import SiteConfig
from engine.text import terminal_safe

NEW_PASSPHRASE_ENV = "STELLA_NEW_PASSPHRASE"


def _config(args: argparse.Namespace) -> SiteConfig:
    return SiteConfig.resolve(home=args.home, db_url=args.db)


def _site(args: argparse.Namespace) -> Site:
    return Site.open(_config(args))


def _admin(site: Site, args: argparse.Namespace, file_option: str = "passphrase_file") -> Identity:
    """The acting admin, proven by their key before anything is read for the change."""
    secret = identity.read_passphrase(getattr(args, file_option, None))
    return identity.authenticate(site, args.actor or "", secret)


def init(args: argparse.Namespace) -> int:
    if not args.admin:
        raise UsageError("name the site's first administrator: stella init --admin NAME "
                         "(their key's passphrase from --passphrase-file F or "
                         f"{identity.PASSPHRASE_ENV})")
    secret = identity.read_passphrase(args.passphrase_file)
    site = setup.init_site(_config(args), args.site, admin=args.admin, passphrase=secret)
    row = site.row()
    roster = site_roster.read(site)
    admin = roster.user(args.admin)
    if admin is None:  # init_site enrolled them in record #0
        raise Rejected(f"the new site's roster does not name {args.admin}")
    if args.json:
        emit_json({"home": str(site.paths.home), "db": site.config.db_url, "site": row.name,
                   "site_key_id": row.site_key_id, "log_key_id": row.log_key_id,
                   "log_origin": row.log_origin, "admin": args.admin,
                   "admin_key_id": admin.keyids[0], "executor_key_ids": list(roster.executor_keys()),
                   "roster_head": roster.head})
    else:
        print(f"site {terminal_safe(row.name)} created in {terminal_safe(site.paths.home)}")
        print(f"  site key {row.site_key_id[:16]}…  log key {row.log_key_id[:16]}…")
        print(f"  admin {terminal_safe(args.admin)}, key {admin.keyids[0][:16]}… in "
              f"{terminal_safe(identity.key_path(site, args.admin))}")
    return 0


def user_add(args: argparse.Namespace) -> int:
    site = _site(args)
    new_secret = identity.read_passphrase(args.passphrase_file,
                                          {identity.PASSPHRASE_ENV: os.environ.get(NEW_PASSPHRASE_ENV, "")})
    if not new_secret:
        raise UsageError(f"every user acts with their own key: give its passphrase with "
                         f"--passphrase-file F (or {NEW_PASSPHRASE_ENV})")
    admin = _admin(site, args, "admin_passphrase_file")
    user = identity.create_user(site, admin, args.name, args.role, new_secret)
    print(f"user {user.name} ({user.role}), key {(user.key_id or '')[:16]}… in "
          f"{terminal_safe(identity.key_path(site, user.name))}; enrolled by {admin.name}")
    return 0


def user_revoke(args: argparse.Namespace) -> int:
    site = _site(args)
    admin = _admin(site, args)
    identity.revoke_user(site, admin, args.name)
    print(f"user {args.name} revoked by {admin.name} from {site.now()}")
    return 0


def user_role(args: argparse.Namespace) -> int:
    site = _site(args)
    admin = _admin(site, args)
    identity.change_role(site, admin, args.name, args.role)
    print(f"user {args.name} is {args.role} from {site.now()} (by {admin.name})")
    return 0


def user_list(args: argparse.Namespace) -> int:
    roster = site_roster.read(_site(args))
    users = [{"name": u.name, "role": u.role, "active": u.active,
              "key_id": u.keyids[-1] if u.keyids else None, "key_ids": list(u.keyids)}
             for u in roster.users()]
    if args.json:
        emit_json(users)
    else:
        for user in users:
            state = "" if user["active"] else "  (revoked)"
            print(f"{terminal_safe(user['name']):<20} {user['role']:<16}{state}")
    return 0


def env_add(args: argparse.Namespace) -> int:
    site = _site(args)
    admin = _admin(site, args)
    env = setup.add_environment(site, admin, args.name, args.workflow, args.requires_approval,
                                args.baseline)
    print(f"environment {env.name} ({env.workflow}, approvals required: {env.approvals_required})")
    return 0


def target_add(args: argparse.Namespace) -> int:
    from app.cli.commands import _options

    site = _site(args)
    admin = _admin(site, args)
    target = setup.add_target(site, admin, args.env, args.name, args.driver, _options(args.option))
    print(f"target {target.name} in {args.env} ({terminal_safe(target.driver)})")
    return 0


def target_remove(args: argparse.Namespace) -> int:
    site = _site(args)
    admin = _admin(site, args)
    setup.remove_target(site, admin, args.env, args.name)
    print(f"target {args.name} removed from {args.env}")
    return 0


def env_configure(args: argparse.Namespace) -> int:
    from app.cli.deploy_commands import show_deploy_config
    from app.deploy.settings import set_deploy_config

    site = _site(args)
    if not args.file:
        return show_deploy_config(site, args)
    data = edge.read_json_file(args.file, "--file")
    admin = _admin(site, args)
    set_deploy_config(site, args.name, data, admin)
    return show_deploy_config(site, args)
