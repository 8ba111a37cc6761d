"""The site trust root (DESIGN §4.2): first install (trust on first use, confirmed by
an operator), TUF-style rotation, and the root in force."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.context import Site
from app.errors import NotFound, Rejected
from app.services.roles import require_role
from engine.clock import rfc3339
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.trust_root import TrustRoot
from models.tables import TrustRootRecord

INSTALLERS = ("operator", "release-manager")
TOFU = "trust-on-first-use"
ROTATION = "rotation"


@dataclass(frozen=True)
class TrustRootInForce:
    root: TrustRoot
    installed_at: str
    installed_by: str
    method: str


def _parse(envelope_bytes: bytes) -> dsse.Envelope:
    try:
        return dsse.Envelope.from_bytes(envelope_bytes)
    except CryptoError as exc:
        raise Rejected(f"trust root rejected: {exc}") from None


def _latest(session) -> TrustRootRecord | None:
    return session.scalar(select(TrustRootRecord).order_by(TrustRootRecord.version.desc()).limit(1))


def require_installer(site: Site, actor: str) -> None:
    """Rejected unless ``actor`` may install or rotate the trust root (asked before a
    file is read, so a refusal by role is a message, not a report)."""
    with site.db.read() as session:
        require_role(session, actor, INSTALLERS, "install or rotate the trust root")


def install_first(site: Site, envelope_bytes: bytes, actor: str, confirmed: bool) -> TrustRoot:
    """Trust on first use: only with an explicit confirmation, only on a site with none."""
    if not confirmed:
        raise Rejected("installing the first trust root is trust on first use: check its "
                       "fingerprint out of band, then confirm with --yes")
    envelope = _parse(envelope_bytes)
    now = site.clock.now()
    try:
        root = TrustRoot.first_install(envelope, now)
    except CryptoError as exc:
        raise Rejected(f"trust root rejected: {exc}") from None
    with site.db.write() as session:
        require_role(session, actor, INSTALLERS, "install a trust root")
        if _latest(session) is not None:
            raise Rejected("this site already has a trust root; use `stella trust update` to rotate")
        session.add(TrustRootRecord(version=root.version, digest=root.digest,
                                    envelope=envelope.to_bytes(), expires=rfc3339(root.expires),
                                    installed_at=rfc3339(now), installed_by=actor, method=TOFU))
    return root


def accept_rotation(session, site: Site, envelope: dsse.Envelope, actor: str) -> TrustRoot:
    """Verify and record a successor root inside the caller's transaction."""
    current = _latest(session)
    if current is None:
        raise Rejected("this site has no trust root yet; install one with `stella trust install`")
    now = site.clock.now()
    try:
        successor = TrustRoot.from_envelope(dsse.Envelope.from_bytes(current.envelope)) \
            .verify_successor(envelope, now)
    except CryptoError as exc:
        raise Rejected(f"trust root rotation rejected: {exc}") from None
    session.add(TrustRootRecord(version=successor.version, digest=successor.digest,
                                envelope=envelope.to_bytes(), expires=rfc3339(successor.expires),
                                installed_at=rfc3339(now), installed_by=actor, method=ROTATION))
    return successor


def update(site: Site, envelope_bytes: bytes, actor: str) -> TrustRoot:
    envelope = _parse(envelope_bytes)
    with site.db.write() as session:
        require_role(session, actor, INSTALLERS, "rotate the trust root")
        return accept_rotation(session, site, envelope, actor)


def in_force(site: Site) -> TrustRootInForce:
    with site.db.read() as session:
        row = _latest(session)
    if row is None:
        raise NotFound("this site has no trust root; install one with `stella trust install`")
    root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(row.envelope))
    return TrustRootInForce(root, row.installed_at, row.installed_by, row.method)


def history(site: Site) -> list[TrustRootRecord]:
    with site.db.read() as session:
        return list(session.scalars(select(TrustRootRecord).order_by(TrustRootRecord.version)))
