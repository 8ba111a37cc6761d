"""One gate, one decision digest: 100 runs, a database reload, two processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.context import Site
from app.services import gate, promotions
from engine.canonical import canonical_bytes
from tests.support.factories import who
from tests.support.gate_data import MAVEN_SBOM, SHOP_SBOM, add_shop_release, vex_document

REPO = Path(__file__).resolve().parents[2]


def _promotion(site) -> str:
    vex = {"vex/shop.json": vex_document("CVE-2019-10744", "pkg:npm/lodash@2.4.2")}
    digest = add_shop_release(site, sboms=(SHOP_SBOM, MAVEN_SBOM), vex=vex)
    return promotions.create_promotion(site, digest, "eu-stage", who(site, "alice"))


def test_one_hundred_runs_give_one_decision_digest_and_identical_bytes(gate_site):
    pid = _promotion(gate_site)
    documents = set()
    for n in range(100):
        if n % 25 == 0:  # inputs gathered from the database again, now and then
            material = gate.prepare(gate_site, pid)
        documents.add(canonical_bytes(gate.evaluate(material).document))
    assert len(documents) == 1


def test_a_database_reload_and_two_processes_agree(gate_site):
    pid = _promotion(gate_site)
    expected = gate.evaluate_promotion(gate_site, pid).result.verdict.decision_digest
    config = gate_site.config
    gate_site.close()
    reopened = Site.open(config)
    try:
        assert gate.evaluate_promotion(reopened, pid).result.verdict.decision_digest == expected
    finally:
        reopened.close()
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-m", "tests.gate.digest_probe",
                              str(config.paths.home), pid], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=120, check=True)
        seen.add(out.stdout.strip())
    assert seen == {expected}
