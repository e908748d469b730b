"""Courtesy drafts: the public text sent to every participant still in, marked for each, before publication.

``python -m macros courtesy --date DATE`` builds one copy of the public report per
participant (not those that left), each a courtesy draft dated DATE and marked
for its recipient on every page and in its PDF, into
``site-private/courtesy-<edition>/<participant>/``; and, in a report kept in git,
tags the source commit ``courtesy-<edition>``, so what was sent can be rebuilt
later. Items still pending are shown redacted and listed in the log. The copies
are drafts: the publish command refuses them, and they never go to the public
site folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import changes, editions, snapshots
from .data import load_data
from .errors import ReportError
from .gitrepo import COURTESY_PREFIX, git, in_git, tag_commit
from .outputs import PRIVATE_ROOT
from .settings import AUDIENCE_ENV, DRAFT_ENV, PDF_ENV, RECIPIENT_ENV, base, child_environment

TAG_PREFIX = COURTESY_PREFIX


def add_parser(subparsers: Any) -> None:
    """``courtesy`` for ``python -m macros``."""
    courtesy = subparsers.add_parser("courtesy", help="build the courtesy draft for every participant still in")
    courtesy.add_argument("--date", required=True, help="the day the draft is shared (YYYY-MM-DD)")
    courtesy.add_argument("--pdf", action="store_true", help="make each copy's PDF too")
    courtesy.add_argument("--no-tag", action="store_true", help="do not tag the source commit")
    courtesy.set_defaults(run=run)


def run(args: Any) -> int:
    project = Path.cwd()
    try:
        editions.draft_date(args.date)             # a date, checked as REPORT_DRAFT's
        data = load_data(project / "data", project)
        edition = editions.edition_id(data.report)
        tag = f"{TAG_PREFIX}{edition}"
        tagging = not args.no_tag and in_git(project)
        if tagging:
            check_source(project, tag)
        recipients = [p for p in data.participants.values() if not p.exited]
        root = project / PRIVATE_ROOT / f"courtesy-{edition}"
        for participant in recipients:
            site = root / participant.id
            env = child_environment(**{DRAFT_ENV: args.date, RECIPIENT_ENV: participant.id, AUDIENCE_ENV: "public"})
            if args.pdf:
                env[PDF_ENV] = "1"
            print(f"  courtesy draft for {participant.name} -> {site}", file=sys.stderr, flush=True)
            proc = subprocess.run(base().command("build", "--strict", "-d", str(site), project_dir=project),
                                  cwd=project, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("ERROR")]
                print(errors[-1] if errors else (proc.stdout + proc.stderr)[-2000:], file=sys.stderr)
                return 1
            pending = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if "Pending" in line]
            for line in pending[:1]:
                print(line, file=sys.stderr)
        if tagging:
            before = tag_commit(project, tag)
            head = git(project, "rev-parse", "HEAD").stdout.strip()
            git(project, "tag", "-f", tag, "HEAD").check_returncode()
            moved = f" (moved from {before[:12]}: this draft replaces the one sent before)" if before and before != head else ""
            print(f"Tagged the source {tag}{moved}; share it with `git push origin {tag}`")
        print(f"{len(recipients)} courtesy draft(s) in {root}")
        return 0
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1


def check_source(project: Path, tag: str) -> None:
    """What is sent must be rebuildable from the tag: no uncommitted change to the report's sources."""
    changed = git(project, "status", "--porcelain", "--", "docs", "data", "bibliography.bib",
                  "mkdocs.yml", "partials", "overrides", "macros").stdout.strip()
    if changed:
        raise ReportError(f"the report's sources have uncommitted changes, so {tag} would not record what was "
                          "sent", changed.splitlines()[0][3:], None, "commit them first (or pass --no-tag)")


# ---- after the draft: what changed in the public text ----------------------------------------------

PAGE = "since-the-courtesy-draft.md"
TITLE = "Since the courtesy draft"
SIMILAR = 0.5           # sentences at least this alike (difflib's ratio) are one sentence reworded


def since_draft(project_dir: Path, edition: str) -> str | None:
    """The page's body for private builds: the public text now against the courtesy draft's (the
    sources tagged ``courtesy-<edition>``), or None when no draft of this edition was tagged."""
    tag = f"{TAG_PREFIX}{edition}"
    commit = tag_commit(project_dir, tag)
    if commit is None:
        return None
    try:
        draft = snapshots.previous_snapshot(project_dir, commit, "public")
        with tempfile.TemporaryDirectory(prefix="report-now-") as scratch:
            now = changes.Snapshot.from_json(snapshots.snapshot_in(project_dir, "public", Path(scratch) / "now.json"))
    except RuntimeError as error:
        return f"The courtesy draft (`{tag}`) could not be compared with the text now: {_escape(str(error))}."
    return compare_text(draft, now, tag)


def compare_text(draft: changes.Snapshot, now: changes.Snapshot, tag: str) -> str:
    """Pages, sections and sentences of the public text added, removed or reworded since the draft."""
    import difflib

    before = {page["src"]: page for page in draft.pages}
    after = {page["src"]: page for page in now.pages}
    parts: list[str] = []
    for src, page in after.items():
        if src not in before:
            parts.append(f"- New page: {_escape(page['title'])}")
            continue
        lines = []
        old_headings = [h[1] for h in before[src]["headings"]]
        new_headings = [h[1] for h in page["headings"]]
        lines += [f"- New section: {_escape(h)}" for h in new_headings if h not in old_headings]
        lines += [f"- Removed section: {_escape(h)}" for h in old_headings if h not in new_headings]
        old, new = draft.sentences.get(src, []), now.sentences.get(src, [])
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            removed, added = old[a1:a2], new[b1:b2]
            if op == "replace":
                while removed and added and difflib.SequenceMatcher(None, removed[0], added[0]).ratio() >= SIMILAR:
                    lines.append(f"- Reworded: “{_escape(removed.pop(0))}” → “{_escape(added.pop(0))}”")
            lines += [f"- Removed: “{_escape(s)}”" for s in removed]
            lines += [f"- Added: “{_escape(s)}”" for s in added]
        if lines:
            parts.append(f"**{_escape(page['title'])}**\n\n" + "\n".join(lines))
    parts += [f"- Removed page: {_escape(page['title'])}" for src, page in before.items() if src not in after]
    intro = (f"The courtesy draft of this edition was shared with participants from the sources tagged "
             f"`{tag}`. This page is in private builds only.")
    if not parts:
        return intro + "\n\nThe public text is as the courtesy draft had it."
    return intro + " What the public text changed since:\n\n" + "\n\n".join(parts) + "\n"


def _escape(text: str) -> str:
    """Plain text shown as Markdown text."""
    return re.sub(r"([\\`*_{}\[\]<>#|!])", r"\\\1", text)
