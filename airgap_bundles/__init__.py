"""airgap_bundles layer (see DESIGN §2): signed offline bundles (DESIGN §4.3-4.4).

Reading: :func:`verify_bundle` streams an archive once, checks every import
rule against the trust root in force and, if asked, stages the files for the
importer. It returns a :class:`VerifiedBundle` (metadata + ✓/✗ report) or
raises a :class:`BundleRejected` subclass naming the rule and the member.

Writing: :func:`build_bundle` packs a source folder into a deterministic,
signed archive (the ``stella bundle build`` side).

This package never touches the database or the site store; the importer
commits what a successful verification staged.
"""

from __future__ import annotations

from airgap_bundles.build import BuildResult, SourceMember, build_bundle, members_from_directory
from airgap_bundles.errors import (
    BundleBuildError,
    BundleCancelled,
    BundleError,
    BundleRejected,
    StagingError,
)
from airgap_bundles.kinds import (
    Component,
    FeedContent,
    KindContent,
    PolicyContent,
    ReleaseContent,
    TrustRootContent,
)
from airgap_bundles.manifest import BUNDLE_PREDICATE_TYPE, KIND_ROLES, KINDS, BundlePredicate
from airgap_bundles.options import (
    DEFAULT_LIMITS,
    NO_HISTORY,
    AllowOlder,
    BundleLimits,
    MemoryHistory,
    VersionHistory,
)
from airgap_bundles.paths import MANIFEST_NAME
from airgap_bundles.report import (
    Check,
    MemberInfo,
    VerificationReport,
    VerifiedBundle,
    VersionOverride,
)
from airgap_bundles.verify import SignedManifest, verify_bundle, verify_manifest

__all__ = [
    "BUNDLE_PREDICATE_TYPE",
    "DEFAULT_LIMITS",
    "KINDS",
    "KIND_ROLES",
    "MANIFEST_NAME",
    "NO_HISTORY",
    "AllowOlder",
    "BuildResult",
    "BundleBuildError",
    "BundleCancelled",
    "BundleError",
    "BundleLimits",
    "BundlePredicate",
    "BundleRejected",
    "Check",
    "Component",
    "FeedContent",
    "KindContent",
    "MemberInfo",
    "MemoryHistory",
    "PolicyContent",
    "ReleaseContent",
    "SignedManifest",
    "SourceMember",
    "StagingError",
    "TrustRootContent",
    "VerificationReport",
    "VerifiedBundle",
    "VersionHistory",
    "VersionOverride",
    "build_bundle",
    "members_from_directory",
    "verify_bundle",
    "verify_manifest",
]
