"""OpenVEX documents (https://github.com/openvex/spec): which findings a vendor says do not apply.

Both the v0.2.0 shape (``vulnerability: {"name", "aliases"}``, ``products:
[{"@id", "identifiers": {"purl"}, "subcomponents": [...]}]``) and the older
v0.0.x shape (``vulnerability: "CVE-…"``, ``products: ["pkg:…"]``,
statement-level ``subcomponents``) are read.

A statement applies to a finding when one of its vulnerability names or
aliases equals the finding's id, one of its aliases or one of its merged
advisory ids, and one of its products or subcomponents names the finding's
package (see :func:`product_matches`). Of several applicable statements the
latest (statement ``timestamp``, else the document's) wins, as OpenVEX says
later statements supersede earlier ones; equal times go to the later
document/statement in input order. ``not_affected`` and ``fixed`` suppress the
finding; ``affected`` and ``under_investigation`` only annotate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from packageurl import PackageURL

from engine.canonical import canonical_digest, sha256_digest
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.vuln.errors import SbomError, VexError
from engine.vuln.sbom import Component

STATUSES = frozenset({"not_affected", "affected", "fixed", "under_investigation"})
SUPPRESSING = frozenset({"not_affected", "fixed"})


@dataclass(frozen=True)
class VexStatement:
    vulnerabilities: frozenset[str]  # name and aliases
    products: tuple[str, ...]  # product and subcomponent identifiers (purls or other ids)
    status: str
    justification: str | None
    impact_statement: str | None
    action_statement: str | None
    timestamp: str | None
    document: str | None
    order: tuple[int, int]  # (document index, statement index), set by apply order

    @property
    def explanation(self) -> str | None:
        """The text kept on a suppressed finding: justification, then impact statement."""
        parts = [p for p in (self.justification, self.impact_statement) if p]
        if self.status == "fixed" and not parts:
            return self.action_statement or "fixed"
        return "; ".join(parts) or None


@dataclass(frozen=True)
class VexDocument:
    id: str | None
    timestamp: str | None
    digest: str
    statements: tuple[VexStatement, ...]

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str | None = None) -> VexDocument:
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise VexError(f"not JSON: {exc}", document=name) from None
        return cls.from_json(obj, name=name, digest=sha256_digest(bytes(data)))

    @classmethod
    def from_json(cls, obj: Any, *, name: str | None = None,
                  digest: str | None = None) -> VexDocument:
        if not isinstance(obj, dict):
            raise VexError("must be a JSON object", document=name)
        context = obj.get("@context")
        if not isinstance(context, str) or "openvex" not in context:
            raise VexError("@context must name the OpenVEX namespace", document=name)
        doc_id = obj.get("@id") if isinstance(obj.get("@id"), str) else None
        label = name or doc_id
        timestamp = _opt_time(obj.get("timestamp"), label, None)
        raw = obj.get("statements")
        if not isinstance(raw, list) or not raw:
            raise VexError("statements must be a non-empty list", document=label)
        statements = tuple(
            _statement(item, i, label, doc_id, timestamp) for i, item in enumerate(raw)
        )
        return cls(
            id=doc_id,
            timestamp=timestamp,
            digest=digest if digest is not None else canonical_digest(obj),
            statements=statements,
        )


def _opt_time(value: Any, document: str | None, statement: int | None) -> str | None:
    """An RFC 3339 time as a sortable UTC string (microseconds kept), or ``None``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise VexError("timestamp must be a string", document=document, statement=statement)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise VexError(f"timestamp {value!r} is not an RFC 3339 time with a zone",
                       document=document, statement=statement)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ids(value: Any, field: str, document: str | None, index: int) -> list[str]:
    """Identifiers of a product or subcomponent entry (string or object form)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        out = []
        if isinstance(value.get("@id"), str):
            out.append(value["@id"])
        identifiers = value.get("identifiers")
        if isinstance(identifiers, dict):
            out.extend(v for v in identifiers.values() if isinstance(v, str))
        for sub in value.get("subcomponents") or []:
            out.extend(_ids(sub, field, document, index))
        if out:
            return out
    raise VexError(f"{field} entries must be identifiers or objects with '@id'",
                   document=document, statement=index)


def _statement(item: Any, index: int, document: str | None, doc_id: str | None,
               doc_time: str | None) -> VexStatement:
    if not isinstance(item, dict):
        raise VexError("must be an object", document=document, statement=index)
    vuln = item.get("vulnerability")
    names: set[str] = set()
    if isinstance(vuln, str) and vuln:
        names.add(vuln)
    elif isinstance(vuln, dict):
        for key in ("name", "@id"):
            if isinstance(vuln.get(key), str) and vuln[key]:
                names.add(vuln[key])
        aliases = vuln.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise VexError("vulnerability aliases must be strings", document=document,
                           statement=index)
        names.update(aliases)
    if not names:
        raise VexError("vulnerability needs a name", document=document, statement=index)
    products: list[str] = []
    for key in ("products", "subcomponents"):
        entries = item.get(key) or []
        if not isinstance(entries, list):
            raise VexError(f"{key} must be a list", document=document, statement=index)
        for entry in entries:
            products.extend(_ids(entry, key, document, index))
    if not products:
        raise VexError("a statement needs at least one product", document=document,
                       statement=index)
    status = item.get("status")
    if status not in STATUSES:
        raise VexError(f"status must be one of {sorted(STATUSES)}, not {status!r}",
                       document=document, statement=index)
    texts = {}
    for key in ("justification", "impact_statement", "action_statement"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise VexError(f"{key} must be a string", document=document, statement=index)
        texts[key] = value or None
    if status == "not_affected" and not (texts["justification"] or texts["impact_statement"]):
        raise VexError("not_affected needs a justification or an impact_statement",
                       document=document, statement=index)
    return VexStatement(
        vulnerabilities=frozenset(names),
        products=tuple(products),
        status=status,
        justification=texts["justification"],
        impact_statement=texts["impact_statement"],
        action_statement=texts["action_statement"],
        timestamp=_opt_time(item.get("timestamp"), document, index) or doc_time,
        document=doc_id,
        order=(0, index),
    )


def product_matches(product: str, component: Component) -> bool:
    """Does a VEX product identifier name ``component``?

    The identifier matches when it equals the component's purl, or names the
    same package (purl type, namespace and name as ``packageurl`` normalises
    them, or the same OSV ecosystem and matching name) with no version or the
    same version. Qualifiers (arch, distro…) are not compared.
    """
    if component.purl is None:
        return False
    if product == component.purl:
        return True
    if not product.startswith("pkg:"):
        return False
    try:
        theirs, ours = PackageURL.from_string(product), PackageURL.from_string(component.purl)
    except ValueError:
        return False
    if theirs.version is not None and theirs.version not in (ours.version, component.version):
        return False
    if (theirs.type, theirs.namespace, theirs.name) == (ours.type, ours.namespace, ours.name):
        return True
    try:
        as_component = Component.from_purl(product)
    except SbomError:
        return False
    return (as_component.ecosystem is not None
            and (as_component.ecosystem, as_component.name_key)
            == (component.ecosystem, component.name_key))


def ordered_statements(documents: Sequence[VexDocument]) -> list[VexStatement]:
    """Every statement with its input order recorded, for tie-breaking."""
    out = []
    for d, document in enumerate(documents):
        for s, statement in enumerate(document.statements):
            out.append(replace(statement, order=(d, s)))
    return out


def decide(statements: Iterable[VexStatement], ids: Iterable[str],
           components: Iterable[Component]) -> VexStatement | None:
    """The statement that governs a finding with ``ids`` in ``components``, if any."""
    wanted = set(ids)
    comps = list(components)
    applicable = [
        s for s in statements
        if s.vulnerabilities & wanted and any(product_matches(p, c) for p in s.products
                                              for c in comps)
    ]
    if not applicable:
        return None
    return max(applicable, key=lambda s: (s.timestamp or "", s.order))
