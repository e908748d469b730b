"""The changes page, end to end: what a fact printed inside a participant's redaction looks like on the
page that compares an edition with the one before, for each audience (attribution by position,
positions.py, is tested in process in test_positions.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import Report
from test_editions import commit, git, make_repository, set_edition

pytestmark = [pytest.mark.site, pytest.mark.publishing]

WRAPPER = "{% macro private(owner) %}{% set body = caller() %}{% call redact(owner) %}{{ body }}{% endcall %}{% endmacro %}"
PAGE = ("# Summary\n\n" + WRAPPER + "\n\nWe ran {{ fact('facts.open_runs') }} open runs.\n\n"
        '{% call private("helios") %}\nHelios kept {{ fact("facts.helios_runs") }} runs on its cluster.\n{% endcall %}\n')


def changes(root: Path, audience: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run([sys.executable, "-m", "macros", "build", "--audience", audience], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = root / "site" if audience == "public" else root / "site-private" / audience.replace(":", "-")
    (article,) = lxml_html.fromstring((site / "changes" / "index.html").read_text(encoding="utf-8")).xpath("//article")
    return " ".join(article.text_content().split())


def test_a_fact_in_a_wrapper_reaches_only_the_changes_page_of_those_who_read_it(report: Report):
    report.page("index.md", PAGE)
    report.write("data/facts.yml", "open_runs: 40\nhelios_runs: 731\n")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.nav("index.md")
    report.build()                                  # writes mkdocs.yml
    root = report.root
    make_repository(root)                           # the first edition, committed
    git(root, "tag", "edition-2026-03")
    report.write("data/facts.yml", "open_runs: 41\nhelios_runs: 977\n")
    set_edition(root, "2026-06", "May to June 2026")
    commit(root, "Second edition")

    public = changes(root, "public")
    assert "was 40, now 41" in public, public                      # the open figure is compared
    assert "731" not in public and "977" not in public and "helios_runs" not in public, public
    rival = changes(root, "participant:quill")
    assert "was 40, now 41" in rival and "977" not in rival and "helios_runs" not in rival, rival
    owner = changes(root, "participant:helios")
    assert "was 731, now 977" in owner, owner
