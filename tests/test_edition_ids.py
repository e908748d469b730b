"""Edition ids: the period each names, the one order of editions, one scheme per report, and a
new edition that still carries an earlier one's DOI (:mod:`report_engine.editions`).

In process, with values: what git and the published branch would say is given as text or as
mappings (the end-to-end flow is ``test_edition_schemes.py``)."""

from __future__ import annotations

import json
import random

import pytest

from report_engine import editions, gitrepo
from report_engine.data import load_yaml
from report_engine.errors import ReportError
from report_engine.publish import feed

pytestmark = pytest.mark.unit


# ---- parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("edition, scheme, first, last, suffix, name", [
    ("2026-03", "month", 3, 3, "", "2026-03"),
    ("2026-03-b", "month", 3, 3, "b", "2026-03-b"),
    ("2026-03-15", "month", 3, 3, "15", "2026-03-15"),
    ("2026-q3", "quarter", 7, 9, "", "2026-Q3"),
    ("2026-Q3", "quarter", 7, 9, "", "2026-Q3"),
    ("2026-q1-b", "quarter", 1, 3, "b", "2026-Q1-b"),
    ("2026-Q4", "quarter", 10, 12, "", "2026-Q4"),
    ("2026", "year", 1, 12, "", "2026"),
    ("2026-b", "year", 1, 12, "b", "2026-b"),
])
def test_an_id_names_a_month_a_quarter_or_a_year(edition, scheme, first, last, suffix, name):
    period = editions.parse_edition(edition)
    assert period == editions.Period(scheme, 2026, first, last, suffix)
    assert editions.display_name(edition) == name


@pytest.mark.parametrize("edition", ["2026-13", "2026-00", "2026-q5", "2026-q0", "2026-q", "2026-qa", "2026-1",
                                     "2026-03-B", "2026-03-", "26-03", "2026/03", "pilot", "latest", "q3-2026",
                                     "2026-q3-", "2026-Q3-B", "20260"])
def test_ids_outside_the_schemes_name_no_period(edition):
    assert editions.parse_edition(edition) is None
    assert editions.display_name(edition) == edition
    assert "does not sort by time" in editions.scheme_problem({"edition": edition})


def test_the_scheme_problem_of_an_unquoted_id_says_to_quote_it():
    assert "quote it" in editions.scheme_problem({"edition": 2026.1})
    assert "quote it" in editions.scheme_problem({"edition": 2026})       # YAML reads 2026 as a number
    for edition in ("2026", "2026-q3", "2026-03", "2026-03-b"):
        assert editions.scheme_problem({"edition": edition}) is None
    assert 'edition: "2026-03"' in editions.SCHEME_EXAMPLE and '"2026-q3"' in editions.SCHEME_EXAMPLE


# ---- the one order -------------------------------------------------------------------------------

def test_editions_sort_by_the_period_they_cover_then_the_suffix():
    oldest_first = ["pilot", "2025", "2025-q4", "2026-01", "2026-q1", "2026", "2026-02", "2026-03", "2026-03-15",
                    "2026-03-b", "2026-04", "2026-10", "2026-11"]
    shuffled = oldest_first[:]
    random.Random(28).shuffle(shuffled)
    assert editions.in_order(shuffled) == oldest_first
    assert editions.in_order(shuffled, newest_first=True) == oldest_first[::-1]
    assert editions.newest(shuffled) == "2026-11"
    assert editions.newest([]) is None


def test_quarters_sort_by_time_not_as_text():
    assert editions.in_order(["2026-q3", "2025-q4", "2026-Q2", "2026-q3-b", "2026-q1"]) == \
        ["2025-q4", "2026-q1", "2026-Q2", "2026-q3", "2026-q3-b"]
    assert editions.newest(["2026-q2", "2026-q3"]) == "2026-q3"
    assert editions.older("2026-q2", "2026-q3") and not editions.older("2026-q3", "2026-q2")
    assert not editions.older("2026-q3", "2026-q3")


def test_ids_outside_the_scheme_count_as_oldest():
    assert editions.newest(["zeta", "2026-03"]) == "2026-03"
    assert editions.older("pilot", "2020") and editions.older("alpha", "beta")


def test_existing_monthly_ids_keep_their_order():
    """What ``newest`` said before quarters and years: the largest as text, ids outside the scheme first."""
    ids = ["2026-03", "2026-04", "2026-10", "2026-03-b", "2026-03-15", "2027-01", "pilot"]
    before = sorted(ids, key=lambda i: (editions.parse_edition(i) is not None, i))
    assert editions.in_order(ids) == before


def test_every_edition_listing_uses_the_one_order():
    listed = [{"version": v, "title": v, "aliases": []} for v in ("2026-q3-b", "2026-q3", "2026-q2", "2026", "2026-q4")]
    ordered = feed.ordered_versions(listed)
    assert [info["version"] for info in ordered] == ["2026-q4", "2026-q3-b", "2026-q3", "2026-q2", "2026"]
    assert feed.ordered_versions(ordered) is None                  # already in order: nothing rewritten
    assert feed.ordered_versions({"not": "a list"}) is None
    monthly = [{"version": v, "title": v, "aliases": []} for v in ("2026-04", "2026-03")]
    assert feed.ordered_versions(json.loads(json.dumps(monthly))) is None


# ---- one scheme per report --------------------------------------------------------------------------

def test_a_report_keeps_one_scheme():
    assert editions.scheme_conflict("2026-q3", []) is None
    assert editions.scheme_conflict("2026-q3", ["2026-q1", "2026-Q2"]) is None
    assert editions.scheme_conflict("2026-05", ["2026-03", "2026-04"]) is None
    assert editions.scheme_conflict("2027", ["2025", "2026-b"]) is None
    problem = editions.scheme_conflict("2026-q3", ["2026-03", "2026-04"])
    assert "quarterly (YYYY-qN)" in problem and "monthly (YYYY-MM)" in problem and "2026-04" in problem
    problem = editions.scheme_conflict("2026-10", ["2026-q2", "2026-q3"])
    assert "monthly" in problem and "quarterly" in problem
    assert "annual (YYYY)" in editions.scheme_conflict("2026-q1", ["2025"])


def test_the_edition_itself_and_ids_outside_the_scheme_are_not_earlier_editions():
    assert editions.scheme_conflict("2026-q3", ["2026-q3"]) is None                 # an erratum of itself
    assert editions.scheme_conflict("2026-q3", ["pilot", "2026-q2"]) is None
    assert editions.scheme_conflict("pilot", ["2026-03"]) is None                    # scheme_problem's to refuse


def test_an_earlier_period_spelled_again_is_refused():
    problem = editions.scheme_conflict("2026-Q3", ["2026-q2", "2026-q3"])
    assert "same period as edition '2026-q3'" in problem and 'edition: "2026-q3"' in problem
    assert editions.scheme_conflict("2026-q3-b", ["2026-q3"]) is None


# ---- DOIs ------------------------------------------------------------------------------------------

def test_a_doi_an_earlier_edition_used_is_found_in_any_spelling():
    earlier = {"2026-q2": "10.5555/report.2026-q2", "2026-q3": "https://doi.org/10.5555/REPORT.2026-Q3"}
    assert editions.reused_doi("2026-q4", "10.5555/report.2026-q3", earlier) == "2026-q3"
    assert editions.reused_doi("2026-q4", "doi:10.5555/report.2026-q2", earlier) == "2026-q2"
    assert editions.reused_doi("2026-q4", "10.5555/report.2026-q4", earlier) is None
    assert editions.reused_doi("2026-q3", "10.5555/report.2026-q3", earlier) is None   # its own tag: a rebuild
    assert editions.reused_doi("2026-q4", None, earlier) is None and editions.reused_doi("2026-q4", "", earlier) is None
    assert editions.reused_doi("2026-q4", "10.5555/x", {}) is None


def test_a_reused_doi_stops_the_build_at_the_doi_line(tmp_path):
    path = tmp_path / "report.yml"
    path.write_text('title: T\nedition: "2026-q4"\nedition_label: Q4\ndoi: 10.5555/report.2026-q3\n', encoding="utf-8")
    report = load_yaml(path, "data/report.yml")
    with pytest.raises(ReportError) as raised:
        editions.check_doi(report, "data/report.yml", {"2026-q3": "10.5555/report.2026-q3"})
    error = raised.value
    assert (error.file, error.line) == ("data/report.yml", 4)
    assert "edition 2026-q3" in error.message and "2026-q4" in error.message
    assert "register a DOI" in error.suggestion
    editions.check_doi(report, "data/report.yml", {"2026-q3": "10.5555/report.2026-q3-other"})
    editions.check_doi(report, "data/report.yml", {})


def test_what_git_grep_says_of_each_tag_is_read_by_edition():
    grepped = "\n".join([
        "refs/tags/edition-2026-q2:data/report.yml:doi: 10.5555/report.2026-q2",
        'refs/tags/edition-2026-q3:data/report.yml:doi: "10.5555/report.2026-q3"  # registered',
        "refs/tags/edition-2026-q3:data/report.yml:doi: 10.5555/second-line-ignored",
        "refs/tags/edition-2026-03:report/data/report.yml:published: 2026-05-19",
        "refs/tags/edition-pilot:data/report.yml:doi: [unclosed",
        "noise",
    ])
    assert gitrepo.field_values(grepped, "doi") == {"2026-q2": "10.5555/report.2026-q2",
                                                    "2026-q3": "10.5555/report.2026-q3"}
    published = gitrepo.field_values(grepped, "published")
    assert {k: str(v) for k, v in published.items()} == {"2026-03": "2026-05-19"}
