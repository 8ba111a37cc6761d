"""Bundle errors: one base, one subclass per rule of DESIGN §4.3-4.4.

:class:`BundleRejected` subclasses carry ``rule`` (a stable name for logs, JSON
and tests), ``title`` (the rule in plain words, for the ✓/✗ list), ``member``
(the archive member at fault, when there is one) and, once raised by the
verifier, ``report`` (every check done so far, the failing one last).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from airgap_bundles.report import VerificationReport


class BundleError(Exception):
    """Base of every error raised by :mod:`airgap_bundles`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BundleRejected(BundleError):
    """The bundle breaks an import rule; nothing from it may be used."""

    rule: ClassVar[str] = "rejected"
    title: ClassVar[str] = "Bundle accepted"

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(f"{member}: {message}" if member else message)
        self.member = member
        self.detail = message
        self.report: VerificationReport | None = None


class BundleCancelled(BundleError):
    """The caller cancelled verification; the staging folder is left for it to remove."""


class BundleBuildError(BundleError):
    """The authoring side cannot build a bundle from the given sources."""


class StagingError(BundleError):
    """The staging folder given by the caller is unusable (missing or not empty)."""


# --- the archive itself ------------------------------------------------------------
class UnsupportedCompression(BundleRejected):
    """The file is neither a tar archive nor gzip/zstd-compressed tar."""

    rule = "compression-unsupported"
    title = "Compression is tar, gzip or zstd"


class CorruptCompression(BundleRejected):
    """The gzip or zstd stream is damaged (bad data, checksum or trailing garbage)."""

    rule = "compression-corrupt"
    title = "Compressed stream is intact"


class TruncatedArchive(BundleRejected):
    """The archive ends before its end-of-archive marker or inside a member."""

    rule = "archive-truncated"
    title = "Archive is complete"


class CorruptArchive(BundleRejected):
    """A tar header is malformed (checksum, numbers, pax records, magic)."""

    rule = "archive-corrupt"
    title = "Tar headers are well formed"


class TrailingData(BundleRejected):
    """Non-zero bytes follow the tar end-of-archive marker."""

    rule = "archive-trailing-data"
    title = "Nothing follows the end of the archive"


class LinkMember(BundleRejected):
    """A symbolic or hard link member."""

    rule = "member-link"
    title = "No links"


class SpecialMember(BundleRejected):
    """A character device, block device or FIFO member."""

    rule = "member-special"
    title = "No devices or FIFOs"


class UnsupportedMemberType(BundleRejected):
    """A member type we do not accept (sparse, contiguous, global pax header, ...)."""

    rule = "member-type-unsupported"
    title = "Regular files and folders only"


class AbsolutePath(BundleRejected):
    """A member path that starts at a filesystem root or drive."""

    rule = "path-absolute"
    title = "No absolute paths"


class PathTraversal(BundleRejected):
    """A member path with a '..' component."""

    rule = "path-traversal"
    title = "No '..' in paths"


class InvalidPath(BundleRejected):
    """A member path that is empty, not normalised, too long or has unsafe characters."""

    rule = "path-invalid"
    title = "Paths are plain relative paths"


class DuplicateMember(BundleRejected):
    """Two members with the same name."""

    rule = "member-duplicate"
    title = "No duplicate names"


class NameCollision(BundleRejected):
    """Two names equal once case and Unicode normalisation are ignored."""

    rule = "name-collision"
    title = "No names that differ only by case or Unicode form"


class PathConflict(BundleRejected):
    """A path that is both a file and a folder of another member."""

    rule = "path-conflict"
    title = "No file used as a folder"


class UnlistedMember(BundleRejected):
    """A member that the signed manifest does not list."""

    rule = "member-unlisted"
    title = "Every member is listed in the manifest"


class MissingMember(BundleRejected):
    """A member listed in the signed manifest is not in the archive."""

    rule = "member-missing"
    title = "Every listed member is present"


class DigestMismatch(BundleRejected):
    """A member's SHA-256 differs from the signed manifest."""

    rule = "digest-mismatch"
    title = "Every member matches its signed digest"


class MemberTooLarge(BundleRejected):
    """A member is larger than the per-member limit."""

    rule = "member-too-large"
    title = "Members are within the size limit"


class ArchiveTooLarge(BundleRejected):
    """The unpacked archive is larger than the total limit."""

    rule = "archive-too-large"
    title = "The archive is within the size limit"


class TooManyMembers(BundleRejected):
    """The archive has more members than the limit."""

    rule = "too-many-members"
    title = "The member count is within the limit"


class CompressionRatioExceeded(BundleRejected):
    """The data expands far more than real bundles do (a decompression bomb)."""

    rule = "compression-ratio"
    title = "Compression ratio is plausible"


# --- the signed manifest ---------------------------------------------------------------
class ManifestNotFirst(BundleRejected):
    """The first member is not manifest.dsse.json."""

    rule = "manifest-not-first"
    title = "manifest.dsse.json comes first"


class ManifestInvalid(BundleRejected):
    """manifest.dsse.json is not a valid DSSE envelope."""

    rule = "manifest-invalid"
    title = "The manifest is a DSSE envelope"


class WrongPayloadType(BundleRejected):
    """The envelope's payloadType is not application/vnd.in-toto+json."""

    rule = "manifest-payload-type"
    title = "The manifest holds an in-toto statement"


class SignatureInvalid(BundleRejected):
    """No signature on the manifest verifies with any key of the trust root."""

    rule = "signature-invalid"
    title = "A trusted key signed the manifest"


class StatementInvalid(BundleRejected):
    """The signed payload is not a valid in-toto Statement v1 listing the members."""

    rule = "statement-invalid"
    title = "The manifest is an in-toto Statement v1"


class WrongPredicateType(BundleRejected):
    """predicateType is not urn:stellaops:bundle:v1."""

    rule = "predicate-type"
    title = "The statement is a bundle manifest"


class PredicateInvalid(BundleRejected):
    """The predicate's kind, name, version, created or expires is invalid."""

    rule = "predicate-invalid"
    title = "Kind, name, version and dates are valid"


class WrongRole(BundleRejected):
    """Only keys of another role signed this bundle."""

    rule = "wrong-role"
    title = "Signed by the role for this kind"


class ThresholdNotMet(BundleRejected):
    """Fewer keys of the right role signed than the role's threshold."""

    rule = "threshold-not-met"
    title = "Enough keys of the role signed"


class TrustRootExpiredRejection(BundleRejected):
    """The site's trust root has expired and verifies nothing."""

    rule = "trust-root-expired"
    title = "The trust root in force is valid"


class BundleExpired(BundleRejected):
    """The bundle's expires time has passed."""

    rule = "bundle-expired"
    title = "The bundle has not expired"


class CreatedInFuture(BundleRejected):
    """The bundle says it was created later than now plus the allowed clock skew."""

    rule = "created-in-future"
    title = "The bundle was not created in the future"


class VersionNotNewer(BundleRejected):
    """The version is not greater than the last imported one of the same kind and name."""

    rule = "version-not-newer"
    title = "Newer than the last import"


# --- content, per kind ---------------------------------------------------------------------
class ContentTooLarge(BundleRejected):
    """A document that must be parsed is larger than the inspection limit."""

    rule = "content-too-large"
    title = "Documents are small enough to inspect"


class ReleaseInvalid(BundleRejected):
    """release.json is missing or malformed, or does not match the predicate."""

    rule = "release-invalid"
    title = "release.json is valid"


class SbomMissing(BundleRejected):
    """release.json names an SBOM path that is not a member."""

    rule = "sbom-missing"
    title = "Every SBOM is in the bundle"


class SbomInvalid(BundleRejected):
    """An SBOM is not a CycloneDX JSON document."""

    rule = "sbom-invalid"
    title = "SBOMs are CycloneDX JSON"


class ArtifactMismatch(BundleRejected):
    """A component names an artifact that is missing or has another digest."""

    rule = "artifact-mismatch"
    title = "Component digests match their artifacts"


class AttachmentInvalid(BundleRejected):
    """A vex/*.json or provenance/*.dsse.json document is malformed."""

    rule = "attachment-invalid"
    title = "VEX and provenance documents are valid"


class FeedInvalid(BundleRejected):
    """feed.json is missing or malformed."""

    rule = "feed-invalid"
    title = "feed.json is valid"


class FeedFromFuture(BundleRejected):
    """feed.json's snapshot time is later than now plus the allowed clock skew."""

    rule = "feed-snapshot-in-future"
    title = "The feed snapshot is not dated in the future"


class FeedRecordInvalid(BundleRejected):
    """A file under osv/ is not a valid OSV JSON record, or a record id repeats."""

    rule = "feed-record-invalid"
    title = "OSV records are valid"


class FeedRecordCount(BundleRejected):
    """feed.json 'records' differs from the number of OSV records."""

    rule = "feed-record-count"
    title = "Record count matches feed.json"


class PolicyInvalid(BundleRejected):
    """policy.json is missing or malformed, or a CEL condition does not parse."""

    rule = "policy-invalid"
    title = "The policy is valid"


class PolicyYamlUnsupported(BundleRejected):
    """A policy.yaml: only policy.json is read."""

    rule = "policy-yaml-unsupported"
    title = "The policy is JSON"


class TrustRootContentInvalid(BundleRejected):
    """trust-root.dsse.json is missing, malformed, or not a valid rotation."""

    rule = "trust-root-content"
    title = "The new trust root is a valid rotation"
