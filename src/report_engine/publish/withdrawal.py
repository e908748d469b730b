"""``publish --retract``: withdraw a published edition.

Every page at the edition's address becomes a notice, every other file of it goes, ``latest``
moves to the newest edition still standing. The reason is shown to readers (notices, the root
feed, versions.json, the commit on the branch), so it is audited first: one naming what no public
output may name is refused before anything changes. What the withdrawal commits is audited before
it is pushed. The edition's source commit is then tagged ``withdrawn-<id>`` beside
``edition-<id>`` (pushed with ``--push``), so no later build's changes page compares with the
withdrawn edition.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from mike import commands as mike
from mike import git_utils

from .. import editions, gitrepo, outputs
from ..data import load_data
from ..formatting import format_date
from ..gitrepo import HERE, TAG_PREFIX, git
from .branch import on_remote, source_commit, starting_commit, versions_at
from .checks import Refusal, audit_written, check_environment, check_text, one_line, published_fingerprints, today
from .deploy import use_directory_urls
from .feed import root_pages

PURGE = """The withdrawn text is still in the history of {branch} (and in any clone or fork of it). If it
must go entirely (it leaked), replace the branch by one commit of what is online now:
  git fetch {remote} && git checkout --orphan {branch}-clean {remote}/{branch}
  git commit -m "Published editions (history purged after withdrawing {edition})"
  git push --force {remote} {branch}-clean:{branch} && git checkout - && git branch -D {branch}-clean
then ask GitHub Support to purge cached views, and every clone to drop its copy (README: Withdrawing an edition)."""


@dataclass
class Withdrawal:
    """What withdrawing an edition changes on the branch at a given commit."""

    info: Any                   # mike's entry for the edition
    successor: str | None       # the newest edition still standing
    files: list[str]            # everything under the edition's folder
    pages: list[str]            # its pages, relative to the folder: each becomes the notice

    @property
    def moves_latest(self) -> bool:
        return bool(self.successor) and editions.LATEST in self.info.aliases


@dataclass(frozen=True)
class Notice:
    """What every page of a withdrawn edition says."""

    title: str                  # the report's
    date: str                   # the day of the withdrawal (YYYY-MM-DD)
    reason: str


def withdrawal(base: str, edition: str, branch: str) -> Withdrawal:
    """What withdrawing ``edition`` changes on ``branch`` at ``base``; refused when it is not there
    or already withdrawn."""
    versions = versions_at(base)
    found = versions.find(edition)
    if not found or len(found) != 1:
        listed = ", ".join(str(info.version) for info in versions) or "none"
        raise Refusal(f"edition {edition} is not published on {branch} (published: {listed})")
    info = versions[edition]
    if (info.properties or {}).get("retracted"):
        raise Refusal(f"edition {edition} is already withdrawn")
    standing = [str(i.version) for i in versions if str(i.version) != edition and not (i.properties or {}).get("retracted")]
    files = git(HERE, "ls-tree", "-r", "--name-only", base, f"{edition}/").stdout.splitlines()
    pages = [name[len(edition) + 1:] for name in files if name.endswith(".html")]
    return Withdrawal(info, editions.newest(standing), files, pages)


def retract(config_file: Path, args: argparse.Namespace) -> None:
    """Withdraw the published edition ``--retract`` names, for ``--reason`` (see the module's docstring)."""
    check_environment()
    edition = args.retract
    reason = " ".join((args.reason or "").split())
    if not reason:
        raise Refusal("--retract needs --reason \"…\": readers who follow a link or a citation are told why")
    prints = published_fingerprints(config_file.parent)
    check_text("--reason", reason, prints,
               f"every notice page, in feed.xml, in versions.json and in the history of {args.branch}")
    if git(HERE, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refusal("not a git repository: editions are committed to a branch of the report's repository")
    base = starting_commit(args, edition)
    plan = withdrawal(base, edition, args.branch)
    source = source_commit(base, edition)
    if args.dry_run:
        print(f"Dry run: nothing was changed. Withdrawing {edition} would replace {len(plan.pages)} page(s) with a "
              f"notice, remove {len(plan.files) - len(plan.pages)} other file(s)"
              + (f" and move latest to {plan.successor}." if plan.moves_latest else "."))
        return
    report = load_data(config_file.parent / "data", config_file.parent).report
    notice = Notice(str(report["title"]), today(), reason)
    directory_urls = use_directory_urls(config_file)

    def commit(base: str, again: bool) -> bool:
        nonlocal plan
        if again:                             # someone published meanwhile: decide again on their tip
            plan = withdrawal(base, edition, args.branch)
        commit_withdrawal(plan, edition, notice, args.branch, directory_urls, report)
        audit_written(base, args.branch, prints)
        return True

    on_remote(args, base, edition, commit)
    tag_withdrawn(edition, source, args)
    where = f"{args.branch}, pushed to {args.remote}" if args.push else f"{args.branch} (not pushed: add --push)"
    print(f"Withdrew edition {edition} on {where}: {len(plan.pages)} page(s) now show the notice, "
          f"{len(plan.files) - len(plan.pages)} other file(s) removed"
          + (f"; latest is now {plan.successor}." if plan.moves_latest else "."))
    print(PURGE.format(branch=args.branch, remote=args.remote, edition=edition))


def commit_withdrawal(plan: Withdrawal, edition: str, notice: Notice, branch: str, directory_urls: bool,
                      report: Mapping[str, Any]) -> None:
    """Commit the withdrawal with mike: the notice in place of every page, ``latest`` moved (or
    dropped with no edition left standing), the root pages written again."""
    label = str(plan.info.title)
    with tempfile.TemporaryDirectory(prefix="report-retract-") as scratch:
        site = Path(scratch) / "site"
        for page in plan.pages or ["index.html"]:
            target = site / page
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(withdrawn_page(notice.title, label, notice.date, notice.reason,
                                             "../" * (page.count("/") + 1), plan.successor), encoding="utf-8")
        with mike.deploy({"site_dir": str(site), "use_directory_urls": directory_urls}, edition, label, [],
                         alias_type=mike.AliasType.redirect, branch=branch,
                         message=f"Withdraw edition {edition} ({label}): {notice.reason}",
                         set_props=[("retracted", {"date": notice.date, "reason": notice.reason})]):
            pass
    if editions.LATEST in plan.info.aliases:
        if plan.successor:
            mike.alias({"use_directory_urls": directory_urls}, plan.successor, [editions.LATEST],
                       update_aliases=True, alias_type=mike.AliasType.redirect, branch=branch,
                       message=f"latest moves to {plan.successor}: {edition} was withdrawn")
        else:
            drop_alias(branch, edition, editions.LATEST)
    root_pages(branch, report)


def tag_withdrawn(edition: str, source: str, args: argparse.Namespace) -> None:
    """Tag the withdrawn edition's source commit ``withdrawn-<id>`` (and push the tag with
    ``--push``): :mod:`report_engine.changes` never compares a later edition with a withdrawn one."""
    tag = f"{gitrepo.WITHDRAWN_PREFIX}{edition}"
    if git(HERE, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}").returncode != 0:
        if not source:
            print(f"WARNING: no {TAG_PREFIX}{edition} tag or source commit of edition {edition} in this clone: tag "
                  f"the commit it was published from `git tag {tag} COMMIT` (and push it), or a later edition's "
                  "changes page may compare with the withdrawn one", file=sys.stderr)
            return
        git(HERE, "tag", tag, source)
    if args.push:
        pushed = git(HERE, "push", "--quiet", args.remote, f"refs/tags/{tag}")
        if pushed.returncode != 0:
            print(f"WARNING: the edition is withdrawn, but the tag {tag} did not reach {args.remote} "
                  f"({one_line(pushed.stderr)}): push it with `git push {args.remote} {tag}`", file=sys.stderr)


def drop_alias(branch: str, edition: str, alias: str) -> None:
    """Remove an alias with nothing left to point at (the only edition was withdrawn)."""
    versions = mike.list_versions(branch)
    versions[edition].aliases.discard(alias)
    with git_utils.Commit(branch, f"{alias} removed: no edition left standing") as commit:
        commit.delete_files([alias])
        commit.add_file(mike.versions_to_file_info(versions))


def withdrawn_page(title: str, label: str, date: str, reason: str, root: str, successor: str | None) -> str:
    """The notice that stands at every page of a withdrawn edition (``root``: the way up to the site's root)."""
    day = format_date(dt.date.fromisoformat(date))
    where = (f'<p><a href="{root}{editions.LATEST}/">Read the latest edition</a>.</p>' if successor
             else "<p>No other edition of the report is online.</p>")
    return outputs.standalone_page(
        f"Withdrawn: {title} ({label})",
        "body { font: 1.1rem/1.5 system-ui, sans-serif; max-width: 38rem; margin: 4rem auto; padding: 0 1rem; }",
        "<h1>This edition was withdrawn</h1>\n"
        f"<p data-report-withdrawn>The {html.escape(label)} edition of <em>{html.escape(title)}</em> was withdrawn "
        f"on {day}.</p>\n<p><strong>Reason:</strong> {html.escape(reason)}</p>\n{where}\n")
