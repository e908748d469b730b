"""The example report builds strictly for every audience, and reads as the data says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Report, copy_example

pytestmark = pytest.mark.site

AUDIENCES = ["public", "participant:anthropic", "participant:google", "participant:meta",
             "participant:openai", "internal"]


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example") / "report")


def build(root: Path, audience: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REPORT_AUDIENCE": audience, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def site_of(root: Path, audience: str) -> Path:
    return root / "site" if audience == "public" else root / "site-private" / audience.replace(":", "-")


@pytest.fixture(scope="module")
def built(example) -> dict[str, Path]:
    sites = {}
    for audience in AUDIENCES:
        proc = build(example, audience)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, output
        assert "WARNING" not in output, output
        assert f"Leak audit passed for the {audience} build" in output
        sites[audience] = site_of(example, audience)
    return sites


def text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article))


def test_public_report_structure(built):
    site = built["public"]
    summary = text(site / "index.html")
    assert "February 16, 2026 to March 16, 2026" in summary
    assert "Section 3.1" in summary
    nav = (site / "index.html").read_text()
    for label in ("1 How the exercise ran", "Appendix B: Anthropic", "Appendix G: Incident catalogue"):
        assert label in nav
    assert "How to cite this report" in nav
    bib = (site / "report.bib").read_text()
    assert bib.startswith("@techreport{") and "url = {https://metr.org/frontier-risk-report/2026-03/}" in bib


def test_incident_counts_follow_the_data(built, example):
    incidents = yaml.safe_load((example / "data" / "incidents.yml").read_text().replace("!private", ""))
    public = [i for i in incidents if "owner" not in i]
    assert f"The catalogue holds {len(public)} incidents" in text(built["public"] / "appendices/incidents/index.html")
    openai = len(public) + sum(1 for i in incidents if i.get("owner") == "openai")
    assert f"The catalogue holds {openai} incidents" in text(built["participant:openai"] / "appendices/incidents/index.html")
    assert f"The catalogue holds {len(incidents)} incidents" in text(built["internal"] / "appendices/incidents/index.html")


def test_redacted_material_stays_out_of_public_outputs(built):
    public = built["public"]
    assert not (public / "assets" / "openai-monitoring-coverage.svg").exists()
    assert (built["participant:openai"] / "assets" / "openai-monitoring-coverage.svg").exists()
    assert not (built["participant:google"] / "assets" / "openai-monitoring-coverage.svg").exists()
    statement = text(public / "index.html")
    assert "Material redaction" in text(public / "assessment/index.html")
    assert "redaction" in statement.lower()
    assert "TODO(editor)" not in (public / "index.html").read_text()
    assert "TODO(editor)" in (built["internal"] / "index.html").read_text()
    assert (built["internal"] / "redaction-register" / "index.html").exists()


def test_another_report_builds_with_this_mkdocs_yml(tmp_path):
    """Swap docs/, data/, bibliography.bib and nav: for another report's; it builds."""
    other = Report(tmp_path / "other")
    config = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=yaml.Loader)
    config["nav"] = ["index.md", {"Appendices": ["appendices/helios.md"]}]
    other.config = config
    other.page("index.md", "# Helios and Quill {#top}\n\nSee {{ ref('app-helios') }}. {{ redaction_statement() }}\n")
    other.page("appendices/helios.md", "# Helios Labs {#app-helios}\n\n{{ org('quill', anonymous=true) }} took part.\n")
    result = other.build(None, "--strict")
    assert "Appendix A" in result.article()
    assert "Developer B took part." in result.article("appendices/helios")
    assert "Test Report" in result.page()
    assert "Frontier" not in result.page()
