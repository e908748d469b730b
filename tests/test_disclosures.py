"""The disclosure process: nonpublic blocks and their decisions, and participants that leave silently.

Each test builds a small report for real and reads what every audience gets.
"""

from __future__ import annotations

import csv
import io
import os

import pytest
from lxml import html as lxml_html

from conftest import REPORT_YML, Report, assert_clean_failure
from report_engine import disclosures

GAP = "Helios had a monitoring gap on its largest cluster for eleven days in March"
EVAL = "Helios ran the internal evaluation suite against seven frontier checkpoints"
INCIDENT = "saw an agent restart its own job after a quota limit was reached"
ROADMAP = "Quill plans to roll out a new agent scheduler across its research fleet"

pytestmark = pytest.mark.site

PAGE = f"""# Summary

Public text about the assessment.

{{% call nonpublic("helios", id="helios-gap") %}}
{GAP}.
{{% endcall %}}

{{% call nonpublic("helios", id="helios-eval") %}}
{EVAL}.
{{% endcall %}}

{{% call nonpublic("quill", id="quill-incident") %}}
{{{{ org("quill") }}}} {INCIDENT}.
{{% endcall %}}

{{% call nonpublic("quill", id="quill-roadmap") %}}
{ROADMAP}.
{{% endcall %}}

{{{{ redaction_statement() }}}}
"""

DECIDED = """\
helios-gap: {decision: approved, by: Dana Reyes, date: 2026-04-02}
helios-eval: {decision: redacted, material: true, note: Evaluation details were withheld., by: Dana Reyes, date: 2026-04-03}
quill-incident: {decision: anonymised, by: Sam Lee, date: 2026-04-04}
quill-roadmap: {decision: approved, by: Sam Lee, date: 2026-04-04}
"""


def write(report: Report, decisions: str = DECIDED, page: str = PAGE) -> None:
    report.page("index.md", page)
    report.write("data/disclosures.yml", decisions)
    report.nav("index.md")


def text(result, path: str = "") -> str:
    """The page's article as a reader reads it (no markup)."""
    return " ".join(lxml_html.fromstring(result.article(path)).text_content().split())


def everything(site) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file())


def test_each_decision_gives_each_audience_what_it_says(report: Report):
    write(report)
    public = report.build()
    shown = text(public)
    assert GAP in shown and ROADMAP in shown, "approved items are published"
    assert EVAL not in everything(public.site), "a redacted item is in no public file"
    assert "Evaluation details were withheld." in shown, "its material notice stands where it was"
    assert f"Developer B {INCIDENT}" in shown and "Quill Research" not in shown, "anonymised: the pseudonym only"
    owner = text(report.build("participant:quill"))
    assert f"Quill Research {INCIDENT}" in owner, "the owner reads its own name"
    helios = text(report.build("participant:helios"))
    assert EVAL in helios and f"Developer B {INCIDENT}" in helios


def test_pending_fails_closed_and_stops_the_final_public_build(report: Report, monkeypatch):
    write(report, DECIDED.replace("quill-roadmap: {decision: approved", "quill-roadmap: {decision: pending"),
          PAGE + '\n{% call nonpublic("helios", id="helios-unrecorded") %}\nHelios moved its fleet to a new '
                 "network segment in the spring.\n{% endcall %}\n")
    result = report.build(expect_ok=False)
    message = assert_clean_failure(result, "docs/index.md", 17, "2 non-public item(s)")
    assert "quill-roadmap (quill, docs/index.md:17)" in message
    assert "helios-unrecorded (helios, docs/index.md:23)" in message
    assert not (result.site / "index.html").exists(), "nothing was published"
    monkeypatch.setenv("REPORT_DRAFT", "2026-05-12")
    draft = report.build()
    assert "Pending (shown redacted)" in draft.output
    assert ROADMAP not in everything(draft.site) and "new network segment" not in everything(draft.site)
    monkeypatch.delenv("REPORT_DRAFT")
    owner = text(report.build("participant:quill"))
    assert ROADMAP in owner and "redacted in the public report" in owner


def test_one_item_approved_then_redacted_then_anonymised(report: Report):
    write(report)
    for decision, public_sees, notice in (("approved", True, False), ("redacted", False, True),
                                          ("anonymised", True, False)):
        extra = ", material: true, note: A gap was withheld." if decision == "redacted" else ""
        report.write("data/disclosures.yml", DECIDED.replace("helios-gap: {decision: approved",
                                                             f"helios-gap: {{decision: {decision}{extra}"))
        if decision == "anonymised":
            report.write("data/report.yml", REPORT_YML.replace("{id: helios, name: Helios Labs}",
                                                               "{id: helios, name: Helios Labs, pseudonym: Developer A}"))
            report.page("index.md", PAGE.replace(GAP, GAP.replace("Helios", '{{ org("helios") }}')))
        shown = text(report.build())
        gap = GAP.replace("Helios", "Developer A") if decision == "anonymised" else GAP
        assert (gap in shown) == public_sees, decision
        assert ("A gap was withheld." in shown) == notice, decision
        internal = GAP.replace("Helios", "Helios Labs") if decision == "anonymised" else GAP
        assert internal in text(report.build("internal")), decision


def test_anonymised_needs_a_pseudonym_and_must_not_name_its_owner(report: Report):
    write(report, DECIDED.replace("helios-gap: {decision: approved", "helios-gap: {decision: anonymised"))
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "data/disclosures.yml", 1, "no pseudonym")
    report.write("data/report.yml", REPORT_YML.replace("{id: helios, name: Helios Labs}",
                                                       "{id: helios, name: Helios Labs, pseudonym: Developer A}"))
    report.page("index.md", PAGE.replace(GAP, "Helios Labs had a gap on its largest cluster"))
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 5, "names Helios Labs")


@pytest.mark.parametrize("decisions, line, fragment", [
    ("helios-gap: {decision: aproved}\n", 1, "did you mean 'approved'"),
    ("helios-gap: {decision: approved, materal: true}\n", 1, "unknown field 'materal'"),
    ("helios-gap: {decision: approved, material: true}\n", 1, "belong to a redacted item"),
    ("helios-gap: approved\n", 1, "not a mapping"),
])
def test_mistakes_in_the_decisions_name_their_line(report: Report, decisions, line, fragment):
    write(report, decisions)
    assert_clean_failure(report.build(expect_ok=False), "data/disclosures.yml", line, fragment)


def test_blocks_of_two_owners_do_not_nest(report: Report):
    write(report, page='# Summary\n\n{% call nonpublic("helios", id="helios-gap") %}\nA.\n'
                       '{% call redact("quill") %}\nB.\n{% endcall %}\n{% endcall %}\n')
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 5, "each block has one owner")


def test_the_internal_register_lists_every_item(report: Report):
    write(report)
    site = report.build("internal").site
    rows = list(csv.DictReader(io.StringIO((site / disclosures.REGISTER_CSV).read_text(encoding="utf-8"))))
    assert [(r["item"], r["decision"], r["by"]) for r in rows] == [
        ("helios-gap", "approved", "Dana Reyes"), ("helios-eval", "redacted", "Dana Reyes"),
        ("quill-incident", "anonymised", "Sam Lee"), ("quill-roadmap", "approved", "Sam Lee")]
    assert rows[2]["public reads"] == "as written, its owner as Developer B"
    assert "helios-eval" in (site / "redaction-register" / "index.html").read_text(encoding="utf-8")
    assert not (report.build().site / disclosures.REGISTER_CSV).exists()
    own = report.build("participant:quill").site
    rows = list(csv.DictReader(io.StringIO((own / disclosures.REGISTER_CSV).read_text(encoding="utf-8"))))
    assert [r["item"] for r in rows] == ["quill-incident", "quill-roadmap"], "a participant's register: its own"
    page = (own / "redaction-register" / "index.html").read_text(encoding="utf-8")
    assert "quill-roadmap" in page and "helios-eval" not in page and "Helios Labs" not in page.split("<article")[1]


# ---- a participant that leaves silently ------------------------------------------------------------

EXITED_YML = REPORT_YML + "  - {id: nova, name: Nova Dynamics, pseudonym: Developer C, exited: true}\n"
EXIT_PAGE = """# Summary

We assessed {{ report.participants|length }} developers: {{ report.participants|map(attribute="name")|join(", ") }}.

{{ data_table("log.rows", columns=[["ID", "id"], ["Who", "participant", "participant"], ["Note", "note"]], download="log") }}

{% call redact("nova", material=true, note="Scheduler details were withheld.") %}
{{ org("nova") }} shared its scheduler logs with the assessors in early March.
{% endcall %}

{% call nonpublic("nova", id="nova-gap") %}
The exited developer had a monitoring gap in its training fleet for a fortnight.
{% endcall %}

{{ redaction_statement() }}
"""
LOG = ("rows:\n  - {id: R-1, participant: nova, note: Restarted a job after the quota limit}\n"
       "  - {id: R-2, participant: helios, note: Audited the logs}\n")


def exit_report(report: Report) -> None:
    report.write("data/report.yml", EXITED_YML)
    report.write("data/log.yml", LOG)
    report.write("data/disclosures.yml", "nova-gap: {decision: approved, by: Ola Nowak, date: 2026-04-01}\n")
    report.page("index.md", EXIT_PAGE)
    report.page("appendices/nova.md", '# Developer C\n\n{% call redact("nova") %}\nThe appendix of the developer '
                                      "that left, with its own findings.\n{% endcall %}\n")
    report.page("appendices/helios.md", "# Helios Labs\n\nThe appendix of Helios.\n")
    report.nav("index.md", {"Appendices": ["appendices/nova.md", "appendices/helios.md"]})


@pytest.mark.parametrize("audience", [None, "participant:helios"])
def test_a_participant_that_left_leaves_no_trace(report: Report, audience):
    exit_report(report)
    result = report.build(audience, "--strict")
    site = everything(result.site)
    for trace in ("Nova", "nova", "Developer C", "Scheduler details", "monitoring gap in its training fleet",
                  "Restarted a job", "R-1"):
        assert trace not in site, trace
    shown = text(result)
    assert "We assessed 2 developers: Helios Labs, Quill Research." in shown, "counts and lists leave it out"
    assert "Except where explicitly noted" in shown, "the statement does not count its removals"
    assert not (result.site / "appendices" / "nova").exists(), "its appendix is in no build but internal"
    assert "Appendix A" in result.page("appendices/helios/"), "the appendices are lettered without a gap"


def test_the_internal_build_keeps_what_a_participant_that_left_shared(report: Report):
    exit_report(report)
    result = report.build("internal", "--strict")
    shown = text(result)
    assert "Nova Dynamics shared its scheduler logs" in shown and "We assessed 3 developers" in shown
    rows = list(csv.DictReader(io.StringIO((result.site / disclosures.REGISTER_CSV).read_text(encoding="utf-8"))))
    assert rows[0]["item"] == "nova-gap" and "exit overrides: approved" in rows[0]["by"]


def test_a_participant_that_left_gets_no_build_and_no_mention(report: Report):
    exit_report(report)
    result = report.build("participant:nova", expect_ok=False)
    assert result.returncode != 0 and "left the assessment" in result.output and "Traceback" not in result.output
    report.page("index.md", EXIT_PAGE + "\nWe thank {{ org('nova') }} too.\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 17, "exited: true")
    report.page("index.md", EXIT_PAGE + "\nWe thank Nova Dynamics too.\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 17, "names it")


def test_a_pseudonym_sequence_shows_no_gap_where_one_left(report: Report):
    report.write("data/report.yml", REPORT_YML.replace("{id: helios, name: Helios Labs}",
                                                       "{id: helios, name: Helios Labs, pseudonym: Developer A}")
                 + "  - {id: nova, name: Nova Dynamics, pseudonym: Developer C, exited: true}\n"
                 + "  - {id: orion, name: Orion AI, pseudonym: Developer D}\n")
    report.page("index.md", "# Summary\n\nText.\n")
    message = assert_clean_failure(report.build(expect_ok=False), "data/report.yml", 12, "leaves a gap")
    assert "orion: Developer D → Developer C" in message


# ---- private data with an id -----------------------------------------------------------------------

LEDGER = "quota: !private {owner: helios, id: helios-quota, value: 4096}\n"
QUOTA_PAGE = "# Summary\n\nThe cluster quota was {{ fact('ledger.quota') }} accelerators.\n"


def test_private_data_approved_by_its_id_is_ordinary_data(report: Report):
    report.write("data/ledger.yml", LEDGER)
    report.write("data/disclosures.yml", "helios-quota: {decision: approved, by: Dana Reyes, date: 2026-04-02}\n")
    report.page("index.md", QUOTA_PAGE)
    report.nav("index.md")
    assert "The cluster quota was 4,096 accelerators." in text(report.build())
    rows = list(csv.DictReader(io.StringIO((report.build("internal").site / disclosures.REGISTER_CSV)
                                            .read_text(encoding="utf-8"))))
    assert [(r["item"], r["decision"], r["where"]) for r in rows] == [("helios-quota", "approved", "data/ledger.yml:1")]


def test_private_data_without_a_decision_stays_private_and_pending(report: Report):
    report.write("data/ledger.yml", LEDGER)
    report.page("index.md", QUOTA_PAGE)
    report.nav("index.md")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "private to 'helios'")
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}\nThe quota was {{ fact('ledger.quota') }}.\n"
                            "{% endcall %}\n")
    message = assert_clean_failure(report.build(expect_ok=False), "data/ledger.yml", 1, "await")
    assert "helios-quota (helios, data/ledger.yml:1)" in message
    assert "4,096" in text(report.build("participant:helios"))


def test_the_example_stops_when_a_decision_goes_back_to_pending(tmp_path, monkeypatch):
    import subprocess
    import sys

    from conftest import copy_example

    root = copy_example(tmp_path / "example")
    path = root / "data" / "disclosures.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "openai-internal-results: {decision: approved", "openai-internal-results: {decision: pending"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    final = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, env=env, capture_output=True,
                           text=True, timeout=600)
    assert final.returncode != 0 and "openai-internal-results (openai, docs/appendices/openai.md:" in final.stdout + final.stderr
    draft = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, env={**env, "REPORT_DRAFT": "2026-05-12"},
                           capture_output=True, text=True, timeout=600)
    assert draft.returncode == 0, draft.stdout + draft.stderr
    appendix = (root / "site-private" / "draft-public" / "appendices" / "openai" / "index.html").read_text(encoding="utf-8")
    assert "documented how agents are used across its research" not in appendix, "shown redacted in the draft"


def test_a_participant_that_left_is_not_in_the_pdf(report: Report, monkeypatch):
    exit_report(report)
    monkeypatch.setenv("REPORT_PDF", "1")
    site = report.build().site
    (pdf,) = site.glob("*.pdf")
    import subprocess

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Nova" not in text and "Developer C" not in text and "Restarted a job" not in text
    assert "Helios Labs" in text


def test_the_changes_page_keeps_an_exit_silent(report: Report):
    import subprocess
    import sys

    from test_editions import commit, git, make_repository, set_edition

    exit_report(report)
    report.write("data/report.yml", EXITED_YML.replace(", exited: true", ""))       # the first edition: still in
    report.page("index.md", EXIT_PAGE.replace('{% call redact("nova", material=true', '{% call redact("nova"')
                .replace('{{ org("nova") }} shared', "It shared"))
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.build()
    root = report.root
    make_repository(root)
    git(root, "tag", "edition-2026-03")
    report.write("data/report.yml", EXITED_YML)                                      # it leaves silently
    index = root / "docs" / "index.md"                                               # beside an honest change
    index.write_text(index.read_text(encoding="utf-8") + "\n\n## A section new in June\n\nNew text.\n",
                     encoding="utf-8")
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition")
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    for audience, site in (("public", root / "site"), ("participant:helios", root / "site-private" / "participant-helios")):
        proc = subprocess.run([sys.executable, "-m", "macros", "build", "--audience", audience], cwd=root, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        page = " ".join(lxml_html.fromstring((site / "changes" / "index.html").read_text(encoding="utf-8"))
                        .xpath("//article")[0].text_content().split())
        assert "A section new in June" in page, page
        for trace in ("R-1", "Nova", "Developer C", "3 developers", "Removed"):
            assert trace not in page, (audience, trace, page)
