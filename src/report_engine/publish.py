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
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mike import commands, git_utils
from mike.versions import Versions

from . import editions, outputs, stamps
from .audience import ENV_VAR as AUDIENCE_ENV
from .data import load_data
from .errors import ReportError
from .pdf import PDF_ENV

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
    """Register ``publish`` on the CLI (see :mod:`macros.__main__`)."""
    parser = subparsers.add_parser(
        "publish", help="build the public edition, audit it and deploy it with mike",
        description="Build the public edition named in data/report.yml, run the leak audit and deploy it "
                    "to the gh-pages branch as a new edition (mike), moving 'latest' to the newest edition.")
    parser.add_argument("--dry-run", action="store_true",
                        help="build and check, show what would be deployed, change nothing")
    parser.add_argument("--force", action="store_true", help="replace this edition if it is already published")
    parser.add_argument("--push", action="store_true", help="push the branch to the remote after committing")
    parser.add_argument("--remote", default="origin", help="remote to push to (default: origin)")
    parser.add_argument("--branch", default="gh-pages", help="branch that holds the published site (default: gh-pages)")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml",
                        help="the report's mkdocs.yml (default: mkdocs.yml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The command: 0 when published (or a clean dry run), 1 with one ERROR line when refused."""
    config_file = Path(args.config_file).resolve()
    if not config_file.is_file():
        return refuse(f"no {args.config_file} here; run from the report's folder or pass --config-file")
    previous_dir = Path.cwd()
    os.chdir(config_file.parent)          # mike's git helpers work on the current directory
    try:
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


def publish(config_file: Path, args: argparse.Namespace) -> Plan:
    check_environment()
    edition, title = read_edition(config_file.parent)
    git_checks(args)
    versions = published_versions(args.branch, args.remote)
    existing = versions.find(edition)
    if existing and len(existing) == 2:
        raise Refusal(f"edition id '{edition}' is already an alias of edition '{existing[0]}' on {args.branch}")
    if existing and not args.force:
        raise Refusal(f"edition {edition} is already published on {args.branch} as "
                      f"\"{versions[edition].title}\"; pass --force to replace it (and only it)")
    plan = Plan(edition, title, newest_aliases(versions, edition, title), args.branch, replaces=bool(existing))

    with tempfile.TemporaryDirectory(prefix="report-edition-") as scratch:
        site = Path(scratch) / "site"
        build(config_file, site, edition)
        audit_built_site(config_file, site)
        plan.files = sum(1 for _ in git_utils.walk_real_files(str(site)))
        plan.newsletter = sum(1 for p in (site / NEWSLETTER_DIR).rglob("*") if p.is_file())
        if args.dry_run:
            print("Dry run: nothing was deployed. This run would publish:")
            print("\n".join(plan.describe()))
            return plan
        deploy(plan, site, use_directory_urls(config_file), versions, args.remote)

    if args.push:
        try:
            git_utils.push_branch(args.remote, args.branch)
        except git_utils.GitError as error:
            raise Refusal(f"edition committed to {args.branch} but pushing to {args.remote} failed: "
                          f"{one_line(str(error))}; push it with `git push {args.remote} {args.branch}`") from None
    where = f"{args.branch}, pushed to {args.remote}" if args.push else f"{args.branch} (not pushed: add --push)"
    print(f"Published edition {edition} \"{title}\" to {where}.")
    print("\n".join(plan.describe()))
    return plan


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
    """The edition id and its label, as the build will read them."""
    try:
        report = load_data(project / "data", project).report
        return editions.edition_id(report), str(report["edition_label"])
    except ReportError as error:
        raise Refusal(str(error)) from None


def git_checks(args: argparse.Namespace) -> None:
    """A git work tree, and with --push the remote's branch fetched first (so a published edition is seen)."""
    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refusal("not a git repository: editions are committed to a branch of the report's repository")
    if git("status", "--porcelain", "--untracked-files=no").stdout.strip():
        log.warning("publishing uncommitted changes: the gh-pages commit names HEAD, not what was built")
    if args.push and not args.dry_run:
        fetched = git("fetch", "--quiet", args.remote)
        if fetched.returncode != 0:
            raise Refusal(f"cannot fetch {args.remote}: {one_line(fetched.stderr)}")


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
    """``latest`` goes to this edition only if it is the newest, so republishing an old one never moves it back."""
    probe = Versions.loads(versions.dumps())
    probe.add(edition, title)
    newest = next(iter(probe))
    return list(ALIASES_OF_NEWEST) if str(newest.version) == edition else []


# ---- build and deploy ---------------------------------------------------------------------


def build(config_file: Path, site: Path, edition: str) -> None:
    """The engine's own public build (with its leak audit) into ``site``; a failed build is a refusal."""
    env = {k: v for k, v in os.environ.items() if k not in (AUDIENCE_ENV, editions.DRAFT_ENV)}
    # A published edition always carries its PDF.
    env.update({AUDIENCE_ENV: "public", editions.EDITION_ENV: edition, "NO_MKDOCS_2_WARNING": "1", PDF_ENV: "1"})
    log.info(f"Building the public edition {edition}")
    from .commands import mkdocs_build

    run = mkdocs_build(config_file.parent, ["--config-file", str(config_file), "--site-dir", str(site)], env)
    if not run.ok or not (site / "index.html").is_file():
        reason = run.error or one_line(run.output)
        raise Refusal(f"the public build failed, nothing was deployed: {reason or 'no site was written'}")
    for line in run.output.splitlines():
        if line.startswith("WARNING"):
            log.warning(line.split("-", 1)[-1].strip())


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


def deploy(plan: Plan, site: Path, directory_urls: bool, before: Versions, remote: str) -> None:
    """Commit the edition with mike, point the root at ``latest``, and check no edition was lost."""
    sync_with_remote(remote, plan.branch)
    previous = git("rev-parse", "--verify", "--quiet", f"refs/heads/{plan.branch}").stdout.strip()
    rev = git("rev-parse", "--short", "HEAD").stdout.strip() or "an unborn HEAD"
    message = f"Publish edition {plan.edition} ({plan.title}) from {rev}"
    cfg = {"site_dir": str(site), "use_directory_urls": directory_urls}
    try:
        with commands.deploy(cfg, plan.edition, plan.title, plan.aliases, update_aliases=True,
                             alias_type=commands.AliasType.redirect, branch=plan.branch, message=message):
            pass
    except git_utils.GitEmptyCommit:
        log.info(f"edition {plan.edition} is unchanged")
    except (ValueError, git_utils.GitError) as error:
        raise Refusal(f"mike could not deploy edition {plan.edition}: {one_line(str(error))}") from None
    try:
        commands.set_default(editions.LATEST, allow_undefined=True, branch=plan.branch,
                             message=f"Root redirects to {editions.LATEST}/")
    except git_utils.GitEmptyCommit:
        pass
    after = commands.list_versions(plan.branch)
    lost = [str(info.version) for info in before if not after.find(str(info.version))]
    if lost:
        restore(plan.branch, previous)
        raise Refusal(f"deploying would have removed edition(s) {', '.join(lost)}; {plan.branch} was restored")


def sync_with_remote(remote: str, branch: str) -> None:
    """Fast-forward the local branch to the remote's, as mike does; a diverged branch is a refusal."""
    try:
        git_utils.update_from_upstream(remote, branch)
    except (git_utils.GitBranchDiverged, git_utils.GitRevUnrelated) as error:
        raise Refusal(f"{one_line(str(error))}: reconcile the branches before publishing") from None


def restore(branch: str, previous: str) -> None:
    if previous:
        git("update-ref", f"refs/heads/{branch}", previous)
    else:
        git("update-ref", "-d", f"refs/heads/{branch}")


# ---- small helpers ---------------------------------------------------------------------------


def use_directory_urls(config_file: Path) -> bool:
    """mike writes alias redirects to ``dir/`` or ``dir/index.html`` accordingly."""
    return outputs.mkdocs_settings(config_file).get("use_directory_urls", True) is not False


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True)


def one_line(text: str) -> str:
    return " ".join(text.split())
