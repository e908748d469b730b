"""Stage six under ``mkdocs serve``: the preview, and every piece of state it keeps between rebuilds.

The preview goes on screen at once; the checks that change no output (conflicting declarations,
the leak audit) run after it, in a process of their own, and report in the terminal. A rebuild
that fails shows its error in the browser (:func:`rebuild_showing_errors`). A preview is never
published: MkDocs serves it from a temporary folder, which carries no audit stamp.

The state kept across rebuilds of one server lives here and only here: which preview is the
newest, the process checking it, the last mistake that stopped a build, and the stamps of the
Python code loaded when the server started.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import audit, inputs, linking, outputs, preview_page, templates
from ..errors import ReportError
from ..session import Session
from ..settings import Settings
from .configure import Configured
from .finish import Fingerprints, run_audit
from .passes import Passes

log = logging.getLogger("mkdocs.plugins.report")

_PREVIEWS = itertools.count(1)       # previews built by this process (mkdocs serve)
_LATEST_PREVIEW = [0]
_PREVIEW_CHECKS: list[Any] = [None]  # the process checking the newest preview, if any
LAST_FAILURE: list[ReportError | None] = [None]      # the last mistake that stopped a build
# Python code is imported once per process: under `mkdocs serve` an edit to it would silently not
# apply, so the next rebuild says so instead. Keyed by folder; the stamps of the first build.
_CODE_STAMPS: dict[Path, dict[str, int]] = {}
ENGINE_DIR = Path(__file__).resolve().parent.parent


def exit_with_parent(parent: int) -> None:
    """A preview checker whose server was killed (not stopped with Ctrl+C) stops too, at once."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def stop_checks() -> None:
    """A new preview is coming: the checks of the one it replaces would only report on text gone."""
    checker = _PREVIEW_CHECKS[0]
    if checker is not None and checker.is_alive():
        checker.terminate()
        checker.join(timeout=5)
    _PREVIEW_CHECKS[0] = None


def show(settings: Settings, configured: Configured, session: Session, passes: Passes, site: Path,
         theme_dirs: list[str], fingerprints: Fingerprints, say: Callable[[ReportError], str]) -> Path:
    """Put the preview in place, then check it off the critical path. Returns where it now is."""
    outputs.promote(configured.staging, configured.final_site_dir)
    site = configured.final_site_dir
    generation = next(_PREVIEWS)
    _LATEST_PREVIEW[0] = generation
    parent = os.getpid()

    def check() -> None:
        if os.getpid() != parent:           # in the forked checker: end with the server, however it ends
            threading.Thread(target=exit_with_parent, args=(parent,), daemon=True).start()
        started = time.perf_counter()
        if passes.unsaved is not None:
            memo, key = passes.unsaved
            memo.save(key, session.linked_state())
        message: ReportError | None
        try:
            linking.check(session)
            findings = run_audit(settings, session, site, theme_dirs, fingerprints)
            message = audit.findings_error(findings, site) if findings else None
        except ReportError as error:
            message = error
        except Exception as error:      # the folder changed under us: a newer preview replaces it
            message = ReportError(f"the preview's checks did not finish: {error}")
        if _LATEST_PREVIEW[0] != generation:
            return                      # an edit since: its own checks will report
        if message is not None:
            log.error(f"{say(message)} (in the preview; a build stops on it)")
        else:
            log.info(f"Preview checked: no conflicting declarations; leak audit passed for the "
                     f"{settings.audience} preview in {time.perf_counter() - started:.2f} s")

    stop_checks()
    # A process of its own where the system can fork one: the checks then run on another core
    # instead of holding the interpreter while the next edit's preview is built.
    if "fork" in multiprocessing.get_all_start_methods():
        checker = multiprocessing.get_context("fork").Process(target=check, name="report-preview-checks", daemon=True)
        checker.start()
        _PREVIEW_CHECKS[0] = checker
    else:                                   # pragma: no cover - platforms without fork
        threading.Thread(target=check, name="report-preview-checks", daemon=True).start()
    return site


def watched(project_dir: Path, custom_dir: str | None = None, macros_config: Mapping[str, Any] | None = None
            ) -> list[Path]:
    """What ``mkdocs serve`` also reloads on, besides docs/ and mkdocs.yml (MkDocs' own, which watches
    the theme only with ``--watch-theme``): data, the bibliography, the partials (mkdocs-macros'
    ``include_dir``, else ``partials/``), the report's macros, the theme's ``custom_dir``
    (``overrides/``) and the files mkdocs-macros' ``include_yaml`` loads."""
    macros_config = macros_config or {}
    include_dir = str(macros_config.get("include_dir") or "")
    module = str(macros_config.get("module_name") or "macros")
    candidates = [project_dir / "data", project_dir / "bibliography.bib",
                  project_dir / (include_dir or templates.PARTIALS), project_dir / "macros", project_dir / module,
                  project_dir / f"{module}.py",
                  *(project_dir / path for path in inputs.included_yaml(macros_config))]
    if custom_dir:
        candidates.append(project_dir / custom_dir)
    found: list[Path] = []
    for path in candidates:
        if path.exists() and path.resolve() not in [p.resolve() for p in found]:
            found.append(path)
    return found


def rebuild_showing_errors(rebuild: Callable[[], None], served: Path,
                           failures: tuple[type[BaseException], ...], quiet: tuple[type[BaseException], ...]
                           ) -> Callable[[], None]:
    """``mkdocs serve``'s rebuild, ended by an error page in the browser when it fails.

    MkDocs reloads browsers only after a rebuild that succeeded; one that fails leaves them
    waiting, the error only in the terminal. This rebuild logs the error, writes the error page
    over the served (temporary) folder's pages and returns, so browsers reload into the error,
    and reload into the report after the rebuild that follows the fix. ``failures``: the errors
    a rebuild ends with; ``quiet``: those MkDocs has logged itself."""
    caught: tuple[type[BaseException], ...] = (*failures, ReportError)

    def rebuild_or_show_error() -> None:
        LAST_FAILURE[0] = None
        try:
            rebuild()
        except caught as error:
            shown = LAST_FAILURE[0] or (error if isinstance(error, ReportError) else str(error))
            if not isinstance(error, quiet):
                log.error(str(error))
            count = preview_page.show(served, shown)
            log.error(f"The preview was not rebuilt; the browser shows the error on its {count} page(s) "
                      "until a rebuild succeeds")
    rebuild_or_show_error.shows_errors = True      # type: ignore[attr-defined]
    return rebuild_or_show_error


def code_stamps(folder: Path) -> dict[str, int]:
    return {p.as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts}


def check_code_unchanged(project_dir: Path) -> None:
    """Refuse a rebuild whose Python code (the report's macros, the engine) changed since it was loaded."""
    for folder in (project_dir / "macros", ENGINE_DIR):
        if not folder.is_dir():
            continue
        current = code_stamps(folder)
        first = _CODE_STAMPS.setdefault(folder, current)
        changed = sorted(set(current.items()) ^ set(first.items()))
        if changed:
            path = Path(changed[0][0])
            shown = path.relative_to(project_dir).as_posix() if path.is_relative_to(project_dir) else str(path)
            raise ReportError("this Python file changed after `mkdocs serve` loaded it, and Python code is "
                              "loaded once", shown, None, "stop `mkdocs serve` (Ctrl+C) and start it again")
