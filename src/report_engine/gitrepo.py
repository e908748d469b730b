"""The report's git repository, as the engine reads and tags it: the one place that runs ``git``.

Publishing tags the source commit of each edition ``edition-<id>``; withdrawing one
(``publish --retract``) tags the same commit ``withdrawn-<id>``; a courtesy draft tags its sources
``courtesy-<edition>``. The changes page (:mod:`report_engine.changes`), the courtesy draft's
comparison (:mod:`report_engine.courtesy`) and ``publish`` (:mod:`report_engine.publish`) read
those tags through the helpers here. A machine without git is a folder that is not in git.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Mapping

import yaml

from . import editions

TAG_PREFIX = "edition-"                     # the source commit of a published edition
WITHDRAWN_PREFIX = "withdrawn-"             # beside edition-<id> on the source commit: not a baseline
COURTESY_PREFIX = "courtesy-"               # the sources a courtesy draft was built from
PUBLISHED_BRANCHES = ("refs/heads/gh-pages", "refs/remotes/origin/gh-pages")   # where versions.json says it too
HERE = Path(".")                            # the current folder (publish runs in the report's)


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``cwd``, its output as text; never raises (no git: status 127)."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except OSError as error:                          # no git on the machine
        return subprocess.CompletedProcess(["git", *args], 127, "", str(error))


def archive(cwd: Path, tree: str, *paths: str) -> subprocess.CompletedProcess[bytes]:
    """``git archive`` of ``tree`` (only ``paths`` when given), as a tar in ``stdout``."""
    command = ["git", "archive", "--format=tar", tree, *(["--", *paths] if paths else [])]
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True)
    except OSError as error:
        return subprocess.CompletedProcess(command, 127, b"", str(error).encode())


def in_git(project_dir: Path) -> bool:
    found = git(project_dir, "rev-parse", "--is-inside-work-tree")
    return found.returncode == 0 and found.stdout.strip() == "true"


def tag_commit(project_dir: Path, tag: str) -> str | None:
    """The commit a tag names, or None."""
    found = git(project_dir, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else None


def tagged(project_dir: Path, prefix: str) -> list[str]:
    """What follows ``prefix`` in each tag that starts with it (edition ids, for the prefixes above)."""
    listed = git(project_dir, "tag", "--list", f"{prefix}*")
    return [tag[len(prefix):] for tag in listed.stdout.split() if tag.startswith(prefix)]


# ---- the editions git knows of ---------------------------------------------------------------------

def previous_edition(project_dir: Path, edition: str) -> tuple[str, str] | None:
    """(id, commit) of the newest edition still standing that is older than ``edition``, or None
    when there is none (a first edition, or every earlier one was withdrawn).

    Editions are ordered by the period their ids cover (:func:`editions.edition_order`). An
    edition is standing when its ``edition-<id>`` tag has no ``withdrawn-<id>`` tag beside it and
    no local ``gh-pages`` branch marks it withdrawn."""
    older = [i for i in standing_editions(project_dir) if editions.older(i, edition)]
    chosen = editions.newest(older)
    if chosen is None:
        return None
    commit = tag_commit(project_dir, f"{TAG_PREFIX}{chosen}")
    return (chosen, commit) if commit else None


def standing_editions(project_dir: Path) -> list[str]:
    """The ids of the editions tagged ``edition-<id>`` and not withdrawn."""
    return [i for i in tagged(project_dir, TAG_PREFIX) if i not in withdrawn_editions(project_dir)]


def withdrawn_before(project_dir: Path, edition: str) -> bool:
    """Was an edition older than ``edition`` published and withdrawn? (Then a changes page with no
    earlier edition standing must not call this edition the first.)"""
    return any(editions.older(i, edition) for i in withdrawn_editions(project_dir))


def withdrawn_editions(project_dir: Path) -> set[str]:
    """Editions withdrawn with ``publish --retract``: tagged ``withdrawn-<id>`` (the tag is pushed
    with the withdrawal), or marked ``retracted`` in a local ``gh-pages`` branch's versions.json."""
    withdrawn = set(tagged(project_dir, WITHDRAWN_PREFIX))
    for branch in PUBLISHED_BRANCHES:
        shown = git(project_dir, "show", f"{branch}:versions.json")
        if shown.returncode != 0:
            continue
        try:
            listed = json.loads(shown.stdout)
        except ValueError:
            continue
        withdrawn |= {str(info.get("version")) for info in listed if isinstance(info, dict)
                      and isinstance(info.get("properties"), dict) and info["properties"].get("retracted")}
    return withdrawn


# ---- what each edition's data/report.yml said at its tag -------------------------------------------

def tagged_field(project_dir: Path, key: str, ids: list[str] | None = None) -> dict[str, Any]:
    """The top-level ``key`` of ``data/report.yml`` at each ``edition-<id>`` tag (of ``ids``, or of
    every tag), by edition id; an edition whose file does not set it is left out.

    Two ``git`` calls at most, one when there is no edition tag: the tags are listed, then one
    ``git grep`` reads the key's line in every tagged tree at once."""
    ids = tagged(project_dir, TAG_PREFIX) if ids is None else ids
    if not ids:
        return {}
    found = git(project_dir, "grep", "--no-color", "-I", "-e", f"^{key}:",
                *[f"refs/tags/{TAG_PREFIX}{i}" for i in ids], "--", editions.REPORT_FILE)
    return field_values(found.stdout, key)


def field_values(grepped: str, key: str) -> dict[str, Any]:
    """The values of ``key`` in ``git grep``'s lines over ``refs/tags/edition-<id>`` trees
    (``refs/tags/edition-2026-q2:data/report.yml:doi: 10.5555/x``), by edition id: the first line
    of each edition that YAML reads as ``key: value``."""
    line = re.compile(rf"refs/tags/{re.escape(TAG_PREFIX)}(?P<id>[^:]+):(?:[^:]*/)?"
                      rf"{re.escape(editions.REPORT_FILE)}:(?P<text>.*)")
    values: dict[str, Any] = {}
    for text in grepped.splitlines():
        matched = line.fullmatch(text)
        if matched is None or matched["id"] in values:
            continue
        try:
            parsed = yaml.safe_load(matched["text"])
        except yaml.YAMLError:
            continue
        if isinstance(parsed, dict) and parsed.get(key) is not None:
            values[matched["id"]] = parsed[key]
    return values


def check_doi(project_dir: Path, report: Mapping[str, Any], report_file: str) -> None:
    """Stop the build when ``doi`` in ``data/report.yml`` is one an earlier edition used
    (:func:`editions.check_doi`). Nothing to read without a ``doi``; one ``git`` call without
    edition tags (or outside git)."""
    if not editions.doi_text(report.get("doi")):
        return
    editions.check_doi(report, report_file, tagged_field(project_dir, "doi"))
