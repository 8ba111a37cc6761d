"""The navigation of seed §14.1. Screens later features deliver are listed, so the
shape of the product is visible, and open a page that says they are not available."""

from __future__ import annotations

from dataclasses import dataclass

PROMOTIONS = "promotions"
BUNDLES = "bundles-import"
OPERATIONS = "operations"  # the overview of its section (views.operations)
# the Evidence section's pages (views.evidence.pages builds them)
EVIDENCE_PAGES = frozenset({"evidence", "evidence-packets", "proof-chains", "export-center",
                            "evidence-bundles"})
# Replay/Verify, Feeds + AirGap Ops, Platform Health (views.platform_health.pages builds them)
GATE_PAGES = frozenset({"replay-verify", "feeds-airgap", "platform-health"})
# Orchestrator, Scheduler Runs, Dead Letter (views.scheduler_runs.pages builds them)
SCHEDULER_PAGES = frozenset({"orchestrator", "scheduler-runs", "dead-letter"})
# Approvals, Release Control, Integrations, Security (views.admin_pages.pages builds them)
ADMIN_PAGES = frozenset({"approvals", "release-control", "integrations", "security"})


@dataclass(frozen=True)
class NavEntry:
    key: str
    title: str
    purpose: str = ""  # for placeholders: what the screen will do
    children: tuple[NavEntry, ...] = ()

    @property
    def available(self) -> bool:
        return self.key in (PROMOTIONS, BUNDLES, OPERATIONS) or self.key in EVIDENCE_PAGES \
            or self.key in GATE_PAGES or self.key in SCHEDULER_PAGES or self.key in ADMIN_PAGES


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("releases", "Releases", children=(
        NavEntry(PROMOTIONS, "Promotions"),
    )),
    NavEntry("approvals", "Approvals",
             "Promotions waiting for a decision, with the policy verdict and the evidence "
             "behind it. Until then, approve or reject from the promotion's run view."),
    NavEntry("evidence", "Evidence",
             "Evidence captured at every checkpoint of every promotion.", children=(
                 NavEntry("evidence-packets", "Packets",
                          "Evidence packets per promotion: what was sealed and when."),
                 NavEntry("proof-chains", "Proof Chains",
                          "The signed proof chain of each sealed promotion and its "
                          "transparency-log receipts."),
                 NavEntry("replay-verify", "Replay/Verify",
                          "Replay recorded policy verdicts and compare decision digests."),
                 NavEntry("export-center", "Export Center",
                          "Evidence packs and auditor bundles written to removable media."),
                 NavEntry("evidence-bundles", "Evidence Bundles",
                          "Evidence bundles received or produced by this site."),
             )),
    NavEntry("operations", "Operations",
             "The machinery behind promotions: jobs, schedules, feeds and health.", children=(
                 NavEntry("orchestrator", "Orchestrator",
                          "Executors and the runs they hold leases on."),
                 NavEntry("scheduler-runs", "Scheduler Runs",
                          "Scheduled promotions and the runs of the scheduler."),
                 NavEntry("dead-letter", "Dead Letter", "Jobs that failed for good, to retry "
                          "or dismiss."),
                 NavEntry("feeds-airgap", "Feeds + AirGap Ops",
                          "Imported vulnerability-feed snapshots, their age, and removable-"
                          "media operations."),
                 NavEntry("platform-health", "Platform Health",
                          "Health of deploy targets, secret providers and this site."),
             )),
    NavEntry("release-control", "Release Control",
             "Environments, deploy targets, baselines and workflows (today: `stella env` and "
             "`stella target` on the command line)."),
    NavEntry("integrations", "Integrations",
             "Deploy drivers, secret providers and databases this site talks to."),
    NavEntry("security", "Security",
             "Findings per release from the imported feeds, VEX statements, users, roles and "
             "keys."),
    NavEntry(BUNDLES, "Bundles / Import",
             "Import signed offline bundles (releases, feeds, policies, trust-root updates) "
             "from removable media, verifying them first."),
)


def all_entries() -> list[NavEntry]:
    found: list[NavEntry] = []

    def walk(entries: tuple[NavEntry, ...]) -> None:
        for entry in entries:
            found.append(entry)
            walk(entry.children)

    walk(NAVIGATION)
    return found
