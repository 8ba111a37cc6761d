"""Where each file lives inside an export (DESIGN §7) and what kind it is.

::

    index.json                      signed list of every other file
    README.txt                      how to verify, with and without this app
    trust/trust-root.dsse.json      the trust root in force
    trust/keys/<keyid>.pem          every public key needed
    tlog/checkpoint                 the latest signed checkpoint (C2SP signed note)
    tlog/log-key.vkey               the note verifier key of the site log
    tlog/run-events.json            the run's events as site-log entries, proven
    trust/roster.json               the site roster (who held which key and role)
    evidence/<NN>-<step>/<name>.dsse.json     one evidence envelope
    evidence/<NN>-<step>/<name>.receipt.json  its inclusion receipt
    timeline.json                   the run's events, hash-chained
    logs/<NN>-<step>.log            what each step printed
    proof-chain.dsse.json           the seal (sealed runs)
    report.pdf                      the human-readable audit report
    policy/<NN>-<step>/verdict.json the recorded verdict of one gate evaluation
    policy/<NN>-<step>/inputs.json  its sealed inputs, naming the files beside it
                                    (release/…, policy.json, records/<id>.json)

``NN`` is the step's 1-based position in the promotion's workflow, so a listing
sorts in run order. A re-run's evidence and gate evaluation get ``.attempt-K``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

EVIDENCE_PACK = "evidence-pack"
AUDITOR_BUNDLE = "auditor-bundle"
BUNDLE_KINDS = (EVIDENCE_PACK, AUDITOR_BUNDLE)

INDEX = "index.json"
README = "README.txt"
TRUST_ROOT = "trust/trust-root.dsse.json"
KEYS_DIR = "trust/keys/"
CHECKPOINT = "tlog/checkpoint"
LOG_KEY = "tlog/log-key.vkey"
RUN_LOG = "tlog/run-events.json"
ROSTER = "trust/roster.json"
TIMELINE = "timeline.json"
PROOF_CHAIN = "proof-chain.dsse.json"
REPORT = "report.pdf"
POLICY_DIR = "policy/"
GATE_VERDICT = "verdict.json"
GATE_INPUTS = "inputs.json"

# Item kinds, as written in index.json.
K_README = "readme"
K_TRUST_ROOT = "trust-root"
K_KEY = "key"
K_CHECKPOINT = "checkpoint"
K_LOG_KEY = "log-key"
K_EVIDENCE = "evidence"
K_RECEIPT = "receipt"
K_TIMELINE = "timeline"
K_LOG = "log"
K_PROOF_CHAIN = "proof-chain"
K_REPORT = "report"
K_VERDICT = "verdict"
K_POLICY_INPUT = "policy-input"
K_RUN_LOG = "run-log"
K_ROSTER = "roster"
ITEM_KINDS = (
    K_README,
    K_TRUST_ROOT,
    K_KEY,
    K_CHECKPOINT,
    K_LOG_KEY,
    K_EVIDENCE,
    K_RECEIPT,
    K_TIMELINE,
    K_LOG,
    K_PROOF_CHAIN,
    K_REPORT,
    K_VERDICT,
    K_POLICY_INPUT,
    K_RUN_LOG,
    K_ROSTER,
)

# Key roles, as written in index.json.
ROLE_SITE = "site"
ROLE_LOG = "log"
USER_ROLE_PREFIX = "user:"
TRUST_ROLE_PREFIX = "trust-root:"

_SAFE = re.compile(r"[^a-z0-9._-]+")
_KEYID = re.compile(r"\A[0-9a-f]{64}\Z")


def safe_component(name: str) -> str:
    """A file-name component made only of ``[a-z0-9._-]`` (never empty, never dots only)."""
    cleaned = _SAFE.sub("-", name.lower()).strip("-.")
    return cleaned or "item"


def step_folder(steps: Sequence[str], step: str) -> str:
    """``NN-<step>``: the step's position in the workflow (``00`` if it is not in it)."""
    position = steps.index(step) + 1 if step in steps else 0
    return f"{position:02d}-{safe_component(step)}"


def key_path(keyid: str) -> str:
    if not _KEYID.match(keyid):
        raise ValueError(f"not a key id: {keyid!r}")
    return f"{KEYS_DIR}{keyid}.pem"


def evidence_stem(steps: Sequence[str], step: str, name: str, attempt: int) -> str:
    """``evidence/NN-step/name`` (``name.attempt-K`` for re-runs), without the suffix."""
    base = safe_component(name)
    if attempt > 1:
        base = f"{base}.attempt-{attempt}"
    return f"evidence/{step_folder(steps, step)}/{base}"


def gate_eval_folder(steps: Sequence[str], step: str, attempt: int) -> str:
    """``policy/NN-step`` (``.attempt-K`` for re-runs): one recorded verdict and its inputs."""
    folder = f"{POLICY_DIR}{step_folder(steps, step)}"
    return f"{folder}.attempt-{attempt}" if attempt > 1 else folder


def log_path(steps: Sequence[str], step: str) -> str:
    return f"logs/{step_folder(steps, step)}.log"


def receipt_path_for(envelope_path: str) -> str:
    """The receipt that sits next to an evidence envelope."""
    if not envelope_path.endswith(".dsse.json"):
        raise ValueError(f"{envelope_path} is not an envelope path")
    return envelope_path.removesuffix(".dsse.json") + ".receipt.json"
