"""``python -m macros publish`` (and ``editions``, ``preview``): the command line and the publish flow.

:func:`publish` runs the checks (:mod:`.checks`), decides from the branch what to deploy
(:mod:`.plan`), builds and audits the edition and commits it with mike (:mod:`.deploy`) as a
transaction on the branch (:mod:`.branch`); ``--retract`` is :mod:`.withdrawal`'s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mike import git_utils
from mike.versions import Versions

from .. import audit
from ..data import load_data
from ..errors import ReportError
from ..gitrepo import HERE, TAG_PREFIX, git
from .branch import on_remote, push, published_versions, starting_commit, tag_source, versions_at
from .checks import (Refusal, audit_written, check_environment, check_text, git_checks, one_line,
                     published_fingerprints, read_edition, today)
from .deploy import audit_built_site, build, deploy, use_directory_urls
from .listing import run_editions, run_preview
from .plan import NEWSLETTER_DIR, Plan, check_edition, newest_aliases, revisions_of, same_source
from .withdrawal import retract


def add_parser(subparsers: Any) -> None:
    """Register ``publish``, ``editions`` and ``preview`` on the CLI (see :mod:`report_engine.__main__`)."""
    parser = subparsers.add_parser(
        "publish", help="build the public edition, audit it and deploy it with mike",
        description="Build the public edition named in data/report.yml, run the leak audit and deploy it "
                    "to the gh-pages branch as a new edition (mike), moving 'latest' to the newest edition.")
    parser.add_argument("--dry-run", action="store_true",
                        help="build and check, show what would be deployed, change nothing")
    parser.add_argument("--force", action="store_true",
                        help="replace this edition if it is already published (an erratum: needs --erratum)")
    parser.add_argument("--erratum", metavar="TEXT",
                        help="with --force: what changed; every page of the edition then says so")
    parser.add_argument("--retract", metavar="EDITION",
                        help="withdraw a published edition: its pages become a notice, its other files go")
    parser.add_argument("--reason", metavar="TEXT", help="with --retract: why it was withdrawn (shown to readers)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="publish although the report's inputs have uncommitted or untracked changes")
    parser.add_argument("--push", action="store_true", help="push the branch to the remote after committing")
    parser.add_argument("--remote", default="origin", help="remote to push to (default: origin)")
    parser.add_argument("--branch", default="gh-pages", help="branch that holds the published site (default: gh-pages)")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml",
                        help="the report's mkdocs.yml (default: mkdocs.yml)")
    parser.set_defaults(run=run)
    listing = subparsers.add_parser("editions", help="list the published editions (from the remote if it has them)")
    listing.add_argument("--remote", default="origin")
    listing.add_argument("--branch", default="gh-pages")
    listing.add_argument("--no-fetch", action="store_true", help="do not fetch the remote first")
    listing.set_defaults(run=run_editions)
    preview = subparsers.add_parser("preview", help="serve the whole published site (every edition) locally")
    preview.add_argument("--port", type=int, default=8001)
    preview.add_argument("--branch", default="gh-pages")
    preview.set_defaults(run=run_preview)


def run(args: argparse.Namespace) -> int:
    """The command: 0 when published (or a clean dry run), 1 with one ERROR line when refused."""
    config_file = Path(args.config_file).resolve()
    if not config_file.is_file():
        return refuse(f"no {args.config_file} here; run from the report's folder or pass --config-file")
    previous_dir = Path.cwd()
    os.chdir(config_file.parent)          # mike's git helpers work on the current directory
    try:
        if args.retract:
            retract(config_file, args)
        else:
            publish(config_file, args)
    except Refusal as refusal:
        return refuse(str(refusal))
    except (ReportError, git_utils.GitError) as error:
        return refuse(one_line(str(error)))
    finally:
        os.chdir(previous_dir)
    return 0


def refuse(reason: str) -> int:
    print(f"ERROR: publish refused: {reason}", file=sys.stderr)
    return 1


@dataclass(frozen=True)
class Source:
    """The edition a publish run deploys, as the checks found it before anything is built."""

    edition: str
    title: str
    head: str                           # the source commit ("" on an unborn HEAD)
    dirty: bool                         # the inputs have uncommitted changes (--allow-dirty)
    prints: list[audit.Fingerprint]     # what nothing publish writes may hold


def checked_source(config_file: Path, args: argparse.Namespace) -> Source:
    """Everything checked before the branch is read: the environment, the options, the edition id,
    the erratum's text and the git work tree."""
    check_environment()
    if args.force and not (args.erratum or "").strip():
        raise Refusal("--force replaces a published edition that readers may have cited: say what changed "
                      "with --erratum \"…\" (every page of the edition will show it)")
    if args.erratum and not args.force:
        raise Refusal("--erratum goes with --force (it revises an edition already published)")
    edition, title = read_edition(config_file.parent)
    prints = published_fingerprints(config_file.parent)
    if args.erratum:
        check_text("--erratum", args.erratum, prints, "every page of the edition, versions.json and the history of "
                   f"{args.branch}")
    dirty = git_checks(args, config_file.parent)
    head = git(HERE, "rev-parse", "HEAD").stdout.strip()
    return Source(edition, title, head, dirty, prints)


def publish(config_file: Path, args: argparse.Namespace) -> Plan | None:
    """Publish the edition ``data/report.yml`` names; None when it is already published from this commit."""
    source = checked_source(config_file, args)
    edition, title, head = source.edition, source.title, source.head
    base = starting_commit(args, edition)
    versions = versions_at(base) if args.push else published_versions(args.branch, args.remote)
    if not args.force and same_source(base, versions, edition, head):
        already_done(edition, head, args)
        return None
    check_edition(versions, edition, args)
    revisions = revisions_of(versions, edition)
    if args.force:
        revisions.append({"date": today(), "note": " ".join(args.erratum.split())})
    plan = Plan(edition, title, newest_aliases(versions, edition), args.branch, replaces=bool(versions.find(edition)))

    with tempfile.TemporaryDirectory(prefix="report-edition-") as scratch:
        site = Path(scratch) / "site"
        build(config_file, site, edition, revisions)
        audit_built_site(config_file, site)
        plan.files = sum(1 for _ in git_utils.walk_real_files(str(site)))
        plan.newsletter = sum(1 for p in (site / NEWSLETTER_DIR).rglob("*") if p.is_file())
        if args.dry_run:
            print("Dry run: nothing was deployed. This run would publish:")
            print("\n".join(plan.describe()))
            return plan
        if not commit_edition(config_file, args, source, plan, site, base, versions, revisions):
            already_done(edition, head, args)      # the same edition, from the same commit
            return None

    tag_source(edition, head, args)
    if args.push:
        push(args.remote, args.branch, tags=[f"{TAG_PREFIX}{edition}"])
    where = f"{args.branch}, pushed to {args.remote}" if args.push else f"{args.branch} (not pushed: add --push)"
    print(f"Published edition {edition} \"{title}\" to {where}.")
    print("\n".join(plan.describe()))
    return plan


def commit_edition(config_file: Path, args: argparse.Namespace, source: Source, plan: Plan, site: Path, base: str,
                   versions: Versions, revisions: list[dict[str, str]]) -> bool:
    """Commit the built ``site`` on the branch and push it (:func:`on_remote`); False when, on a
    remote that moved meanwhile, the edition turned out to be published from this commit already."""
    edition, head = source.edition, source.head
    report = load_data(config_file.parent / "data", config_file.parent).report
    note = " (with uncommitted changes: --allow-dirty)" if source.dirty else ""
    message = f"Publish edition {edition} ({source.title}) from {head or 'an unborn HEAD'}{note}"

    def commit(base: str, again: bool) -> bool:
        nonlocal versions
        if again:                         # someone published meanwhile: decide again on their tip
            versions = versions_at(base)
            if not args.force and same_source(base, versions, edition, head):
                return False
            check_edition(versions, edition, args)
            plan.aliases = newest_aliases(versions, edition)
        deploy(plan, site, use_directory_urls(config_file), versions, message, revisions, report)
        audit_written(base, args.branch, source.prints, built=f"{edition}/")
        return True

    return on_remote(args, base, edition, commit)


def already_done(edition: str, head: str, args: argparse.Namespace) -> None:
    tag_source(edition, head, args)
    print(f"Edition {edition} is already published from this commit ({head[:12]}); nothing to do.")
    if args.push and not args.dry_run:
        push(args.remote, args.branch, tags=[f"{TAG_PREFIX}{edition}"])
