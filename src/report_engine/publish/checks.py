"""What ``publish`` checks before it changes anything, and the audit of what it writes itself.

Each check refuses with a :class:`Refusal`, which the command prints as one line
(:func:`report_engine.publish.command.run`). What no public output may hold is read from the
report's data (:func:`published_fingerprints`): a text given on the command line is checked
against it before anything changes (:func:`check_text`), and whatever the run committed to the
branch before it is pushed (:func:`audit_written`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import tarfile
import tempfile
from pathlib import Path
from typing import Mapping

from .. import audit, editions, gitrepo, settings
from ..data import load_data
from ..errors import ReportError
from ..gitrepo import HERE, archive, git
from ..passages import normalise, slugify, token_pattern, word_pattern
from ..settings import AUDIENCE_ENV, DRAFT_ENV
from ..sources import Location

# What the report is built from: a change here that is not committed is not what the commit names.
INPUTS = ("docs", "data", "bibliography.bib", "mkdocs.yml", "macros", "overrides", "partials")


class Refusal(Exception):
    """Why nothing was published: printed as one line, never as a traceback."""


def one_line(text: str) -> str:
    return " ".join(text.split())


def today() -> str:
    """The day an erratum or a retraction is made (SOURCE_DATE_EPOCH if the caller fixes it)."""
    fixed = editions.caller_source_date_epoch(settings.environment())
    return (fixed or dt.datetime.now(dt.timezone.utc).date()).isoformat()


def check_environment() -> None:
    """Only the public, final build is ever published."""
    env = settings.environment()
    audience = (env.audience or "public").strip()
    if audience != "public":
        raise Refusal(f"{AUDIENCE_ENV}={audience}: only the public audience is published; unset {AUDIENCE_ENV}")
    try:
        drafted = editions.draft_requested(env)
    except ReportError as error:
        raise Refusal(str(error)) from None
    if drafted:
        raise Refusal(f"{DRAFT_ENV} is set: a courtesy draft is never published; unset {DRAFT_ENV}")


def read_edition(project: Path) -> tuple[str, str]:
    """The edition id and its label, as the build will read them; an id outside the scheme is refused,
    and so is one in another scheme than the earlier editions' (:func:`editions.scheme_conflict`)."""
    try:
        report = load_data(project / "data", project).report
        edition = editions.edition_id(report)
    except ReportError as error:
        raise Refusal(str(error)) from None
    line = report.line_of("edition") if hasattr(report, "line_of") else None
    where = f"{editions.REPORT_FILE}:{line}: " if line else ""
    problem = editions.scheme_problem(report)
    if problem is not None:
        raise Refusal(f"{where}{problem}; write {editions.SCHEME_EXAMPLE}")
    conflict = editions.scheme_conflict(edition, gitrepo.tagged(project, gitrepo.TAG_PREFIX))
    if conflict is not None:                # the earlier editions are those tagged edition-<id>
        raise Refusal(f"{where}{conflict}")
    return edition, str(report["edition_label"])


def git_checks(args: argparse.Namespace, project: Path) -> bool:
    """A git work tree whose report inputs are committed (or ``--allow-dirty``); True if they are not."""
    if git(HERE, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refusal("not a git repository: editions are committed to a branch of the report's repository")
    inputs = [name for name in INPUTS if (project / name).exists()]
    status = git(HERE, "status", "--porcelain", "--untracked-files=all", "--", *inputs) if inputs else None
    changed = status.stdout.splitlines() if status is not None else []
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
    refusal, and :func:`report_engine.publish.branch.on_remote` puts the branch back."""
    if base:
        listed = git(HERE, "diff", "--name-only", "--no-renames", "--diff-filter=AMT", "-z", base, branch)
        messages = git(HERE, "log", "--format=%B", f"{base}..{branch}")
    else:
        listed = git(HERE, "ls-tree", "-r", "--name-only", "-z", branch)
        messages = git(HERE, "log", "--format=%B", branch)
    if listed.returncode != 0 or messages.returncode != 0:
        raise Refusal(f"cannot read what was committed to {branch}: {one_line(listed.stderr + messages.stderr)}")
    paths = [path for path in listed.stdout.split("\0") if path and not (built and path.startswith(built))]
    with tempfile.TemporaryDirectory(prefix="report-publish-audit-") as scratch:
        files, notes = Path(scratch) / "files", Path(scratch) / "messages"
        files.mkdir()
        notes.mkdir()
        if paths:
            written = archive(HERE, branch, *paths)
            if written.returncode != 0:
                raise Refusal(f"cannot read what was committed to {branch}: "
                              f"{one_line(written.stderr.decode(errors='replace'))}")
            with tarfile.open(fileobj=io.BytesIO(written.stdout)) as tar:
                tar.extractall(files, filter="data")
        (notes / "commit-messages.txt").write_text(messages.stdout, encoding="utf-8")
        for folder, what in ((files, None), (notes, f"a commit message on {branch}")):
            findings = audit.audit_site(folder, prints)
            if findings:
                first = findings[0]
                output = what or f"'{first.output.relative_to(folder).as_posix()}'"
                raise Refusal(f"leak audit failed on what publish writes: {output} contains {first.fingerprint.kind} "
                              f"({first.fingerprint.location}); nothing was published and {branch} is as it was")
