"""Readers find, cite, share and follow the report: metadata, head tags, JSON-LD, social cards,
citation files and the feed of editions, on the public build only."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html
from PIL import Image, ImageStat

from conftest import Report, copy_example

EDITION_URL = "https://metr.org/frontier-risk-report/2026-03/"
SCHOLAR = ("citation_title", "citation_author", "citation_publication_date", "citation_technical_report_institution",
           "citation_doi")
# What schema.org and Google's structured-data guidelines need of a report (CreativeWork) here.
REPORT_FIELDS = ("@context", "@type", "name", "datePublished", "publisher", "url", "version", "author",
                 "identifier", "license")

pytestmark = pytest.mark.site


# ---- metadata: checked with file and line ------------------------------------------------------

def test_a_build_stops_on_a_metadata_mistake_with_file_and_line(report: Report):
    report.page("index.md", "# Summary\n\nText.\n")
    path = report.root / "data" / "report.yml"
    report.build()
    path.write_text(path.read_text(encoding="utf-8") + "doi: not-a-doi\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").count("\n")
    result = report.build(expect_ok=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert f"data/report.yml:{lines}: doi 'not-a-doi' is not a DOI" in result.output


# ---- the example, built ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("findability") / "report")
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    for audience in ("public", "participant:openai"):
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=root,
                              env={**env, "REPORT_AUDIENCE": audience}, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def head(page: Path) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(page.read_text(encoding="utf-8")).find("head")


def metas(element, attribute: str, name: str) -> list[str]:
    return [m.get("content") for m in element.xpath(f'.//meta[@{attribute}="{name}"]')]


def json_ld(element) -> list[dict]:
    return [json.loads(s.text) for s in element.xpath('.//script[@type="application/ld+json"]')]


def public_pages(site: Path) -> list[Path]:
    return [p for p in sorted(site.rglob("index.html"))
            if not p.relative_to(site).as_posix().startswith(("newsletter/", "search/"))]


def test_the_landing_page_carries_scholar_tags_and_only_it(example):
    site = example / "site"
    landing = head(site / "index.html")
    for name in SCHOLAR:
        assert metas(landing, "name", name), name
    assert metas(landing, "name", "citation_author") == ["Ada Example", "Grace Placeholder"]
    assert metas(landing, "name", "citation_publication_date") == ["2026/05/19"]
    assert metas(landing, "name", "citation_doi") == ["10.5555/example.frontier-risk-report.2026-03"]
    assert metas(landing, "name", "citation_technical_report_institution") == ["METR"]
    for page in public_pages(site):
        if page != site / "index.html":
            assert not metas(head(page), "name", "citation_title"), page


def test_the_landing_page_describes_the_report_in_json_ld(example):
    (data,) = json_ld(head(example / "site" / "index.html"))
    for field in REPORT_FIELDS:
        assert data.get(field), field
    assert data["@context"] == "https://schema.org" and data["@type"] == "Report"
    assert data["publisher"] == {"@type": "Organization", "name": "METR", "email": "reports@example.org"}
    assert data["url"] == EDITION_URL and data["version"] == "2026-03" and data["datePublished"] == "2026-05-19"
    assert [a["name"] for a in data["author"]] == ["Ada Example", "Grace Placeholder"]
    assert data["author"][1]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert data["identifier"]["value"] == "10.5555/example.frontier-risk-report.2026-03"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["isPartOf"]["identifier"]["value"] == "10.5555/example.frontier-risk-report"


def test_every_page_names_the_report_it_is_part_of_and_can_be_shared(example):
    site = example / "site"
    pages = public_pages(site)
    assert len(pages) >= 10
    seen_cards = set()
    for page in pages:
        element = head(page)
        (data,) = json_ld(element)
        if page != site / "index.html":
            assert data["@type"] == "WebPage" and data["isPartOf"]["@type"] == "Report", page
            assert data["isPartOf"]["url"] == EDITION_URL and data["isPartOf"]["name"] == "Frontier Risk Report"
            body = lxml_html.fromstring(page.read_text(encoding="utf-8"))
            cite = body.xpath('//aside[contains(@class, "report-cite--section")]')
            assert cite and EDITION_URL in cite[0].text_content(), page
        for name in ("og:title", "og:description", "og:url", "og:image", "og:image:alt", "og:type"):
            assert metas(element, "property", name), (page, name)
        for name in ("twitter:card", "twitter:title", "twitter:description", "twitter:image"):
            assert metas(element, "name", name), (page, name)
        description = metas(element, "name", "description")
        assert len(description) == 1 and 20 <= len(description[0]) <= 200, (page, description)
        assert metas(element, "property", "og:description") == description
        (canonical,) = element.xpath('.//link[@rel="canonical"]/@href')
        assert metas(element, "property", "og:url") == [canonical]
        feeds = element.xpath('.//link[contains(concat(" ", @rel, " "), " alternate ")][@type="application/atom+xml"]/@href')
        assert feeds == ["https://metr.org/frontier-risk-report/feed.xml"], page
        (image,) = metas(element, "property", "og:image")
        assert image.startswith(EDITION_URL)
        seen_cards.add(image[len(EDITION_URL):])
    for card in seen_cards:
        with Image.open(site / card) as picture:
            assert picture.size == (1200, 630) and picture.format == "PNG"
            assert ImageStat.Stat(picture.convert("L")).stddev[0] > 20, f"{card} looks blank"
    # one card for the edition, one per nav section: a handful however long the report
    assert seen_cards == {"assets/cards/edition.png", "assets/cards/section-appendices.png"}
    assert sorted(p.name for p in (site / "assets" / "cards").iterdir()) == ["edition.png", "section-appendices.png"]


def test_the_cite_section_offers_the_doi_ris_and_csl_json(example):
    site = example / "site"
    landing = lxml_html.fromstring((site / "index.html").read_text(encoding="utf-8"))
    (cite,) = landing.xpath('//section[contains(@class, "report-cite")]')
    links = {a.text_content().strip(): a.get("href") for a in cite.iter("a")}
    doi = "https://doi.org/10.5555/example.frontier-risk-report.2026-03"
    assert doi in links.values(), "the DOI, once (in the reference when the style prints it)"
    assert cite.text_content().count("10.5555/example.frontier-risk-report.2026-03") == 2   # reference and BibTeX
    assert links["BibTeX"] == "report.bib" and links["RIS"] == "report.ris" and links["CSL-JSON"] == "report.json"
    assert "Example" in cite.text_content() and "Placeholder" in cite.text_content(), "the authors are cited"
    (item,) = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert item["type"] == "report" and item["DOI"] == "10.5555/example.frontier-risk-report.2026-03"
    assert item["author"] == [{"family": "Example", "given": "Ada"}, {"family": "Placeholder", "given": "Grace"}]
    assert item["issued"] == {"date-parts": [[2026, 5, 19]]} and item["URL"] == EDITION_URL
    ris = (site / "report.ris").read_bytes().decode("utf-8")         # (read_text would fold CR LF)
    assert ris.startswith("TY  - RPRT\r\n") and ris.endswith("ER  - \r\n")
    assert "AU  - Example, Ada\r\n" in ris and "DO  - 10.5555/example.frontier-risk-report.2026-03\r\n" in ris
    assert "doi = {10.5555/example.frontier-risk-report.2026-03}" in (site / "report.bib").read_text()


def test_a_single_build_writes_its_own_feed(example):
    feed = feedparser.parse((example / "site" / "feed.xml").read_text(encoding="utf-8"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Frontier Risk Report: editions"
    assert feed.feed.link == "https://metr.org/frontier-risk-report/"
    (entry,) = feed.entries
    assert entry.link == EDITION_URL and entry.title == "Frontier Risk Report: February to March 2026"
    assert entry.published.startswith("2026-05-19")
    assert "pilot exercise" in entry.summary
    assert "Frontier Risk Report" in entry.content[0].value, "the newsletter post, for tools that import feeds"


def test_private_builds_are_never_indexed_shared_or_followed(example):
    site = example / "site-private" / "participant-openai"
    for page in public_pages(site):
        element = head(page)
        assert not element.xpath('.//meta[starts-with(@property, "og:") or starts-with(@name, "twitter:") '
                                 'or starts-with(@name, "citation_")]'), page
        assert not json_ld(element) and not element.xpath('.//link[@type="application/atom+xml"]'), page
    assert not (site / "feed.xml").exists() and not (site / "assets" / "cards").exists()


def test_a_description_never_comes_from_a_redacted_passage(report: Report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios keeps its evaluation agents on a cluster with no outside network access at all.
        {% endcall %}

        The assessment covered every participant's internal agents over four weeks of work.
        """)
    site = report.build().site
    (description,) = metas(head(site / "index.html"), "name", "description")
    assert "Helios" not in description and "network" not in description
    assert description.startswith("The assessment covered")
    public = report.build().output
    assert "Leak audit passed" in public


# ---- editions: the feed at the root -----------------------------------------------------------

def test_publishing_keeps_one_feed_of_every_edition_at_the_root_and_marks_a_withdrawal(tmp_path):
    from test_editions import assert_published, commit, make_repository, publish, set_edition

    root = copy_example(tmp_path / "report")
    make_repository(root)
    assert_published(publish(root))
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition")
    assert_published(publish(root))

    def root_feed():
        text = subprocess.run(["git", "show", "gh-pages:feed.xml"], cwd=root, capture_output=True, text=True,
                              check=True).stdout
        parsed = feedparser.parse(text)
        assert not parsed.bozo, parsed.bozo_exception
        return parsed

    feed = root_feed()
    assert [e.link for e in feed.entries] == ["https://metr.org/frontier-risk-report/2026-06/", EDITION_URL]
    assert [e.title for e in feed.entries] == ["Frontier Risk Report: May to June 2026",
                                                "Frontier Risk Report: February to March 2026"]
    edition_feed = subprocess.run(["git", "show", "gh-pages:2026-06/feed.xml"], cwd=root, capture_output=True,
                                  text=True, check=True).stdout
    assert len(feedparser.parse(edition_feed).entries) == 1
    result = subprocess.run([sys.executable, "-m", "macros", "publish", "--retract", "2026-03", "--reason",
                             "a table was wrong"], cwd=root, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1782864000"})
    assert result.returncode == 0, result.stdout + result.stderr
    feed = root_feed()
    withdrawn = [e for e in feed.entries if e.link == EDITION_URL]
    assert len(withdrawn) == 1 and withdrawn[0].title.startswith("Withdrawn: ")
    assert "a table was wrong" in withdrawn[0].summary and not withdrawn[0].get("content")
    assert withdrawn[0].updated.startswith(dt.datetime.fromtimestamp(1782864000, dt.timezone.utc).date().isoformat())
    assert re.search(r"2026-06", feed.entries[0].link), "the standing edition stays first"


# ---- what changed since the last edition ------------------------------------------------------

def changes_text(site: Path) -> str:
    page = lxml_html.fromstring((site / "changes" / "index.html").read_text(encoding="utf-8"))
    (article,) = page.xpath("//article")
    return " ".join(article.text_content().split())


def test_the_changes_page_compares_with_the_previous_edition_for_each_audience(tmp_path):
    from test_editions import assert_published, commit, make_repository, publish, set_edition

    root = copy_example(tmp_path / "report")
    make_repository(root)
    assert_published(publish(root))                 # edition 2026-03, tagged edition-2026-03
    first = subprocess.run(["git", "show", "gh-pages:2026-03/changes/index.html"], cwd=root,
                           capture_output=True, text=True)
    assert first.returncode != 0, "a first edition has no changes page"

    # the second edition: a changed figure, a new incident, a dropped section, and a change inside
    # a passage only Anthropic (and internal readers) may read
    facts = root / "data" / "facts.yml"
    facts.write_text(facts.read_text().replace("staged_scenarios: 14", "staged_scenarios: 17"))
    incidents = root / "data" / "incidents.yml"
    incidents.write_text(incidents.read_text() + """
- id: INC-20
  date: 2026-03-15
  participant: google
  category: other
  severity: low
  summary: An agent renamed a shared dashboard while tidying its own workspace.
  response: The dashboard was restored; agents no longer have rename rights on shared dashboards.
""")
    process = root / "docs" / "process.md"
    text = process.read_text()
    start, end = text.index("## Why an entity-based assessment"), text.index("## What participants provided")
    process.write_text(text[:start] + text[end:])
    appendix = root / "docs" / "appendices" / "anthropic.md"
    text = appendix.read_text()
    secret = "### Helper hardening {#helper-hardening}\n\nThe helper now also rejects tokens older than a day.\n\n"
    marker = '{% call redact("anthropic") %}\n'
    appendix.write_text(text.replace(marker, marker + secret, 1))
    # a section public in the first edition that OpenAI asked to redact in the second
    text = process.read_text()
    start, end = text.index("## Sources of evidence"), text.index("## From private reports")
    process.write_text(text[:start] + '{% call redact("openai") %}\n' + text[start:end].rstrip() + "\n{% endcall %}\n\n"
                       + text[end:])
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition")

    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    sites = {}
    for audience, site in (("public", root / "site"), ("participant:anthropic", root / "site-private" /
                                                          "participant-anthropic")):
        proc = subprocess.run([sys.executable, "-m", "macros", "build", "--audience", audience], cwd=root, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        sites[audience] = changes_text(site)

    public = sites["public"]
    assert "edition 2026-03" in public and "February to March 2026" in public
    assert "was 14, now 17" in public and "facts.red_team" not in public, "named by its sentence, not its path"
    assert "“The red-teamer staged 17 scenarios" in public, "the sentence that uses the figure"
    assert "Added: INC-20" in public
    assert "Removed section: Why an entity-based assessment" in public
    assert "Helper hardening" not in public and "tokens older" not in public, "a redacted change never shows"
    assert "Sources of evidence" not in public and "agent_tasks_run" not in public, \
        "nor does a passage that was public and is now redacted"
    # nothing else changed: no other figure, record or section is listed
    assert public.count(", now ") == 1 and public.count("Added:") == 1 and public.count("Removed") == 1
    private = sites["participant:anthropic"]
    assert "New section: Helper hardening" in private, "the audience that reads the passage sees its change"
    assert "was 14, now 17" in private
    links = lxml_html.fromstring((root / "site" / "changes" / "index.html").read_text()).xpath("//article//a/@href")
    assert "https://metr.org/frontier-risk-report/2026-03/" in links
    assert any(link.endswith("appendices/incidents/") for link in links)


def test_a_page_described_in_its_front_matter_has_that_description_once(report: Report):
    report.page("index.md", "---\ndescription: The report in one sentence, from the front matter.\n---\n"
                            "# Summary\n\nThe assessment covered every participant's internal agents over four weeks.\n")
    report.page("other.md", "# Other\n\nThis page says what it holds in its first sentence. Then more.\n")
    report.nav("index.md", "other.md")
    site = report.build().site
    assert metas(head(site / "index.html"), "name", "description") == [
        "The report in one sentence, from the front matter."]
    assert metas(head(site / "other" / "index.html"), "name", "description") == [
        "This page says what it holds in its first sentence. Then more."]
