"""The table of contents, the files, the keys, the trust root and the log's signed
checkpoint: everything the evidence checks stand on.

Order matters, and each step names the file at fault: the site key is read from
``trust/keys``; ``index.json`` must be signed by it (and by the pinned key, when
the auditor gave one); only then are the digests in the index believed, and every
file is compared with them. Later checks read only files whose digest matched.
"""

from __future__ import annotations

from airgap_bundles.audit.context import Context
from airgap_bundles.audit.report import FILES, INCLUSION, KEYS, SIGNATURES
from airgap_bundles.export import layout
from airgap_bundles.export.index import IndexFormatError, parse_index
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.keys import PublicKey
from engine.crypto.trust_root import TrustRoot
from engine.tlog.checkpoint import verify_checkpoint
from engine.tlog.errors import TlogError
from engine.tlog.keys import NoteVerifier


def _public_key(ctx: Context, keyid: str) -> PublicKey | None:
    path = layout.key_path(keyid)
    member = ctx.members.get(path)
    if member is None or member.data is None:
        ctx.report.failed(KEYS, path, "is missing: the key that signed index.json must be shipped")
        return None
    try:
        key = PublicKey.from_pem(member.data)
    except CryptoError as exc:
        ctx.report.failed(KEYS, path, f"is not a usable public key ({exc})")
        return None
    if key.keyid != keyid:
        ctx.report.failed(KEYS, path, f"holds key {key.keyid}, not the key its name says")
        return None
    return key


def check_index(ctx: Context, pinned_site_key: str | None) -> bool:
    """Parse ``index.json`` and verify its signature by the site key."""
    report = ctx.report
    member = ctx.members.get(layout.INDEX)
    if member is None:
        report.failed(
            FILES,
            layout.INDEX,
            "is missing; without the signed table of contents "
            "nothing in this export can be checked",
        )
        return False
    if member.data is None:
        report.failed(FILES, layout.INDEX, "is far too large to be an export index")
        return False
    try:
        signed = parse_index(member.data)
    except IndexFormatError as exc:
        report.failed(FILES, layout.INDEX, str(exc))
        return False
    index = signed.index
    report.facts.update(
        {
            "export": index.bundle + (" (PARTIAL: not sealed yet)" if index.partial else ""),
            "promotion": index.promotion,
            "release": f"{index.release['name']} {index.release['version']} "
            f"{index.release['digest']}",
            "site": index.site_name,
            "site key": index.site_key,
            "log": index.log_origin,
        }
    )
    if signed.signature.keyid not in (None, index.site_key):
        report.failed(
            SIGNATURES,
            layout.INDEX,
            f"is signed by key {signed.signature.keyid}, "
            f"not the site key {index.site_key} it names",
        )
        return False
    entry = next((k for k in index.keys if k.keyid == index.site_key), None)
    if entry is None or layout.ROLE_SITE not in entry.roles:
        report.failed(KEYS, layout.INDEX, "does not list its site key with the role 'site'")
        return False
    if pinned_site_key and pinned_site_key != index.site_key:
        report.failed(
            KEYS,
            layout.INDEX,
            f"is signed by site key {index.site_key}, not the "
            f"expected {pinned_site_key}: this export comes from another site or "
            "was re-signed",
        )
        return False
    site_key = _public_key(ctx, index.site_key)
    if site_key is None:
        return False
    try:
        signed.verify(site_key)
    except CryptoError as exc:
        report.failed(
            SIGNATURES,
            layout.INDEX,
            f"its signature does not verify with the site "
            f"key ({exc}); the table of contents was altered",
        )
        return False
    pin = (
        " (the pinned key)"
        if pinned_site_key
        else (" — compare this key id with the one the site published")
    )
    report.passed(SIGNATURES, layout.INDEX, f"signed by the site key {index.site_key}{pin}")
    ctx.index, ctx.site_key = index, site_key
    return True


def check_files(ctx: Context) -> None:
    """Every listed file present with its digest and size; nothing unlisted."""
    assert ctx.index is not None
    report = ctx.report
    for item in ctx.index.items:
        member = ctx.members.get(item.path)
        if member is None:
            report.failed(FILES, item.path, "is listed in index.json but missing")
        elif member.sha256 != item.sha256 or member.size != item.size:
            report.failed(
                FILES,
                item.path,
                "its SHA-256 differs from index.json: the file changed after export",
            )
        else:
            ctx.good.add(item.path)
            report.passed(FILES, item.path, f"sha256 {item.sha256[:16]}… matches index.json")
    listed = {i.path for i in ctx.index.items} | {layout.INDEX}
    for path in sorted(set(ctx.members) - listed):
        report.failed(FILES, path, "is not listed in index.json: it was added after export")


def check_keys(ctx: Context) -> None:
    assert ctx.index is not None
    report = ctx.report
    roles = {k.keyid: k.roles for k in ctx.index.keys}
    for item in ctx.index.of_kind(layout.K_KEY):
        data = ctx.data(item.path)
        if data is None:
            continue
        try:
            key = PublicKey.from_pem(data)
        except CryptoError as exc:
            report.failed(KEYS, item.path, f"is not a usable public key ({exc})")
            continue
        if item.path != layout.key_path(key.keyid):
            report.failed(KEYS, item.path, f"holds key {key.keyid}, not the key its name says")
            continue
        if key.keyid not in roles:
            report.failed(KEYS, item.path, "is not described under 'keys' in index.json")
            continue
        ctx.keys[key.keyid] = (key, roles[key.keyid])
        report.passed(
            KEYS, item.path, f"{key.scheme} key, id matches; role {', '.join(roles[key.keyid])}"
        )
    for keyid in sorted(set(roles) - set(ctx.keys)):
        if layout.key_path(keyid) not in {i.path for i in ctx.index.of_kind(layout.K_KEY)}:
            report.failed(KEYS, layout.INDEX, f"names key {keyid} but does not ship it")


def check_trust_root(ctx: Context) -> None:
    assert ctx.index is not None
    report = ctx.report
    item = ctx.item(layout.TRUST_ROOT)
    if item is None:
        if ctx.index.bundle == layout.AUDITOR_BUNDLE:
            report.failed(
                SIGNATURES,
                layout.TRUST_ROOT,
                "is missing; an auditor bundle ships the trust root in force",
            )
        else:
            report.note(
                SIGNATURES,
                layout.TRUST_ROOT,
                "not included: the site had no trust root installed when this pack was exported",
            )
        return
    data = ctx.data(item.path)
    if data is None:
        return
    try:
        root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(data))
    except CryptoError as exc:
        report.failed(SIGNATURES, item.path, f"does not verify: {exc}")
        return
    missing = sorted(set(root.keys) - set(ctx.keys))
    if missing:
        report.failed(
            KEYS, item.path, f"uses keys not shipped under trust/keys: {', '.join(missing)}"
        )
    threshold = root.roles["root"].threshold
    report.passed(
        SIGNATURES,
        item.path,
        f"version {root.version}, self-signed by "
        f"{len(root.root_signers)} of its root keys (threshold {threshold}); "
        f"expires {root.expires.isoformat().replace('+00:00', 'Z')}",
    )


def check_log(ctx: Context) -> None:
    """The log's verifier key and the signed checkpoint every receipt refers to."""
    assert ctx.index is not None
    report = ctx.report
    vkey_data = ctx.data(layout.LOG_KEY)
    if ctx.item(layout.LOG_KEY) is None:
        report.failed(
            INCLUSION, layout.LOG_KEY, "is missing; the log's checkpoint cannot be checked"
        )
        return
    if vkey_data is None:
        return
    try:
        text = vkey_data.decode("ascii")
        if not text.endswith("\n") or "\n" in text[:-1]:
            raise ValueError("must be one line ending in a newline")
        verifier = NoteVerifier.from_vkey(text[:-1])
    except (UnicodeDecodeError, ValueError, TlogError) as exc:
        report.failed(INCLUSION, layout.LOG_KEY, f"is not a note verifier key ({exc})")
        return
    if verifier.name != ctx.index.log_origin:
        report.failed(
            INCLUSION,
            layout.LOG_KEY,
            f"is for log {verifier.name!r}, but the export is from {ctx.index.log_origin!r}",
        )
        return
    log_pems = [key for key, roles in ctx.keys.values() if layout.ROLE_LOG in roles]
    if log_pems and all(_raw(key) != verifier.public_key for key in log_pems):
        report.failed(
            INCLUSION, layout.LOG_KEY, "differs from the log key shipped under trust/keys"
        )
        return
    report.passed(INCLUSION, layout.LOG_KEY, f"{verifier.type_name} key {verifier.vkey}")
    ctx.log_key = verifier
    cp_data = ctx.data(layout.CHECKPOINT)
    if ctx.item(layout.CHECKPOINT) is None:
        report.failed(INCLUSION, layout.CHECKPOINT, "is missing")
        return
    if cp_data is None:
        return
    try:
        verified = verify_checkpoint(cp_data, verifier)
    except TlogError as exc:
        report.failed(INCLUSION, layout.CHECKPOINT, f"does not verify with the log key ({exc})")
        return
    if verified.checkpoint.size != ctx.index.checkpoint_size:
        report.failed(
            INCLUSION,
            layout.CHECKPOINT,
            f"is for a tree of "
            f"{verified.checkpoint.size} entries; index.json says "
            f"{ctx.index.checkpoint_size}",
        )
        return
    ctx.checkpoint, ctx.checkpoint_text = verified, cp_data.decode("utf-8")
    report.facts["checkpoint"] = f"{verified.checkpoint.size} entries"
    report.passed(
        INCLUSION,
        layout.CHECKPOINT,
        f"signed by the log key; a tree of {verified.checkpoint.size} entries",
    )


def _raw(key: PublicKey) -> bytes:
    """The raw 32-byte Ed25519 key inside a DER SubjectPublicKeyInfo (its last 32 bytes)."""
    return key.spki_der[-32:] if key.scheme == "ed25519" else key.spki_der
