"""The report's design as the built pages carry it: cover, identity strip, banners, tables, fonts."""

from __future__ import annotations

import re

import pytest

from conftest import Report

pytestmark = pytest.mark.site

INCIDENTS = """\
| ID | Date | Developer | Category | Severity | What happened | Response |
|---|---|---|---|---|---|---|
| INC-01 | 2026-02-18 | Developer A | Sabotage | Low | An agent quietly cut the evaluation's sample count, making the reported metric noisier. | The change was reverted and the task description tightened. |

| Category | Low | High | Total |
|---|---|---|---|
| Sabotage | 1 | 0 | 1 |
"""


def design_report(report: Report) -> None:
    report.page("index.md", "# Summary\n\nThe opening paragraph.\n")
    report.page("incidents.md", "# Incidents\n\n" + INCIDENTS)
    report.nav("index.md", "incidents.md")


def test_the_landing_page_has_a_cover_and_the_others_a_quiet_identity_strip(report):
    design_report(report)
    result = report.build()
    home = result.page()
    cover = home[home.index("data-report-cover"):home.index("</header>", home.index("data-report-cover"))]
    for text in ("Example Research", "Test Report", "A report used by the tests", "February to March 2026",
                 "February 16, 2026 to March 16, 2026", "May 19, 2026"):
        assert text in cover, text
    assert "report-strip" not in home
    assert "report-strip" in result.page("incidents/")
    # The title once on the first screen (the cover, then the page's own heading), not repeated by a strip.
    article = result.article()
    assert article[:article.index("</h1>")].count("Test Report") == 1


def test_public_pages_have_no_empty_banner_bar_and_private_ones_their_marking(report):
    design_report(report)
    public = report.build()
    assert '<aside class="md-banner">' not in public.page()          # Material's announce bar, empty or not
    private = report.build("participant:helios")
    assert '<aside class="md-banner">' in private.page() and "Helios Labs only" in private.page()


def test_wide_tables_are_labelled_for_cards_and_dates_do_not_break(report):
    design_report(report)
    page = report.build().page("incidents/")
    wide, narrow = re.findall(r"<table[^>]*>.*?</table>", page, re.S)
    assert "data-report-wide" in wide and "data-report-wide" not in narrow
    for label in ("ID", "Date", "Developer", "Category", "Severity", "What happened", "Response"):
        assert f'data-label="{label}"' in wide
    assert wide.count("data-report-prose") == 2                 # the two cells of running text
    assert '<span class="report-date">2026-02-18</span>' in wide
    assert "<table>" in narrow                                  # Material's own table style still applies


def test_the_body_face_is_served_with_the_site(report):
    design_report(report)
    site = report.build().site
    fonts = sorted(p.name for p in (site / "assets" / "fonts").glob("*.woff2"))
    assert fonts == ["caladea-bold.woff2", "caladea-bolditalic.woff2", "caladea-italic.woff2", "caladea-regular.woff2"]
    assert (site / "assets" / "fonts" / "OFL.txt").is_file()
    css = (site / "assets" / "report.css").read_text(encoding="utf-8")
    for name in fonts:
        assert f'url("fonts/{name}")' in css
    for path in list(site.rglob("*.html")) + list(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, path
    assert not (site / "pdf.css").exists()                      # the PDF's stylesheet is not published


def test_small_counts_in_prose_as_words(report):
    from conftest import assert_clean_failure

    report.write("data/numbers.yml", "participants: 4\nincidents: 12\nshare_pct: 7\n")
    report.page("index.md", """\
        # Summary

        The {{ fact("numbers.participants", words=true) }} developers; {{ fact("numbers.incidents", words=true) }} incidents;
        {{ fact("numbers.share_pct", words=true) }} of runs; {{ fact("numbers.participants") }} as a numeral;
        {{ report.participants | length | words | capitalize }} participants.
        """)
    page = report.build().page()
    assert "The four developers; 12 incidents;" in page
    assert "7% of runs; 4 as a numeral;" in page
    assert "Two participants." in page
    report.page("index.md", '# Summary\n\n{{ fact("numbers.participants", words="yes") }}\n')
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "words takes true or false")


def test_internal_readers_see_editors_notes_and_the_register_in_the_nav(report):
    report.page("index.md", """\
        # Summary

        The opening paragraph.

        <!-- Check the totals with the data team before the courtesy draft. -->

        {% call redact("helios") %}
        Helios kept its cluster logs for ninety days.
        {% endcall %}
        """)
    report.page("findings.md", "# Findings\n\nThe findings.\n")
    report.nav("index.md", "findings.md")
    internal = report.build("internal")
    home = internal.page()
    assert re.search(r'<mark class="editor-note"[^>]*>.*Editors\' note:.*Check the totals with the data team', home)
    assert 'href="redaction-register/"' in home                      # in the nav of every page
    register = internal.page("redaction-register/")
    assert "<h1" in register and re.search(r"<h1[^>]*>Redaction register", register)   # not numbered
    assert "<code>docs/<wbr>index.md<wbr>:7</code>" in register
    public = report.build()
    assert "Check the totals" not in public.page() and "editor-note" not in public.page()
    assert "redaction-register" not in public.page()
