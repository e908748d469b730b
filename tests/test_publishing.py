"""Publishing as a team does it: races, kills, dirty trees, errata, retractions, what is online.

Built on the repository of tests/test_editions.py (two editions published), with a bare remote and
a second clone standing for a colleague.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from test_editions import (CLEAN_ENV, NEW, OLD, assert_published, assert_refused, commit, copy, git,  # noqa: F401
                           published, ref, set_edition, show, versions)

pytestmark = [pytest.mark.site, pytest.mark.publishing]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)


def publish(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    environment.update(env, NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "macros", "publish", *args], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


def command(root: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    return subprocess.run([sys.executable, "-m", "macros", *args], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def team(copy, tmp_path):
    """(our clone, a colleague's clone, the bare remote), both editions pushed."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(copy, "remote", "add", "origin", str(remote))
    (copy / "overrides" / ".gitkeep").write_text("", encoding="utf-8")     # git keeps no empty folder
    commit(copy, "Keep overrides/")
    git(copy, "push", "-q", "origin", "main", "gh-pages")
    other = tmp_path / "colleague"
    git(tmp_path, "clone", "-q", "-b", "main", str(remote), str(other))
    git(other, "config", "user.name", "Colleague")
    git(other, "config", "user.email", "colleague@example.org")
    return copy, other, remote


def new_edition(root: Path, edition: str, label: str) -> None:
    set_edition(root, edition, label)
    commit(root, f"Edition {edition}")


def hook(root: Path, name: str, script: str) -> None:
    path = root / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)


def remote_versions(remote: Path) -> dict[str, list[str]]:
    return {v["version"]: sorted(v["aliases"]) for v in json.loads(show(remote, "versions.json"))}


# ---- races and crashes ---------------------------------------------------------------------------

def test_a_colleague_publishing_between_our_fetch_and_our_push_is_caught_and_retried(team, tmp_path):
    ours, theirs, remote = team
    new_edition(ours, "2026-05", "May 2026")
    new_edition(theirs, "2026-06", "June 2026")
    mark = tmp_path / "raced"
    # The first time we push, the colleague publishes first: our push is rejected.
    hook(ours, "pre-push", f'[ -f "{mark}" ] && exit 0\ntouch "{mark}"\n'
                           f'cd "{theirs}" && "{sys.executable}" -m macros publish --push >/dev/null 2>&1\nexit 0\n')
    output = assert_published(publish(ours, "--push"))
    assert mark.exists()
    assert "trying again" in output
    assert remote_versions(remote) == {"2026-06": ["latest"], "2026-05": [], NEW[0]: [], OLD[0]: []}
    assert ref(ours, "gh-pages") == ref(remote, "gh-pages")


def test_a_publish_killed_after_its_commit_is_finished_by_the_next_run(team):
    ours, _, remote = team
    new_edition(ours, "2026-05", "May 2026")
    # Killed between the local commit and the push: the grandparent of the hook is the publish run.
    hook(ours, "pre-push", 'kill -9 $(ps -o ppid= -p $PPID)\nexit 1\n')
    killed = publish(ours, "--push")
    assert killed.returncode != 0
    assert "2026-05" in show(ours, "versions.json") and "2026-05" not in show(remote, "versions.json")
    (ours / ".git" / "hooks" / "pre-push").unlink()
    output = assert_published(publish(ours, "--push"))           # no manual step
    assert "unfinished publish of edition 2026-05" in output
    assert remote_versions(remote)["2026-05"] == ["latest"]
    assert ref(ours, "gh-pages") == ref(remote, "gh-pages")


def test_a_publish_killed_while_building_leaves_nothing_to_repair(team):
    ours, _, remote = team
    new_edition(ours, "2026-05", "May 2026")
    before = ref(remote, "gh-pages")
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    run = subprocess.Popen([sys.executable, "-m", "macros", "publish", "--push"], cwd=ours, env=environment,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert ref(remote, "gh-pages") in (before, ref(ours, "gh-pages"))
    assert_published(publish(ours, "--push"))
    assert "2026-05" in remote_versions(remote)


def test_unpushed_work_on_the_local_branch_is_never_pushed_silently(team):
    ours, _, remote = team
    new_edition(ours, "2026-05", "May 2026")
    assert_published(publish(ours))                                # committed locally, not pushed
    new_edition(ours, "2026-06", "June 2026")
    before = ref(ours, "gh-pages")
    message = assert_refused(publish(ours, "--push"), "2026-05 not on origin", "git push origin gh-pages",
                             "git branch -f gh-pages origin/gh-pages")
    assert ref(ours, "gh-pages") == before and "2026-05" not in show(remote, "versions.json")
    assert "\n" not in message


def test_a_diverged_branch_is_refused_with_the_fix(team):
    ours, theirs, remote = team
    new_edition(ours, "2026-05", "May 2026")
    assert_published(publish(ours))                                # local only
    new_edition(theirs, "2026-06", "June 2026")
    assert_published(publish(theirs, "--push"))
    new_edition(ours, "2026-07", "July 2026")
    assert_refused(publish(ours, "--push"), "diverged", "git branch -f gh-pages origin/gh-pages")


# ---- provenance ------------------------------------------------------------------------------------

def test_uncommitted_or_untracked_inputs_are_refused_unless_allowed(copy):
    new_edition(copy, "2026-05", "May 2026")
    # Bytecode that importing the macros module leaves behind is not a change (even unignored).
    (copy / ".gitignore").write_text("site/\nsite-private/\n.cache/\n", encoding="utf-8")
    commit(copy, "A .gitignore that forgets __pycache__")
    (copy / "macros" / "__pycache__").mkdir(exist_ok=True)
    (copy / "macros" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00")
    (copy / "docs" / ".DS_Store").write_bytes(b"\x00")                  # hidden: MkDocs never reads it
    assert_published(publish(copy, "--dry-run"))
    (copy / "docs" / "draft-notes.md").write_text("# Notes\n\nNot committed.\n", encoding="utf-8")
    before = ref(copy)
    assert_refused(publish(copy), "uncommitted or untracked", "docs/draft-notes.md", "--allow-dirty")
    assert ref(copy) == before
    assert_published(publish(copy, "--allow-dirty"))
    assert "--allow-dirty" in git(copy, "log", "-1", "--format=%s", "gh-pages", "--", "2026-05/")


def test_publishing_tags_the_source_and_again_from_the_same_commit_changes_nothing(copy):
    new_edition(copy, "2026-05", "May 2026")
    assert_published(publish(copy))
    head = git(copy, "rev-parse", "HEAD").strip()
    assert git(copy, "rev-parse", "edition-2026-05^{commit}").strip() == head
    before = ref(copy)
    output = assert_published(publish(copy))
    assert "already published from this commit" in output
    assert ref(copy) == before


@pytest.mark.parametrize("written, fragment", [("2026.10", "quote it"), ("pilot", "does not sort by time"),
                                                ('"2026-13"', "does not sort by time")])
def test_edition_ids_outside_the_scheme_are_refused_by_publish_but_build(copy, written, fragment):
    path = copy / "data" / "report.yml"
    path.write_text(re.sub(r"(?m)^edition: .*$", f"edition: {written}", path.read_text()), encoding="utf-8")
    commit(copy, "An odd edition id")
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("edition:"))
    assert_refused(publish(copy), f"data/report.yml:{line}:", fragment, 'edition: "2026-03"')
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=copy, env={**environment,
                           "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "publish` will refuse it" in build.stdout + build.stderr


def test_a_refused_build_shows_the_failing_lines_not_the_log(copy):
    new_edition(copy, "2026-05", "May 2026")
    (copy / "docs" / "findings.md").write_text("# Findings\n\nSee [the annex](annex.md).\n", encoding="utf-8")
    commit(copy, "A broken link")
    message = assert_refused(publish(copy), "annex.md")
    assert "INFO" not in message and len(message) < 600


# ---- errata and retractions -----------------------------------------------------------------------

def test_an_erratum_is_required_to_replace_an_edition_and_every_page_shows_it(copy):
    assert_refused(publish(copy, "--force"), "--erratum")
    (copy / "docs" / "findings.md").write_text("# Findings\n\nThe corrected findings.\n", encoding="utf-8")
    commit(copy, "Correct the findings")
    assert_published(publish(copy, "--force", "--erratum", "Corrected the findings.", SOURCE_DATE_EPOCH="1780000000"))
    for page in ("index.html", "findings/index.html"):
        assert "Revised on May 28, 2026: Corrected the findings." in show(copy, f"{NEW[0]}/{page}")
    assert "revised May 28, 2026" in show(copy, f"{NEW[0]}/report.bib")
    info = {v["version"]: v for v in json.loads(show(copy, "versions.json"))}[NEW[0]]
    assert info["properties"]["revisions"] == [{"date": "2026-05-28", "note": "Corrected the findings."}]
    (copy / "docs" / "findings.md").write_text("# Findings\n\nThe findings, corrected twice.\n", encoding="utf-8")
    commit(copy, "Correct again")
    assert_published(publish(copy, "--force", "--erratum", "A second fix.", SOURCE_DATE_EPOCH="1780100000"))
    page = show(copy, f"{NEW[0]}/findings/index.html")
    assert "Corrected the findings." in page and "A second fix." in page
    assert len(json.loads(show(copy, "versions.json"))[0]["properties"]["revisions"]) == 2


def test_withdrawing_an_edition_leaves_a_notice_at_every_address_and_moves_latest(copy):
    files = git(copy, "ls-tree", "-r", "--name-only", "gh-pages", f"{NEW[0]}/").split()
    pages = [f for f in files if f.endswith(".html")]
    output = assert_published(publish(copy, "--retract", NEW[0], "--reason", "A participant's data was wrong."))
    assert "history" in output and "push --force" in output                  # how to purge
    left = git(copy, "ls-tree", "-r", "--name-only", "gh-pages", f"{NEW[0]}/").split()
    assert sorted(left) == sorted(pages)                                     # every address still answers
    for page in pages:
        text = show(copy, page)
        assert "was withdrawn on" in text and "A participant&#x27;s data was wrong." in text
        assert "The findings of the second edition" not in text
    assert not [f for f in left if f.endswith((".pdf", ".bib", ".json", ".md"))]
    assert {v["version"]: sorted(v["aliases"]) for v in versions(copy)} == {NEW[0]: [], OLD[0]: ["latest"]}
    assert 'href="../2026-03/"' in show(copy, "latest/index.html")
    listing = command(copy, "editions", "--no-fetch").stdout
    assert re.search(rf"{NEW[0]} .*withdrawn", listing) and re.search(rf"{OLD[0]} .*latest", listing)


# ---- what is online --------------------------------------------------------------------------------

def test_editions_lists_what_the_remote_has(team):
    ours, theirs, _ = team
    new_edition(theirs, "2026-05", "May 2026")
    assert_published(publish(theirs, "--push"))
    proc = command(ours, "editions")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "origin/gh-pages" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["2026-05", NEW[0], OLD[0]]
    assert "latest" in lines[1] and "May 2026" in lines[1]


def test_the_root_has_a_404_page_pointing_at_the_latest_edition(published):
    page = show(published, "404.html")
    assert "Page not found" in page and "https://reports.example.org/test-report/latest/" in page


def test_preview_serves_every_edition(copy):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    server = subprocess.Popen([sys.executable, "-m", "macros", "preview", "--port", str(port)], cwd=copy,
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert f"http://127.0.0.1:{port}/" in server.stdout.readline()
        def get(path: str) -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.read().decode()
        assert "latest/" in get("/")
        assert "2026-04" in get("/latest/")
        assert "The findings of the first edition" in get(f"/{OLD[0]}/findings/")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_dry_run_with_push_fetches_first(team):
    ours, theirs, _ = team
    new_edition(theirs, "2026-05", "May 2026")
    assert_published(publish(theirs, "--push"))
    new_edition(ours, "2026-05", "May 2026 (ours)")
    assert_refused(publish(ours, "--dry-run", "--push"), "edition 2026-05 is already published")


def test_a_withdrawal_raced_by_a_colleague_is_decided_again_on_their_branch(team, tmp_path):
    ours, theirs, remote = team
    new_edition(theirs, "2026-05", "May 2026")
    mark = tmp_path / "raced"
    hook(ours, "pre-push", f'[ -f "{mark}" ] && exit 0\ntouch "{mark}"\n'
                           f'cd "{theirs}" && "{sys.executable}" -m macros publish --push >/dev/null 2>&1\nexit 0\n')
    output = assert_published(publish(ours, "--push", "--retract", NEW[0], "--reason", "Wrong data."))
    assert mark.exists() and "trying again" in output
    # latest stays on the colleague's newer edition, not on the one standing when we first looked.
    assert remote_versions(remote) == {"2026-05": ["latest"], NEW[0]: [], OLD[0]: []}
    assert "was withdrawn on" in show(remote, f"{NEW[0]}/index.html")
