"""Stage six under ``mkdocs serve``: the preview, and every piece of state it keeps between rebuilds.

The preview goes on screen at once; the checks that change no output (conflicting declarations,
the leak audit) run after it, in a process of their own, and report in the terminal. A rebuild
that fails shows its error in the browser (:func:`rebuild_showing_errors`). A preview is never
published: MkDocs serves it from a temporary folder, which carries no audit stamp.

The state kept across rebuilds of one server lives here and only here: which preview is the
newest, the process checking it, the last mistake that stopped a build, the stamps of the
Python code loaded when the server started, the last preview that built (:class:`Held`) and the
rebuild running behind it.

**The instant preview.** The engine owns ``mkdocs serve``'s rebuild (:class:`Instant`); the
server is told of writes by the system (inotify and its kin) instead of polling every half
second. After a save:

* when every change since the last preview is running text in its pages
  (:mod:`report_engine.prose_edit`), the edited pages are rendered at once from that preview's
  state, through every plugin's page events, and written into the served folder;
* else, when only pages, data, the bibliography, partials or the nav of ``mkdocs.yml`` changed,
  the whole site is rebuilt in the background, paused after its passes while the pages whose
  linked text they changed are rendered from the last preview's state and shown (only the edited
  ones when the passes changed any, else :data:`MAX_FIRST` at most), a page new to the site with
  the rebuild's nav, and a page gone from it removed from the served folder;
* else (the rest of ``mkdocs.yml``, the report's Python code, the theme, other files of
  ``docs/``) the whole site is rebuilt first, as MkDocs would.

In the first two cases the browser reloads once the pages are shown, the rebuild goes on behind
them, and the browser reloads again when the preview has settled, into exactly what a build
makes. The next save stops that rebuild at its next page and starts over.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import multiprocessing
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import (adapter, audit, bibtex, caches, inputs, linking, nav_memo, outputs, preview_page, prose_edit,
               render_cache, templates)
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
_PREVIEW_WRITTEN: list[Any] = [None]  # set by that process once it has made the cache writes it was left
LAST_FAILURE: list[ReportError | None] = [None]      # the last mistake that stopped a build
# Python code is imported once per process: under `mkdocs serve` an edit to it would silently not
# apply, so the next rebuild says so instead. Keyed by folder; the stamps of the first build.
_CODE_STAMPS: dict[Path, dict[str, int]] = {}
ENGINE_DIR = Path(__file__).resolve().parent.parent
SUPERSEDED = threading.Event()       # set while a newer save stops the rebuild running behind the preview
ABANDONED_PAGE = ("Error reading page", "Error building page")   # what MkDocs says of a page a stop interrupts


class Superseded(Exception):
    """A newer save: the rebuild running behind the preview stops where it is."""


def check_superseded() -> None:
    """Called at every page of a preview's build: a newer save stops the build here."""
    if SUPERSEDED.is_set():
        raise Superseded("a newer save replaces this rebuild")


class QuietWhenSuperseded(logging.Filter):
    """MkDocs names the page a build stopped on as an error; a stop the engine asked for is none."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (SUPERSEDED.is_set() and isinstance(record.msg, str) and record.msg.startswith(ABANDONED_PAGE))


Stamps = dict[str, tuple[int, int]]


def stamps(paths: list[Path]) -> Stamps:
    """Each file under ``paths`` (size and modification time), as MkDocs would read them: hidden
    files and folders (an editor's swap file) left out, as MkDocs' default ``exclude_docs`` does,
    and Python's compiled files."""
    found: Stamps = {}
    for path in paths:
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = [p for p in path.rglob("*")
                          if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(path).parts)]
        else:
            continue
        for file in candidates:
            try:
                stat = file.stat()
            except OSError:                  # gone between listing and reading: changed
                continue
            if not file.is_dir():
                found[file.as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


@dataclasses.dataclass
class Held:
    """The last preview that built whole: what a page needs to be rendered again from it."""

    build: Any                           # the stages' Build: its session, MkDocs' config, files, nav, theme
    stamps: Stamps                       # the watched files as that build read them (prose edits move them on)
    use: Callable[[Any], Any]            # use(build): a context in which the plugin's events reach that build
    exact: bool = True                   # its records are those of its sources (no page shown after passes since)

    def render(self, pages: list[Any]) -> None:
        """``pages`` of this build rendered again, as MkDocs would, into the served folder."""
        self.build.renders.stop(pages)
        self._render(self.build, pages)

    def render_new(self, build: Any, pages: list[Any]) -> None:
        """``pages``, new in ``build`` (a rebuild paused after its passes), rendered with its
        configuration, files and nav and this preview's theme into the served folder. MkDocs
        converts them again when the rebuild goes on: nothing of this conversion is remembered."""
        renders = build.renders
        stopped, renders.stopped = renders.stopped, True
        try:
            self._render(build, pages)
        finally:
            renders.stopped = stopped

    def _render(self, build: Any, pages: list[Any]) -> None:
        """``pages`` of ``build``, its events reaching it, with this preview's theme and folder."""
        with self.use(build):
            for page in pages:
                # Each page's source (its title) is read just before it is rendered: no branch
                # rendered for another page, or for that preview's nav, stands.
                nav_memo.forget(self.build.theme_env)
                adapter.render_page(page, build.config, build.mkdocs_files, build.nav, self.build.theme_env,
                                    self.build.configured.final_site_dir)

    def remove(self, sources: list[str]) -> list[str]:
        """The served files of these pages of this preview, gone; the pages removed."""
        site = self.build.configured.final_site_dir
        gone = []
        for src in sources:
            found = self.build.mkdocs_files.get_file_from_path(src)
            if found is None:
                continue
            target = Path(site) / found.dest_uri
            target.unlink(missing_ok=True)
            if target.parent != Path(site) and target.parent.is_dir() and not any(target.parent.iterdir()):
                target.parent.rmdir()
            gone.append(src)
        return gone


HELD: list[Held | None] = [None]
SERVER: list[Any] = [None]           # the server of `mkdocs serve`, once the engine owns its rebuild


def hold(held: Held) -> None:
    HELD[0] = held


def plain_lines(held: Held) -> prose_edit.Plain:
    """What running text may not hold in this report: the delimiters its pages are rendered with
    (:func:`templates.page_delimiters`) and its participants' names."""
    jinja = held.build.env.env if held.build.env is not None else None
    pairs: tuple[tuple[str, str], ...] = (("{{", "}}"), ("{%", "%}"), templates.COMMENT_DELIMITERS)
    if jinja is not None:
        shown = templates.page_delimiters(jinja)
        pairs = tuple((shown[f"{kind}_start_string"], shown[f"{kind}_end_string"])
                      for kind in ("block", "variable", "comment"))
    names = {name.lower() for participant in held.build.data.participants.values()
             for name in participant.every_name()}
    return prose_edit.Plain(pairs, tuple(sorted(names)))


def changes(held: Held) -> tuple[Stamps, list[str]]:
    """The watched files now, and those that changed since ``held`` read them."""
    now = stamps(held.build.watched)
    return now, sorted(path for path in set(now) | set(held.stamps) if now.get(path) != held.stamps.get(path))


def prose_pages(held: Held, now: Stamps, changed: list[str]) -> list[Any] | None:
    """The pages to render again when every change since ``held`` is running text in its pages
    (their records patched in place); None when the passes must run."""
    docs = held.build.settings.docs_dir.resolve()
    session = held.build.session
    plain = plain_lines(held)
    updates = []
    for path in changed:
        file = Path(path)
        if path not in now or path not in held.stamps or file.suffix != ".md" or not file.resolve().is_relative_to(docs):
            log.debug(f"Preview: {path} changed, and it is not a page of the last preview: rebuilding the site")
            return None
        src = file.resolve().relative_to(docs).as_posix()
        found = held.build.mkdocs_files.get_file_from_path(src)
        record = session.pages.get(src)
        if found is None or found.page is None or record is None:
            return None
        try:
            new_raw = found.content_string
        except (OSError, UnicodeDecodeError):
            return None
        texts = prose_edit.patch(record.raw, new_raw, record.rendered, record.output, record.offset, plain)
        if texts is None:
            log.debug(f"Preview: more than running text changed in {src}: rebuilding the site")
            return None
        updates.append((path, record, new_raw, texts, found.page))
    for path, record, new_raw, texts, _ in updates:
        record.read(new_raw, adapter.front_matter(new_raw)[0])
        record.rendered, record.output = texts
        held.stamps[path] = now[path]
    return [page for *_, page in updates]


def exit_with_parent(parent: int) -> None:
    """A preview checker whose server was killed (not stopped with Ctrl+C) stops too, at once."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def stop_checks() -> None:
    """A new preview is coming: the checks of the one it replaces would only report on text gone."""
    checker, written = _PREVIEW_CHECKS[0], _PREVIEW_WRITTEN[0]
    if checker is not None and checker.is_alive():
        if written is not None:              # the cache writes it was left are not lost
            written.wait(timeout=10)
        checker.terminate()
        checker.join(timeout=5)
    _PREVIEW_CHECKS[0] = _PREVIEW_WRITTEN[0] = None


def show(settings: Settings, configured: Configured, session: Session, passes: Passes, site: Path,
         theme_dirs: list[str], fingerprints: Fingerprints, say: Callable[[ReportError], str],
         markdown_config: Any = None) -> Path:
    """Put the preview in place, then check it off the critical path. Returns where it now is.
    ``markdown_config``: MkDocs' configuration, whose Markdown extensions are imported while the
    author reads (:func:`read_ahead`)."""
    if SERVER[0] is not None:            # no request sees the folder while it is swapped
        adapter.hold_requests(SERVER[0])
    outputs.promote(configured.staging, configured.final_site_dir)
    site = configured.final_site_dir
    generation = next(_PREVIEWS)
    _LATEST_PREVIEW[0] = generation
    parent = os.getpid()
    writes = caches.take_later()            # what this build left for the cache, written off the critical path

    def check() -> None:
        if os.getpid() != parent:           # in the forked checker: end with the server, however it ends
            threading.Thread(target=exit_with_parent, args=(parent,), daemon=True).start()
        try:
            for write in writes:
                write()
        finally:
            written.set()
        started = time.perf_counter()
        if passes.unsaved is not None:
            memo, key = passes.unsaved
            memo.save_linked(key, session.linked_state(), session.linked_texts())
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
        context = multiprocessing.get_context("fork")
        written: Any = context.Event()
        checker = context.Process(target=check, name="report-preview-checks", daemon=True)
        checker.start()
        _PREVIEW_CHECKS[0], _PREVIEW_WRITTEN[0] = checker, written
    else:                                   # pragma: no cover - platforms without fork
        written = threading.Event()
        threading.Thread(target=check, name="report-preview-checks", daemon=True).start()
    threading.Thread(target=read_ahead, args=(_SAVES[0], markdown_config), name="report-preview-ahead",
                     daemon=True).start()
    return site


def read_ahead(saves: int, markdown_config: Any) -> None:
    """While the author reads: the Markdown extensions imported at once, for the next page converted
    (a preview whose pages all came from the cache imported none; importing yields the interpreter
    as it goes), then, once the preview has stayed on screen :data:`IDLE` seconds without a save,
    the bibliography's entries in memory, for the next save of the .bib. Reading the entries is one
    unpickling, which holds the interpreter throughout: a save in the meantime would wait for it,
    so a save first cancels it (its rebuild reads what it needs)."""
    try:
        if markdown_config is not None:
            render_cache.warm(markdown_config)
        time.sleep(IDLE)
        if _SAVES[0] == saves:
            bibtex.hold_last_parse()
    except Exception as error:               # the next rebuild does it again, and says what is wrong
        log.debug(f"Preview: the Markdown extensions or the bibliography's entries were not read ahead ({error})")


MAX_FIRST = 12          # pages shown before the rest of the site, at most
QUIET = 0.03            # seconds without a write before a save counts as done (when told by the system)
IDLE = 1.0              # seconds a preview stays on screen without a save before the engine reads ahead
_SAVES = [0]            # saves seen by the engine's rebuild (Instant), for read_ahead


@dataclasses.dataclass
class FirstPages:
    """A rebuild that pauses after its passes so that the pages they changed are shown first."""

    held: Held
    edited: list[str]                                    # pages whose source changed, shown first
    ready: threading.Event = dataclasses.field(default_factory=threading.Event)
    resume: threading.Event = dataclasses.field(default_factory=threading.Event)
    changed: list[tuple[str, Any]] = dataclasses.field(default_factory=list)   # (page, its new record)
    build: Any = None                                    # the paused rebuild
    added: list[str] = dataclasses.field(default_factory=list)     # its pages the last preview lacks
    removed: list[str] = dataclasses.field(default_factory=list)   # the last preview's pages it lacks


FIRST: list[FirstPages | None] = [None]


def passes_done(build: Any) -> None:
    """A preview's build has run its passes: when the server waits for the pages they changed,
    hand those over (their new records, the pages added and removed) and wait until they are shown."""
    first = FIRST[0]
    if first is None:
        return
    FIRST[0] = None
    held, pages = first.held.build.session.pages, build.session.pages
    changed = [(src, record) for src, record in pages.items()
               if src in held and (held[src].output != record.output or held[src].title != record.title)]
    edited = [item for item in changed if item[0] in first.edited]
    if edited:                  # the pages the author saved: the others the passes changed follow with the site
        changed = edited
    first.build = build
    first.added = [src for src in pages if src not in held][:MAX_FIRST]
    first.removed = [src for src in held if src not in pages]
    first.changed = changed[:max(0, MAX_FIRST - len(first.added))]
    first.ready.set()
    first.resume.wait(timeout=120)
    check_superseded()


def scoped(held: Held, changed: list[str]) -> bool:
    """Whether the passes can say which pages a change affects: pages (Markdown), data, the
    bibliography, partials and the nav of ``mkdocs.yml``; not the rest of ``mkdocs.yml``, Python
    code, the theme or other files of docs/."""
    docs = held.build.settings.docs_dir.resolve()
    config_file = Path(held.build.config.config_file_path).resolve()
    for path in (Path(name).resolve() for name in changed):
        if path == config_file and nav_only(held.build.config_text, path):
            continue
        if any(path == root or root in path.parents for root in held.build.whole):
            return False
        if path.is_relative_to(docs) and path.suffix != ".md":
            return False
    return True


def outside_nav(text: str) -> str:
    """A ``mkdocs.yml`` without its top-level ``nav:`` (the key, what is indented under it, and a
    sequence written flush under it); comments and blank lines apart."""
    kept, in_nav = [], False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not (in_nav and line.startswith("-")):
            in_nav = re.match(r"nav\s*:", line) is not None
        if not in_nav:
            kept.append(line)
    return "\n".join(kept)


def nav_only(before: str | None, config_file: Path) -> bool:
    """Whether ``config_file`` differs from the text ``before`` in its nav alone."""
    try:
        after = config_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return before is not None and outside_nav(before) == outside_nav(after)


class Instant:
    """``mkdocs serve``'s rebuild, owned by the engine: the edited pages first when only their running
    text changed, the whole site behind them; a full rebuild otherwise."""

    def __init__(self, server: Any, rebuild: Callable[[], Any]) -> None:
        self.server = server
        self.rebuild = rebuild              # the whole site, errors shown in the browser
        self.behind: threading.Thread | None = None
        self.shows_errors = True
        self.error_shown = False             # the last rebuild ended on an error page (on every page)

    def __call__(self) -> None:
        _SAVES[0] += 1
        self.stop_behind()
        held = HELD[0]
        started = time.perf_counter()
        if held is None or self.error_shown:   # after an error page, only a whole rebuild replaces it
            self.full()
            return
        now, changed = changes(held)
        try:
            pages = prose_pages(held, now, changed) if held.exact else None
            if pages is not None:            # running text only: its pages from the last preview
                if not pages:                # a save that changed nothing MkDocs reads
                    return
                HELD[0] = None               # until its pages are shown, the last preview is no model
                held.render(pages)
                HELD[0] = held
                self.shown(pages, started)
                self.start_behind()
                return
        except Exception as error:           # a page shown early is an optimisation: the rebuild decides
            log.warning(f"Preview: the edited page could not be shown first ({error}); rebuilding the site")
            self.full()
            return
        if scoped(held, changed):            # the passes say which pages changed: those first
            self.passes_first(held, changed, started)
        else:
            self.full()

    def full(self) -> None:
        """The whole site rebuilt first, as MkDocs would."""
        self.error_shown = self.rebuild() is False

    def passes_first(self, held: Held, changed: list[str], started: float) -> None:
        """The whole site rebuilt behind, paused after its passes while the pages they changed
        are rendered from the last preview's state and shown."""
        docs = held.build.settings.docs_dir.resolve()
        edited = [Path(path).resolve().relative_to(docs).as_posix() for path in changed
                  if Path(path).resolve().is_relative_to(docs)]
        first = FirstPages(held, edited)
        FIRST[0] = first
        self.start_behind()
        behind = self.behind
        while not first.ready.wait(0.01):
            if behind is None or not behind.is_alive():
                break
        FIRST[0] = None
        if not first.ready.is_set():         # the rebuild ended before its passes did: a mistake, shown
            return
        pages, added, removed = [], [], []
        held.exact = False                   # its records now mix sources: patching from them would mislead
        try:
            added = [found.page for found in map(first.build.mkdocs_files.get_file_from_path, first.added)
                     if found is not None and found.page is not None]
            held.render_new(first.build, added)
            removed = held.remove(first.removed)
            for src, record in first.changed:
                kept = held.build.session.pages[src]
                kept.output, kept.title = record.output, record.title
                found = held.build.mkdocs_files.get_file_from_path(src)
                if found is not None and found.page is not None:
                    pages.append(found.page)
            held.render(pages)
        except Exception as error:           # a page shown early is an optimisation: the rebuild decides
            log.warning(f"Preview: the changed pages could not be shown first ({error}); the site follows")
        finally:
            first.resume.set()
        self.shown(added + pages, started, removed)

    @staticmethod
    def shown(pages: list[Any], started: float, removed: list[str] | None = None) -> None:
        names = ", ".join(page.file.src_uri for page in pages) or "no page changed; nothing"
        gone = f" ({', '.join(removed)} removed)" if removed else ""
        log.info(f"Preview: {names} shown in {time.perf_counter() - started:.2f} s{gone}; "
                 "the rest of the site follows")

    def start_behind(self) -> None:
        """The whole site rebuilt behind the pages just shown; browsers reload once it settles."""
        def rebuild_behind() -> None:
            started = time.perf_counter()
            built = False
            try:
                built = self.rebuild() is not False
            except Superseded:
                return
            except Exception as error:      # not an author's mistake (those show in the browser): say it
                log.error(f"The preview's rebuild stopped: {error}")
            self.error_shown = not built
            if SUPERSEDED.is_set():
                return
            if built:
                log.info(f"Preview settled: the whole site rebuilt in {time.perf_counter() - started:.2f} s; "
                         "reloading browsers")
            else:
                log.info("Preview settled on the error above; reloading browsers")
            adapter.reload_browsers(self.server)

        self.behind = threading.Thread(target=rebuild_behind, name="report-preview-rebuild", daemon=True)
        self.behind.start()

    def stop_behind(self) -> None:
        """A newer save: the rebuild behind the preview stops at its next page."""
        behind = self.behind
        if behind is not None and behind.is_alive():
            SUPERSEDED.set()
            log.info("Preview: a newer save stops the rebuild behind it")
            behind.join()
        SUPERSEDED.clear()
        self.behind = None


def serve_instantly(server: Any, rebuild: Callable[[], Any]) -> Instant:
    """The engine's rebuild for ``server``; the server told of changes by the system where it can be."""
    SERVER[0] = server
    if adapter.use_events(server):
        log.debug("The preview is told of changes by the system")
        # MkDocs waits for 0.1 s without a change before it rebuilds, made for polling; told of
        # each write as it happens, the few writes of one save come within milliseconds.
        server.build_delay = min(getattr(server, "build_delay", QUIET), QUIET)
    for logger in {adapter.BUILD_LOGGER, "mkdocs"}:
        target = logging.getLogger(logger)
        if not any(isinstance(f, QuietWhenSuperseded) for f in target.filters):
            target.addFilter(QuietWhenSuperseded())
    return Instant(server, rebuild)


def inputs_of(settings: Settings, config: Any) -> tuple[list[Path], list[Path]]:
    """What a preview's build reads and the server watches (``docs/``, ``mkdocs.yml`` and
    :func:`watched`), and those of them whose change rebuilds the site first (resolved):
    ``mkdocs.yml``, the report's Python code and the theme's ``custom_dir``."""
    macros_config = getattr(config.plugins.get("macros"), "config", None) or {}
    config_file = Path(config.config_file_path)
    extra = watched(settings.project_dir, config.theme.custom_dir, macros_config)
    module = str(macros_config.get("module_name") or "macros")
    code = {settings.project_dir / name for name in ("macros", module, f"{module}.py")}
    custom = {settings.project_dir / config.theme.custom_dir} if config.theme.custom_dir else set()
    whole = [config_file.resolve(), *(path.resolve() for path in extra if path in code | custom)]
    return [settings.docs_dir, config_file, *extra], whole


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
                           ) -> Callable[[], bool]:
    """``mkdocs serve``'s rebuild, ended by an error page in the browser when it fails (then it
    returns False).

    MkDocs reloads browsers only after a rebuild that succeeded; one that fails leaves them
    waiting, the error only in the terminal. This rebuild logs the error, writes the error page
    over the served (temporary) folder's pages and returns, so browsers reload into the error,
    and reload into the report after the rebuild that follows the fix. ``failures``: the errors
    a rebuild ends with; ``quiet``: those MkDocs has logged itself."""
    caught: tuple[type[BaseException], ...] = (*failures, ReportError)

    def rebuild_or_show_error() -> bool:
        LAST_FAILURE[0] = None
        try:
            rebuild()
            return True
        except caught as error:
            shown = LAST_FAILURE[0] or (error if isinstance(error, ReportError) else str(error))
            if not isinstance(error, quiet):
                log.error(str(error))
            count = preview_page.show(served, shown)
            log.error(f"The preview was not rebuilt; the browser shows the error on its {count} page(s) "
                      "until a rebuild succeeds")
            return False
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
