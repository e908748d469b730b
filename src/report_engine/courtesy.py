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

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import editions
from .changes import in_git
from .data import load_data
from .errors import ReportError
from .outputs import PRIVATE_ROOT

TAG_PREFIX = "courtesy-"


def add_parser(subparsers: Any) -> None:
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
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", editions.DRAFT_ENV: args.date,
                   editions.RECIPIENT_ENV: participant.id, "REPORT_AUDIENCE": "public"}
            if args.pdf:
                env["REPORT_PDF"] = "1"
            print(f"  courtesy draft for {participant.name} -> {site}", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                                  cwd=project, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("ERROR")]
                print(errors[-1] if errors else (proc.stdout + proc.stderr)[-2000:], file=sys.stderr)
                return 1
            pending = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if "Pending" in line]
            for line in pending[:1]:
                print(line, file=sys.stderr)
        if tagging:
            subprocess.run(["git", "tag", "-f", tag, "HEAD"], cwd=project, check=True, capture_output=True)
            print(f"Tagged the source {tag}; share it with `git push origin {tag}`")
        print(f"{len(recipients)} courtesy draft(s) in {root}")
        return 0
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1


def check_source(project: Path, tag: str) -> None:
    """What is sent must be rebuildable from the tag: no uncommitted change to the report's sources."""
    changed = subprocess.run(["git", "status", "--porcelain", "--", "docs", "data", "bibliography.bib",
                              "mkdocs.yml", "partials", "overrides", "macros"],
                             cwd=project, capture_output=True, text=True).stdout.strip()
    if changed:
        raise ReportError(f"the report's sources have uncommitted changes, so {tag} would not record what was "
                          "sent", changed.splitlines()[0][3:], None, "commit them first (or pass --no-tag)")
