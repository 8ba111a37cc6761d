"""``trust/roster.json``: the site roster as an export ships it — every record's exact
stored bytes (DSSE envelopes, base64), so the verifier checks the same signatures
and hash chain the site does (engine/roster)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence

from engine.canonical import canonical_bytes

ROSTER_FILE_VERSION = 1


class RosterFileError(ValueError):
    """``trust/roster.json`` is malformed."""


def encode_roster(raws: Sequence[bytes]) -> bytes:
    return canonical_bytes({"v": ROSTER_FILE_VERSION,
                            "records": [base64.b64encode(r).decode("ascii") for r in raws]})


def decode_roster(data: bytes) -> list[bytes]:
    try:
        obj = json.loads(data)
        if not isinstance(obj, dict) or obj.get("v") != ROSTER_FILE_VERSION:
            raise RosterFileError("not a roster file of a known version")
        return [base64.b64decode(r, validate=True) for r in obj["records"]]
    except RosterFileError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise RosterFileError(f"malformed roster file: {exc}") from None
