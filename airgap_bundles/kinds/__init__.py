"""Kind-specific content checks (DESIGN §4.4): one inspector per bundle kind."""

from __future__ import annotations

from datetime import datetime

from airgap_bundles.kinds.base import Inspector, KindContent
from airgap_bundles.kinds.feed import FeedContent, FeedInspector
from airgap_bundles.kinds.policy import PolicyContent, PolicyInspector
from airgap_bundles.kinds.release import Component, ReleaseContent, ReleaseInspector
from airgap_bundles.kinds.trust_root import TrustRootContent, TrustRootInspector
from airgap_bundles.manifest import BundleManifest
from airgap_bundles.options import BundleLimits
from engine.crypto.trust_root import TrustRoot


def inspector_for(
    manifest: BundleManifest,
    limits: BundleLimits,
    *,
    current_root: TrustRoot | None,
    now: datetime | None,
) -> Inspector:
    kind = manifest.predicate.kind
    if kind == "release":
        return ReleaseInspector(manifest, limits)
    if kind == "feed-snapshot":
        return FeedInspector(manifest, limits, now=now)
    if kind == "policy":
        return PolicyInspector(manifest, limits)
    return TrustRootInspector(manifest, limits, current=current_root, now=now)


__all__ = [
    "Component",
    "FeedContent",
    "Inspector",
    "KindContent",
    "PolicyContent",
    "ReleaseContent",
    "TrustRootContent",
    "inspector_for",
]
