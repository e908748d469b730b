"""Courtesy drafts (courtesy.py): the public text, one copy per participant still in, tagged in git."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPORT_YML, Report
from test_disclosures import DECIDED, PAGE, ROADMAP
from test_editions import git, make_repository

pytestmark = pytest.mark.site


def courtesy(root, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT", "REPORT_PDF")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run([sys.executable, "-m", "macros", "courtesy", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


def test_every_participant_still_in_gets_a_marked_copy_and_the_source_is_tagged(report: Report):
    report.write("data/report.yml", REPORT_YML + "  - {id: nova, name: Nova Dynamics, pseudonym: Developer C, "
                                                 "exited: true}\n")
    report.page("index.md", PAGE)
    report.write("data/disclosures.yml", DECIDED.replace("quill-roadmap: {decision: approved",
                                                         "quill-roadmap: {decision: pending"))
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.nav("index.md")
    report.build("internal")                        # writes mkdocs.yml
    root = report.root
    make_repository(root)
    proc = courtesy(root, "--date", "2026-05-12")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = root / "site-private" / "courtesy-2026-03"
    assert sorted(p.name for p in folder.iterdir()) == ["helios", "quill"], "none for the participant that left"
    for pid, name in (("helios", "Helios Labs"), ("quill", "Quill Research")):
        page = (folder / pid / "index.html").read_text(encoding="utf-8")
        assert f"Courtesy draft for {name} — not for distribution. Shared with participants on May 12, 2026" in page
        assert ROADMAP not in page, "a pending item is shown redacted"
    assert "quill-roadmap" in proc.stderr, "and listed"
    assert not (root / "site").exists(), "nothing goes to the public site folder"
    assert git(root, "rev-parse", "courtesy-2026-03").strip() == git(root, "rev-parse", "HEAD").strip()


def test_uncommitted_sources_are_refused_before_anything_is_sent(report: Report):
    report.page("index.md", "# Summary\n\nPublic text.\n")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.nav("index.md")
    report.build()
    root = report.root
    make_repository(root)
    report.page("index.md", "# Summary\n\nPublic text, edited after the commit.\n")
    proc = courtesy(root, "--date", "2026-05-12")
    assert proc.returncode != 0 and "uncommitted" in proc.stderr and "Traceback" not in proc.stderr
    assert not (root / "site-private" / "courtesy-2026-03").exists()


def test_private_builds_show_what_the_public_text_changed_since_the_draft(report: Report):
    report.page("index.md", "# Summary\n\nThe assessment covered four developers over four weeks.\n\n"
                            "Agents wrote a large share of new internal code.\n\n"
                            '{% call redact("helios") %}\nHelios moved its fleet to a new network segment.\n'
                            "{% endcall %}\n")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.nav("index.md")
    report.build()
    root = report.root
    make_repository(root)
    assert courtesy(root, "--date", "2026-05-12").returncode == 0
    report.page("index.md", "# Summary\n\nThe assessment covered five developers over four weeks.\n\n"
                            "Agents wrote a large share of new internal code.\n\n"
                            "## Limits\n\nOne developer joined late, after its comments on the draft.\n\n"
                            '{% call redact("helios") %}\nHelios moved its fleet to a new network segment.\n'
                            "{% endcall %}\n")
    git(root, "commit", "-qam", "Minor edits for accuracy")
    private = report.build("participant:quill")
    page = " ".join(private.article("since-the-courtesy-draft/").split())
    assert "Reworded: “The assessment covered four developers over four weeks.” → " \
           "“The assessment covered five developers over four weeks.”" in page, page
    assert "New section: Limits" in page and "Added: “One developer joined late" in page
    assert "Helios moved" not in page, "the public text only, never a participant's"
    assert "since-the-courtesy-draft" in private.page(), "in the private build's navigation"
    public = report.build()
    assert not (public.site / "since-the-courtesy-draft").exists()
