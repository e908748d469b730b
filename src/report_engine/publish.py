"""``python -m macros publish``: put one edition online, keeping every other one.

Publishing is the one step that cannot be taken back: readers and search
engines copy what they see, and a cited edition must stay at its address. So
the command checks everything before it touches the ``gh-pages`` branch, in
this order, and refuses with one line at the first problem:

1. the process is set up for the public, final build (``REPORT_AUDIENCE`` unset
   or ``public``; no ``REPORT_DRAFT``);
2. the report is a git repository (with ``--push``, the remote is fetched, so
   an edition someone else already pushed counts as published);
3. the edition id from ``data/report.yml`` is not already published (unless
   ``--force``, which replaces that edition and nothing else);
4. the public build passes, including the leak audit that ends every build.

What publish writes itself (withdrawal notices and reasons, errata notes, the root feed,
``versions.json``, the root redirect and ``404.html``, ``latest/`` redirects, its commit messages
on the branch) is audited too, like a build's output and with the same machinery
(:func:`audit.audit_site`), against :func:`published_fingerprints`: what no public output may
hold, read from the report's data. A ``--reason`` or ``--erratum`` that names what it must not is
refused before anything is changed; whatever else the commits would put online is audited before
the branch is pushed, and a finding puts the branch back (:func:`audit_written`).

The build runs in a child process (``mkdocs build``, as an author runs it) into
a temporary folder, with ``REPORT_EDITION`` set so that
:mod:`macros.editions` points canonical URLs at the edition's folder. mike's
Python API then commits that folder: the edition under its id and label,
``latest`` moved to it if it is the newest edition (as redirects, which GitHub
Pages serves from a branch, unlike symlinks), and the root redirecting to
``latest/``. We do not call ``mike deploy``: it reads the configuration in its
own process, where the engine's staging folder is not the folder the build
ends in, and it would overwrite an existing edition without asking.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import html
import io
import json
import logging
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from mike import commands, git_utils
from mike.versions import Versions

from . import audit, changes, editions, findability, outputs, stamps
from .audience import ENV_VAR as AUDIENCE_ENV
from .data import load_data
from .errors import ReportError
from .formatting import format_date
from .metadata import read_metadata
from .passages import normalise, slugify, token_pattern, word_pattern
from .pdf import PDF_ENV
from .sources import Location

log = logging.getLogger("mkdocs.plugins.report.publish")

ALIASES_OF_NEWEST = (editions.LATEST,)
NEWSLETTER_DIR = "newsletter"


class Refusal(Exception):
    """Why nothing was published: printed as one line, never as a traceback."""


@dataclass
class Plan:
    """What a publish run deploys, shown by --dry-run and by the final summary."""

    edition: str
    title: str
    aliases: list[str]
    branch: str
    replaces: bool
    files: int = 0
    newsletter: int = 0

    def describe(self) -> list[str]:
        replaces = f"the published edition {self.edition} (--force)" if self.replaces else "nothing (new edition)"
        return [f"  edition:  {self.edition}",
                f"  title:    {self.title}",
                f"  aliases:  {', '.join(self.aliases) or '(none: a newer edition keeps latest)'}",
                f"  branch:   {self.branch}",
                f"  files:    {self.files} (newsletter: {self.newsletter})",
                f"  replaces: {replaces}",
                f"  root:     redirects to {editions.LATEST}/"]


def add_parser(subparsers: Any) -> None:
    """Register ``publish``, ``editions`` and ``preview`` on the CLI (see :mod:`macros.__main__`)."""
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


PUSH_ATTEMPTS = 3
# What the report is built from: a change here that is not committed is not what the commit names.
INPUTS = ("docs", "data", "bibliography.bib", "mkdocs.yml", "macros", "overrides", "partials")


def publish(config_file: Path, args: argparse.Namespace) -> Plan | None:
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
    head = git("rev-parse", "HEAD").stdout.strip()
    if args.push:
        fetch(args.remote)
        base = reconcile(args.remote, args.branch, edition)
        versions = versions_at(base)
    else:
        base = local_tip(args.branch)
        versions = published_versions(args.branch, args.remote)
    if not args.force and same_source(base, versions, edition, head):
        already_done(edition, head, args)
        return None
    check_edition(versions, edition, args)
    revisions = revisions_of(versions, edition)
    if args.force:
        revisions.append({"date": today(), "note": " ".join(args.erratum.split())})
    plan = Plan(edition, title, newest_aliases(versions, edition, title), args.branch, replaces=bool(versions.find(edition)))

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
        report = load_data(config_file.parent / "data", config_file.parent).report
        note = " (with uncommitted changes: --allow-dirty)" if dirty else ""
        message = f"Publish edition {edition} ({title}) from {head or 'an unborn HEAD'}{note}"

        def commit(base: str, again: bool) -> bool:
            nonlocal versions
            if again:                         # someone published meanwhile: decide again on their tip
                versions = versions_at(base)
                if not args.force and same_source(base, versions, edition, head):
                    return False
                check_edition(versions, edition, args)
                plan.aliases = newest_aliases(versions, edition, title)
            deploy(plan, site, use_directory_urls(config_file), versions, message, revisions, report)
            audit_written(base, args.branch, prints, built=f"{edition}/")
            return True

        if not on_remote(args, base, edition, commit):
            already_done(edition, head, args)      # the same edition, from the same commit
            return None

    tag_source(edition, head, args)
    if args.push:
        push(args.remote, args.branch, tags=[f"{TAG_PREFIX}{edition}"])
    where = f"{args.branch}, pushed to {args.remote}" if args.push else f"{args.branch} (not pushed: add --push)"
    print(f"Published edition {edition} \"{title}\" to {where}.")
    print("\n".join(plan.describe()))
    return plan


def same_source(base: str, versions: Versions, edition: str, head: str) -> bool:
    """Is the edition on the branch already the one built from ``head``?"""
    return bool(head and base and edition_exists(versions, edition) and published_from(base, edition) == head)


def already_done(edition: str, head: str, args: argparse.Namespace) -> None:
    tag_source(edition, head, args)
    print(f"Edition {edition} is already published from this commit ({head[:12]}); nothing to do.")
    if args.push and not args.dry_run:
        push(args.remote, args.branch, tags=[f"{TAG_PREFIX}{edition}"])


# ---- checks -----------------------------------------------------------------------------


def check_environment() -> None:
    """Only the public, final build is ever published."""
    audience = (os.environ.get(AUDIENCE_ENV) or "public").strip()
    if audience != "public":
        raise Refusal(f"{AUDIENCE_ENV}={audience}: only the public audience is published; unset {AUDIENCE_ENV}")
    try:
        drafted = editions.draft_requested()
    except ReportError as error:
        raise Refusal(str(error)) from None
    if drafted:
        raise Refusal(f"{editions.DRAFT_ENV} is set: a courtesy draft is never published; unset {editions.DRAFT_ENV}")


def read_edition(project: Path) -> tuple[str, str]:
    """The edition id and its label, as the build will read them; an id outside the scheme is refused."""
    try:
        report = load_data(project / "data", project).report
        edition = editions.edition_id(report)
    except ReportError as error:
        raise Refusal(str(error)) from None
    problem = editions.scheme_problem(report)
    if problem is not None:
        line = report.line_of("edition") if hasattr(report, "line_of") else None
        where = f"{editions.REPORT_FILE}:{line}: " if line else ""
        raise Refusal(f"{where}{problem}; write {editions.SCHEME_EXAMPLE}")
    return edition, str(report["edition_label"])


def git_checks(args: argparse.Namespace, project: Path) -> bool:
    """A git work tree whose report inputs are committed (or ``--allow-dirty``); True if they are not."""
    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refusal("not a git repository: editions are committed to a branch of the report's repository")
    inputs = [name for name in INPUTS if (project / name).exists()]
    changed = git("status", "--porcelain", "--untracked-files=all", "--", *inputs).stdout.splitlines() if inputs else []
    # Python's bytecode caches appear whenever the report's macros module is imported: not an input.
    # Nor are hidden files (.DS_Store and the like), which MkDocs never reads.
    changed = [line for line in changed if "__pycache__/" not in line and not line.endswith((".pyc", ".pyo"))
               and not line[3:].strip('"').rsplit("/", 1)[-1].startswith(".")]
    if changed and not args.allow_dirty:
        first = changed[0][3:]
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        raise Refusal(f"the report's inputs have uncommitted or untracked changes ({first}{more}): the edition "
                      "would not be what its commit says; commit them (or pass --allow-dirty)")
    return bool(changed)


def fetch(remote: str) -> None:
    """Fetch the remote, and the ``withdrawn-<id>`` tags of editions withdrawn elsewhere, so that the
    build's changes page never compares with one (best effort: a tag that clashes stays as it is)."""
    fetched = git("fetch", "--quiet", remote)
    if fetched.returncode != 0:
        raise Refusal(f"cannot fetch {remote}: {one_line(fetched.stderr)}")
    prefix = f"refs/tags/{changes.WITHDRAWN_PREFIX}"
    git("fetch", "--quiet", "--no-tags", remote, f"{prefix}*:{prefix}*")


def local_tip(branch: str) -> str:
    return git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").stdout.strip()


def reconcile(remote: str, branch: str, edition: str) -> str:
    """The commit to publish on top of: the remote's branch as just fetched (nothing is moved yet).

    The local branch behind it is simply left behind. Ahead of it with only an unfinished publish of
    this same edition (a run killed before it pushed): that commit is set aside and the edition
    published again. Ahead with anything else, or diverged: refused with the command that fixes it;
    nothing unpushed is ever pushed silently."""
    mine, theirs = local_tip(branch), git("rev-parse", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}").stdout.strip()
    if not theirs or not mine or mine == theirs:
        return theirs or mine
    ahead = git("rev-list", f"{theirs}..{mine}").stdout.split()
    behind = git("rev-list", f"{mine}..{theirs}").stdout.split()
    if not ahead:
        return theirs
    subjects = git("log", "--format=%s", f"{theirs}..{mine}").stdout.splitlines()
    if all(s.startswith(f"Publish edition {edition} (") or s.startswith(ROOT_MESSAGE) for s in subjects):
        log.info(f"setting aside an unfinished publish of edition {edition} that never reached {remote} "
                 f"({len(ahead)} commit(s)); publishing it again")
        return theirs
    others = sorted({m.group(1) for s in subjects if (m := re.match(r"Publish edition (\S+)", s))} - {edition})
    what = f"edition(s) {', '.join(others)} not on {remote}" if others else f"{len(ahead)} commit(s) not on {remote}"
    if behind:
        raise Refusal(f"local {branch} and {remote}/{branch} have diverged (local has {what}): keep {remote}'s with "
                      f"`git branch -f {branch} {remote}/{branch}` and publish those editions again")
    raise Refusal(f"local {branch} holds {what}: push them first (`git push {remote} {branch}`), or drop them "
                  f"(`git branch -f {branch} {remote}/{branch}`), then publish again")


def versions_at(commit: str) -> Versions:
    """The editions published at a commit of the branch (none before the first)."""
    return commands.list_versions(commit) if commit else Versions()


def edition_exists(versions: Versions, edition: str) -> bool:
    found = versions.find(edition)
    return bool(found) and len(found) == 1


def check_edition(versions: Versions, edition: str, args: argparse.Namespace) -> None:
    existing = versions.find(edition)
    if existing and len(existing) == 2:
        raise Refusal(f"edition id '{edition}' is already an alias of edition '{existing[0]}' on {args.branch}")
    if existing and not args.force:
        raise Refusal(f"edition {edition} is already published on {args.branch} as "
                      f"\"{versions[edition].title}\"; to correct it, pass --force --erratum \"what changed\"")
    if existing and (versions[edition].properties or {}).get("retracted"):
        raise Refusal(f"edition {edition} was withdrawn; publish the correction as a new edition")


def published_from(branch: str, edition: str) -> str | None:
    """The source commit the edition on ``branch`` was last published from (from the publish commit)."""
    subject = git("log", "-1", "--format=%s", branch, "--", f"{edition}/").stdout.strip()
    match = re.fullmatch(rf"Publish edition {re.escape(edition)} \(.*\) from ([0-9a-f]{{7,40}})", subject)
    return match.group(1) if match else None


def revisions_of(versions: Versions, edition: str) -> list[dict[str, str]]:
    if not versions.find(edition):
        return []
    properties = versions[edition].properties or {}
    return [dict(r) for r in properties.get("revisions", []) if isinstance(r, dict)]


def today() -> str:
    """The day an erratum or a retraction is made (SOURCE_DATE_EPOCH if the caller fixes it)."""
    fixed = editions.caller_source_date_epoch()
    return (fixed or dt.datetime.now(dt.timezone.utc).date()).isoformat()


def published_versions(branch: str, remote: str) -> Versions:
    """The editions on ``branch``, merged with what ``remote/branch`` already has (it may be ahead)."""
    versions = commands.list_versions(branch)
    remote_branch = f"{remote}/{branch}"
    if git_utils.has_branch(remote_branch):
        merged = Versions.loads(versions.dumps())
        for info in commands.list_versions(remote_branch):
            if not merged.find(str(info.version)):
                merged.add(str(info.version), info.title)
        return merged
    return versions


def newest_aliases(versions: Versions, edition: str, title: str) -> list[str]:
    """``latest`` goes to this edition only if it is the newest that is not withdrawn, so republishing an
    old one never moves it back."""
    ids = [str(info.version) for info in versions if not (info.properties or {}).get("retracted")]
    return list(ALIASES_OF_NEWEST) if editions.newest(ids + [edition]) == edition else []


# ---- what publish writes itself ----------------------------------------------------------------


def published_fingerprints(project: Path) -> list[audit.Fingerprint]:
    """What nothing publish writes may hold, from the report's data (the one place that says so):

    * a participant with ``named: false``: its name and aliases in any form (``kestrel systems``,
      ``kestrel-systems``…), its id and its name's slug in a file name, URL or id;
    * a participant with ``exited: true``: its name, aliases and pseudonym in any form, its id in
      text, file names, URLs and ids;
    * each term under ``never_public:`` in ``data/report.yml``, in any form and in any name
      (:func:`audit.never_public_prints`, as the build's audit has them).

    The same :class:`audit.Fingerprint` patterns the build's audit searches a public site for."""
    try:
        data = load_data(project / "data", project)
    except ReportError as error:
        raise Refusal(one_line(str(error))) from None
    report = data.report
    declared = {str(e.get("id")): e for e in report.get("participants") or [] if isinstance(e, Mapping)}
    prints: list[audit.Fingerprint] = []

    def text(kind: str, words: str, where: Location) -> None:
        if normalise(words):
            prints.append(audit.Fingerprint(kind, word_pattern(normalise(words)), where, pattern=True))

    def names(kind: str, token: str, where: Location) -> None:
        if token:
            prints.append(audit.Fingerprint(kind, token_pattern(token), where, pattern=True, where="names"))

    for participant in data.participants.values():
        where = Location(editions.REPORT_FILE, participant.line)
        exited = getattr(participant, "exited", False) or declared.get(participant.id, {}).get("exited") is True
        if exited:
            kind = f"'{participant.id}', which left the assessment (exited: true)"
            for alias in [participant.name, *participant.aliases, participant.pseudonym or ""]:
                text(f"the name of {kind}", alias, where)
            text(f"the id of {kind}", participant.id, where)
            for token in dict.fromkeys([participant.id.lower(), slugify(participant.name)]):
                names(f"the id of {kind}, in a file name, URL or id", token, where)
        elif not participant.named:
            kind = f"'{participant.id}', which is never named (named: false)"
            for alias in [participant.name, *participant.aliases]:
                text(f"the name of {kind}", alias, where)
            for token in dict.fromkeys([participant.id.lower(), slugify(participant.name)]):
                names(f"the id of {kind}, in a file name, URL or id", token, where)
    prints += audit.never_public_prints(data)       # the build's audit searches for the same terms
    return prints


def check_text(option: str, value: str, prints: list[audit.Fingerprint], where: str) -> None:
    """Refuse, before anything changes, a text given on the command line that publish would put
    online (``where``) when it holds what no public output may."""
    with tempfile.TemporaryDirectory(prefix="report-publish-text-") as scratch:
        (Path(scratch) / "text.txt").write_text(" ".join(value.split()), encoding="utf-8")
        findings = audit.audit_site(Path(scratch), prints)
    if findings:
        fingerprint = findings[0].fingerprint
        raise Refusal(f"{option} contains {fingerprint.kind} ({fingerprint.location}): it would be published on "
                      f"{where}; write it without that. Nothing was changed")


def audit_written(base: str, branch: str, prints: list[audit.Fingerprint], built: str = "") -> None:
    """Audit what this run committed to ``branch`` since ``base`` before it is pushed: every file
    added or changed, read from the branch, and the commits' messages. Files under ``built`` (the
    edition's folder, as the build wrote and audited it) are not read again. A finding is a
    refusal, and :func:`on_remote` puts the branch back."""
    if base:
        listed = git("diff", "--name-only", "--no-renames", "--diff-filter=AMT", "-z", base, branch)
        messages = git("log", "--format=%B", f"{base}..{branch}")
    else:
        listed = git("ls-tree", "-r", "--name-only", "-z", branch)
        messages = git("log", "--format=%B", branch)
    if listed.returncode != 0 or messages.returncode != 0:
        raise Refusal(f"cannot read what was committed to {branch}: {one_line(listed.stderr + messages.stderr)}")
    paths = [path for path in listed.stdout.split("\0") if path and not (built and path.startswith(built))]
    with tempfile.TemporaryDirectory(prefix="report-publish-audit-") as scratch:
        files, notes = Path(scratch) / "files", Path(scratch) / "messages"
        files.mkdir()
        notes.mkdir()
        if paths:
            archive = subprocess.run(["git", "archive", "--format=tar", branch, "--", *paths], capture_output=True)
            if archive.returncode != 0:
                raise Refusal(f"cannot read what was committed to {branch}: "
                              f"{one_line(archive.stderr.decode(errors='replace'))}")
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(files, filter="data")
        (notes / "commit-messages.txt").write_text(messages.stdout, encoding="utf-8")
        for folder, what in ((files, None), (notes, f"a commit message on {branch}")):
            findings = audit.audit_site(folder, prints)
            if findings:
                first = findings[0]
                output = what or f"'{first.output.relative_to(folder).as_posix()}'"
                raise Refusal(f"leak audit failed on what publish writes: {output} contains {first.fingerprint.kind} "
                              f"({first.fingerprint.location}); nothing was published and {branch} is as it was")


# ---- build and deploy ---------------------------------------------------------------------


def build(config_file: Path, site: Path, edition: str, revisions: list[dict[str, str]] | None = None) -> None:
    """The engine's own public build (with its leak audit) into ``site``; a failed build is a refusal."""
    env = {k: v for k, v in os.environ.items() if k not in (AUDIENCE_ENV, editions.DRAFT_ENV, editions.REVISIONS_ENV)}
    # A published edition always carries its PDF.
    env.update({AUDIENCE_ENV: "public", editions.EDITION_ENV: edition, "NO_MKDOCS_2_WARNING": "1", PDF_ENV: "1"})
    if revisions:
        env[editions.REVISIONS_ENV] = json.dumps(revisions)
    log.info(f"Building the public edition {edition}")
    from .commands import mkdocs_build

    run = mkdocs_build(config_file.parent, ["--strict", "--config-file", str(config_file), "--site-dir", str(site)], env)
    if not run.ok or not (site / "index.html").is_file():
        raise Refusal(f"the public build failed, nothing was deployed: {failing_lines(run.output) or run.error or 'no site was written'}")
    for line in run.output.splitlines():
        if line.startswith("WARNING"):
            log.warning(line.split("-", 1)[-1].strip())


def failing_lines(output: str) -> str:
    """What a failed build said that matters: its ERROR lines, else its WARNING lines (strict mode)."""
    for level in ("ERROR", "WARNING"):
        lines = [line.split("-", 1)[-1].strip() for line in output.splitlines() if line.startswith(level)]
        if lines:
            return "; ".join(dict.fromkeys(lines))
    return ""


def audit_built_site(config_file: Path, site: Path) -> None:
    """Audit the very folder about to be deployed, against a fresh strict build of the public report.

    The build's exit status alone is not trusted: a ``mkdocs.yml`` without the engine builds
    fine and would deploy raw redaction blocks. A build that never ran the engine is refused.
    """
    from .commands import audit_folder

    try:
        findings = audit_folder(site, config_file, "public", strict=True)
    except ReportError as error:
        raise Refusal(f"the audit of the folder to deploy failed, nothing was deployed: {one_line(str(error))}") from None
    if findings:
        first = findings[0]
        where = first.output.relative_to(site).as_posix() if site in first.output.parents else first.output.name
        raise Refusal(f"leak audit failed on the folder to deploy: '{where}' contains {first.fingerprint.kind} "
                      f"({first.fingerprint.location}); nothing was deployed")
    reason = stamps.unstamped_reason(config_file.parent, site, "public")
    if reason is not None:
        raise Refusal(f"{reason}; nothing was deployed")


def deploy(plan: Plan, site: Path, directory_urls: bool, before: Versions, message: str,
           revisions: list[dict[str, str]], report: Mapping[str, Any]) -> None:
    """Commit the edition with mike, point the root at ``latest`` (and its 404 page), and check no
    edition was lost (the refusal puts the branch back: :func:`on_remote`)."""
    cfg = {"site_dir": str(site), "use_directory_urls": directory_urls}
    props = [("revisions", revisions)] if revisions else []
    try:
        with commands.deploy(cfg, plan.edition, plan.title, plan.aliases, update_aliases=True,
                             alias_type=commands.AliasType.redirect, branch=plan.branch, message=message,
                             set_props=props):
            pass
    except git_utils.GitEmptyCommit:
        log.info(f"edition {plan.edition} is unchanged")
    except (ValueError, git_utils.GitError) as error:
        raise Refusal(f"mike could not deploy edition {plan.edition}: {one_line(str(error))}") from None
    root_pages(plan.branch, report)
    after = commands.list_versions(plan.branch)
    lost = [str(info.version) for info in before if not after.find(str(info.version))]
    if lost:
        raise Refusal(f"deploying would have removed edition(s) {', '.join(lost)}; {plan.branch} was restored")


def on_remote(args: argparse.Namespace, base: str, edition: str, commit: Callable[[str, bool], bool]) -> bool:
    """Publishing as a transaction: ``commit(base, again)`` commits on top of ``base`` (the remote's branch
    as fetched, with --push) and the branch is pushed, never forced. When the remote moved on meanwhile,
    the branch is put back, the remote fetched again and ``commit`` called on its new tip with ``again``
    (to decide everything anew), up to :data:`PUSH_ATTEMPTS` times; then a refusal with nothing pushed.
    Any refusal puts the branch back as it was. False when ``commit`` found nothing left to do."""
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        previous = local_tip(args.branch)
        try:
            if args.push:
                restore(args.branch, base)
            if not commit(base, attempt > 1):
                restore(args.branch, previous)
                return False
        except Refusal:
            restore(args.branch, previous)
            raise
        if not args.push or push(args.remote, args.branch):
            return True
        restore(args.branch, previous)
        log.info(f"{args.remote} moved while publishing (attempt {attempt} of {PUSH_ATTEMPTS}); trying again")
        fetch(args.remote)
        base = reconcile(args.remote, args.branch, edition)
    raise Refusal(f"{args.remote} rejected the push {PUSH_ATTEMPTS} times (others are publishing); nothing was "
                  f"pushed and {args.branch} is as {args.remote} has it: run the same command again")


ROOT_MESSAGE = "Root redirects to latest/"


def root_pages(branch: str, report: Mapping[str, Any]) -> None:
    """The site's root redirects to ``latest/``; its ``404.html`` (the only one GitHub Pages serves)
    sends a reader with a dead link there too; its ``feed.xml`` lists every edition."""
    try:
        commands.set_default(editions.LATEST, allow_undefined=True, branch=branch, message=ROOT_MESSAGE)
    except git_utils.GitEmptyCommit:
        pass
    canonical_url = str(report["canonical_url"])
    latest = canonical_url.rstrip("/") + f"/{editions.LATEST}/"
    files = {"404.html": not_found_page(latest).encode("utf-8"),
             findability.FEED: root_feed(branch, report).encode("utf-8")}
    changed = {name: data for name, data in files.items()
               if (current := git("show", f"{branch}:{name}")).returncode != 0
               or current.stdout.encode("utf-8") != data}
    if not changed:
        return
    with git_utils.Commit(branch, f"{ROOT_MESSAGE}: {', '.join(sorted(changed))}") as commit:
        for name, data in sorted(changed.items()):
            commit.add_file(git_utils.FileInfo(name, data))


def root_feed(branch: str, report: Mapping[str, Any]) -> str:
    """The feed of every edition on the branch, newest first.

    Each edition's build wrote its own entry into ``<edition>/feed.xml``; a withdrawn edition's
    folder holds only notices, so its entry comes from the root feed as it was, marked withdrawn
    with the reason. An erratum updates its edition's entry."""
    meta = read_metadata(report, editions.REPORT_FILE, str(report["canonical_url"]))
    previous: dict[str, findability.FeedEntry] = {}
    current = git("show", f"{branch}:{findability.FEED}")
    if current.returncode == 0:
        previous = {e.edition: e for e in _feed_entries(current.stdout)}
    entries = []
    for info in commands.list_versions(branch):
        edition = str(info.version)
        own = git("show", f"{branch}:{edition}/{findability.FEED}")
        found = [e for e in _feed_entries(own.stdout) if e.edition == edition] if own.returncode == 0 else []
        entry = found[0] if found else previous.get(edition)
        if entry is None:                     # published before editions had feeds: nothing to say of it
            continue
        props = info.properties or {}
        if props.get("retracted"):
            withdrawn = props["retracted"]
            entry = dataclasses.replace(entry, withdrawn=str(withdrawn.get("reason") or "withdrawn"),
                                        updated=_day(withdrawn.get("date")) or entry.updated)
        elif props.get("revisions"):
            entry = dataclasses.replace(entry, updated=_day(props["revisions"][-1].get("date")) or entry.updated)
        entries.append(entry)
    return findability.atom_feed(meta, entries)


def _feed_entries(text: str) -> list[findability.FeedEntry]:
    try:
        return findability.read_feed_entries(text)
    except (ValueError, SyntaxError):        # ElementTree.ParseError is a SyntaxError
        return []


def _day(value: Any) -> dt.date | None:
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


def push(remote: str, branch: str, tags: tuple[str, ...] | list[str] = ()) -> bool:
    """Push ``branch`` (never forced); False if the remote moved on. Tags go along when asked."""
    pushed = git("push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}")
    if pushed.returncode != 0:
        if any(word in pushed.stderr for word in ("rejected", "non-fast-forward", "fetch first", "stale info")):
            return False
        raise Refusal(f"pushing {branch} to {remote} failed: {one_line(pushed.stderr)}; nothing is lost: "
                      f"{branch} is committed locally, and `python -m macros publish --push` pushes it")
    for tag in tags:
        git("push", "--quiet", remote, f"refs/tags/{tag}")
    return True


TAG_PREFIX = "edition-"


def tag_source(edition: str, head: str, args: argparse.Namespace) -> None:
    """Tag the source commit ``edition-<id>``, as the publishing workflow expects; an erratum moves it."""
    if not head or args.dry_run:
        return
    tag = f"{TAG_PREFIX}{edition}"
    current = git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}").stdout.strip()
    if current == head:
        return
    if current and not args.force:
        log.info(f"tag {tag} stays on {current[:12]}, where the edition was first published from")
        return
    git("tag", "-f", tag, head)


def restore(branch: str, previous: str) -> None:
    if previous:
        git("update-ref", f"refs/heads/{branch}", previous)
    else:
        git("update-ref", "-d", f"refs/heads/{branch}")


# ---- retraction -------------------------------------------------------------------------------


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


def withdrawal(base: str, edition: str, branch: str) -> Withdrawal:
    versions = versions_at(base)
    found = versions.find(edition)
    if not found or len(found) != 1:
        listed = ", ".join(str(info.version) for info in versions) or "none"
        raise Refusal(f"edition {edition} is not published on {branch} (published: {listed})")
    info = versions[edition]
    if (info.properties or {}).get("retracted"):
        raise Refusal(f"edition {edition} is already withdrawn")
    standing = [str(i.version) for i in versions if str(i.version) != edition and not (i.properties or {}).get("retracted")]
    files = git("ls-tree", "-r", "--name-only", base, f"{edition}/").stdout.splitlines()
    pages = [name[len(edition) + 1:] for name in files if name.endswith(".html")]
    return Withdrawal(info, editions.newest(standing), files, pages)


def retract(config_file: Path, args: argparse.Namespace) -> None:
    """Withdraw a published edition: every page at its address becomes a notice, every other file of
    it goes, ``latest`` moves to the newest edition still standing.

    The reason is shown to readers (notices, the root feed, versions.json, the commit on the
    branch), so it is audited first: one naming what no public output may name is refused before
    anything changes. What the withdrawal commits is audited before it is pushed. The edition's
    source commit is then tagged ``withdrawn-<id>`` beside ``edition-<id>`` (pushed with
    ``--push``), so no later build's changes page compares with the withdrawn edition."""
    check_environment()
    edition = args.retract
    reason = " ".join((args.reason or "").split())
    if not reason:
        raise Refusal("--retract needs --reason \"…\": readers who follow a link or a citation are told why")
    prints = published_fingerprints(config_file.parent)
    check_text("--reason", reason, prints,
               f"every notice page, in feed.xml, in versions.json and in the history of {args.branch}")
    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refusal("not a git repository: editions are committed to a branch of the report's repository")
    if args.push:
        fetch(args.remote)
        base = reconcile(args.remote, args.branch, edition)
    else:
        base = local_tip(args.branch)
    plan = withdrawal(base, edition, args.branch)
    source = source_commit(base, edition)
    if args.dry_run:
        print(f"Dry run: nothing was changed. Withdrawing {edition} would replace {len(plan.pages)} page(s) with a "
              f"notice, remove {len(plan.files) - len(plan.pages)} other file(s)"
              + (f" and move latest to {plan.successor}." if plan.moves_latest else "."))
        return
    report = load_data(config_file.parent / "data", config_file.parent).report
    title, date = str(report["title"]), today()
    directory_urls = use_directory_urls(config_file)

    def commit(base: str, again: bool) -> bool:
        nonlocal plan
        if again:                             # someone published meanwhile: decide again on their tip
            plan = withdrawal(base, edition, args.branch)
        label = str(plan.info.title)
        with tempfile.TemporaryDirectory(prefix="report-retract-") as scratch:
            site = Path(scratch) / "site"
            for page in plan.pages or ["index.html"]:
                target = site / page
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(withdrawn_page(title, label, date, reason, "../" * (page.count("/") + 1),
                                                 plan.successor), encoding="utf-8")
            with commands.deploy({"site_dir": str(site), "use_directory_urls": directory_urls}, edition, label, [],
                                 alias_type=commands.AliasType.redirect, branch=args.branch,
                                 message=f"Withdraw edition {edition} ({label}): {reason}",
                                 set_props=[("retracted", {"date": date, "reason": reason})]):
                pass
        if editions.LATEST in plan.info.aliases:
            if plan.successor:
                commands.alias({"use_directory_urls": directory_urls}, plan.successor, [editions.LATEST],
                               update_aliases=True, alias_type=commands.AliasType.redirect, branch=args.branch,
                               message=f"latest moves to {plan.successor}: {edition} was withdrawn")
            else:
                drop_alias(args.branch, edition, editions.LATEST)
        root_pages(args.branch, report)
        audit_written(base, args.branch, prints)
        return True

    on_remote(args, base, edition, commit)
    tag_withdrawn(edition, source, args)
    where = f"{args.branch}, pushed to {args.remote}" if args.push else f"{args.branch} (not pushed: add --push)"
    print(f"Withdrew edition {edition} on {where}: {len(plan.pages)} page(s) now show the notice, "
          f"{len(plan.files) - len(plan.pages)} other file(s) removed"
          + (f"; latest is now {plan.successor}." if plan.moves_latest else "."))
    print(PURGE.format(branch=args.branch, remote=args.remote, edition=edition))


def source_commit(branch: str, edition: str) -> str:
    """The source commit an edition was published from: its ``edition-<id>`` tag, else the commit
    its last publish on ``branch`` names (when this clone has it), else ""."""
    tagged = git("rev-parse", "--verify", "--quiet", f"refs/tags/{TAG_PREFIX}{edition}^{{commit}}").stdout.strip()
    if tagged:
        return tagged
    named = published_from(branch, edition) if branch else None
    return git("rev-parse", "--verify", "--quiet", f"{named}^{{commit}}").stdout.strip() if named else ""


def tag_withdrawn(edition: str, source: str, args: argparse.Namespace) -> None:
    """Tag the withdrawn edition's source commit ``withdrawn-<id>`` (and push the tag with
    ``--push``): :mod:`changes` never compares a later edition with a withdrawn one."""
    tag = f"{changes.WITHDRAWN_PREFIX}{edition}"
    if git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}").returncode != 0:
        if not source:
            print(f"WARNING: no {TAG_PREFIX}{edition} tag or source commit of edition {edition} in this clone: tag "
                  f"the commit it was published from `git tag {tag} COMMIT` (and push it), or a later edition's "
                  "changes page may compare with the withdrawn one", file=sys.stderr)
            return
        git("tag", tag, source)
    if args.push:
        pushed = git("push", "--quiet", args.remote, f"refs/tags/{tag}")
        if pushed.returncode != 0:
            print(f"WARNING: the edition is withdrawn, but the tag {tag} did not reach {args.remote} "
                  f"({one_line(pushed.stderr)}): push it with `git push {args.remote} {tag}`", file=sys.stderr)


def drop_alias(branch: str, edition: str, alias: str) -> None:
    """Remove an alias with nothing left to point at (the only edition was withdrawn)."""
    versions = commands.list_versions(branch)
    versions[edition].aliases.discard(alias)
    with git_utils.Commit(branch, f"{alias} removed: no edition left standing") as commit:
        commit.delete_files([alias])
        commit.add_file(commands.versions_to_file_info(versions))


PURGE = """The withdrawn text is still in the history of {branch} (and in any clone or fork of it). If it
must go entirely (it leaked), replace the branch by one commit of what is online now:
  git fetch {remote} && git checkout --orphan {branch}-clean {remote}/{branch}
  git commit -m "Published editions (history purged after withdrawing {edition})"
  git push --force {remote} {branch}-clean:{branch} && git checkout - && git branch -D {branch}-clean
then ask GitHub Support to purge cached views, and every clone to drop its copy (README: Withdrawing an edition)."""


def withdrawn_page(title: str, label: str, date: str, reason: str, root: str, successor: str | None) -> str:
    day = format_date(dt.date.fromisoformat(date))
    where = (f'<p><a href="{root}{editions.LATEST}/">Read the latest edition</a>.</p>' if successor
             else "<p>No other edition of the report is online.</p>")
    return outputs.standalone_page(
        f"Withdrawn: {title} ({label})",
        "body { font: 1.1rem/1.5 system-ui, sans-serif; max-width: 38rem; margin: 4rem auto; padding: 0 1rem; }",
        "<h1>This edition was withdrawn</h1>\n"
        f"<p data-report-withdrawn>The {html.escape(label)} edition of <em>{html.escape(title)}</em> was withdrawn "
        f"on {day}.</p>\n<p><strong>Reason:</strong> {html.escape(reason)}</p>\n{where}\n")


# ---- what is online ------------------------------------------------------------------------


def run_editions(args: argparse.Namespace) -> int:
    """``python -m macros editions``: each published edition, newest first, from the remote if it has them."""
    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        print("ERROR: not a git repository", file=sys.stderr)
        return 1
    has_remote = git("remote", "get-url", args.remote).returncode == 0
    if has_remote and not args.no_fetch:
        fetch_result = git("fetch", "--quiet", args.remote)
        if fetch_result.returncode != 0:
            print(f"WARNING: cannot fetch {args.remote}: {one_line(fetch_result.stderr)}; showing what is known",
                  file=sys.stderr)
    remote_ref = f"refs/remotes/{args.remote}/{args.branch}"
    source = remote_ref if git("rev-parse", "--verify", "--quiet", remote_ref).returncode == 0 else args.branch
    if git("rev-parse", "--verify", "--quiet", source).returncode != 0:
        print(f"No edition is published: there is no {args.branch} branch.")
        return 0
    versions = commands.list_versions(source)
    shown = source.replace("refs/remotes/", "")
    print(f"Editions on {shown}, newest first:")
    ordered = sorted(versions, key=lambda i: (bool(editions.EDITION_SCHEME.fullmatch(str(i.version))), str(i.version)),
                     reverse=True)
    for info in ordered:
        props = info.properties or {}
        date = git("log", "-1", "--format=%cs", source, "--", f"{info.version}/").stdout.strip()
        status = []
        if editions.LATEST in info.aliases:
            status.append("latest")
        if props.get("revisions"):
            status.append(f"revised {len(props['revisions'])}× (last {props['revisions'][-1]['date']})")
        if props.get("retracted"):
            status.append(f"withdrawn {props['retracted'].get('date', '')}")
        print(f"  {str(info.version):<14} {str(info.title):<34} {date:<10}  {', '.join(status)}".rstrip())
    return 0


def run_preview(args: argparse.Namespace) -> int:
    """``python -m macros preview``: the whole published site, every edition, served on 127.0.0.1."""
    import functools
    import http.server
    import socketserver

    if git("rev-parse", "--verify", "--quiet", args.branch).returncode != 0:
        print(f"ERROR: no {args.branch} branch: publish an edition first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="report-preview-") as scratch:
        archive = subprocess.run(["git", "archive", "--format=tar", args.branch], capture_output=True)
        subprocess.run(["tar", "-x", "-C", scratch], input=archive.stdout, check=True)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=scratch)
        try:
            server = socketserver.ThreadingTCPServer(("127.0.0.1", args.port), handler)
        except OSError as error:
            print(f"ERROR: port {args.port} is not free ({error.strerror}); pass --port", file=sys.stderr)
            return 1
        with server:
            print(f"Serving {args.branch} (every edition) on http://127.0.0.1:{args.port}/ — Ctrl-C stops", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0


# ---- small helpers ---------------------------------------------------------------------------


def use_directory_urls(config_file: Path) -> bool:
    """mike writes alias redirects to ``dir/`` or ``dir/index.html`` accordingly."""
    return outputs.mkdocs_settings(config_file).get("use_directory_urls", True) is not False


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True)


def one_line(text: str) -> str:
    return " ".join(text.split())
