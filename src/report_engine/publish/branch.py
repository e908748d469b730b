"""The branch that holds the published site (``gh-pages``), its remote, and the source's tags.

Publishing is a transaction (:func:`on_remote`): commits go on top of the remote's branch as
fetched, the branch is pushed, never forced, and put back as it was on any refusal. The source
commit of each edition is tagged ``edition-<id>`` (:func:`tag_source`). mike's helpers and ours
work in the current folder: the command runs in the report's.
"""

from __future__ import annotations

import argparse
import logging
import re
from typing import Callable

from mike import commands as mike
from mike import git_utils
from mike.versions import Versions

from .. import gitrepo
from ..gitrepo import HERE, TAG_PREFIX, git
from .checks import Refusal, one_line
from .feed import ROOT_MESSAGE

log = logging.getLogger("mkdocs.plugins.report.publish")

PUSH_ATTEMPTS = 3


def fetch(remote: str) -> None:
    """Fetch the remote, and the ``withdrawn-<id>`` tags of editions withdrawn elsewhere, so that the
    build's changes page never compares with one (best effort: a tag that clashes stays as it is)."""
    fetched = git(HERE, "fetch", "--quiet", remote)
    if fetched.returncode != 0:
        raise Refusal(f"cannot fetch {remote}: {one_line(fetched.stderr)}")
    prefix = f"refs/tags/{gitrepo.WITHDRAWN_PREFIX}"
    git(HERE, "fetch", "--quiet", "--no-tags", remote, f"{prefix}*:{prefix}*")


def local_tip(branch: str) -> str:
    return git(HERE, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").stdout.strip()


def starting_commit(args: argparse.Namespace, edition: str) -> str:
    """The commit of the branch a run commits on top of: with ``--push``, the remote's as just
    fetched (:func:`reconcile`); else the local branch's tip ("" before the first edition)."""
    if args.push:
        fetch(args.remote)
        return reconcile(args.remote, args.branch, edition)
    return local_tip(args.branch)


def reconcile(remote: str, branch: str, edition: str) -> str:
    """The commit to publish on top of: the remote's branch as just fetched (nothing is moved yet).

    The local branch behind it is simply left behind. Ahead of it with only an unfinished publish of
    this same edition (a run killed before it pushed): that commit is set aside and the edition
    published again. Ahead with anything else, or diverged: refused with the command that fixes it;
    nothing unpushed is ever pushed silently."""
    mine = local_tip(branch)
    theirs = git(HERE, "rev-parse", "--verify", "--quiet", f"refs/remotes/{remote}/{branch}").stdout.strip()
    if not theirs or not mine or mine == theirs:
        return theirs or mine
    ahead = git(HERE, "rev-list", f"{theirs}..{mine}").stdout.split()
    behind = git(HERE, "rev-list", f"{mine}..{theirs}").stdout.split()
    if not ahead:
        return theirs
    subjects = git(HERE, "log", "--format=%s", f"{theirs}..{mine}").stdout.splitlines()
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
    return mike.list_versions(commit) if commit else Versions()


def published_versions(branch: str, remote: str) -> Versions:
    """The editions on ``branch``, merged with what ``remote/branch`` already has (it may be ahead)."""
    versions = mike.list_versions(branch)
    remote_branch = f"{remote}/{branch}"
    if git_utils.has_branch(remote_branch):
        merged = Versions.loads(versions.dumps())
        for info in mike.list_versions(remote_branch):
            if not merged.find(str(info.version)):
                merged.add(str(info.version), info.title)
        return merged
    return versions


def published_from(branch: str, edition: str) -> str | None:
    """The source commit the edition on ``branch`` was last published from (from the publish commit)."""
    subject = git(HERE, "log", "-1", "--format=%s", branch, "--", f"{edition}/").stdout.strip()
    match = re.fullmatch(rf"Publish edition {re.escape(edition)} \(.*\) from ([0-9a-f]{{7,40}})", subject)
    return match.group(1) if match else None


def push(remote: str, branch: str, tags: tuple[str, ...] | list[str] = ()) -> bool:
    """Push ``branch`` (never forced); False if the remote moved on. Tags go along when asked."""
    pushed = git(HERE, "push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}")
    if pushed.returncode != 0:
        if any(word in pushed.stderr for word in ("rejected", "non-fast-forward", "fetch first", "stale info")):
            return False
        raise Refusal(f"pushing {branch} to {remote} failed: {one_line(pushed.stderr)}; nothing is lost: "
                      f"{branch} is committed locally, and `python -m macros publish --push` pushes it")
    for tag in tags:
        git(HERE, "push", "--quiet", remote, f"refs/tags/{tag}")
    return True


def restore(branch: str, previous: str) -> None:
    if previous:
        git(HERE, "update-ref", f"refs/heads/{branch}", previous)
    else:
        git(HERE, "update-ref", "-d", f"refs/heads/{branch}")


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


def tag_source(edition: str, head: str, args: argparse.Namespace) -> None:
    """Tag the source commit ``edition-<id>``, as the publishing workflow expects; an erratum moves it."""
    if not head or args.dry_run:
        return
    tag = f"{TAG_PREFIX}{edition}"
    current = git(HERE, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}").stdout.strip()
    if current == head:
        return
    if current and not args.force:
        log.info(f"tag {tag} stays on {current[:12]}, where the edition was first published from")
        return
    git(HERE, "tag", "-f", tag, head)


def source_commit(branch: str, edition: str) -> str:
    """The source commit an edition was published from: its ``edition-<id>`` tag, else the commit
    its last publish on ``branch`` names (when this clone has it), else ""."""
    tagged = git(HERE, "rev-parse", "--verify", "--quiet", f"refs/tags/{TAG_PREFIX}{edition}^{{commit}}").stdout.strip()
    if tagged:
        return tagged
    named = published_from(branch, edition) if branch else None
    return git(HERE, "rev-parse", "--verify", "--quiet", f"{named}^{{commit}}").stdout.strip() if named else ""
