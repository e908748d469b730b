"""Editions: each one stays online at its own address, readers land on the newest,
and publishing refuses anything that must not go out.

A small report is made a git repository and published twice with
``python -m macros publish`` (as an editor or CI runs it); the tests read the
``gh-pages`` branch back with git. Tests that publish again or are expected to
refuse work on a copy of that repository, so each one starts from the same
two published editions.
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
import yaml

from conftest import Report

pytestmark = [pytest.mark.site, pytest.mark.publishing]

SECRET = "Helios shared that their cluster scheduler ignores agent quotas"
OLD = ("2026-03", "February to March 2026")
NEW = ("2026-04", "April to May 2026")
CLEAN_ENV = ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)


# ---- helpers ------------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def ref(root: Path, name: str = "gh-pages") -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", name], cwd=root, capture_output=True, text=True)
    return proc.stdout.strip() or None


def show(root: Path, path: str, branch: str = "gh-pages") -> str:
    return git(root, "show", f"{branch}:{path}")


def versions(root: Path) -> list[dict]:
    return [{**v, "aliases": sorted(v["aliases"])} for v in json.loads(show(root, "versions.json"))]


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def set_edition(root: Path, edition: str, label: str, new_doi: bool = True) -> None:
    """A new edition as its authors make it: its id and label, and (``new_doi``) its own DOI when the
    report has one whose end is the edition id (a DOI names one edition; the build stops on an
    earlier edition's)."""
    path = root / "data" / "report.yml"
    text = path.read_text(encoding="utf-8")
    old = re.search(r'(?m)^edition: "?([^"\n]+)"?$', text)
    if old is not None and new_doi:
        text = re.sub(rf'(?m)^(doi: .*){re.escape(old.group(1))}\b', rf'\g<1>{edition}', text)
    text = re.sub(r'(?m)^edition: .*$', f'edition: "{edition}"', text)
    text = re.sub(r'(?m)^edition_label: .*$', f"edition_label: {label}", text)
    path.write_text(text, encoding="utf-8")


def publish(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    environment.update(env, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "macros", "publish", *args], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


def assert_published(proc: subprocess.CompletedProcess) -> str:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return output


def assert_refused(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    """Non-zero exit, exactly one ERROR line naming the reason, no traceback."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def tree(root: Path, path: str) -> str:
    """The git tree id of ``path`` on gh-pages: equal ids mean byte-identical content."""
    return git(root, "rev-parse", f"gh-pages:{path}").strip()


def files_under(root: Path, folder: str) -> set[str]:
    names = git(root, "ls-tree", "-r", "--name-only", "gh-pages", f"{folder}/").split()
    return {name[len(folder) + 1:] for name in names}


def outdated_block(page: str) -> str:
    """Material's outdated banner element (hidden; Material's script shows it on older editions)."""
    start = page.index('data-md-component="outdated"')
    return page[start:page.index("</aside>", start)]


def write_report(report: Report) -> None:
    report.page("index.md", f"""
        # Summary

        Public opening paragraph about the assessment.

        {{% call redact("helios") %}}
        {SECRET}.
        {{% endcall %}}
        """)
    report.page("findings.md", "# Findings\n\nThe findings of the first edition.\n")
    report.nav("index.md", "findings.md")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    (report.root / "mkdocs.yml").write_text(yaml.safe_dump(report.config, sort_keys=False), encoding="utf-8")


def make_repository(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Report Editor")
    git(root, "config", "user.email", "editor@example.org")
    commit(root, "First edition")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A report repository with two editions published: 2026-03, then 2026-04."""
    report = Report(tmp_path_factory.mktemp("editions") / "report")
    write_report(report)
    root = report.root
    make_repository(root)
    assert_published(publish(root))
    set_edition(root, *NEW)
    report.page("findings.md", "# Findings\n\nThe findings of the second edition.\n")
    commit(root, "Second edition")
    assert_published(publish(root))
    return root


@pytest.fixture
def copy(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published repository, for tests that publish or refuse."""
    target = tmp_path / "report"
    shutil.copytree(published, target, symlinks=True)
    return target


# ---- what is published ----------------------------------------------------------------------


def test_both_editions_are_published_with_their_labels_and_latest_on_the_newest(published):
    assert versions(published) == [
        {"version": NEW[0], "title": NEW[1], "aliases": ["latest"]},
        {"version": OLD[0], "title": OLD[1], "aliases": []},
    ]
    top = set(git(published, "ls-tree", "--name-only", "gh-pages").split())
    assert top == {".nojekyll", "index.html", "404.html", "feed.xml", "versions.json", "latest", OLD[0], NEW[0]}


def test_root_redirects_to_latest_and_latest_to_the_newest_edition(published):
    assert 'url=latest/"' in show(published, "index.html")
    assert 'href="../2026-04/"' in show(published, "latest/index.html")
    assert 'href="../../2026-04/findings/"' in show(published, "latest/findings/index.html")
    pages = {name for name in files_under(published, NEW[0]) if name.endswith(".html")}
    assert pages and files_under(published, "latest") == pages


def test_each_edition_keeps_its_own_pages_at_its_own_address(published):
    assert "findings of the first edition" in show(published, f"{OLD[0]}/findings/index.html")
    assert "findings of the second edition" in show(published, f"{NEW[0]}/findings/index.html")
    for edition, _ in (OLD, NEW):
        page = show(published, f"{edition}/index.html")
        assert f'<link rel="canonical" href="https://reports.example.org/test-report/{edition}/">' in page
        assert f"https://reports.example.org/test-report/{edition}/findings/" in show(published, f"{edition}/sitemap.xml")


def test_editions_carry_the_version_selector_and_the_outdated_notice(published):
    page = show(published, f"{OLD[0]}/findings/index.html")
    config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert config["version"] == {"provider": "mike", "default": "latest", "alias": True}
    notice = outdated_block(page)
    assert "This is an earlier edition of the report (February to March 2026)" in notice
    assert 'href="../../latest/"' in notice
    assert 'href="../latest/"' in outdated_block(show(published, f"{OLD[0]}/index.html"))


def test_an_edition_holds_every_file_the_public_build_writes(copy):
    report = Report.__new__(Report)
    report.root, report.config = copy, yaml.safe_load((copy / "mkdocs.yml").read_text(encoding="utf-8"))
    built = report.build(None, "-d", "plain")
    local = {p.relative_to(built.site).as_posix() for p in built.site.rglob("*") if p.is_file()}
    # ...and the PDF, which publishing always makes (a plain build does not).
    assert local | {f"test-report-{NEW[0]}.pdf"} == files_under(copy, NEW[0])


def test_a_published_edition_carries_its_pdf_linked_from_its_pages(published, tmp_path):
    for edition in (OLD[0], NEW[0]):
        name = f"test-report-{edition}.pdf"
        data = subprocess.run(["git", "-C", str(published), "show", f"gh-pages:{edition}/{name}"],
                              capture_output=True, check=True).stdout
        assert data.startswith(b"%PDF-")
        assert f'href="../{name}"' in show(published, f"{edition}/findings/index.html")
        (tmp_path / name).write_bytes(data)
        text = subprocess.run(["pdftotext", str(tmp_path / name), "-"], capture_output=True, text=True).stdout
        assert "Public opening paragraph" in text and SECRET not in text


# ---- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["internal", "participant:helios"])
def test_publishing_refuses_a_non_public_audience(copy, audience):
    before = ref(copy)
    assert_refused(publish(copy, REPORT_AUDIENCE=audience), "REPORT_AUDIENCE", "only the public audience")
    assert ref(copy) == before


@pytest.mark.parametrize("draft", ["1", "2026-05-12"])
def test_publishing_refuses_a_courtesy_draft(copy, draft):
    before = ref(copy)
    assert_refused(publish(copy, REPORT_DRAFT=draft), "REPORT_DRAFT", "never published")
    assert ref(copy) == before


def test_publishing_refuses_to_overwrite_a_published_edition(copy):
    (copy / "docs" / "findings.md").write_text("# Findings\n\nA quiet change.\n", encoding="utf-8")
    commit(copy, "Change the published edition")
    before = ref(copy)
    assert_refused(publish(copy), "edition 2026-04 is already published", "--force --erratum")
    assert ref(copy) == before


def test_publishing_refuses_a_build_that_fails_the_leak_audit(copy):
    set_edition(copy, "2026-05", "May to June 2026")
    (copy / "docs" / "notes.txt").write_text(f"Reminder: {SECRET}.\n", encoding="utf-8")
    with (copy / "data" / "report.yml").open("a", encoding="utf-8") as report_yml:
        report_yml.write("extra_files: [notes.txt]\n")
    commit(copy, "A planted leak")
    before = ref(copy)
    assert_refused(publish(copy), "leak audit failed", "notes.txt", "nothing was deployed")
    assert ref(copy) == before
    assert [v["version"] for v in versions(copy)] == [NEW[0], OLD[0]]


def test_plain_mike_deploy_is_refused(copy):
    mike = Path(sys.executable).with_name("mike")
    before = ref(copy)
    proc = subprocess.run([str(mike), "deploy", "--update-aliases", "2026-05", "latest"], cwd=copy,
                          capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1",
                               "PATH": f"{mike.parent}{os.pathsep}{os.environ.get('PATH', '')}"}, timeout=300)
    assert proc.returncode != 0
    assert "python -m macros publish" in proc.stderr + proc.stdout
    assert ref(copy) == before


# ---- forcing, dry runs, pushing ---------------------------------------------------------------


def test_force_replaces_only_that_edition_and_never_moves_latest_back(copy):
    old_tree = tree(copy, OLD[0])
    (copy / "docs" / "findings.md").write_text("# Findings\n\nThe corrected second edition.\n", encoding="utf-8")
    commit(copy, "Correct the second edition")
    assert_published(publish(copy, "--force", "--erratum", "Corrected the findings."))
    assert "corrected second edition" in show(copy, f"{NEW[0]}/findings/index.html")
    assert tree(copy, OLD[0]) == old_tree

    new_tree = tree(copy, NEW[0])
    set_edition(copy, *OLD)
    (copy / "docs" / "findings.md").write_text("# Findings\n\nThe corrected first edition.\n", encoding="utf-8")
    commit(copy, "Correct the first edition")
    output = assert_published(publish(copy, "--force", "--erratum", "Corrected the findings."))
    assert "a newer edition keeps latest" in output
    assert "corrected first edition" in show(copy, f"{OLD[0]}/findings/index.html")
    assert tree(copy, NEW[0]) == new_tree
    assert [{k: v[k] for k in ("version", "title", "aliases")} for v in versions(copy)] == [
        {"version": NEW[0], "title": NEW[1], "aliases": ["latest"]},
        {"version": OLD[0], "title": OLD[1], "aliases": []},
    ]
    assert 'href="../2026-04/"' in show(copy, "latest/index.html")


def test_dry_run_shows_the_plan_and_changes_nothing(copy):
    set_edition(copy, "2026-05", "May to June 2026")
    commit(copy, "Third edition")
    refs_before = git(copy, "for-each-ref")
    proc = publish(copy, "--dry-run")
    output = assert_published(proc)
    for fragment in ("Dry run: nothing was deployed", "edition:  2026-05", "title:    May to June 2026",
                     "aliases:  latest", "branch:   gh-pages", "replaces: nothing (new edition)"):
        assert fragment in output
    files = int(re.search(r"files:\s+(\d+)", output).group(1))
    assert files == len(files_under(copy, NEW[0]))
    assert git(copy, "for-each-ref") == refs_before
    assert git(copy, "status", "--porcelain", "--ignored") in ("", "!! .cache/\n")


def test_pushing_is_explicit_and_sees_what_the_remote_published(copy, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(copy, "remote", "add", "origin", str(remote))
    set_edition(copy, "2026-05", "May to June 2026")
    commit(copy, "Third edition")
    assert_published(publish(copy))
    assert ref(remote) is None                        # committed locally only: pushing takes --push

    stale = ref(copy)
    set_edition(copy, "2026-06", "June to July 2026")
    commit(copy, "Fourth edition")
    assert_published(publish(copy, "--push"))
    assert ref(remote, "gh-pages") == ref(copy)
    assert [v["version"] for v in json.loads(show(remote, "versions.json"))] == ["2026-06", "2026-05", NEW[0], OLD[0]]

    # An editor whose clone has not seen that push is still refused: --push fetches first.
    (copy / "docs" / "findings.md").write_text("# Findings\n\nAnother editor's change.\n", encoding="utf-8")
    commit(copy, "Another change to the fourth edition")
    git(copy, "update-ref", "refs/heads/gh-pages", stale)
    git(copy, "update-ref", "-d", "refs/remotes/origin/gh-pages")
    assert_refused(publish(copy, "--push"), "edition 2026-06 is already published")
    assert ref(copy) == stale


def test_the_command_line_lists_publish():
    proc = subprocess.run([sys.executable, "-m", "macros", "--help"], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "publish" in proc.stdout
