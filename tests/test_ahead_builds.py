"""Builds with helpers working ahead on another core (ahead.py) and without them give the same bytes,
for every audience: end to end, with real builds. The helpers themselves are tested in process in
test_ahead.py."""

from __future__ import annotations

import shutil

import pytest

from report_engine import ahead
from test_reproducible import assert_identical

pytestmark = [pytest.mark.site, pytest.mark.usefixtures("helpers_on")]


def test_builds_with_and_without_helpers_are_the_same(report, monkeypatch):
    """Cold builds of a report long enough for the helpers to take part, every audience, with and
    without them: the same bytes."""
    names = [f"part-{n}.md" for n in range(24)]
    for number, name in enumerate(names):
        report.page(name, f"# Part {number}\n\nSee [the next part]({names[(number + 1) % len(names)]}).\n\n"
                          '{% call redact("helios") %}\nHelios told us about its quota system.\n{% endcall %}\n\n'
                          + "Words about oversight and monitoring. " * 200 + "\n\n## Details\n\nMore.\n")
    report.page("index.md", "# Summary\n\nThe report.\n")
    report.nav("index.md", *names)
    for audience in (None, "participant:helios", "internal"):
        sites = []
        for helpers in ("1", "0"):
            monkeypatch.setenv(ahead.HELPERS_ENV, helpers)
            shutil.rmtree(report.root / ".cache", ignore_errors=True)
            target = f"site-{(audience or 'public').replace(':', '-')}-{helpers}"
            sites.append(report.build(audience, "-d", target).site)
        assert_identical(*sites)
        told = "Helios told us" in (sites[0] / "part-3" / "index.html").read_text(encoding="utf-8")
        assert told == (audience is not None), audience


def failures_with_and_without_helpers(report, monkeypatch) -> list[str]:
    """The one error line of a cold build with helpers, then without: each fails cleanly, promoting
    nothing."""
    from conftest import error_line

    errors = []
    for helpers in ("1", "0"):
        monkeypatch.setenv(ahead.HELPERS_ENV, helpers)
        shutil.rmtree(report.root / ".cache", ignore_errors=True)
        result = report.build(expect_ok=False)
        assert result.returncode != 0 and "Traceback" not in result.output, result.output
        assert not (report.root / "site").exists(), "nothing is promoted"
        errors.append(error_line(result))
    return errors


GOOD_BIB = "@article{mueller2024deep, author = {M\\\"uller, Anna}, title = {Deep Oversight}, journal = {J}, year = {2024}}\n"
BROKEN_BIB = "@misc{first2024, title = {First}, year = {2024}}\n\n@misc{First2024, title = {Again}, year = {2025}}\n"


@pytest.mark.parametrize("case", ["unknown key", "repeated key", "repeated key, nothing cited", "unknown after error",
                                  "repeated key, error in a page"])
def test_a_bibliography_parsed_ahead_stops_the_build_where_a_parse_in_process_does(report, monkeypatch, case):
    """Cold, the .bib is parsed on another core while pass one runs and citation keys are checked
    after it: each mistake still stops the build with the same single error, file and line, as
    without helpers; a broken .bib stops it even where no page cites anything."""
    cited = "" if "nothing cited" in case else 'Work exists {{ cite("mueller2024deep") }}.\n'
    if case == "unknown key":
        cited += '\nAnd more {{ cite("mueller2024dep") }}.\n'
    report.page("index.md", f"# Summary\n\n{cited}")
    report.write("bibliography.bib", BROKEN_BIB if "repeated" in case else GOOD_BIB)
    if case == "unknown after error":            # keys are checked after pass one: its own mistake first
        report.page("later.md", '# Later\n\n{{ cite("nobody2020") }}\n')
        report.page("last.md", "# Last\n\n{{ undefined_macro() }}\n")
        report.nav("index.md", "later.md", "last.md")
    if case == "repeated key, error in a page":  # the .bib's mistake is named before pass one's
        report.page("last.md", "# Last\n\n{{ undefined_macro() }}\n")
        report.nav("index.md", "last.md")
    errors = failures_with_and_without_helpers(report, monkeypatch)
    assert errors[0] == errors[1]
    expected = {"unknown key": ("docs/index.md:5", "mueller2024dep"),
                "repeated key": ("bibliography.bib:3", "First2024"),
                "repeated key, nothing cited": ("bibliography.bib:3", "First2024"),
                "unknown after error": ("docs/last.md:3", "undefined_macro"),
                "repeated key, error in a page": ("bibliography.bib:3", "First2024")}[case]
    assert all(part in errors[0] for part in expected), errors[0]


def test_the_conflict_check_beside_the_pages_stops_the_build_as_in_process(report, monkeypatch):
    """A build checks for a passage both redacted and open on another core while MkDocs writes the
    pages: the same single error as without helpers, nothing promoted; a clean build's checker
    remembers the passes, so the next build takes them back."""
    passage = "Helios moved the evaluation fleet to a separate network segment in March"
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}\n" + passage + ".\n{% endcall %}\n\n"
                + passage + ".\n")
    errors = failures_with_and_without_helpers(report, monkeypatch)
    assert errors[0] == errors[1] and "docs/index.md:3" in errors[0] and "also written in open text" in errors[0]
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}\n" + passage + ".\n{% endcall %}\n")
    monkeypatch.setenv(ahead.HELPERS_ENV, "1")
    shutil.rmtree(report.root / ".cache", ignore_errors=True)
    report.build()
    memo = report.root / ".cache" / "report-engine" / "passes"
    assert any(memo.glob("*.texts.pickle")), "the checker saved the passes' outcome"
    assert report.build().site.joinpath("index.html").is_file()


def test_a_conflict_checked_beside_the_build_comes_before_a_later_mistake(report, monkeypatch):
    """A passage both redacted and open, and a decision still pending (which a final public build
    checks after pass two): the conflict stops the build first, with helpers or without."""
    passage = "Helios moved the evaluation fleet to a separate network segment in March"
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}\n" + passage + ".\n{% endcall %}\n\n"
                + passage + '.\n\n{% call nonpublic("helios", id="helios-unrecorded") %}\n'
                "Helios told us about its quota system.\n{% endcall %}\n")
    errors = failures_with_and_without_helpers(report, monkeypatch)
    assert errors[0] == errors[1] and "also written in open text" in errors[0], errors
