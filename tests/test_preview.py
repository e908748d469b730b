"""`mkdocs serve` after every kind of edit: the preview equals a clean build, byte for byte.

The preview keeps caches across rebuilds (compiled pages, the passes' outcome, the audit's
clean files) and runs the checks that change no output after the browser reloads. Neither may
make it differ from a cold build of the same sources with the same configuration (serve sets
its own ``site_url``): after each edit, a copy of the project without its caches is built with
that address and every file it writes is fetched from the server and compared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from test_serve import Server

pytestmark = pytest.mark.site

REPORT_YML_EXTRA = """\
citations: {style: numeric}
"""

PAGES = {
    "index.md": """
        # Summary

        The report covers {{ fact('numbers.agents') }} agents and cites a study {{ cite('doe2024') }}.
        See {{ ref('method') }} and {{ ref('fig-load') }}.

        {{ redaction_statement() }}
        """,
    "process.md": """
        # Process

        ## Method {#method}

        We interviewed staff at each developer over six weeks {{ cite('roe2023') }}.

        {% call redact("helios") %}
        Helios described its internal scheduler for agent workloads in detail.
        {% endcall %}

        ![Load](load.svg)

        /// figure-caption
            attrs: {id: fig-load}
        Load over the window.
        ///
        """,
    "findings.md": """
        # Findings

        ## Monitoring

        Monitoring coverage varied across developers {{ cite('doe2024') }}.
        """,
}


def served(server: Server, relative: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/{relative}", timeout=10) as response:
        body = response.read()
    if relative.endswith(".html") and b"</body>" in body:          # the livereload script serve injects
        end = body.rindex(b"</body>")
        start = body.rindex(b"<script>", 0, end)
        body = body[:start] + body[end:]
    return body


def clean_build(root: Path, port: int, scratch: Path) -> Path:
    """A cold build of the same sources, addressed as the preview is."""
    copy = scratch / "copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".cache", "site", "site-private", "serve.log",
                                                              "__pycache__", ".site*"))
    config = yaml.safe_load((copy / "mkdocs.yml").read_text())
    config["site_url"] = f"http://127.0.0.1:{port}/"
    (copy / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if k != "REPORT_AUDIENCE"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return copy / "site"


def assert_preview_equals_clean_build(server: Server, root: Path, scratch: Path, what: str) -> None:
    site = clean_build(root, server.port, scratch)
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert "index.html" in files
    different = [f for f in files if served(server, f) != (site / f).read_bytes()]
    assert different == [], f"after {what}, the preview differs from a clean build in {different[:5]}"


@pytest.fixture
def preview(report, tmp_path):
    report.write("data/report.yml", (report.root / "data/report.yml").read_text() + REPORT_YML_EXTRA)
    report.write("data/numbers.yml", "agents: 1200\n")
    report.write("bibliography.bib", """
        @misc{doe2024, author = {Jane Doe}, title = {A Study of Agents}, year = {2024}}
        @misc{roe2023, author = {Rick Roe}, title = {Interviews}, year = {2023}}
        @misc{poe2022, author = {Ann Poe}, title = {Earlier Work}, year = {2022}}
        """)
    report.write("docs/load.svg", "<svg xmlns='http://www.w3.org/2000/svg'><rect width='4' height='4'/></svg>")
    for name, text in PAGES.items():
        report.page(name, text)
    report.nav("index.md", "process.md", "findings.md")
    report.build()
    server = Server(report.root)
    server.wait_for(lambda: "1,200 agents" in server.get(), "the first build")
    yield server
    server.stop()


def edit(report, path: str, old: str, new: str) -> None:
    target = report.root / path
    text = target.read_text()
    assert old in text, (path, old)
    time.sleep(1.1)                                # a new modification time for the watcher
    target.write_text(text.replace(old, new, 1))


def wait_page(server: Server, path: str, needle: str, what: str, present: bool = True) -> None:
    def check() -> bool:
        try:
            return (needle in server.get(path)) == present
        except urllib.error.HTTPError:
            return not present
    server.wait_for(check, what)
    time.sleep(0.5)


def test_preview_equals_a_clean_build_after_every_kind_of_edit(report, preview, tmp_path):
    server = preview
    assert_preview_equals_clean_build(server, report.root, tmp_path, "the first build")

    edit(report, "docs/findings.md", "varied across developers", "varied widely across developers")
    wait_page(server, "/findings/", "varied widely", "a prose edit")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a prose edit")

    edit(report, "docs/process.md", "## Method {#method}", "## Scope\n\nWhat we covered.\n\n## Method {#method}")
    wait_page(server, "/", "Section 1.2", "a heading that renumbers")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a heading that renumbers the report")

    edit(report, "docs/process.md", "{#method}", "{#approach}")
    edit(report, "docs/index.md", "ref('method')", "ref('approach')")
    wait_page(server, "/", "#approach", "a label rename")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a label rename")

    edit(report, "docs/index.md", "cites a study {{ cite('doe2024') }}", "cites {{ cite('poe2022') }} and {{ cite('doe2024') }}")
    wait_page(server, "/", "Earlier Work", "a new citation that renumbers")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a new citation (numeric styles renumber)")

    edit(report, "docs/findings.md", "## Monitoring\n", '## Monitoring\n\n{% call redact("quill", material=true) %}\n'
         "Quill shared its monitoring dashboards for the whole assessment period.\n{% endcall %}\n")
    wait_page(server, "/", "important to our conclusions", "a redaction that changes the statement")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a redaction that changes the statement")

    edit(report, "data/numbers.yml", "1200", "1350")
    wait_page(server, "/", "1,350 agents", "a data edit")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a data value")

    edit(report, "bibliography.bib", "A Study of Agents", "A Longer Study of Agents")
    wait_page(server, "/", "A Longer Study", "a .bib edit")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a .bib entry")

    time.sleep(1.1)
    report.page("annex.md", "# Annex\n\nTables that did not fit {{ cite('roe2023') }}.\n")
    report.nav("index.md", "process.md", "findings.md", "annex.md")
    report.build()                                  # writes mkdocs.yml with the new nav
    wait_page(server, "/annex/", "did not fit", "a page added")
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a page added")

    time.sleep(1.1)
    (report.root / "docs/annex.md").unlink()
    report.nav("index.md", "process.md", "findings.md")
    report.build()
    wait_page(server, "/", "annex/", "a page removed", present=False)
    assert_preview_equals_clean_build(server, report.root, tmp_path, "a page removed")
    assert "Preview checked" in server.text() and "Traceback" not in server.text()


def test_preview_reports_a_conflict_after_the_reload(report, preview):
    """Checks that change no output run after the preview is on screen, and report in the terminal."""
    server = preview
    edit(report, "docs/findings.md", "## Monitoring\n",
         "## Monitoring\n\nHelios described its internal scheduler for agent workloads in detail.\n")
    wait_page(server, "/findings/", "internal scheduler", "the preview with the copied passage")
    server.wait_for(lambda: "is also written in open text" in server.text(), "the conflict in the terminal")
    assert "a build stops on it" in server.text()
    result = report.build(expect_ok=False)          # a build is never lenient
    assert result.returncode != 0 and "is also written in open text" in result.output


def test_a_warm_build_follows_mkdocs_macros_own_data_files(report):
    """Data mkdocs-macros loads itself (include_yaml) reaches pages: the passes' cache must see its edits."""
    report.config["plugins"] = ["search", {"macros": {"module_name": "macros", "include_yaml": ["extra-data.yml"]}}]
    report.write("extra-data.yml", "team_size: 12\n")
    report.page("index.md", "# Summary\n\nThe team had {{ team_size }} people.\n")
    assert "had 12 people" in report.build().article()
    report.write("extra-data.yml", "team_size: 14\n")
    assert "had 14 people" in report.build().article()
