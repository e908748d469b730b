"""The edition built, audited and committed with mike.

The build runs in a child process (``mkdocs build``, as an author runs it) into a temporary
folder, with ``REPORT_EDITION`` set so that :mod:`report_engine.editions` points canonical URLs at
the edition's folder; the very folder to deploy is then audited against a fresh strict build of
the public report. mike's Python API commits it: the edition under its id and label, ``latest``
moved to it if it is the newest edition (as redirects, which GitHub Pages serves from a branch,
unlike symlinks), and the root redirecting to ``latest/``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Mapping

from mike import commands as mike
from mike import git_utils
from mike.versions import Versions

from .. import outputs, stamps
from ..errors import ReportError
from ..settings import AUDIENCE_ENV, DRAFT_ENV, EDITION_ENV, PDF_ENV, REVISIONS_ENV, child_environment
from .checks import Refusal, one_line
from .feed import root_pages
from .plan import Plan

log = logging.getLogger("mkdocs.plugins.report.publish")


def build(config_file: Path, site: Path, edition: str, revisions: list[dict[str, str]] | None = None) -> None:
    """The engine's own public build (with its leak audit) into ``site``; a failed build is a refusal."""
    # A published edition always carries its PDF.
    env = child_environment(drop=(AUDIENCE_ENV, DRAFT_ENV, REVISIONS_ENV),
                            **{AUDIENCE_ENV: "public", EDITION_ENV: edition, PDF_ENV: "1"})
    if revisions:
        env[REVISIONS_ENV] = json.dumps(revisions)
    log.info(f"Building the public edition {edition}")
    from ..commands import mkdocs_build

    run = mkdocs_build(config_file.parent, ["--strict", "--config-file", str(config_file), "--site-dir", str(site)], env)
    if not run.ok or not (site / "index.html").is_file():
        raise Refusal("the public build failed, nothing was deployed: "
                      f"{failing_lines(run.output) or run.error or 'no site was written'}")
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
    from ..commands import audit_folder

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
    edition was lost (the refusal puts the branch back: :func:`report_engine.publish.branch.on_remote`)."""
    cfg = {"site_dir": str(site), "use_directory_urls": directory_urls}
    props = [("revisions", revisions)] if revisions else []
    try:
        with mike.deploy(cfg, plan.edition, plan.title, plan.aliases, update_aliases=True,
                         alias_type=mike.AliasType.redirect, branch=plan.branch, message=message,
                         set_props=props):
            pass
    except git_utils.GitEmptyCommit:
        log.info(f"edition {plan.edition} is unchanged")
    except (ValueError, git_utils.GitError) as error:
        raise Refusal(f"mike could not deploy edition {plan.edition}: {one_line(str(error))}") from None
    root_pages(plan.branch, report)
    after = mike.list_versions(plan.branch)
    lost = [str(info.version) for info in before if not after.find(str(info.version))]
    if lost:
        raise Refusal(f"deploying would have removed edition(s) {', '.join(lost)}; {plan.branch} was restored")


def use_directory_urls(config_file: Path) -> bool:
    """mike writes alias redirects to ``dir/`` or ``dir/index.html`` accordingly."""
    return outputs.mkdocs_settings(config_file).get("use_directory_urls", True) is not False
