"""The changes page as a reader reads it: two editions of the example report, built from git.

The second edition changes a figure printed in running text (the months in which the length of
agents' tasks doubles), which the page of key facts also holds as a bare number elsewhere ("The 6
key facts"): the page must name the figure by the sentence that prints it, as rendered text, never
by its data path or the Markdown around it; a label the author gives in data names it instead.
The PDF prints the page with what it says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import copy_example
from test_editions import commit, git, make_repository, set_edition

pytestmark = [pytest.mark.site, pytest.mark.publishing]

SENTENCE = ("The gap may not last: Kwa et al. (2025) found that the length of tasks frontier agents can complete "
            "doubles roughly every 6 months.")


def build(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run([sys.executable, "-m", "macros", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def article_text(root: Path) -> str:
    page = lxml_html.fromstring((root / "site" / "changes" / "index.html").read_text(encoding="utf-8"))
    (article,) = page.xpath("//article")
    for furniture in article.xpath('.//*[contains(@class, "report-screen-only")]'):
        furniture.drop_tree()
    return " ".join(article.text_content().split())


@pytest.fixture(scope="module")
def second_edition(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("changes-readers") / "report")
    (root / ".gitignore").write_text("site/\nsite-private/\n.cache/\n__pycache__/\n", encoding="utf-8")
    make_repository(root)                       # the first edition, committed and tagged as published
    git(root, "tag", "edition-2026-03")
    facts = root / "data" / "facts.yml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("horizon_doubling_months: 7", "horizon_doubling_months: 6"),
                     encoding="utf-8")
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition")
    return root


def test_a_changed_figure_is_named_by_the_sentence_that_prints_it(second_edition):
    root = second_edition
    build(root, "pdf")
    text = article_text(root)
    assert f"“{SENTENCE}” (Key facts): was 7, now 6." in text, text
    for machinery in ("facts.", "horizon_doubling", "///", "table-caption", "attrs:", "{", "`", "**", "data/"):
        assert machinery not in text, (machinery, text)
    assert "The 6 key facts" not in text, "a sentence that holds the same number is not the figure's"
    # The PDF prints the page, with the same words.
    pdf_text = subprocess.run(["pdftotext", str(root / "site" / "frontier-risk-report-2026-06.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
    flat = " ".join(re.sub(r"(\w)[-\u2010]\n(\w)", r"\1\2", pdf_text).split())
    assert "Changes since the last edition" in flat
    assert "doubles roughly every 6 months.” (Key facts): was 7, now 6." in flat, flat[-1500:]


def test_a_label_the_author_gives_in_data_names_the_figure(second_edition, tmp_path):
    root = second_edition
    report = root / "data" / "report.yml"
    report.write_text(report.read_text(encoding="utf-8") + "\nfigure_labels:\n"
                      "  facts.capabilities.horizon_doubling_months: Months in which the length of agents' tasks doubles\n",
                      encoding="utf-8")
    commit(root, "A label for the doubling time")
    build(root, "build")
    text = article_text(root)
    assert "Months in which the length of agents' tasks doubles (Key facts): was 7, now 6." in text, text
    assert "facts." not in text


def test_an_edition_where_nothing_changed_has_no_changes_page(tmp_path):
    """Nothing the comparison follows changed: no changes page on the site, in its nav, search
    index or sitemap (nor in the PDF, which prints the nav's pages)."""
    root = copy_example(tmp_path / "report")
    (root / ".gitignore").write_text("site/\nsite-private/\n.cache/\n__pycache__/\n", encoding="utf-8")
    make_repository(root)
    git(root, "tag", "edition-2026-03")
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition, nothing else changed")
    build(root, "build")
    site = root / "site"
    assert (site / "index.html").exists() and not (site / "changes").exists()
    for published in ("index.html", "search/search_index.json", "sitemap.xml"):
        assert "changes/" not in (site / published).read_text(encoding="utf-8"), published
