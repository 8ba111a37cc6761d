"""``stella keys|trust|bundle|import|bundles``: the signed-bundle door (DESIGN §4, §10)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import airgap_bundles as ab
from app.boundary import explain
from app.cli import edge
from app.cli.render import emit_json, short
from app.errors import NotFound, Rejected, UsageError
from engine.clock import parse_rfc3339, rfc3339
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.keys import Ed25519Signer, load_private_key, save_private_key, save_public_key
from engine.crypto.trust_root import TrustRoot
from engine.text import terminal_safe

if TYPE_CHECKING:  # the site and its services load SQLAlchemy: only commands that open a site
    from app.context import Site
    from app.services.bundles import ImportRejected

_DURATION = re.compile(r"^([0-9]{1,9})([dhm])$")


def _passphrase(path: str | None) -> str | None:
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\n")
    return os.environ.get("STELLA_PASSPHRASE") or None


def keys_generate(args: argparse.Namespace) -> int:
    edge.output_file(f"{args.out}.key", "--out")
    signer = Ed25519Signer.generate(os.urandom)
    save_private_key(signer, f"{args.out}.key", _passphrase(args.passphrase_file))
    save_public_key(signer.public_key, f"{args.out}.pub.pem")
    if args.json:
        emit_json({"keyid": signer.keyid, "private": f"{args.out}.key", "public": f"{args.out}.pub.pem"})
    else:
        out = terminal_safe(args.out)
        print(f"key {signer.keyid}\n  private {out}.key (mode 0600)\n  public  {out}.pub.pem")
    return 0


def _site(args: argparse.Namespace) -> Site:
    from app.context import Site
    from app.site import SiteConfig

    return Site.open(SiteConfig.resolve(home=args.home, db_url=args.db))


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:  # told by its cause: missing, a folder, permission
        raise explain(exc) from None


def trust_install(args: argparse.Namespace) -> int:
    from app.services import trust

    root = trust.install_first(_site(args), _read(args.root), args.actor or "", args.yes)
    print(f"trust root v{root.version} installed (trust on first use), digest {root.digest}, "
          f"expires {rfc3339(root.expires)}")
    return 0


def trust_update(args: argparse.Namespace) -> int:
    from app.services import trust

    root = trust.update(_site(args), _read(args.root), args.actor or "")
    print(f"trust root rotated to v{root.version}, digest {root.digest}, expires {rfc3339(root.expires)}")
    return 0


def trust_show(args: argparse.Namespace) -> int:
    from app.services import trust

    current = trust.in_force(_site(args))
    summary = {**current.root.summary(), "installed_at": current.installed_at,
               "installed_by": current.installed_by, "method": current.method}
    if args.json:
        emit_json(summary)
        return 0
    print(f"trust root v{summary['version']}  {summary['digest']}")
    print(f"  expires {summary['expires']}   installed {summary['installed_at']} by "
          f"{terminal_safe(summary['installed_by'])} ({summary['method']})")
    for role, spec in summary["roles"].items():
        keys = ", ".join(k[:12] + "…" for k in spec["keyids"])
        print(f"  {role:<8} threshold {spec['threshold']} of {len(spec['keyids'])}: {keys}")
    return 0


def _created(args: argparse.Namespace) -> datetime:
    if args.created:
        try:
            return parse_rfc3339(args.created)
        except (ValueError, OverflowError):
            raise UsageError(f"--created {terminal_safe(args.created)!r}: give an RFC 3339 UTC "
                             "time such as 2026-02-18T08:30:00Z") from None
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return edge.epoch_seconds(os.environ["SOURCE_DATE_EPOCH"], "SOURCE_DATE_EPOCH")
    # Derived from the sources, so rebuilding unchanged sources gives identical bytes.
    newest = max((p.stat().st_mtime for p in Path(args.source).rglob("*") if p.is_file()), default=0)
    return datetime.fromtimestamp(int(newest), UTC)


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"--expires {terminal_safe(text)!r}: use a number with d, h or m "
                         "(e.g. 30d)")
    unit = {"d": 86_400, "h": 3_600, "m": 60}[match.group(2)]
    seconds = int(match.group(1)) * unit
    if not 60 <= seconds <= edge.MAX_VALIDITY.total_seconds():
        raise UsageError(f"--expires {text}: a bundle is valid for at least a minute and at "
                         f"most {edge.MAX_VALIDITY.days} days")
    return timedelta(seconds=seconds)


def bundle_build(args: argparse.Namespace) -> int:
    if not Path(args.source).is_dir():
        raise NotFound(f"no folder {terminal_safe(args.source)}")
    edge.output_file(args.out, "--out")
    created = _created(args)  # the arguments first, then the keys
    expires = created + _duration(args.expires)
    passphrase = _passphrase(args.passphrase_file)
    try:
        signers = [load_private_key(k, passphrase) for k in args.key]
        predicate = ab.BundlePredicate(kind=args.kind, name=args.name, version=args.version,
                                       created=created, expires=expires,
                                       producer=args.producer, description=args.description)
        result = ab.build_bundle(args.source, args.out, predicate=predicate, signers=signers,
                                 compression=args.compression)
    except (CryptoError, ab.BundleError) as exc:
        raise Rejected(f"bundle not built: {exc}") from None
    if args.json:
        emit_json({"out": args.out, "manifest_digest": result.manifest_digest,
                   "size": result.archive_size})
    else:
        print(f"built {terminal_safe(args.out)} ({result.archive_size} bytes, "
              f"manifest {short(result.manifest_digest)})")
    return 0


def _print_report(report: ab.VerificationReport | None, out=None) -> None:
    if report is None:
        return
    out = out or sys.stdout  # looked up now: the CLI guards the stream it finds
    for check in report.checks:
        print(f"  {'✓' if check.passed else '✗'} {check.title}: {terminal_safe(check.detail)}",
              file=out)


def bundle_verify(args: argparse.Namespace) -> int:
    allow = args.reason if args.allow_older else None
    if args.allow_older and not args.reason:
        raise UsageError("--allow-older needs --reason")
    site_rejections: tuple[type[ImportRejected], ...] = ()  # the site's, once a site is opened
    try:
        if args.trust_root:  # no site: nothing of SQLAlchemy or the services is loaded
            root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(_read(args.trust_root)))
            verified = ab.verify_bundle(args.file, trust_root=root, now=datetime.now(UTC),
                                        history=ab.NO_HISTORY,
                                        allow_older=ab.AllowOlder(allow) if allow else None)
        else:
            from app.services import bundles

            site_rejections = (bundles.ImportRejected,)
            verified = bundles.verify(_site(args), args.file, allow_older_reason=allow)
    except ab.BundleRejected as exc:
        return _rejected(args, str(exc), exc.report)
    except site_rejections as exc:
        return _rejected(args, exc.message, exc.report)
    except CryptoError as exc:
        raise Rejected(f"trust root unusable: {exc}") from None
    if args.json:
        emit_json(verified.to_json())
    else:
        print(f"{terminal_safe(args.file)}: VERIFIED {verified.kind} {terminal_safe(verified.name)} "
              f"v{verified.version} "
              f"({short(verified.manifest_digest)})")
        _print_report(verified.report)
    return 0


def _rejected(args: argparse.Namespace, message: str, report: ab.VerificationReport | None) -> int:
    if args.json:
        emit_json({"ok": False, "error": message, "report": report.to_json() if report else None})
    else:
        print(f"{terminal_safe(args.file)}: REJECTED", file=sys.stderr)
        _print_report(report, sys.stderr)
        print(f"stella: {terminal_safe(message)}", file=sys.stderr)
    return 1


def bundle_import(args: argparse.Namespace) -> int:
    from app.services import bundles

    if args.allow_older and not (args.reason or "").strip():
        raise UsageError("--allow-older needs --reason: the override is recorded")
    try:
        result = bundles.import_bundle(_site(args), args.file, args.actor or "",
                                       allow_older_reason=args.reason if args.allow_older else None)
    except bundles.ImportRejected as exc:
        return _rejected(args, exc.message, exc.report)
    verified = result.bundle
    if args.json:
        emit_json({**verified.to_json(), "label": result.label})
    else:
        print(f"imported {verified.kind} {terminal_safe(result.label)} (v{verified.version}, "
              f"{short(verified.manifest_digest)})")
        if verified.override:
            print(f"  OVERRIDE recorded: version {verified.override.previous_version} → "
                  f"{verified.version}: {terminal_safe(verified.override.reason)}")
    return 0


def bundles_list(args: argparse.Namespace) -> int:
    from app.services import bundles

    rows = bundles.list_bundles(_site(args))
    if args.json:
        emit_json([row.__dict__ | {"signer_keyids": list(row.signer_keyids)} for row in rows])
        return 0
    for row in rows:
        print(f"{row.kind:<14} {terminal_safe(row.label):<44} v{row.version:<4} "
              f"{short(row.manifest_digest)}  {row.imported_at} {terminal_safe(row.imported_by)}")
    return 0
