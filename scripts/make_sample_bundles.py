#!/usr/bin/env python3
"""Build the sample bundles in airgap_bundles/samples/ from airgap_bundles/samples/src/.

Everything is deterministic: the DEMO-ONLY keys come from published seeds, all
times are fixed in src/samples.json, and bundles are built with fixed tar and
gzip metadata, so running this again gives byte-identical files. After
building, every bundle is verified against the trust roots it made.

    .venv/bin/python scripts/make_sample_bundles.py [--check]

``--check`` builds into a temporary folder and fails if anything differs from
the committed files (the samples are up to date with their sources).
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from airgap_bundles import MemoryHistory, build_bundle, verify_bundle  # noqa: E402
from airgap_bundles.manifest import BundlePredicate  # noqa: E402
from engine.clock import parse_rfc3339  # noqa: E402
from engine.crypto.atomic import atomic_write_bytes  # noqa: E402
from engine.crypto.dsse import Envelope  # noqa: E402
from engine.crypto.keys import Ed25519Signer, save_private_key, save_public_key  # noqa: E402
from engine.crypto.trust_root import TrustRoot, sign_trust_root, trust_root_document  # noqa: E402

SAMPLES = REPO / "airgap_bundles" / "samples"
SRC = SAMPLES / "src"
VERIFY_AT = datetime(2026, 2, 18, 9, 0, tzinfo=UTC)  # "now" for the self-check


def demo_keys(spec: dict) -> dict[str, Ed25519Signer]:
    prefix = spec["seed_prefix"].encode()
    return {
        label: Ed25519Signer.from_seed(hashlib.sha256(prefix + label.encode()).digest())
        for label in spec["keys"]
    }


def write_keys(keys: dict[str, Ed25519Signer], out: Path) -> None:
    folder = out / "keys"
    folder.mkdir(parents=True, exist_ok=True)
    for label, signer in keys.items():
        save_private_key(signer, folder / f"DEMO-ONLY-{label}.key")
        save_public_key(signer.public_key, folder / f"DEMO-ONLY-{label}.pub.pem")


def make_trust_roots(spec: dict, keys: dict[str, Ed25519Signer], out: Path) -> list[Envelope]:
    envelopes = []
    for root in spec["trust_roots"]:
        used = sorted({label for role in root["roles"].values() for label in role["keys"]})
        document = trust_root_document(
            version=root["version"],
            expires=parse_rfc3339(root["expires"]),
            keys=[keys[label].public_key for label in used],
            roles={
                name: ([keys[k].keyid for k in role["keys"]], role["threshold"])
                for name, role in root["roles"].items()
            },
            key_labels={
                keys[label].keyid: f"DEMO-ONLY {label}: sample key from a published seed, "
                "never trust it outside a demo"
                for label in used
            },
        )
        envelope = sign_trust_root(document, [keys[label] for label in root["signers"]])
        atomic_write_bytes(out / root["file"], envelope.to_bytes())
        envelopes.append(envelope)
    return envelopes


def make_bundles(spec: dict, keys: dict[str, Ed25519Signer], out: Path, work: Path) -> list[Path]:
    folder = out / "bundles"
    folder.mkdir(parents=True, exist_ok=True)
    built = []
    for bundle in spec["bundles"]:
        if "trust_root" in bundle:
            source = work / bundle["file"]
            source.mkdir()
            shutil.copyfile(out / bundle["trust_root"], source / "trust-root.dsse.json")
        else:
            source = SRC / bundle["source"]
        predicate = BundlePredicate(
            kind=bundle["kind"],
            name=bundle["name"],
            version=bundle["version"],
            created=parse_rfc3339(bundle["created"]),
            expires=parse_rfc3339(bundle["expires"]),
            producer=spec["producer"],
            description=bundle["description"],
        )
        result = build_bundle(
            source,
            folder / bundle["file"],
            predicate=predicate,
            signers=[keys[label] for label in bundle["signers"]],
            compression=bundle["compression"],
        )
        print(
            f"built {result.path.relative_to(out)}: {result.archive_size} bytes, "
            f"manifest {result.manifest_digest}"
        )
        built.append(result.path)
    return built


def self_check(envelopes: list[Envelope], bundles: list[Path]) -> None:
    """Import order of the demo: trust root v1 (first use), every bundle, rotation to v2."""
    root = TrustRoot.first_install(envelopes[0], VERIFY_AT)
    versions: dict[tuple[str, str], int] = {}
    for path in bundles:
        verified = verify_bundle(
            path, trust_root=root, now=VERIFY_AT, history=MemoryHistory(dict(versions))
        )
        versions[(verified.kind, verified.name)] = verified.version
        print(f"verified {path.name}: {verified.kind} {verified.name} v{verified.version}")
    v2 = root.verify_successor(envelopes[1], VERIFY_AT)
    for path in bundles[:-1]:  # still valid under the rotated root
        verify_bundle(path, trust_root=v2, now=VERIFY_AT, history=MemoryHistory({}))
    print(f"trust root rotation 1 -> {v2.version} verified")


def generate(out: Path) -> None:
    spec = json.loads((SRC / "samples.json").read_text(encoding="utf-8"))
    keys = demo_keys(spec)
    write_keys(keys, out)
    envelopes = make_trust_roots(spec, keys, out)
    with tempfile.TemporaryDirectory() as work:
        bundles = make_bundles(spec, keys, out, Path(work))
    self_check(envelopes, bundles)


def _differences(a: Path, b: Path) -> list[str]:
    found = []
    for sub in ("keys", "bundles"):
        cmp = filecmp.dircmp(a / sub, b / sub)
        found += [f"{sub}/{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files]
    for name in ("trust-root-v1.dsse.json", "trust-root-v2.dsse.json"):
        if not filecmp.cmp(a / name, b / name, shallow=False):
            found.append(name)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="fail if the committed samples are stale"
    )
    args = parser.parse_args(argv)
    if not args.check:
        generate(SAMPLES)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        stale = _differences(SAMPLES, Path(tmp))
    if stale:
        print(
            "stale samples (run scripts/make_sample_bundles.py):", ", ".join(stale), file=sys.stderr
        )
        return 1
    print("samples are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
