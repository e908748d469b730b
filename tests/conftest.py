"""Fixtures: small reports built for real in temporary folders.

A report is written in the contract's layout (``mkdocs.yml``, ``docs/``,
``data/``, ``bibliography.bib``, the report's own ``macros/`` module and an
``overrides/`` folder) with no engine code in it: the engine is the installed
``report-engine`` package. It is built with the ``mkdocs`` command in a
subprocess (as an author would), and read back as files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

REPORT_YML = """\
title: Test Report
subtitle: A report used by the tests
edition: "2026-03"
edition_label: February to March 2026
assessment_window: {start: 2026-02-16, end: 2026-03-16}
published: 2026-05-19
organization: Example Research
canonical_url: https://reports.example.org/test-report/
participants:
  - {id: helios, name: Helios Labs}
  - {id: quill, name: Quill Research, pseudonym: Developer B}
"""

# The mkdocs.yml the contract describes, and nothing more: the engine must
# bring everything else itself.
CONTRACT_MKDOCS = {
    "site_name": "Placeholder",
    "theme": {"name": "material", "custom_dir": "overrides"},
    "plugins": ["search", {"macros": {"module_name": "macros", "on_error_fail": True}}],
}


@dataclass
class Result:
    returncode: int
    output: str
    site: Path

    def page(self, path: str = "") -> str:
        target = self.site / path
        if target.is_dir() or not path:
            target = target / "index.html"
        return target.read_text(encoding="utf-8")

    def article(self, path: str = "") -> str:
        """The page's content area only (no navigation, no search data)."""
        html = self.page(path)
        start = html.index("<article")
        return html[start:html.index("</article>", start)]


class Report:
    """A report project in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(REPO / "macros", root / "macros", ignore=shutil.ignore_patterns("__pycache__"))
        (root / "overrides").mkdir(parents=True)
        (root / "docs").mkdir()
        (root / "data").mkdir()
        self.write("data/report.yml", REPORT_YML)
        self.config = dict(CONTRACT_MKDOCS)

    def engine_copy(self) -> Path:
        """A copy of the engine inside the report, which shadows the installed one (mkdocs-macros puts
        the report's folder first on the import path): for tests that sabotage the engine."""
        target = self.root / "report_engine"
        shutil.copytree(REPO / "src" / "report_engine", target, ignore=shutil.ignore_patterns("__pycache__"))
        return target

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def page(self, path: str, text: str) -> Path:
        return self.write(f"docs/{path}", text)

    def nav(self, *entries) -> None:
        self.config["nav"] = list(entries)

    def build(self, audience: str | None = None, *args: str, expect_ok: bool = True) -> Result:
        (self.root / "mkdocs.yml").write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "REPORT_AUDIENCE"}
        env["NO_MKDOCS_2_WARNING"] = "1"
        if audience:
            env["REPORT_AUDIENCE"] = audience
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=300)
        output = proc.stdout + proc.stderr
        site = self.root / "site"
        slug = (audience or "public").replace(":", "-")
        if os.environ.get("REPORT_DRAFT", "0") not in ("", "0"):
            site = self.root / "site-private" / f"draft-{slug}"       # drafts never go to the public site
        elif slug != "public":
            site = self.root / "site-private" / slug
        if "-d" in args:
            site = self.root / args[args.index("-d") + 1]
        result = Result(proc.returncode, output, site)
        if expect_ok:
            assert proc.returncode == 0, output
        return result


def copy_example(root: Path) -> Path:
    """The example report (its mkdocs.yml, bibliography, pages, data, macros and overrides) in ``root``."""
    root.mkdir(parents=True)
    for name in ("mkdocs.yml", "bibliography.bib"):
        shutil.copy(REPO / name, root / name)
    for name in ("docs", "data", "macros", "overrides"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def report(tmp_path: Path) -> Report:
    return Report(tmp_path / "report")


def error_line(result: Result) -> str:
    """The single ERROR line a failed build printed."""
    lines = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert lines, result.output
    return lines[-1]


def assert_clean_failure(result: Result, file: str, line: int | None, *fragments: str) -> str:
    """Non-zero exit, one error naming file and line, the fragments, no traceback."""
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output, result.output
    message = error_line(result)
    where = f"{file}:{line}:" if line else f"{file}:"
    assert where in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def declare(report: "Report", *files: str) -> None:
    """Publish files under docs/ that no page links to (``extra_files`` in data/report.yml)."""
    path = report.root / "data" / "report.yml"
    text = path.read_text(encoding="utf-8")
    if "extra_files:" not in text:
        text += "extra_files: []\n"
    listed = text.split("extra_files: [", 1)[1].split("]", 1)[0]
    names = [n for n in listed.split(", ") if n] + list(files)
    path.write_text(text.replace(f"extra_files: [{listed}]", f"extra_files: [{', '.join(names)}]"), encoding="utf-8")


@pytest.fixture
def helpers_on(monkeypatch):
    """Helpers that work ahead on another core (ahead.py) on, as a build has them, with no audience,
    draft or date from the caller's environment; skips where this machine cannot fork a helper."""
    from report_engine import ahead

    monkeypatch.delenv(ahead.HELPERS_ENV, raising=False)
    for name in ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH"):
        monkeypatch.delenv(name, raising=False)
    if not ahead.available():
        pytest.skip("this machine cannot fork a helper onto another core")


# ---- the two tiers -----------------------------------------------------------------------------
#
# Every test declares one tier (the markers are described in pyproject.toml):
#   unit  in process: builds no site and starts no command; `make test-fast` runs these alone.
#   site  end to end: builds a real site, runs a command in a subprocess, drives a browser, or
#         publishes with git and mike.
# A file declares its tier at module level (``pytestmark = pytest.mark.unit``); the end-to-end suites
# add their own mark beside ``site`` (redteam, honest, browser, publishing) so each can be run by name.

TIERS = ("unit", "site")
SUITES = ("redteam", "honest", "browser", "publishing")
# Fixtures that build a real site (or serve one, or publish one): a unit test may use none of them.
SITE_FIXTURES = {"report", "built", "example", "example_pdf", "published", "copy", "team", "server", "served",
                 "browser", "page", "preview"}


def pytest_collection_modifyitems(config, items) -> None:
    """Refuse a test that does not declare exactly one tier, or a unit test that asks for a site."""
    problems = []
    for item in items:
        tiers = [tier for tier in TIERS if item.get_closest_marker(tier)]
        if len(tiers) != 1:
            problems.append(f"{item.nodeid}: " + ("marked both unit and site" if tiers else "marked neither unit nor site"))
        elif tiers == ["unit"]:
            suites = [suite for suite in SUITES if item.get_closest_marker(suite)]
            fixtures = sorted(SITE_FIXTURES & set(getattr(item, "fixturenames", ())))
            if suites:
                problems.append(f"{item.nodeid}: the {suites[0]} suite is end to end: mark it site, not unit")
            if fixtures:
                problems.append(f"{item.nodeid}: a unit test uses the site fixture {fixtures[0]!r}: mark it site")
    if problems:
        raise pytest.UsageError(
            "every test declares one tier: `pytestmark = pytest.mark.unit` (in process) or "
            "`pytestmark = pytest.mark.site` (end to end) at the top of its file, or the mark on the test\n  "
            + "\n  ".join(problems))


@pytest.fixture(autouse=True)
def _unit_tests_start_no_process(request, monkeypatch) -> None:
    """A unit test that starts a command fails, naming it: the tier stays in process (a helper forked
    with multiprocessing, as ahead.py does, is not a command and is allowed)."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args, **kwargs):
        command = args[1] if len(args) > 1 else kwargs.get("args")
        raise AssertionError(f"a unit test started a process ({command!r}): mark the test site (end to end)")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(os, "system", lambda command: refuse(None, command))
