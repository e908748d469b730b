"""Markdown conversions remembered between builds and audiences (render_cache.py).

A page whose final Markdown, place, extensions and looked-up files match an earlier conversion
gets that conversion back instead of MkDocs converting it again. These tests hold it to the one
promise that matters: a build that uses remembered conversions is byte for byte the build that
converts everything, and says every warning the full conversion would say.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import Report, copy_example
from test_reproducible import assert_identical

pytestmark = pytest.mark.site

ENTRIES = Path(".cache/report-engine/pages")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION"):
        monkeypatch.delenv(name, raising=False)


def entries(root: Path) -> set[str]:
    folder = root / ENTRIES
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def cold(report: Report, audience: str | None, target: str) -> Path:
    """A build with no cache at all, into ``target``."""
    shutil.rmtree(report.root / ".cache", ignore_errors=True)
    return report.build(audience, "-d", target).site


class Example(Report):
    """The example report, built as the tests build any report."""

    def __init__(self, root: Path) -> None:
        self.root = copy_example(root)
        self.config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))


def test_remembered_conversions_give_the_same_site_for_every_audience(tmp_path):
    """The example, built for the public and a participant: warm, shared and cold builds are identical,
    and the participant's build converts only the pages its audience reads differently."""
    report = Example(tmp_path / "example")
    public_cold = cold(report, None, "public-cold")
    pages = len([p for p in (report.root / "docs").rglob("*.md")])
    first = entries(report.root)
    assert len(first) >= pages - 2, "a cold build remembers (nearly) every page's conversion"

    public_warm = report.build(None, "-d", "public-warm").site
    assert entries(report.root) == first, "a warm build converts nothing again"
    assert_identical(public_cold, public_warm)

    participant = report.build("participant:anthropic", "-d", "anthropic-shared").site
    added = entries(report.root) - first
    assert 0 < len(added) < pages / 2, f"the participant's build converted {len(added)} of {pages} pages"
    assert_identical(cold(report, "participant:anthropic", "anthropic-cold"), participant)


def test_a_link_is_resolved_against_this_builds_files(report):
    """A remembered conversion is not used when a file it linked to is gone, or one it missed appears."""
    report.page("index.md", "# Home\n\nSee [the method](method.md#scope) and [the annex](annex.md).\n")
    report.page("method.md", "# Method\n\n## Scope\n\nHow we worked.\n")
    report.page("annex.md", "# Annex\n\nMore.\n")
    report.nav("index.md", "method.md", "annex.md")
    first = report.build()
    assert 'href="annex/"' in first.article()

    (report.root / "docs" / "annex.md").unlink()
    report.nav("index.md", "method.md")
    second = report.build()
    assert 'href="annex.md"' in second.article(), "the link to a removed page is left as written"
    assert "annex.md" in second.output and "not found" in second.output, second.output
    assert report.build("", "--strict", expect_ok=False).returncode != 0

    report.page("annex.md", "# Annex\n\nBack again.\n")
    report.nav("index.md", "method.md", "annex.md")
    third = report.build()
    assert 'href="annex/"' in third.article()
    assert "not found" not in third.output


def test_a_warning_is_said_by_every_build(report):
    """MkDocs warns while converting a page (a link to no file) and after (a link to no anchor):
    every build says both, so --strict fails every time, not only the first."""
    report.page("index.md", "# Home\n\nSee [the annex](annex.md) and [a section](index.md#nowhere).\n")
    report.nav("index.md")
    report.config["validation"] = {"anchors": "warn"}
    for _ in range(2):
        result = report.build()
        assert "annex.md" in result.output and "nowhere" in result.output, result.output
    for _ in range(2):
        assert report.build("", "--strict", expect_ok=False).returncode != 0


def test_settings_of_an_extension_are_part_of_the_key(report):
    report.page("index.md", "# Home\n\n## Scope\n\nText.\n")
    report.nav("index.md")
    report.config["markdown_extensions"] = [{"toc": {"permalink": False}}]
    assert "headerlink" not in report.build().article()
    report.config["markdown_extensions"] = [{"toc": {"permalink": True}}]
    assert "headerlink" in report.build().article()
