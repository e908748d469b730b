"""Commands an editor runs around the build: one audience or every one at once, and the audit.

``build`` builds one audience, ``pdf`` one audience and its PDF, ``serve`` the live preview on a
port checked first, ``check`` lists incomplete bibliography entries without building.
``build-all`` builds the public report into the public site directory and each
participant's and the internal report into ``site-private/``, each in its own
process so that no state is shared between audiences. ``audit`` checks any
folder (an upload about to happen, a copy on a server) against what an
audience must not get, by building that audience in memory first.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import audit, readthrough, settings, stamps
from .adapter import Abort, build_site, load_config
from .data import load_data
from .errors import ReportError
from .inputs import config_line, plugin_line
from .plugin import PLUGIN_NAME, ReportPlugin
from .settings import AUDIENCE_ENV, DRAFT_ENV, HELPERS_ENV, PDF_ENV, QUIET_ENV, child_environment

log = logging.getLogger("mkdocs.plugins.report.commands")
# Just after the top-level ``plugins:`` key's colon: the key's own line.
PLUGINS_KEY = re.compile(r"(?<=:)")


@dataclass(frozen=True)
class Outcome:
    audience: str
    ok: bool
    message: str


def all_audiences(project_dir: Path) -> list[str]:
    data = load_data(project_dir / "data", project_dir)
    return ["public"] + [f"participant:{p.id}" for p in data.participants.values() if not p.exited] + ["internal"]


@dataclass
class BuildRun:
    ok: bool
    error: str          # the last ERROR line's message, or a one-line summary of a failure without one
    output: str


def mkdocs_build(project_dir: Path, arguments: list[str], env: dict[str, str],
                 progress: Callable[[str], None] | None = None) -> BuildRun:
    """``mkdocs build`` in its own process, as an author runs it, on the report's base (MkDocs or
    ProperDocs: :func:`settings.base`); the error it ended on, in one line.
    ``progress`` is handed each line of the engine's progress (the PDF's stages) as it comes."""
    command = settings.base().command("build", *arguments, project_dir=project_dir)
    proc = subprocess.Popen(command, cwd=project_dir,
                            env={**env, QUIET_ENV: "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if progress is not None and line.startswith("INFO") and " PDF: " in line:
            progress(line.split(" PDF: ", 1)[1].rstrip())
    returncode = proc.wait()
    output = "".join(lines)
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    if errors:
        message = errors[-1].split("-", 1)[-1].strip()
    elif returncode != 0:
        message = (output.strip().splitlines() or [f"exit status {returncode}"])[-1]
    else:
        message = ""
    return BuildRun(returncode == 0, message, output)


def build_all(project_dir: Path, audiences: list[str] | None = None, strict: bool = True,
              jobs: int | None = None, with_pdf: bool = False,
              progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Build each audience in its own process, as many at once as the machine has cores; stop at
    nothing, report everything (in the order asked). ``with_pdf``: each with its PDF.
    ``progress`` hears which audience starts and ends, and each stage of its PDF."""
    lock = threading.Lock()

    def tell(text: str) -> None:
        if progress is not None:
            with lock:
                progress(text)

    wanted = audiences or all_audiences(project_dir)
    workers = min(len(wanted), max(1, jobs or os.cpu_count() or 1))
    # Builds that already take every core get no helpers of their own (ahead.py): measured at 300
    # pages, six audiences two at a time took 37.4 s with helpers and 35.7 s without.
    given = settings.environment().helpers is not None
    helpers = {} if workers < (os.cpu_count() or 1) or given else {HELPERS_ENV: "0"}

    def one(audience: str) -> Outcome:
        env = {**child_environment(), **helpers, AUDIENCE_ENV: audience, PDF_ENV: "1" if with_pdf else "0"}
        started = time.perf_counter()
        tell(f"{audience}: building")
        run = mkdocs_build(project_dir, (["--strict"] if strict else []), env,
                           lambda line: tell(f"{audience}: PDF: {line}"))
        tell(f"{audience}: {'built' if run.ok else 'failed'} in {time.perf_counter() - started:.1f} s")
        made = [line.split("PDF: ", 1)[1] for line in run.output.splitlines()
                if line.startswith("INFO") and " PDF: " in line and "typeset in" in line]
        message = run.error or ("built" + (f", {made[-1]}" if made else "") if run.ok else "failed")
        return Outcome(audience, run.ok, message)

    if len(wanted) > 1:
        tell(f"building {len(wanted)} audience(s), {workers} at a time")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, wanted))


def audit_folder(folder: Path, config_file: Path, audience: str = "public", strict: bool = False) -> list[audit.Finding]:
    """Findings for ``folder``: what ``audience`` must not get, searched for in every file there."""
    if not folder.is_dir():
        raise ReportError(f"no such folder: {folder}", str(folder), None, "give the folder you are about to upload")
    with tempfile.TemporaryDirectory(prefix="report-audit-") as scratch:
        options: dict[str, Any] = {"site_dir": str(Path(scratch) / "site")}
        if strict:
            options["strict"] = True
        config = load_config(str(config_file), **options)
        plugin = config.plugins.get(PLUGIN_NAME)
        if plugin is None:                # mkdocs.yml lists only macros: the report's define_env would add it
            plugin = ReportPlugin()
            plugin.load_config({}, str(config_file))
            config.plugins[PLUGIN_NAME] = plugin
        if not isinstance(plugin, ReportPlugin):
            raise ReportError(f"the plugin named '{PLUGIN_NAME}' in mkdocs.yml is not the report engine's",
                              str(config_file), plugin_line(config_file, PLUGIN_NAME), "remove it or rename it")
        plugin.config.audience = audience
        plugin.config.pdf = False            # what is audited is the folder; a PDF in it is read as it is
        try:
            build_site(config)
        except Abort as exc:
            raise ReportError(f"the {audience} report does not build, so it cannot be audited: {exc}",
                              str(config_file), None, "fix the build first (mkdocs build)") from None
        if plugin.build is None or plugin.build.env is None:
            raise ReportError("this build never ran the report engine, so nothing in it was checked",
                              str(config_file), engine_line(config_file),
                              "mkdocs.yml must list the macros plugin with module_name: macros, whose "
                              "define_env calls report_engine.define_env")
        return audit.audit_build(folder.resolve(), plugin.build.session, config.theme.dirs)


def engine_line(config_file: Path) -> int | None:
    """Where mkdocs.yml should hand the build to the engine: the ``macros`` plugin's line (its module
    does not attach the engine), else the ``plugins:`` key (macros is not listed)."""
    listed = plugin_line(config_file, "macros")
    if listed is not None:
        return listed
    try:
        text = config_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return config_line(config_file, "plugins", PLUGINS_KEY) if re.search(r"^plugins\s*:", text, re.M) else None


# ---- command line ------------------------------------------------------------------------

def add_parser(subparsers: Any) -> None:
    """``build``, ``build-all``, ``pdf``, ``serve``, ``check``, ``audit`` and the hidden ``snapshot``
    for ``python -m macros``."""
    one = subparsers.add_parser("build", help="build one audience (mkdocs build --strict, or properdocs build "
                                              "--strict: the report's base)")
    one.add_argument("--audience", default=None,
                     help=f"public, participant:ID or internal (default: {AUDIENCE_ENV}, else public)")
    one.add_argument("--draft", metavar="DATE", default=None,
                     help=f"a courtesy draft dated DATE (YYYY-MM-DD), as {DRAFT_ENV}=DATE does")
    one.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    one.set_defaults(run=_run_build)
    every = subparsers.add_parser("build-all", help="build every audience of the report")
    every.add_argument("--audience", action="append", dest="audiences", metavar="AUDIENCE",
                       help="only this audience (repeatable); default: public, each participant, internal")
    every.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    every.add_argument("--jobs", type=int, default=None, help="builds at once (default: one per core)")
    every.add_argument("--pdf", action="store_true", help="make each audience's PDF too")
    every.set_defaults(run=_run_build_all)
    paper = subparsers.add_parser("pdf", help="build the report and its PDF (one audience, default public)")
    paper.add_argument("--audience", default=None,
                       help=f"public, participant:ID or internal (default: {AUDIENCE_ENV}, else public)")
    paper.add_argument("--no-strict", action="store_true", help="do not treat warnings as errors")
    paper.set_defaults(run=_run_pdf)
    serve = subparsers.add_parser("serve", help="live preview (mkdocs serve, on the report's base) on a port "
                                                "checked first")
    serve.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000)")
    serve.set_defaults(run=_run_serve)
    snapshot = subparsers.add_parser("snapshot")   # hidden (no help): the changes page's reading of an edition
    snapshot.set_defaults(run=_run_snapshot)
    notes = subparsers.add_parser("check", help="list every incomplete bibliography entry, without building")
    notes.set_defaults(run=_run_check)
    check = subparsers.add_parser("audit", help="audit a folder for what an audience must not get")
    check.add_argument("folder", type=Path, help="the folder to check, e.g. a copy about to be uploaded")
    check.add_argument("--audience", default="public", help="the audience the folder is for (default: public)")
    check.add_argument("--config-file", type=Path, default=Path("mkdocs.yml"))
    check.set_defaults(run=_run_audit)


def check_report(project_dir: Path) -> list[str]:
    """Every note of a report at once, without building the site: its data loads, and each
    bibliography entry that renders incomplete, with file, line and what is missing."""
    from .bibtex import load_bibtex
    from .citations import CitationEngine

    data = load_data(project_dir / "data", project_dir)
    bib = project_dir / "bibliography.bib"
    settings = data.report.get("citations") or {}
    engine = CitationEngine(load_bibtex(bib, None), str(settings.get("style", "author-year")))
    display = bib.relative_to(project_dir).as_posix()
    return [f"{display}:{line}: entry '{key}': {'; '.join(notes)}" for key, line, notes in engine.notes()]


def _run_check(args: argparse.Namespace) -> int:
    try:
        notes = check_report(Path.cwd())
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    for note in notes:
        print(note)
    print(f"{len(notes)} note(s): incomplete entries render with what they have" if notes else "no notes")
    return 0


def _progress(args: argparse.Namespace) -> Callable[[str], None] | None:
    """Progress lines on stderr, as the work goes (none with ``--quiet``)."""
    if getattr(args, "quiet", False):
        return None
    return lambda text: print(f"  {text}", file=sys.stderr, flush=True)


def _run_snapshot(args: argparse.Namespace) -> int:
    """In a previous edition's folder (see snapshots.previous_snapshot): write what its audience reads."""
    target = settings.environment().snapshot
    if not target:
        print(f"ERROR: snapshot is run by the engine itself, with {settings.SNAPSHOT_ENV} set", file=sys.stderr)
        return 2
    return readthrough.snapshot_main(target)


def _run_build(args: argparse.Namespace) -> int:
    env = child_environment()
    if args.audience:
        env[AUDIENCE_ENV] = args.audience
    if args.draft:
        env[DRAFT_ENV] = args.draft
    command = settings.base().command("build", *([] if args.no_strict else ["--strict"]))
    if args.quiet:
        command.append("--quiet")
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130


def _run_build_all(args: argparse.Namespace) -> int:
    try:
        outcomes = build_all(Path.cwd(), args.audiences, strict=not args.no_strict, jobs=args.jobs,
                             with_pdf=args.pdf, progress=_progress(args))
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        print(f"{'ok    ' if outcome.ok else 'FAILED'}  {outcome.audience:<28} {outcome.message}")
    return 0 if all(o.ok for o in outcomes) else 1


def _run_pdf(args: argparse.Namespace) -> int:
    audience = args.audience or settings.environment().audience or "public"
    try:
        [outcome] = build_all(Path.cwd(), [audience], strict=not args.no_strict, jobs=1, with_pdf=True,
                              progress=_progress(args))
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    if not outcome.ok:
        print(f"ERROR: {outcome.message}", file=sys.stderr)
        return 1
    print(f"ok  {outcome.audience}: {outcome.message}")
    return 0


def port_problem(port: int, host: str = "127.0.0.1") -> str | None:
    """Why ``mkdocs serve`` could not listen on the port (it would find out only after its first build)."""
    import socket

    if not 0 < port < 65536:
        return f"port {port} does not exist; pick one from 1024 to 65535"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return f"port {port} is in use ({error.strerror}); pick another: make serve PORT={port + 1}"
    return None


def _run_serve(args: argparse.Namespace) -> int:
    problem = port_problem(args.port)
    if problem is not None:
        print(f"ERROR: {problem}", file=sys.stderr)
        return 1
    print(f"Building the report, then serving it on http://127.0.0.1:{args.port}/ (Ctrl-C stops)", flush=True)
    env = child_environment()
    command = settings.base().command("serve", "-a", f"127.0.0.1:{args.port}")
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 0


def _run_audit(args: argparse.Namespace) -> int:
    try:
        findings = audit_folder(args.folder, args.config_file, args.audience)
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    # Each leak once, grouped by output file: many fingerprints of one passage are one finding.
    grouped: dict[str, dict[tuple[str, str], int]] = {}
    folder = args.folder.resolve()
    for finding in findings:
        shown = str(finding.output.relative_to(folder) if folder in finding.output.parents else finding.output)
        key = (finding.fingerprint.kind, str(finding.fingerprint.location))
        grouped.setdefault(shown, {}).setdefault(key, 0)
        grouped[shown][key] += 1
    for where, kinds in grouped.items():
        for (kind, location), count in kinds.items():
            times = f" ({count} passages)" if count > 1 else ""
            print(f"LEAK  {where}: {kind} from {location}{times}")
    if findings:
        print(f"ERROR: {len(findings)} finding(s): do not upload {args.folder}", file=sys.stderr)
        return 1
    reason = stamps.unstamped_reason(args.config_file.resolve().parent, args.folder.resolve(), args.audience)
    if reason is not None:
        print(f"ERROR: {reason}; rebuild it (mkdocs build, or python -m macros build-all) and upload what the "
              "build wrote", file=sys.stderr)
        return 1
    print(f"ok: nothing the {args.audience} audience must not get was found in {args.folder}")
    return 0
