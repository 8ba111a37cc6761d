"""A failed or dead-lettered job as the data-health report lists it, and the shape of a
source of them. Its own module so that a source (the scheduler, the chain verifier)
never imports the report that lists it: the report names its sources
(:func:`app.services.health.job_sources`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from app.context import Site


@dataclass(frozen=True)
class JobIssue:
    source: str  # which job source reported it
    subject: str  # e.g. the promotion id
    job: str  # e.g. the step
    status: str  # failed | interrupted | dead-lettered
    detail: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class JobSource(Protocol):
    name: str

    def failed_jobs(self, site: Site) -> list[JobIssue]: ...
