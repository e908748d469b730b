"""Reproducible builds and courtesy drafts.

Two builds of the same source must give byte-identical output, whoever builds
them, wherever, and on whatever day: the only dates in a build come from the
report's data (``published``) or from a ``SOURCE_DATE_EPOCH`` the caller chose.
Each build runs in its own process, so a different hash seed, and so any output
that depends on set or dict order, would show up here too.

A courtesy draft is the report as sent to participants before publication:
every page says so, with the date it was shared, and asks not to be indexed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import shutil
import struct
from pathlib import Path

import pytest

from conftest import Report, assert_clean_failure

pytestmark = pytest.mark.site

PUBLISHED = dt.date(2026, 5, 19)
DRAFT_NOTICE = "Courtesy draft — not for distribution."
ROBOTS = '<meta name="robots" content="noindex, nofollow, noarchive">'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION"):
        monkeypatch.delenv(name, raising=False)


def epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def write_report(report: Report) -> None:
    report.write("data/incidents.yml", """
        - {id: INC-1, summary: A public incident about log deletion}
        - !private {owner: helios, value: {id: INC-2, summary: "Quota exemption granted to the research fleet"}}
        """)
    report.page("index.md", """
        # Summary

        Public opening paragraph, published {{ report.published }}.

        {% call redact("helios") %}
        Helios shared that their cluster scheduler ignores agent quotas.
        {% endcall %}

        {% for i in incidents %}
        - {{ i.id }}: {{ i.summary }}
        {% endfor %}
        """)
    report.page("findings.md", "# Findings\n\nWhat the assessment found, in order.\n\n## First\n\nOne.\n\n## Second\n\nTwo.\n")
    report.page("appendix/details.md", "# Details\n\nDetails of the process.\n")
    report.nav("index.md", "findings.md", {"Appendix": ["appendix/details.md"]})


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_identical(first: Path, second: Path) -> None:
    one, two = files(first), files(second)
    assert one, f"{first} is empty"
    assert sorted(one) == sorted(two)
    different = [name for name in one if one[name] != two[name]]
    assert not different, f"files differ between builds: {different}"


def pages(site: Path) -> dict[str, str]:
    """The pages MkDocs renders with the theme (the newsletter folder holds copies made for email)."""
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))
            if not p.relative_to(site).as_posix().startswith("newsletter/")}


def content_pages(site: Path) -> dict[str, str]:
    """The report's own pages (the theme's 404 page is checked separately)."""
    return {name: text for name, text in pages(site).items() if name != "404.html"}


@pytest.fixture
def report(tmp_path: Path) -> Report:
    made = Report(tmp_path / "report")
    write_report(made)
    return made


# ---- byte-identical builds --------------------------------------------------------------------


def test_two_public_builds_are_byte_identical(report, tmp_path):
    first = report.build(None, "-d", "first")
    second = report.build(None, "-d", "second")
    assert_identical(first.site, second.site)

    elsewhere = Report.__new__(Report)                  # the same source checked out somewhere else
    elsewhere.root, elsewhere.config = tmp_path / "elsewhere" / "checkout", report.config
    shutil.copytree(report.root, elsewhere.root, ignore=shutil.ignore_patterns("first", "second", ".cache"))
    assert_identical(first.site, elsewhere.build(None, "-d", "third").site)


@pytest.mark.parametrize("audience", ["internal", "participant:helios"])
def test_two_non_public_builds_are_byte_identical(report, audience):
    first = report.build(audience, "-d", "first")
    second = report.build(audience, "-d", "second")
    assert "Confidential" in first.page()
    assert_identical(first.site, second.site)


def test_two_courtesy_draft_builds_are_byte_identical(report, monkeypatch):
    monkeypatch.setenv("REPORT_DRAFT", "1")
    first = report.build("participant:helios", "-d", "first")
    second = report.build("participant:helios", "-d", "second")
    assert_identical(first.site, second.site)


def test_the_build_date_is_the_published_date_not_the_clock(report):
    site = report.build().site
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]*)</lastmod>", sitemap)) == {PUBLISHED.isoformat()}
    header = (site / "sitemap.xml.gz").read_bytes()[:10]
    assert struct.unpack("<I", header[4:8])[0] == epoch(PUBLISHED)      # the gzip header's mtime
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode() == sitemap
    today = dt.date.today()
    if today != PUBLISHED:
        clock = (today.isoformat(), f"{today:%B} {today.day}, {today.year}")
        for name, data in files(site).items():
            text = data.decode("utf-8", errors="replace")
            assert not any(stamp in text for stamp in clock), f"{name} contains today's date"


def test_a_source_date_epoch_the_caller_sets_wins(report, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch(dt.date(2026, 6, 1))))
    sitemap = (report.build().site / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]*)</lastmod>", sitemap)) == {"2026-06-01"}


# ---- courtesy drafts ------------------------------------------------------------------------


@pytest.mark.parametrize("audience", [None, "participant:helios", "internal"])
def test_a_courtesy_draft_marks_every_page_with_its_date(report, monkeypatch, audience):
    monkeypatch.setenv("REPORT_DRAFT", "2026-05-12")
    site = report.build(audience).site
    found = content_pages(site)
    assert {"index.html", "findings/index.html", "appendix/details/index.html"} <= set(found)
    for name, html in found.items():
        assert f"{DRAFT_NOTICE} Shared with participants on May 12, 2026, ahead of publication." in html, name
        assert "data-report-draft" in html, name
        assert html.count('name="robots"') == 1 and ROBOTS in html, name
    assert 'data-md-component="outdated"' not in found["index.html"]     # a draft is not an edition


def test_a_draft_without_a_date_takes_the_callers_epoch_or_names_the_publication_date(report, monkeypatch):
    monkeypatch.setenv("REPORT_DRAFT", "1")
    page = report.build().page()
    assert f"{DRAFT_NOTICE} Shared with participants ahead of publication on May 19, 2026." in page
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch(dt.date(2026, 5, 10))))
    page = report.build().page()
    assert f"{DRAFT_NOTICE} Shared with participants on May 10, 2026, ahead of publication." in page


def test_a_final_build_is_not_a_draft(report):
    html = report.build().page()
    assert DRAFT_NOTICE not in html and 'name="robots"' not in html


def test_an_unreadable_draft_setting_fails_the_build_cleanly(report, monkeypatch):
    monkeypatch.setenv("REPORT_DRAFT", "next-tuesday")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "REPORT_DRAFT", None, "neither 1 nor a date", "REPORT_DRAFT=2026-05-12")


def test_a_public_draft_marks_theme_pages_too_and_shows_its_notice_once(report, monkeypatch):
    monkeypatch.setenv("REPORT_DRAFT", "2026-05-12")
    for name, html in pages(report.build().site).items():
        assert ROBOTS in html, name
        assert html.count(DRAFT_NOTICE) == 1, name


def test_builds_in_one_process_leave_the_cycle_collector_as_they_found_it(report, monkeypatch, caplog):
    """The passes run with the cycle collector paused, and a build freezes what it keeps until it
    ends; a process that builds again (a test run, a script) finds nothing frozen, whether the
    build before succeeded or failed."""
    import gc

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from report_engine.stages import passes

    report.page("index.md", "# Summary\n\nThe report.\n")
    report.build()                                   # writes mkdocs.yml
    monkeypatch.chdir(report.root)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    collecting: list[bool] = []
    run = passes.run

    def watched(*args, **kwargs):
        collecting.append(gc.isenabled())
        return run(*args, **kwargs)
    monkeypatch.setattr(passes, "run", watched)
    report.write("docs/numbers.yml", "x: !private {owner: helios, value: 1}\n")
    fails = {"# Summary\n\nThe report, again.\n": None,
             "# Summary\n\n{{ no_such_macro() }}\n": "no_such_macro",         # in pass one
             "# Summary\n\nThe [numbers](numbers.yml).\n": "!private"}       # once the pages are converted
    for text, mistake in fails.items():
        report.page("index.md", text)
        caplog.clear()
        config = load_config(str(report.root / "mkdocs.yml"))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        except Exception:
            assert mistake is not None and mistake in caplog.text, caplog.text
        else:
            assert mistake is None
        assert gc.isenabled() and gc.get_freeze_count() == 0
    assert collecting == [False, False, False]
