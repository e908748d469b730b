"""The site's root, beside the editions: a redirect to ``latest/``, ``404.html`` and ``feed.xml``.

GitHub Pages serves one ``404.html``, the root's, so a reader with a dead link is sent to the latest
edition from there. The root feed lists every edition on the branch (:func:`root_feed`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from typing import Any, Mapping

from mike import commands as mike
from mike import git_utils

from .. import editions, findability, outputs
from ..gitrepo import HERE, git
from ..metadata import read_metadata

ROOT_MESSAGE = "Root redirects to latest/"
VERSIONS = "versions.json"                   # mike's list of the editions, which the selector reads


def root_pages(branch: str, report: Mapping[str, Any]) -> None:
    """The site's root redirects to ``latest/``; its ``404.html`` (the only one GitHub Pages serves)
    sends a reader with a dead link there too; its ``feed.xml`` lists every edition; its
    ``versions.json`` (which the version selector lists as it is) is in the editions' order."""
    try:
        mike.set_default(editions.LATEST, allow_undefined=True, branch=branch, message=ROOT_MESSAGE)
    except git_utils.GitEmptyCommit:
        pass
    canonical_url = str(report["canonical_url"])
    latest = canonical_url.rstrip("/") + f"/{editions.LATEST}/"
    files = {"404.html": not_found_page(latest).encode("utf-8"),
             findability.FEED: root_feed(branch, report).encode("utf-8")}
    changed = {name: data for name, data in files.items()
               if (current := git(HERE, "show", f"{branch}:{name}")).returncode != 0
               or current.stdout.encode("utf-8") != data}
    listed = versions_in_order(branch)
    if listed is not None:
        changed[VERSIONS] = listed.encode("utf-8")
    if not changed:
        return
    with git_utils.Commit(branch, f"{ROOT_MESSAGE}: {', '.join(sorted(changed))}") as commit:
        for name, data in sorted(changed.items()):
            commit.add_file(git_utils.FileInfo(name, data))


def versions_in_order(branch: str) -> str | None:
    """``versions.json`` on ``branch`` newest first by the period each edition covers
    (:func:`editions.edition_order`), or None when it is so already (or absent).

    mike writes it in its own order (a loose version order, in which ``2026-q3-b`` comes before
    ``2026-q3`` and ``2026-03-15`` after ``2026-03-b``); Material's selector shows it as written, so
    it is rewritten after every deploy, alias and withdrawal (each ends in :func:`root_pages`)."""
    current = git(HERE, "show", f"{branch}:{VERSIONS}")
    if current.returncode != 0:
        return None
    try:
        ordered = ordered_versions(json.loads(current.stdout))
    except ValueError:
        return None
    return None if ordered is None else json.dumps(ordered, indent=2)


def ordered_versions(listed: Any) -> list[Any] | None:
    """mike's list of editions (``versions.json`` as read) newest first by
    :func:`editions.edition_order`; None when it is in that order already, or is not such a list."""
    if not isinstance(listed, list) or not all(isinstance(info, dict) for info in listed):
        return None
    ordered = sorted(listed, key=lambda info: editions.edition_order(str(info.get("version"))), reverse=True)
    return None if ordered == listed else ordered


def root_feed(branch: str, report: Mapping[str, Any]) -> str:
    """The feed of every edition on the branch, newest first.

    Each edition's build wrote its own entry into ``<edition>/feed.xml``; a withdrawn edition's
    folder holds only notices, so its entry comes from the root feed as it was, marked withdrawn
    with the reason. An erratum updates its edition's entry."""
    meta = read_metadata(report, editions.REPORT_FILE, str(report["canonical_url"]))
    previous: dict[str, findability.FeedEntry] = {}
    current = git(HERE, "show", f"{branch}:{findability.FEED}")
    if current.returncode == 0:
        previous = {e.edition: e for e in feed_entries(current.stdout)}
    entries = []
    for info in mike.list_versions(branch):
        edition = str(info.version)
        own = git(HERE, "show", f"{branch}:{edition}/{findability.FEED}")
        found = [e for e in feed_entries(own.stdout) if e.edition == edition] if own.returncode == 0 else []
        entry = found[0] if found else previous.get(edition)
        if entry is None:                     # published before editions had feeds: nothing to say of it
            continue
        entries.append(entry_as_published(entry, info.properties or {}))
    return findability.atom_feed(meta, entries)


def entry_as_published(entry: findability.FeedEntry, props: Mapping[str, Any]) -> findability.FeedEntry:
    """An edition's feed entry as the branch's ``versions.json`` has it now: withdrawn with the
    reason, or updated on the day of its last erratum."""
    if props.get("retracted"):
        withdrawn = props["retracted"]
        return dataclasses.replace(entry, withdrawn=str(withdrawn.get("reason") or "withdrawn"),
                                   updated=day_of(withdrawn.get("date")) or entry.updated)
    if props.get("revisions"):
        return dataclasses.replace(entry, updated=day_of(props["revisions"][-1].get("date")) or entry.updated)
    return entry


def feed_entries(text: str) -> list[findability.FeedEntry]:
    """The entries of a feed as written (none when it cannot be read)."""
    try:
        return findability.read_feed_entries(text)
    except (ValueError, SyntaxError):        # ElementTree.ParseError is a SyntaxError
        return []


def day_of(value: Any) -> dt.date | None:
    """The day a date (or a timestamp) given as text starts with, or None."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def not_found_page(latest: str) -> str:
    return outputs.standalone_page(
        "Page not found",
        "body { font: 1.1rem/1.5 system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; }",
        "<h1>Page not found</h1>\n<p>There is no page at this address. The report's editions stay at their own "
        f"addresses;\n<a href=\"{html.escape(latest, quote=True)}\">the latest edition</a> lists them all.</p>\n")
