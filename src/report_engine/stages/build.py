"""The coordinator: one build of the report for one audience, its stages in the order MkDocs runs them.

:class:`Build` is made afresh for every build (``on_config``). Each MkDocs event calls one of its
methods, which runs a stage over the values earlier stages returned and keeps the value it
returns. The plugin (:mod:`report_engine.plugin`) turns an author's mistake raised here into
one line.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import logging
from pathlib import Path
from typing import Any, Iterator

from .. import ahead, changes, mdscan, nav_memo, outputs, render_cache, templates
from ..adapter import nav_pages
from ..audience import Audience
from ..data import ReportData
from ..errors import ReportError
from ..formatting import number_words
from ..session import Session
from ..settings import Settings
from . import configure, extras, finish, passes, preview, reachability
from .configure import Configured
from .finish import Fingerprints
from .pages import PageWriter, convert_ahead
from .passes import Passes


class Build:
    """One MkDocs build of the report for one audience."""

    def __init__(self, config: Any, settings: Settings, data: ReportData) -> None:
        self.config = config                  # MkDocs' configuration, edited only by the configure stage
        self.settings = settings
        self.data = data
        self.citations = configure.load_citations(settings, data)
        report = data.report
        # What pass one and two record, read by every later stage (and the audit).
        self.session = Session(data, settings.audience, self.citations,
                               statement_texts=report.get("redaction_statement") or {})
        self.session.declared_files = outputs.declared_files(report, settings.docs_dir, data.files["report"])
        self.configured: Configured = configure.configure(config, settings, data, self.citations)
        self.renders = render_cache.PageRenders(settings.project_dir, config, settings.serving)
        # Set by the events that make them, in this order; None before.
        self.env: Any = None                  # mkdocs-macros, once the report's macros module attaches
        self.nav: Any = None                  # MkDocs' navigation (on_nav)
        self.passes: Passes | None = None     # what the passes returned (on_nav)
        self.pages: PageWriter | None = None  # the per-page events (from on_nav)
        self.fingerprints: Fingerprints | None = None     # the audit's, made ahead (on_env)
        self.converting: ahead.Helper | None = None        # pages converted ahead (on_nav to on_env)
        self.mkdocs_files: Any = None         # MkDocs' files (on_nav)
        self.theme_env: Any = None            # the theme's Jinja environment (on_env)
        # Under `mkdocs serve`: what the preview watches (and what of it rebuilds the site first when
        # it changes), as this build is about to read it.
        self.watched: list[Path] = []
        self.whole: list[Path] = []
        self.stamps: preview.Stamps = {}
        self.config_text: str | None = None   # mkdocs.yml as read (a change to its nav alone is scoped)
        if settings.serving:
            self.watched, self.whole = preview.inputs_of(settings, config)
            self.stamps = preview.stamps(self.watched)
            try:
                self.config_text = Path(config.config_file_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                pass

    @property
    def audience(self) -> Audience:
        return self.settings.audience

    # ---- mkdocs-macros hands over ----------------------------------------------------------

    def attach(self, env: Any) -> None:
        """The report's macros module hands over mkdocs-macros: the engine's macros and data go in.
        (The plugin then hooks :meth:`hand_over` into mkdocs-macros' ``on_pre_page_macros``.)"""
        self.env = env
        for name, value in self.session.variables.items():
            if name in templates.RESERVED or name in self.session.macros():
                raise ReportError(f"data namespace '{name}' clashes with a built-in variable or macro",
                                  self.data.files[name], None, "rename the data file")
            env.variables[name] = value
        for name, function in self.session.macros().items():
            env.macro(templates.Macro(name, function), name)
        env.filter(number_words, "words")

    def hand_over(self, env: Any) -> None:
        """mkdocs-macros' pre-page hook: the page is the one the engine rendered and linked, and
        mkdocs-macros is told (through the page's metadata as it sees it) to leave it as it is."""
        page = env.page
        record = self.session.pages.get(page.file.src_uri)
        if record is None:
            raise ReportError("a page reached MkDocs without passing through the report engine",
                              page.file.src_uri, None,
                              "this is a bug in a plugin that adds pages after the report engine's on_nav")
        env.markdown = record.output
        shown = copy.copy(env.variables["page"])
        shown.meta = {**(page.meta or {}), "render_macros": False}
        env.variables["page"] = shown
        if page.title and env.has_j2(page.title):
            # Never the source: a title written with macros is read from the linked page.
            page.title = record.title or page.file.name.replace("-", " ").replace("_", " ").capitalize()
        self.writer.handed.add(record.src)

    # ---- the stages, in the order MkDocs' events run them ----------------------------------

    def files(self, files: Any) -> Any:
        """Configure, second half: the files the engine adds, and those of participants that left."""
        return configure.generated_files(files, self.config, self.settings, self.configured)

    def run_passes(self, nav: Any, files: Any) -> None:
        """Passes one and two, before MkDocs reads any page."""
        if self.env is None:
            raise ReportError("mkdocs-macros never handed the report's pages to the report engine", "mkdocs.yml",
                              None, "list the macros plugin (module_name: macros), whose define_env calls "
                                    "report_engine's define_env")
        self.nav = nav
        self.mkdocs_files = files
        sections = {page.file.src_uri: section for page, section in nav_pages(nav.items) if section}
        self.pages = PageWriter(self.configured, self.session, self.renders, sections)
        macros = passes.Macros(self.env.env, self.env.variables, self.env.config)
        with collector_paused():
            self.passes = passes.run(self.settings, self.configured, self.data, self.session, self.citations,
                                     macros, self.config, nav, files)
        settle_memory(self.settings)
        if self.passes.unchanged:           # nothing changed since the last edition: no changes page
            self.nav = configure.without_page(self.config, files, self.session, changes.PAGE)
        if self.settings.serving:           # the preview may show the pages the passes changed first
            preview.passes_done(self)

    def start_converting(self, files: Any) -> None:
        """Pages converted ahead on another core (after the passes, before MkDocs converts)."""
        self.converting = convert_ahead(self.config, files, self.renders, self.settings.serving)

    @property
    def writer(self) -> PageWriter:
        """The per-page events; under `mkdocs serve` a newer save stops the build at a page."""
        if self.pages is None:                # pragma: no cover - MkDocs runs on_nav before any page
            raise ReportError("a page reached MkDocs before the report engine's passes")
        if self.settings.serving:
            preview.check_superseded()
        return self.pages

    def held(self, use: Any) -> preview.Held:
        """This preview, kept so that the next save's edited pages can be rendered from it;
        ``use(build)``: a context in which the plugin's events reach ``build``."""
        return preview.Held(self, dict(self.stamps), use)

    @property
    def outcome(self) -> Passes:
        if self.passes is None:               # pragma: no cover - MkDocs runs on_nav before any page
            raise ReportError("a page reached MkDocs before the report engine's passes")
        return self.passes

    def reach(self, files: Any, env: Any) -> None:
        """Reachability: every page is converted by now; what they do not reach leaves the build."""
        self.stop_helpers()                 # MkDocs has converted every page
        settle_memory(self.settings)
        self.theme_env = env
        nav_memo.install(env, self.config)    # Material's navigation: each branch rendered once per view
        reach = reachability.reach(self.settings, self.session, self.config, files, self.data.report,
                                   self.data.files["report"])
        # The audit reads them from the session, with what the passes recorded.
        self.session.theme_outputs = set(reach.theme_outputs)
        self.session.media_files = list(reach.media_files)
        self.session.withheld_assets = list(reach.withheld_assets)
        self.fingerprints = Fingerprints(self.settings, self.session, self.outcome.key)
        if not self.settings.serving:       # the audit's fingerprints, on another core while pages are written
            self.fingerprints.make_ahead(Path(self.config.site_dir), files, list(self.config.theme.dirs),
                                         self.settings.project_dir)
            if self.outcome.checking is not None:         # and the conflict check
                self.outcome.checking.start()
            mdscan.forget()                 # what a preview's next rebuild would read again: no use here

    def written(self) -> extras.Written:
        theme = self.config.theme
        return extras.Written(self.settings, self.configured, self.data, self.session, self.writer, self.nav,
                              str(theme.get("language") or "en"), theme.custom_dir)

    def post_build(self, site: Path, say: Any) -> Path:
        """Extra outputs, then the audit and promotion (or the preview). Returns where the site now is."""
        try:
            return self._post_build(site, say)
        finally:
            gc.unfreeze()                   # the next build in this process, if any, may free all of this

    def _post_build(self, site: Path, say: Any) -> Path:
        self.renders.finish()
        if self.outcome.checking is not None:            # nothing is promoted before its verdict
            self.outcome.checking.verdict()
        written = self.written()
        extras.write(written, site, "pages")
        finish.clean_images(site, self.session)
        fingerprints = self.fingerprints or Fingerprints(self.settings, self.session, self.outcome.key)
        theme_dirs = list(self.config.theme.dirs)
        if self.settings.serving:
            return preview.show(self.settings, self.configured, self.session, self.outcome, site, theme_dirs,
                                fingerprints, say, self.config)
        extras.write(written, site, "document")
        return finish.finish(self.settings, self.configured, self.session, site, theme_dirs, fingerprints)

    def stop_helpers(self) -> None:
        self.citations.ahead.take()
        for helper in (self.converting, self.fingerprints):
            if helper is not None:
                helper.stop()
        self.converting = None

    def first_error(self, error: ReportError) -> ReportError:
        """The error to stop on: the conflict check's, if the build forked one that finds a conflict
        (it comes before ``error`` in a build that checks in process), else ``error``."""
        checking = self.passes.checking if self.passes is not None else None
        return checking.first(error) if checking is not None else error

    def failed(self) -> None:
        """A failed build leaves the previous site as it was."""
        gc.unfreeze()
        self.citations.ahead.abandon()
        if self.passes is not None and self.passes.checking is not None:
            self.passes.checking.stop(now=True)
        self.stop_helpers()
        outputs.discard(self.configured.staging)


# Python's cycle collector looks at every object alive each time it runs in full: a tenth of a
# cold build went on looking, again and again, at what the passes keep until the build ends.

@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The passes make millions of objects, nearly all freed as they go (reference counting);
    the cycle collector waits until they are done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle_memory(settings: Settings) -> None:
    """What a build holds by now is kept until it ends: the collector is told to leave it be
    (:func:`gc.freeze`; :meth:`Build.post_build` and :meth:`Build.failed` undo it). Not under
    ``mkdocs serve``, whose builds follow one another in one process."""
    if not settings.serving:
        gc.freeze()
