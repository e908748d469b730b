"""The engine's MkDocs plugin, and its hand-over to mkdocs-macros: the thin adapter over the stages.

The engine is a real MkDocs plugin (``report``, registered through the ``mkdocs.plugins`` entry
point) with a typed configuration. A report may list it in ``mkdocs.yml``; a report whose
``mkdocs.yml`` lists only ``search`` and ``macros`` gets it all the same: the report's macros
module calls :func:`define_env`, which adds the plugin through MkDocs' public
``config.plugins[name] = plugin`` mapping (that registers every event of the plugin). Either way
the build has the guarantees, or it stops.

Each event hands over to the build under way (:class:`~report_engine.stages.build.Build`, made
afresh for every build), and an author's mistake raised in a stage leaves here as one line,
with no traceback (:func:`fail`). mkdocs-macros stays the way macros reach pages, but it never
renders a raw page: the engine renders every page itself (the passes, in ``on_nav``), and hands
each page to mkdocs-macros through its public ``on_pre_page_macros`` hook, marked so that
mkdocs-macros leaves it as it is. The names MkDocs lends the engine are listed in
:mod:`report_engine.adapter`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NoReturn, TypeVar

from .adapter import (BUILD_LOGGER, BUILDING_MESSAGE, Abort, BasePlugin, BuildError, MkDocsConfig, PluginError, base,
                      config_options as c, event_priority)
from .data import load_data
from .errors import ReportError
from .inputs import plugin_line
from .stages import preview
from .stages.build import Build
from .stages.configure import read_settings

# Names other code imported from this module before the stages had modules of their own.
from .adapter import nav_pages                                   # noqa: F401
from .stages.configure import REGISTER_PAGE, REQUIRED_EXTENSIONS, THEME_DIR       # noqa: F401
from .stages.pages import first_paragraph, editor_note           # noqa: F401
from .stages.passes import check_page_source, printable          # noqa: F401
from .stages.preview import check_code_unchanged, code_stamps    # noqa: F401
from .stages.preview import exit_with_parent as _exit_with_parent     # noqa: F401
from .stages.preview import stop_checks as stop_preview_checks   # noqa: F401

log = logging.getLogger("mkdocs.plugins.report")

PLUGIN_NAME = "report"
T = TypeVar("T")


def fail(error: ReportError) -> PluginError:
    """The one way an author's mistake leaves the engine: a single line, no traceback."""
    if error.file and os.path.isabs(error.file):
        try:
            error.file = Path(error.file).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            pass                      # outside the folder the author runs MkDocs in: keep it whole
    preview.LAST_FAILURE[0] = error
    return PluginError(str(error))


def reporting(call: Callable[[], T], first: Callable[[ReportError], ReportError] | None = None) -> T:
    """Run one stage; an author's mistake ends it the one way (:func:`fail`). ``first``: the error
    to stop on instead, if one came before it (the build's conflict check on another core)."""
    try:
        return call()
    except ReportError as error:
        raise fail(first(error) if first is not None else error) from None


REFUSED_COMMANDS = {
    "gh-deploy": ("`mkdocs gh-deploy` would replace every published edition with this one build, "
                  "past the engine's checks", "publish an edition with `python -m macros publish`"),
}


def refuse_command(command: str | None) -> None:
    """Deploying is the engine's job, never MkDocs' own."""
    if command in REFUSED_COMMANDS:
        message, suggestion = REFUSED_COMMANDS[command]
        raise fail(ReportError(message, f"mkdocs {command}", None, suggestion))


def running_command() -> str | None:
    """The MkDocs command this build runs under, as MkDocs' command line (click) knows it.

    Used only when the plugin was added by :func:`define_env`: MkDocs told its plugins the
    command (``on_startup``) before mkdocs-macros loaded the report's macros module. Click's context
    belongs to the main thread; the preview's rebuilds in the background run under ``serve``.
    """
    import click

    context = click.get_current_context(silent=True)
    if context is None and preview.SERVER[0] is not None:
        return "serve"                  # a preview's rebuild running behind it, in a thread of its own
    return context.info_name if context is not None else None


class ReportConfig(base.Config):
    """``plugins: [report: {audience: ...}]`` in mkdocs.yml; every setting is optional."""

    # The audience to build for; unset, REPORT_AUDIENCE decides (and unset too, public).
    # ``audience: !ENV [REPORT_AUDIENCE, public]`` says the same thing explicitly.
    audience = c.Optional(c.Type(str))
    # Make the whole report as one PDF too (``python -m macros pdf`` sets REPORT_PDF=1); unset, REPORT_PDF
    # decides. Never under ``mkdocs serve``.
    pdf = c.Optional(c.Type(bool))


class SiteFolderMessage(logging.Filter):
    """MkDocs' "Building documentation to directory: ..." names the folder it writes into, which for
    the engine is a staging folder (promoted once the leak audit passes): the line is made to name
    where the site goes, or left out when the engine has said so already (a private build's
    "... goes to ..." line). One filter on MkDocs' build logger, asking the plugin of the build under way."""

    def __init__(self, plugin: "ReportPlugin") -> None:
        super().__init__()
        self.plugin = plugin

    def filter(self, record: logging.LogRecord) -> bool:
        build = self.plugin.build
        if build is None or not isinstance(record.msg, str) or not record.msg.startswith(BUILDING_MESSAGE):
            return True
        configured = build.configured
        if record.getMessage()[len(BUILDING_MESSAGE):].strip() != str(configured.staging):
            return True
        if configured.site_announced:
            return False
        record.msg, record.args = BUILDING_MESSAGE + str(configured.final_site_dir), ()
        return True

    @classmethod
    def install(cls, plugin: "ReportPlugin") -> None:
        """This plugin's filter on MkDocs' build logger, in place of any earlier plugin's."""
        logger = logging.getLogger(BUILD_LOGGER)
        for old in [f for f in logger.filters if isinstance(f, cls)]:
            logger.removeFilter(old)
        logger.addFilter(cls(plugin))


class ReportPlugin(BasePlugin[ReportConfig]):
    """The report engine as MkDocs sees it: each event hands over to the build under way.

    MkDocs keeps a plugin with ``on_startup`` alive across the rebuilds of ``mkdocs serve``;
    everything of one build lives in :class:`Build`, made afresh for every build.
    """

    def __init__(self) -> None:
        self.build: Build | None = None       # the build under way (made in on_config)
        self.command: str | None = None       # the MkDocs command running: build, serve...

    # Deploying with MkDocs itself is refused.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        refuse_command(command)

    def prepare(self, config: Any) -> Build:
        """The build of this configuration, made and configured once (on_config and define_env both ask)."""
        if self.build is None or self.build.config is not config:
            def make() -> Build:
                data = load_data(Path(config.config_file_path).resolve().parent / "data",
                                 Path(config.config_file_path).resolve().parent)
                settings = read_settings(config, self.config.audience, self.config.pdf, self.command == "serve", data)
                return Build(config, settings, data)
            self.build = reporting(make)
            SiteFolderMessage.install(self)
        return self.build

    @contextlib.contextmanager
    def using(self, build: Build) -> Iterator[None]:
        """The events reach ``build`` for a while (the preview renders a page from an earlier build)."""
        previous, self.build = self.build, build
        try:
            yield
        finally:
            self.build = previous

    # Settings, then the MkDocs settings the guarantees depend on (the configure stage).
    def on_config(self, config: Any) -> Any:
        if self.command == "serve":
            preview.stop_checks()
        self.prepare(config)
        return config

    def _current(self) -> Build:
        if self.build is None:          # pragma: no cover - MkDocs calls on_config first
            raise PluginError("the report plugin was not configured")
        return self.build

    # The generated pages and files in; the pages of participants that left out.
    def on_files(self, files: Any, *, config: Any) -> Any:
        return reporting(lambda: self._current().files(files))

    # Passes one and two over every page, last of the plugins: others may add pages first.
    @event_priority(-100)
    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        build = self._current()
        reporting(lambda: build.run_passes(nav, files))
        build.start_converting(files)
        return build.nav                # the passes may leave a generated page out

    # Each page's final Markdown: the one the passes made; the generated pages' bodies.
    @event_priority(-100)
    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        build = self._current()
        return reporting(lambda: build.writer.markdown(markdown, page, build.outcome), build.first_error)

    # Reachability: what the pages do not reach leaves the build.
    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        build = self._current()
        reporting(lambda: build.reach(files, env), build.first_error)
        return env

    # Each page's HTML: editors' notes, dates, wide tables, its description.
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        build = self._current()
        return reporting(lambda: build.writer.content(html, page), build.first_error)

    # The section's citation, for the theme.
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        return self._current().writer.context(context, page)

    # The written page: head tags, the confidential banner.
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        build = self._current()
        return reporting(lambda: build.writer.written(output, page), build.first_error)

    # Extra outputs, the audit, the stamp and promotion (or the preview), after every other plugin.
    @event_priority(-100)
    def on_post_build(self, *, config: Any) -> None:
        build = self._current()
        site = reporting(lambda: build.post_build(Path(config.site_dir), fail), build.first_error)
        config.site_dir = str(site)
        if build.settings.serving:          # the next save's edited pages are rendered from this preview
            preview.hold(build.held(self.using))

    # A failed build leaves the previous site as it was.
    def on_build_error(self, *, error: Exception) -> None:
        if self.build is not None:
            self.build.failed()

    # `mkdocs serve` also reloads on data, bibliography, partials, the report's macros and the theme's
    # overrides, shows errors, and rebuilds the engine's way: the edited page first (the preview stage).
    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        macros = config.plugins.get("macros")
        for path in preview.watched(self._current().settings.project_dir, config.theme.custom_dir,
                                    getattr(macros, "config", None)):
            server.watch(str(path))
        rebuild = server.builder
        if not getattr(rebuild, "shows_errors", False):
            server.builder = preview.serve_instantly(server, preview_rebuild(rebuild, Path(server.root)))
        return server


def preview_rebuild(rebuild: Callable[[], None], served: Path) -> Callable[[], bool]:
    """``mkdocs serve``'s rebuild, ended by an error page in the browser when it fails."""
    return preview.rebuild_showing_errors(rebuild, served, (Abort, PluginError, BuildError), (Abort,))


FOREIGN_HOST = ("ERROR   -  report-engine: this build does not run MkDocs' plugin events (Zensical runs the "
                "macros module alone), so redactions, numbering, citations and the leak audit cannot be "
                "guaranteed; nothing it writes may be published. Build with `python -m macros build` (MkDocs 1.6.1 or "
                "ProperDocs).")


def discard_foreign_output(conf: Any) -> None:
    """The host's output folder, when it is plainly one (inside the project, not docs/, no mkdocs.yml
    in it): the host copies docs/ assets before any page reaches the engine, some of which only a
    redaction may use, so nothing it wrote is left for someone to upload by hand."""
    if not isinstance(conf, Mapping) or not conf.get("site_dir"):
        return
    root = Path(str(conf.get("root_dir") or ".")).resolve()
    site = (root / str(conf["site_dir"])).resolve()
    docs = (root / str(conf.get("docs_dir") or "docs")).resolve()
    if (site.is_dir() and site != root and site.is_relative_to(root) and not docs.is_relative_to(site)
            and not (site / "mkdocs.yml").exists()):
        shutil.rmtree(site, ignore_errors=True)


def refuse_foreign_host(conf: Any = None) -> NoReturn:
    """Another host calls the report's macros module (Zensical's own mkdocs-macros): stop, in one line.

    Zensical turns any exception raised here, SystemExit included, into a traceback of its own
    (it renders pages on several threads, each of which would print it), so the process ends at
    once with ``os._exit``, the standard library's documented immediate exit. Whatever the host
    wrote before carries no audit stamp, so ``publish`` and ``audit`` refuse it."""
    print(FOREIGN_HOST, file=sys.stderr, flush=True)
    sys.stdout.flush()
    discard_foreign_output(conf)
    os._exit(1)


def define_env(env: Any) -> None:
    """The engine's part of a report's mkdocs-macros module: call it from the module's ``define_env``.

    It finds the report plugin (or adds it, when mkdocs.yml lists only ``search`` and ``macros``),
    and attaches mkdocs-macros to the build: the engine's macros and data namespaces, and the
    hand-over of each rendered page.
    """
    config = getattr(env, "conf", None)
    if not isinstance(config, MkDocsConfig):
        refuse_foreign_host(config)
    plugin = config.plugins.get(PLUGIN_NAME)
    if plugin is None:
        command = running_command()
        refuse_command(command)
        plugin = ReportPlugin()
        plugin.command = command
        plugin.load_config({}, config.config_file_path)          # every setting is optional
        config.plugins[PLUGIN_NAME] = plugin          # public: registers every event of the plugin
    elif not isinstance(plugin, ReportPlugin):
        config_file = Path(config.config_file_path)
        raise fail(ReportError(f"the plugin named '{PLUGIN_NAME}' in mkdocs.yml is not the report engine's",
                               config_file.name, plugin_line(config_file, PLUGIN_NAME), "remove it or rename it"))
    reporting(lambda: check_code_unchanged(Path(config.config_file_path).resolve().parent))
    build = plugin.prepare(config)
    reporting(lambda: build.attach(env))
    # mkdocs-macros' pre-page hook: the engine gives it each page already rendered (first, before
    # any hook of the report's own), and a mistake found there leaves as one line.
    env.pre_macro_functions.insert(0, lambda macros: reporting(lambda: build.hand_over(macros)))
