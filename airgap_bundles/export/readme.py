"""``README.txt``: how an auditor verifies the export, with this app or without it."""

from __future__ import annotations

from airgap_bundles.export.content import ExportContent
from airgap_bundles.export.index import INDEX_PAYLOAD_TYPE
from airgap_bundles.export.layout import AUDITOR_BUNDLE

_TEXT = """\
{title}
{underline}

Promotion      {promotion}
Release        {release_name} {release_version}
Release digest {release_digest}
Site           {site}
Site key id    {site_key}
Log key        {vkey}
{partial}
Before trusting anything below, compare the site key id and the log key with the
values the site published through another channel (a printed sheet, a phone
call). Everything in this export is checked against those two keys; an export
re-signed with other keys verifies only against other fingerprints.

A key id is the lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo:

    openssl pkey -pubin -in trust/keys/<keyid>.pem -outform DER | sha256sum


1. With this app
----------------

    stella verify <this archive, its folder, or the first .part-001 file> [--json]

checks everything below offline and prints one line per check; exit status 0
only when every check holds. Add --site-key <site key id> to pin the key.


2. Without this app
-------------------

Files. index.json lists every other file with its SHA-256 and size:

    jq -r '.items[] | "\\(.sha256)  \\(.path)"' index.json | sha256sum -c -

and no file may exist that it does not list.

index.json's signature. The "signature" member is a DSSE v1 signature by the
site key. Remove it, take the RFC 8785 canonical JSON of the rest as the payload
(index.json is itself canonical JSON), and any DSSE verifier checks the envelope
  {{"payloadType": "{index_type}",
    "payload": base64(payload), "signatures": [signature]}}
For example with Python, securesystemslib and rfc8785:

    import base64, json, rfc8785
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey
    index = json.load(open("index.json")); sig = index.pop("signature")
    key = SSlibKey.from_crypto(load_pem_public_key(
        open(f"trust/keys/{{sig['keyid']}}.pem", "rb").read()), keyid=sig["keyid"])
    Envelope.from_dict({{"payloadType": "{index_type}",
        "payload": base64.b64encode(rfc8785.dumps(index)).decode(),
        "signatures": [sig]}}).verify([key], 1)

Evidence. Each evidence/<NN>-<step>/<name>.dsse.json is a standard DSSE v1
envelope (payloadType application/vnd.in-toto+json) over an in-toto Statement v1
whose subject is the release digest; verify it with the site key as above
(Envelope.from_dict(json.load(open(path))).verify([key], 1)). Approvals are
signed by the approver's own key, listed in index.json under "keys".

Transparency log. The files are RFC 8785 canonical JSON, and those exact bytes
are the leaves of the site log, an RFC 6962 Merkle tree. For each envelope, its
.receipt.json gives logIndex, treeSize, leafHash = SHA-256(0x00 || envelope
bytes) in base64, and the inclusion proof (RFC 9162 section 2.1.3.2) up to the
root hash on the third line of tlog/checkpoint. tlog/checkpoint is a C2SP
tlog-checkpoint signed note; its signature verifies with the note verifier key
in tlog/log-key.vkey (for example golang.org/x/mod/sumdb/note: note.Open with
note.NewVerifier). Every receipt carries that same checkpoint, so every item is
checked against one signed tree head.

Timeline. timeline.json is a JSON array with one event per line; each line,
without its trailing comma, is the event's RFC 8785 canonical JSON exactly as
the site stored it. An event's hash is the SHA-256 of its line; each event's
"prev" is the hash of the line above (64 zeros for the first). Exports add
"export.recorded" events carrying signed chain-of-custody receipts (predicate
urn:stellaops:chain-of-custody:v1) for earlier exports.

Completeness. Every event is also an entry of the site log: the leaf data is the
RFC 8785 JSON of {{"type": "stellaops.run-event.v1", "promotion": <id>, "seq": N,
"event": <hash of line N>}}. tlog/run-events.json lists every entry the site log
held for this promotion (logIndex, seq, event) with its inclusion proof under
tlog/checkpoint: each must prove, and its seq and event must be a line of
timeline.json; an entry beyond the last line means events were deleted.

Approvals. trust/roster.json holds the site roster: each record, base64, is a
DSSE envelope (payloadType application/vnd.stellaops.roster.v1+json) signed by an
administrator, each naming the SHA-256 of the record before it. An approval counts
only if its statement is signed by a key the roster enrolled, at that time, for a
user whose role was approver and who did not request the promotion.

Proof chain. proof-chain.dsse.json (sealed runs) is the seal: an in-toto
statement (predicate urn:stellaops:proof-chain:v1) signed by the site key that
lists every evidence digest in log order, the event-chain head (the hash of one
line of timeline.json) and the log checkpoint at sealing time. index.json
"tlog.sealConsistency" is the RFC 6962 consistency proof from that checkpoint to
tlog/checkpoint.

Policy re-evaluation. Every gate evaluation of the run has a folder
policy/<NN>-gate-eval/ (policy/<NN>-gate-eval.attempt-K/ for a re-run):
  verdict.json          the verdict exactly as the site recorded it; it must equal
                        the "stellaopsVerdict" of the signed policy-decision
                        evidence (in-toto SVR v0.2) of the same step
  inputs.json           its sealed inputs: "replay" is the replay material the site
                        keeps (release digest, environment, evaluated_at, feed
                        snapshots, policy digest, stale-feeds override if one
                        applied, baseline, runtime observations); "release",
                        "sboms", "vex", "policy" and "records" name the files
                        below with the SHA-256 of their bytes; "unavailable" lists
                        inputs the site could no longer provide
  release/release.json  the release manifest; release/<path> each SBOM and OpenVEX
                        document at the path the gate read it from
  policy.json           the imported policy, as signed
  records/<id>.json     each OSV record the gate chose for the release's packages,
                        bytes as in the feed snapshot (not the whole snapshot)
The decision digest is sha256 of the RFC 8785 canonical JSON of
  {{"inputs": verdict.inputs, "policy": verdict.policy.digest,
    "verdict": {{"outcome": …, "rules": …, "findings": …}}}}
so it can be recomputed from verdict.json alone; the sealed inputs in it give
the SHA-256 of each SBOM, VEX document and advisory record shipped here. With a
stale-feeds override the policy evaluated is policy.json with the rule
"feeds-fresh" set to action "warn" and message "OVERRIDDEN by <approver> at
<at>: stale feed data accepted — <reason>", and the override record plus
"basePolicy" (policy.json's digest) under "stellaopsOverride": its digest is
verdict.policy.digest.
stella verify evaluates the policy again on these files (OSV matching, CEL
rules) and requires the same decision digest; a difference is reported with the
inputs, rules and findings that differ. Which records a snapshot holds for a
package is the site's signed statement: the snapshot itself is not shipped.

report.pdf is the human-readable summary; it explains, it does not prove. Its
creation date is the time of the run's last event, so two exports of the same
run state are byte-identical.


3. Split exports and custody
----------------------------

A large export may be written as numbered parts <name>.part-001, -002, ...
each with a <name>.part-NNN.dsse.json manifest signed by the site key
(predicate urn:stellaops:export-part:v1: part index, count, the part's and the
whole archive's SHA-256). Concatenate the parts in order (cat <name>.part-* >
<name>) and compare with the whole archive's digest, or let stella verify do it.
The custody receipt of the export itself is written beside the archive as
<name>.custody.dsse.json.
"""


def readme_text(content: ExportContent) -> bytes:
    title = (
        "Stella Ops auditor bundle"
        if content.bundle == AUDITOR_BUNDLE
        else "Stella Ops evidence pack"
    )
    partial = (
        "\nPARTIAL: exported before the run was sealed; more evidence will follow.\n"
        if content.partial
        else ""
    )
    text = _TEXT.format(
        title=title,
        underline="=" * len(title),
        promotion=content.promotion,
        release_name=content.release["name"],
        release_version=content.release["version"],
        release_digest=content.release["digest"],
        site=content.site_name,
        site_key=content.site_key.keyid,
        vkey=content.log_key.vkey,
        partial=partial,
        index_type=INDEX_PAYLOAD_TYPE,
    )
    return text.encode("utf-8")
