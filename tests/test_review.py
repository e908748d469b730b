"""Review packets (review.py): written for one participant, read offline, returned and imported."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml
from lxml import html as lxml_html

import pytest

from conftest import REPORT_YML, Report
from test_disclosures import DECIDED, EVAL, GAP, INCIDENT, PAGE, ROADMAP

pytestmark = pytest.mark.site

COMMENTED = "# Decisions recorded by the editors.\n" + DECIDED.replace(
    "helios-eval:", "# the evaluation suite, asked about twice\nhelios-eval:")


def review(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["SOURCE_DATE_EPOCH"] = "1780000000"
    return subprocess.run([sys.executable, "-m", "macros", "review", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def make(report: Report) -> Path:
    report.write("data/report.yml", REPORT_YML.replace("{id: helios, name: Helios Labs}",
                                                       "{id: helios, name: Helios Labs, pseudonym: Developer A}"))
    report.page("index.md", PAGE.replace(GAP, GAP.replace("Helios", '{{ org("helios") }}')))
    report.write("data/disclosures.yml", COMMENTED)
    report.nav("index.md")
    report.build()
    return report.root


def test_a_packet_holds_the_participants_items_and_nothing_of_anothers(report: Report):
    root = make(report)
    proc = review(root, "--participant", "helios")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = root / "review-packets" / "helios"
    page = lxml_html.fromstring((folder / "index.html").read_text(encoding="utf-8"))
    text = " ".join(page.text_content().split())
    assert [h.text_content() for h in page.xpath("//h2")] == ["1. helios-gap", "2. helios-eval"]
    assert GAP.replace("Helios", "Helios Labs") in text and EVAL in text, "as Helios' private report shows it"
    assert "Evaluation details were withheld." in text, "what the public reads when it stays redacted"
    assert GAP.replace("Helios", "Developer A") in text, "what the public reads when anonymised"
    assert INCIDENT not in text and ROADMAP not in text and "Quill" not in text, "nothing of Quill's"
    returned = yaml.safe_load((folder / "decisions.yml").read_text(encoding="utf-8"))
    assert returned["helios-gap"]["decision"] == "approved" and returned["helios-eval"]["material"] is True
    assert set(returned) == {"helios-gap", "helios-eval"}
    with zipfile.ZipFile(root / "review-packets" / "helios.zip") as bundle:
        assert sorted(bundle.namelist()) == ["helios/decisions.yml", "helios/index.html"]
    assert not (root / "site" / "review-packets").exists()


def test_a_packet_is_never_written_under_the_public_site(report: Report):
    root = make(report)
    for folder in ("site/packets", "site-private/participant-quill", "docs/packets", "overrides/packets"):
        proc = review(root, "--participant", "helios", "--out", folder)
        assert proc.returncode != 0 and "may not be written under" in proc.stderr and "Traceback" not in proc.stderr
        assert not (root / folder / "helios").exists()


def test_returned_decisions_are_recorded_in_place(report: Report):
    root = make(report)
    assert review(root, "--participant", "helios").returncode == 0
    returned = root / "review-packets" / "helios" / "decisions.yml"
    text = returned.read_text(encoding="utf-8")
    returned.write_text(text.replace('helios-gap: {decision: approved, by: "Dana Reyes", date: 2026-04-02}',
                                     'helios-gap: {decision: redacted, by: "Ana Ruiz", date: 2026-05-01, '
                                     'replacement: "One developer had a monitoring gap."}'), encoding="utf-8")
    proc = review(root, "--import", str(returned))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = (root / "data" / "disclosures.yml").read_text(encoding="utf-8")
    assert recorded.startswith("# Decisions recorded by the editors.\n"), "the author's comments stay"
    assert "# the evaluation suite, asked about twice\nhelios-eval:" in recorded
    assert [line.split(":")[0] for line in recorded.splitlines() if line and not line.startswith("#")] == \
        ["helios-gap", "helios-eval", "quill-incident", "quill-roadmap"], "and the order"
    entries = yaml.safe_load(recorded)
    assert entries["helios-gap"] == {"decision": "redacted", "by": "Ana Ruiz", "date": __import__("datetime").date(2026, 5, 1),
                                     "replacement": "One developer had a monitoring gap.", "source": "decisions.yml"}
    shown = " ".join(lxml_html.fromstring(report.build().article()).text_content().split())
    assert "monitoring gap on its largest cluster" not in shown and "One developer had a monitoring gap." in shown


def test_a_malformed_return_changes_nothing_and_names_every_bad_line(report: Report):
    root = make(report)
    bad = root / "returned.yml"
    bad.write_text("helios-gapp: {decision: approved}\n"
                   "helios-eval: {decision: maybe}\n"
                   "quill-roadmap: {decision: redacted}\n"
                   "helios-gap: {decision: approved, materal: true}\n", encoding="utf-8")
    before = (root / "data" / "disclosures.yml").read_bytes()
    proc = review(root, "--import", str(bad))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert any("returned.yml:1: unknown item 'helios-gapp'" in e and "helios-gap" in e for e in errors), errors
    assert any("returned.yml:2: unknown decision 'maybe'" in e for e in errors), errors
    assert any("returned.yml:3: item 'quill-roadmap' belongs to 'quill', not to 'helios'" in e for e in errors), errors
    assert any("returned.yml:4: unknown field 'materal'" in e for e in errors), errors
    assert "nothing was recorded" in errors[-1]
    assert (root / "data" / "disclosures.yml").read_bytes() == before


def test_a_packet_never_names_another_participants_redacted_heading(report: Report):
    report.page("index.md", "# Home\n\nOpen intro text.\n\n{% call redact(\"quill\") %}\n## Quill jaguarundi section\n\n"
                            "Quill body text.\n{% endcall %}\n\n{% call nonpublic(\"helios\", id=\"h-one\") %}\n"
                            "Helios item text about the hornbill pipeline in March.\n{% endcall %}\n")
    report.write("data/disclosures.yml", "h-one: {decision: approved}\n")
    report.nav("index.md")
    report.build()
    proc = review(report.root, "--participant", "helios")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (report.root / "review-packets" / "helios" / "index.html").read_text(encoding="utf-8")
    assert "hornbill" in page and "jaguarundi" not in page and "Quill" not in page


def test_a_report_that_does_not_build_gives_one_error_line(report: Report):
    report.page("index.md", "# Home\n\n{{ fact('missing.value') }}\n")
    report.nav("index.md")
    report.build(expect_ok=False)
    proc = review(report.root, "--participant", "helios")
    assert proc.returncode != 0 and "Traceback" not in proc.stdout + proc.stderr
    assert "docs/index.md:3" in proc.stderr, proc.stderr
