"""A quarterly report, published as authors make its editions: ``edition: "2026-q2"``, then
``"2026-q3"`` with its own DOI and date, through ``python -m macros publish``.

``latest`` goes to the newer quarter, its changes page compares with the earlier one,
``python -m macros editions`` lists both with their ``published:`` dates, and a third edition
made by changing ``edition`` alone (still carrying q3's DOI) stops the build at the ``doi`` line.
A monthly id after quarterly editions is refused by ``publish``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import Report
from test_editions import (CLEAN_ENV, assert_published, assert_refused, commit, git, make_repository, publish,
                           set_edition, show, write_report)

pytestmark = [pytest.mark.site, pytest.mark.publishing]

Q2 = ("2026-q2", "Second quarter 2026", "2026-07-15", "10.5555/test-report.2026-q2")
Q3 = ("2026-q3", "Third quarter 2026", "2026-10-15", "10.5555/test-report.2026-q3")
PUBLISHED: dict[str, str] = {}         # what each publish printed


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)


def set_quarter(root: Path, edition: str, label: str, published: str, doi: str | None) -> None:
    """What an author changes for a new edition: the id and label, the date, and (when given) the DOI."""
    set_edition(root, edition, label, new_doi=False)          # the DOI is this helper's to change
    path = root / "data" / "report.yml"
    text = re.sub(r"(?m)^published: .*$", f"published: {published}", path.read_text(encoding="utf-8"))
    if doi is not None:
        text = re.sub(r"(?m)^doi: .*\n", "", text) + f"doi: {doi}\n"
    path.write_text(text, encoding="utf-8")


def line_of(root: Path, key: str) -> int:
    lines = (root / "data" / "report.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


def command(root: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    return subprocess.run([sys.executable, "-m", "macros", *args], cwd=root, env={**environment,
                          "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def quarterly(tmp_path_factory) -> Path:
    """A report repository with two quarterly editions published: 2026-q2, then 2026-q3."""
    report = Report(tmp_path_factory.mktemp("quarters") / "report")
    write_report(report)
    root = report.root
    set_quarter(root, *Q2)
    make_repository(root)
    PUBLISHED[Q2[0]] = assert_published(publish(root))
    set_quarter(root, *Q3)
    report.page("findings.md", "# Findings\n\nThe findings of the third quarter.\n\n## A section new in q3\n\nMore.\n")
    commit(root, "Third quarter")
    PUBLISHED[Q3[0]] = assert_published(publish(root))
    return root


@pytest.fixture
def third(quarterly: Path, tmp_path: Path) -> Path:
    """A private copy of the quarterly repository, for the third edition."""
    target = tmp_path / "report"
    shutil.copytree(quarterly, target, symlinks=True)
    return target


def test_latest_and_the_selector_follow_the_quarters(quarterly):
    listed = json.loads(show(quarterly, "versions.json"))
    assert [(v["version"], v["title"], sorted(v["aliases"])) for v in listed] == [
        (Q3[0], Q3[1], ["latest"]), (Q2[0], Q2[1], [])]
    assert 'href="../2026-q3/"' in show(quarterly, "latest/index.html")
    assert git(quarterly, "tag", "--list", "edition-*").split() == ["edition-2026-q2", "edition-2026-q3"]
    assert "edition:  2026-q3 (2026-Q3)" in PUBLISHED[Q3[0]] and "aliases:  latest" in PUBLISHED[Q3[0]]
    page = show(quarterly, f"{Q3[0]}/index.html")
    assert '<link rel="canonical" href="https://reports.example.org/test-report/2026-q3/">' in page


def test_the_changes_page_of_q3_compares_with_q2(quarterly):
    page = lxml_html.fromstring(show(quarterly, f"{Q3[0]}/changes/index.html"))
    text = " ".join(" ".join(page.xpath("//article")[0].itertext()).split())
    assert f"(edition {Q2[0]})" in text and Q2[1] in text
    assert "A section new in q3" in text
    # the first edition has nothing to compare with: no changes page, in its nav or anywhere
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", "gh-pages", f"{Q2[0]}/"], cwd=quarterly,
                            capture_output=True, text=True, check=True).stdout.split()
    assert listed and f"{Q2[0]}/changes/index.html" not in listed
    assert "changes/" not in show(quarterly, f"{Q2[0]}/index.html")
    assert "changes/" not in show(quarterly, f"{Q2[0]}/search/search_index.json")


def test_editions_lists_both_quarters_with_their_published_dates(quarterly):
    proc = command(quarterly, "editions", "--no-fetch")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "published" in lines[0] and "deployed" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == [Q3[0], Q2[0]]
    assert f"published {Q3[2]}" in lines[1] and "latest" in lines[1] and Q3[1] in lines[1]
    assert f"published {Q2[2]}" in lines[2]
    assert re.search(r"deployed \d{4}-\d{2}-\d{2}", lines[1])


def test_a_new_edition_that_keeps_the_earlier_doi_stops_the_build_at_the_doi_line(third):
    set_quarter(third, "2026-q4", "Fourth quarter 2026", "2027-01-15", None)      # edition changed, doi not
    commit(third, "Fourth quarter, DOI forgotten")
    line = line_of(third, "doi")
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=third, capture_output=True, text=True,
                           env={**environment, "NO_MKDOCS_2_WARNING": "1"}, timeout=300)
    output = build.stdout + build.stderr
    assert build.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [text for text in output.splitlines() if text.startswith("ERROR")]
    assert errors and f"data/report.yml:{line}:" in errors[-1], output
    assert f"is the DOI of edition {Q3[0]}" in errors[-1] and "register a DOI" in output
    before = git(third, "rev-parse", "gh-pages")
    assert_refused(publish(third), f"is the DOI of edition {Q3[0]}")
    assert git(third, "rev-parse", "gh-pages") == before


def test_a_monthly_id_after_quarterly_editions_is_refused(third):
    set_quarter(third, "2026-10", "October 2026", "2026-11-15", "10.5555/test-report.2026-10")
    commit(third, "A monthly edition")
    before = git(third, "rev-parse", "gh-pages")
    assert_refused(publish(third), f"data/report.yml:{line_of(third, 'edition')}:", "monthly (YYYY-MM)",
                   "quarterly (YYYY-qN)", "one scheme")
    assert git(third, "rev-parse", "gh-pages") == before
