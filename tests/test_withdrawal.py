"""Withdrawn editions stay withdrawn, and what publish writes itself is audited (issue 23, principle 3).

* ``publish --retract`` tags the source ``withdrawn-<id>``: no later changes page compares with
  the withdrawn edition, so nothing only it printed comes back (nor in the root feed or
  versions.json).
* A ``--reason`` that names what no public output may name (a never-named participant in any
  form, a ``never_public:`` term) is refused before anything changes; what publish commits is
  audited before it is pushed.
* The changes page matches records by their ``id`` fields: a private record is never "Added" for an
  audience that cannot read it, whatever the public text prints ("July 6" is not record 6).

Built on the repositories of tests/test_editions.py and tests/test_publishing.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import Report
from test_editions import (CLEAN_ENV, NEW, OLD, assert_published, assert_refused, commit, copy, git,  # noqa: F401
                           make_repository, published, ref, set_edition, show, write_report)
from test_publishing import publish

pytestmark = [pytest.mark.site, pytest.mark.publishing]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in CLEAN_ENV:
        monkeypatch.delenv(name, raising=False)


def article(page: str) -> str:
    """The words of a page's content area."""
    (node,) = lxml_html.fromstring(page).xpath("//article")
    return " ".join(node.text_content().split())


def all_refs(root: Path) -> str:
    return git(root, "for-each-ref", "--format=%(refname) %(objectname)")


def tag_commit(root: Path, tag: str) -> str:
    return git(root, "rev-parse", f"refs/tags/{tag}^{{commit}}").strip()


# ---- a withdrawn edition is never a baseline ----------------------------------------------------

WITHDRAWN_ONLY = ("Lateral movement", "billing cluster", "4,217", "4217")


def test_nothing_only_a_withdrawn_edition_printed_comes_back(tmp_path):
    report = Report(tmp_path / "report")
    report.write("data/facts.yml", "tasks_run: 120\n")
    report.page("index.md", "# Summary\n\nWe ran {{ fact('facts.tasks_run') }} tasks in the window.\n")
    findings = "# Findings\n\n## Scope {#scope}\n\nThe findings cover every agent we were shown.\n"
    report.page("findings.md", findings)
    report.nav("index.md", "findings.md")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.write("overrides/.gitkeep", "")                   # git keeps no empty folder
    report.build(None)                                # writes mkdocs.yml (and checks the report builds)
    root = report.root
    make_repository(root)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    assert_published(publish(root, "--push"))                                       # 2026-03

    # 2026-04 prints a sentence, a figure and a heading of its own; then it is withdrawn
    report.write("data/facts.yml", "tasks_run: 120\nbilling_crossings: 4217\n")
    report.page("findings.md", findings + "\n## Lateral movement {#lateral-movement}\n\nAgents crossed into the "
                "billing cluster {{ fact('facts.billing_crossings') }} times during the window.\n")
    set_edition(root, *NEW)
    commit(root, "Second edition")
    assert_published(publish(root, "--push"))
    assert "Lateral movement" in show(root, f"{NEW[0]}/changes/index.html")
    output = assert_published(publish(root, "--push", "--retract", NEW[0], "--reason", "A figure in it was wrong."))
    assert "WARNING" not in output
    withdrawn = f"withdrawn-{NEW[0]}"
    assert tag_commit(root, withdrawn) == tag_commit(root, f"edition-{NEW[0]}")        # beside edition-<id>
    assert tag_commit(remote, withdrawn) == tag_commit(root, withdrawn)              # pushed like it

    # 2026-05: the withdrawn text is gone again, and an honest change is made
    report.write("data/facts.yml", "tasks_run: 150\n")
    report.page("findings.md", findings + "\n## Outlook {#outlook}\n\nThe next assessment widens its scope.\n")
    set_edition(root, "2026-05", "May to June 2026")
    commit(root, "Third edition")
    assert_published(publish(root, "--push"))

    page = show(remote, "2026-05/changes/index.html")
    text = article(page)
    assert f"edition {OLD[0]}" in text and OLD[1] in text, "compared with the newest edition still standing"
    assert "was 120, now 150" in text and "New section: Outlook" in text
    assert NEW[0] not in text and NEW[1] not in text
    search = show(remote, "2026-05/search/search_index.json")
    feed, listed = show(remote, "feed.xml"), show(remote, "versions.json")
    for words in WITHDRAWN_ONLY:
        for where, published_text in (("changes page", page), ("search index", search), ("root feed", feed),
                                      ("versions.json", listed)):
            assert words not in published_text, f"{words!r} is back in the {where}"
    assert "Withdrawn: " in feed and "A figure in it was wrong." in feed
    info = {v["version"]: v for v in json.loads(listed)}
    assert info[NEW[0]]["properties"]["retracted"]["reason"] == "A figure in it was wrong."
    assert "latest" in info["2026-05"]["aliases"]


def test_the_previous_edition_is_the_newest_still_standing(tmp_path):
    from report_engine import changes

    root = tmp_path / "source"
    root.mkdir()
    (root / "README").write_text("a report\n", encoding="utf-8")
    make_repository(root)
    for edition in ("2026-03", "2026-04", "2026-10"):
        git(root, "tag", f"edition-{edition}")
    git(root, "tag", "withdrawn-2026-04")
    head = git(root, "rev-parse", "HEAD").strip()
    assert changes.previous_edition(root, "2026-05") == ("2026-03", head)
    assert changes.previous_edition(root, "2026-11") == ("2026-10", head), "by time, not as text"
    git(root, "tag", "withdrawn-2026-03")
    assert changes.previous_edition(root, "2026-05") is None, "no edition left standing: none compared"
    assert changes.withdrawn_before(root, "2026-05") and not changes.withdrawn_before(root, "2026-02")
    # a withdrawal only the published branch records (its tag not fetched) counts too
    git(root, "tag", "-d", "withdrawn-2026-03", "withdrawn-2026-04")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, capture_output=True, text=True, check=True,
                          input=json.dumps([{"version": "2026-04", "title": "April", "aliases": [],
                                             "properties": {"retracted": {"date": "2026-05-01", "reason": "x"}}}]))
    tree = subprocess.run(["git", "mktree"], cwd=root, capture_output=True, text=True, check=True,
                          input=f"100644 blob {blob.stdout.strip()}\tversions.json\n").stdout.strip()
    site = git(root, "commit-tree", tree, "-m", "site").strip()
    git(root, "update-ref", "refs/heads/gh-pages", site)
    assert changes.previous_edition(root, "2026-05") == ("2026-03", head)


# ---- what publish writes is audited ------------------------------------------------------------

def never_named(root: Path) -> None:
    """A participant never named in public, and a never_public term, in data/report.yml."""
    path = root / "data" / "report.yml"
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().endswith("pseudonym: Developer B}"), "participants is the last field"
    path.write_text(text.rstrip() + "\n  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer E, named: false,"
                    " aliases: [KestrelAI]}\nnever_public: [Project Nightjar]\n", encoding="utf-8")
    commit(root, "A participant never named, a codename never public")


@pytest.mark.parametrize("reason, names", [
    ("Kestrel Systems asked us to correct its figures.", "the name of 'kestrel', which is never named"),
    ("The kestrel-systems figures were wrong.", "the name of 'kestrel', which is never named"),
    ("KestrelAI's figures were wrong.", "the name of 'kestrel', which is never named"),
    ("It described PROJECT  NIGHTJAR.", "'Project Nightjar'"),
])
def test_a_reason_naming_what_is_never_public_is_refused_and_nothing_changes(copy, reason, names):
    never_named(copy)
    before = all_refs(copy)
    message = assert_refused(publish(copy, "--retract", NEW[0], "--reason", reason), "--reason contains", names,
                             "data/report.yml", "Nothing was changed")
    assert all_refs(copy) == before                     # gh-pages, tags: all as they were
    assert "retracted" not in show(copy, "versions.json")
    assert "was withdrawn" not in show(copy, f"{NEW[0]}/index.html")
    assert "\n" not in message


def test_a_fine_reason_is_published_and_the_source_tagged_withdrawn(copy):
    never_named(copy)
    reason = "Developer E's figures were wrong."               # a pseudonym is what the public reads
    assert_published(publish(copy, "--retract", NEW[0], "--reason", reason))
    escaped = "Developer E&#x27;s figures were wrong."
    pages = [name for name in git(copy, "ls-tree", "-r", "--name-only", "gh-pages", f"{NEW[0]}/").split()]
    assert pages and all(escaped in show(copy, name) for name in pages)
    assert reason in show(copy, "feed.xml")
    info = {v["version"]: v for v in json.loads(show(copy, "versions.json"))}
    assert info[NEW[0]]["properties"]["retracted"]["reason"] == reason
    assert tag_commit(copy, f"withdrawn-{NEW[0]}") == tag_commit(copy, f"edition-{NEW[0]}")
    assert git(copy, "tag", "--list", f"withdrawn-{OLD[0]}") == ""


def test_what_publish_writes_beside_an_edition_is_audited_before_it_is_pushed(copy):
    # An edition says a codename in its opening paragraph (its entry in the root feed carries it)...
    index = copy / "docs" / "index.md"
    opening = "Public opening paragraph about the assessment."
    index.write_text(index.read_text().replace(opening, "Project Nightjar was assessed first."), encoding="utf-8")
    set_edition(copy, "2026-05", "May 2026")
    commit(copy, "An edition that names a codename")
    assert_published(publish(copy))
    assert "Project Nightjar" in show(copy, "feed.xml")
    # ...which is then listed under never_public: the next edition's pages are clean, but publishing
    # it would write the root feed again, with that entry
    never_named(copy)
    index.write_text(index.read_text().replace("Project Nightjar was assessed first.", opening), encoding="utf-8")
    set_edition(copy, "2026-06", "June 2026")
    commit(copy, "The next edition")
    before = all_refs(copy)
    assert_refused(publish(copy), "leak audit failed on what publish writes", "'feed.xml'", "Project Nightjar",
                   "nothing was published")
    assert all_refs(copy) == before
    # withdrawing the edition that said it takes it out of the feed; then the next edition goes out
    assert_published(publish(copy, "--retract", "2026-05", "--reason", "It named a project that is not public."))
    assert "Project Nightjar" not in show(copy, "feed.xml")
    assert_published(publish(copy))
    assert "Project Nightjar" not in show(copy, "feed.xml") + show(copy, "versions.json")


# ---- records are matched by their ids ----------------------------------------------------------

def test_a_private_record_is_never_added_for_an_audience_that_cannot_read_it(tmp_path):
    report = Report(tmp_path / "report")
    loop = "{% for i in incidents %}\n- Incident {{ i.id }}: {{ i.summary }}\n{% endfor %}\n"
    report.page("index.md", "# Summary\n\nThe team met on July 6 to review the incidents.\n\n" + loop)
    report.nav("index.md")
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    report.write("overrides/.gitkeep", "")                   # git keeps no empty folder
    report.write("data/incidents.yml", """
        - {id: 4, summary: An incident the first edition printed.}
        - {id: 5, summary: Another public incident.}
        """)
    report.build(None)
    make_repository(report.root)
    git(report.root, "tag", f"edition-{OLD[0]}")
    report.write("data/incidents.yml", """
        - !private {owner: helios, value: {id: 4, summary: An incident Helios asked us to redact.}}
        - {id: 5, summary: Another public incident.}
        - !private {owner: helios, value: {id: 6, summary: A private incident only Helios may read.}}
        - {id: 7, summary: An honest new public incident.}
        """)
    set_edition(report.root, *NEW)
    commit(report.root, "Second edition")

    built = report.build(None)
    public = article(built.page("changes"))
    assert "July 6" in built.page("")
    assert f"edition {OLD[0]}" in public
    assert "Added: 7" in public, "an honest new public record is listed"
    assert "Added: 6" not in public, "a private record is not added because public text prints its id"
    assert "Removed: 4" not in public and "Removed" not in public, "nor is a record made private removed"
    helios = article(report.build("participant:helios").page("changes"))
    assert "Added: 6" in helios and "Added: 7" in helios, "its owner reads it, and its addition"
