"""``publish``'s planning, in process (the publish package): what it refuses and decides from the
editions already on the branch, what it writes itself (the root feed, notices, the 404 page), and
the texts it checks. No site is built and no git command runs: the branch's editions are mike's
``Versions``, made here from the JSON of a ``versions.json``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from mike.versions import Versions

from report_engine import audit, findability, publish
from report_engine.metadata import read_metadata
from report_engine.passages import normalise, word_pattern
from report_engine.publish import plan as plan_module
from report_engine.sources import Location

from conftest import REPORT_YML

pytestmark = pytest.mark.unit


def versions(*entries: dict) -> Versions:
    """mike's editions, as a branch's ``versions.json`` lists them."""
    return Versions.loads(json.dumps([{"aliases": [], "properties": None, **entry} for entry in entries]))


def options(**given) -> argparse.Namespace:
    defaults = {"branch": "gh-pages", "force": False, "dry_run": False, "push": False, "remote": "origin"}
    return argparse.Namespace(**{**defaults, **given})


WITHDRAWN = {"retracted": {"date": "2026-06-01", "reason": "a wrong figure"}}


# ---- deciding from the branch's editions ----------------------------------------------------------

def test_the_plan_describes_what_a_run_deploys():
    plan = publish.Plan("2026-05", "May 2026", ["latest"], "gh-pages", replaces=False, files=12, newsletter=3)
    assert plan.describe() == ["  edition:  2026-05", "  title:    May 2026", "  aliases:  latest",
                               "  branch:   gh-pages", "  files:    12 (newsletter: 3)",
                               "  replaces: nothing (new edition)", "  root:     redirects to latest/"]
    older = publish.Plan("2026-03", "March", [], "pages", replaces=True)
    assert older.describe()[2] == "  aliases:  (none: a newer edition keeps latest)"
    assert older.describe()[5] == "  replaces: the published edition 2026-03 (--force)"


def test_latest_goes_only_to_the_newest_edition_standing():
    published = versions({"version": "2026-03", "title": "March", "aliases": ["latest"]},
                         {"version": "2026-09", "title": "September", "properties": WITHDRAWN})
    assert publish.newest_aliases(published, "2026-05") == ["latest"], "a withdrawn newer edition keeps nothing"
    assert publish.newest_aliases(published, "2026-01") == [], "republishing an old one never moves latest back"
    assert publish.newest_aliases(versions(), "2026-01") == ["latest"]


def test_check_edition_refuses_what_must_not_be_replaced():
    published = versions({"version": "2026-03", "title": "March", "aliases": ["latest"]},
                         {"version": "2026-01", "title": "January", "properties": WITHDRAWN})
    publish.check_edition(published, "2026-05", options())            # a new edition: fine
    publish.check_edition(published, "2026-03", options(force=True))  # an erratum: fine
    with pytest.raises(publish.Refusal, match="already an alias of edition '2026-03' on gh-pages"):
        publish.check_edition(published, "latest", options(force=True))
    with pytest.raises(publish.Refusal, match=r'already published on gh-pages as "March"; to correct it, pass '
                                              r'--force --erratum'):
        publish.check_edition(published, "2026-03", options())
    with pytest.raises(publish.Refusal, match="2026-01 was withdrawn; publish the correction as a new edition"):
        publish.check_edition(published, "2026-01", options(force=True))


def test_an_edition_exists_under_its_id_not_as_an_alias():
    published = versions({"version": "2026-03", "title": "March", "aliases": ["latest"]})
    assert publish.edition_exists(published, "2026-03")
    assert not publish.edition_exists(published, "latest")
    assert not publish.edition_exists(published, "2026-05")


def test_revisions_are_copied_so_an_erratum_only_appends_to_its_own_list():
    recorded = [{"date": "2026-04-01", "note": "a typo"}, "not a revision"]
    published = versions({"version": "2026-03", "title": "March", "properties": {"revisions": recorded}})
    found = publish.revisions_of(published, "2026-03")
    assert found == [{"date": "2026-04-01", "note": "a typo"}]
    found.append({"date": "2026-05-01", "note": "another"})
    assert published["2026-03"].properties["revisions"][0] == {"date": "2026-04-01", "note": "a typo"}
    assert len(publish.revisions_of(published, "2026-03")) == 1
    assert publish.revisions_of(published, "2026-05") == []


def test_the_same_source_is_the_commit_the_publish_commit_names(monkeypatch):
    published = versions({"version": "2026-03", "title": "March"})
    monkeypatch.setattr(plan_module, "published_from", lambda branch, edition: "abc1234" if edition == "2026-03" else None)
    assert publish.same_source("tip", published, "2026-03", "abc1234")
    assert not publish.same_source("tip", published, "2026-03", "def5678"), "another commit: publish it"
    assert not publish.same_source("tip", published, "2026-05", "abc1234"), "not published yet"
    assert not publish.same_source("", published, "2026-03", "abc1234"), "no branch yet"
    assert not publish.same_source("tip", published, "2026-03", ""), "an unborn HEAD"


# ---- the process and the texts given on the command line ------------------------------------------

def test_only_the_public_final_build_is_published(monkeypatch):
    monkeypatch.delenv("REPORT_DRAFT", raising=False)
    monkeypatch.setenv("REPORT_AUDIENCE", "internal")
    with pytest.raises(publish.Refusal) as refused:
        publish.check_environment()
    assert str(refused.value) == ("REPORT_AUDIENCE=internal: only the public audience is published; "
                                  "unset REPORT_AUDIENCE")
    monkeypatch.setenv("REPORT_AUDIENCE", " public ")
    publish.check_environment()
    monkeypatch.setenv("REPORT_DRAFT", "2026-05-12")
    with pytest.raises(publish.Refusal, match="^REPORT_DRAFT is set: a courtesy draft is never published; "
                                              "unset REPORT_DRAFT$"):
        publish.check_environment()
    monkeypatch.setenv("REPORT_DRAFT", "soon")
    with pytest.raises(publish.Refusal, match="REPORT_DRAFT=soon is neither 1 nor a date"):
        publish.check_environment()


def fingerprint(words: str) -> audit.Fingerprint:
    return audit.Fingerprint("the name of 'kestrel', which is never named (named: false)",
                             word_pattern(normalise(words)), Location("data/report.yml", 9), pattern=True)


def test_a_text_naming_what_must_not_be_published_is_refused():
    prints = [fingerprint("Kestrel Systems")]
    publish.check_text("--reason", "a figure was wrong", prints, "every notice page")
    with pytest.raises(publish.Refusal) as refused:
        publish.check_text("--reason", "KESTREL\n systems asked us", prints, "every notice page")
    assert str(refused.value) == ("--reason contains the name of 'kestrel', which is never named (named: false) "
                                  "(data/report.yml:9): it would be published on every notice page; write it "
                                  "without that. Nothing was changed")


def test_the_fingerprints_come_from_the_reports_data(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "report.yml").write_text(REPORT_YML + textwrap.dedent("""\
          - {id: kestrel, name: Kestrel Systems, named: false, pseudonym: Developer K}
          - {id: osprey, name: Osprey AI, exited: true}
        never_public:
          - Project Nightjar
        """), encoding="utf-8")
    prints = publish.published_fingerprints(tmp_path)
    kinds = {p.kind for p in prints}
    assert "the name of 'kestrel', which is never named (named: false)" in kinds
    assert "the id of 'osprey', which left the assessment (exited: true)" in kinds
    assert "'Project Nightjar', which data/report.yml lists under never_public" in kinds
    assert not any("helios" in kind or "quill" in kind for kind in kinds), "named participants may be published"
    with pytest.raises(publish.Refusal, match="Project Nightjar"):
        publish.check_text("--erratum", "about PROJECT-nightjar", prints, "every page")
    publish.check_text("--erratum", "Developer K corrected a figure", prints, "every page")


def test_a_failed_build_is_told_by_its_errors_else_its_warnings():
    output = ("INFO    -  Building\nWARNING -  a dead link\nERROR   -  data/report.yml:3: bad\n"
              "ERROR   -  data/report.yml:3: bad\n")
    assert publish.failing_lines(output) == "data/report.yml:3: bad"
    assert publish.failing_lines("WARNING -  one\nWARNING -  two\n") == "one; two"
    assert publish.failing_lines("INFO    -  fine\n") == ""


# ---- what publish writes itself ---------------------------------------------------------------------

REPORT = {"title": "Test Report", "organization": "Example Research", "edition": "2026-05",
          "edition_label": "May 2026", "published": dt.date(2026, 5, 19),
          "canonical_url": "https://reports.example.org/test-report/"}


def entry(edition: str, published: dt.date) -> findability.FeedEntry:
    return findability.FeedEntry(edition, f"label {edition}", f"https://reports.example.org/test-report/{edition}/",
                                 published, f"Summary of {edition}.")


def test_feed_entries_are_read_back_from_a_feed_as_written():
    meta = read_metadata(REPORT, "data/report.yml", "https://reports.example.org/test-report/2026-05/")
    text = findability.atom_feed(meta, [entry("2026-03", dt.date(2026, 3, 20)), entry("2026-05", dt.date(2026, 5, 19))])
    read = publish.feed_entries(text)
    assert [(e.edition, e.label, e.published, e.summary) for e in read] == [
        ("2026-05", "label 2026-05", dt.date(2026, 5, 19), "Summary of 2026-05."),
        ("2026-03", "label 2026-03", dt.date(2026, 3, 20), "Summary of 2026-03.")]
    assert publish.feed_entries("<not a feed") == []


def test_a_feed_entry_says_what_versions_json_says_of_its_edition():
    first = entry("2026-03", dt.date(2026, 3, 20))
    withdrawn = publish.entry_as_published(first, WITHDRAWN)
    assert (withdrawn.withdrawn, withdrawn.updated) == ("a wrong figure", dt.date(2026, 6, 1))
    unexplained = publish.entry_as_published(first, {"retracted": {"date": "not a date"}})
    assert (unexplained.withdrawn, unexplained.updated) == ("withdrawn", None)
    revised = publish.entry_as_published(first, {"revisions": [{"date": "2026-04-01"}, {"date": "2026-04-09T10:00"}]})
    assert (revised.withdrawn, revised.updated) == ("", dt.date(2026, 4, 9))
    assert publish.entry_as_published(first, {}) is first


def test_the_withdrawal_notice():
    page = publish.withdrawn_page("Test <Report>", "March 2026", "2026-06-01", "a figure & a name", "../../", "2026-05")
    assert "<p data-report-withdrawn>The March 2026 edition of <em>Test &lt;Report&gt;</em> was withdrawn on " in page
    assert "<p><strong>Reason:</strong> a figure &amp; a name</p>" in page
    assert '<a href="../../latest/">Read the latest edition</a>' in page
    alone = publish.withdrawn_page("T", "L", "2026-06-01", "r", "../", None)
    assert "No other edition of the report is online." in alone and "latest/" not in alone


def test_the_root_404_page_points_at_the_latest_edition():
    page = publish.not_found_page('https://example.org/r/latest/?a="b"')
    assert '<a href="https://example.org/r/latest/?a=&quot;b&quot;">the latest edition</a>' in page
    assert "<h1>Page not found</h1>" in page


def test_a_withdrawal_moves_latest_only_when_it_had_it_and_an_edition_stands():
    info = versions({"version": "2026-05", "title": "May", "aliases": ["latest"]})["2026-05"]
    assert publish.Withdrawal(info, "2026-03", [], []).moves_latest
    assert not publish.Withdrawal(info, None, [], []).moves_latest
    older = versions({"version": "2026-01", "title": "January"})["2026-01"]
    assert not publish.Withdrawal(older, "2026-05", [], []).moves_latest


def test_the_listing_says_latest_revised_and_withdrawn():
    assert publish.edition_status({"latest"}, {}) == ["latest"]
    assert publish.edition_status(set(), {"revisions": [{"date": "2026-04-01"}, {"date": "2026-04-09"}],
                                          "retracted": {"date": "2026-06-01"}}) \
        == ["revised 2× (last 2026-04-09)", "withdrawn 2026-06-01"]
    assert publish.edition_status(set(), {}) == []


def test_the_names_the_command_line_and_other_modules_use_stay_in_the_package():
    for name in ("add_parser", "run", "publish", "retract", "run_editions", "run_preview", "Refusal", "Plan",
                 "root_feed", "root_pages", "deploy", "build", "audit_built_site", "audit_written", "on_remote",
                 "reconcile", "fetch", "push", "tag_source", "tag_withdrawn", "source_commit", "published_from"):
        assert callable(getattr(publish, name)), name
    assert publish.TAG_PREFIX == "edition-" and publish.ROOT_MESSAGE == "Root redirects to latest/"
    assert publish.ALIASES_OF_NEWEST == ("latest",) and publish.PUSH_ATTEMPTS == 3
