"""The adapter between MkDocs (through mkdocs-macros) and the engine.

This is the only module that touches MkDocs objects. ``define_env`` runs while
mkdocs-macros configures itself; it loads the report, forces the settings the
engine's guarantees rest on (errors fail the build, undefined names are
errors, ``{## ##}`` comments), registers the macros and hooks the build events
it needs. Hooks are registered here rather than in ``mkdocs.yml`` so that a
report whose ``mkdocs.yml`` lists only ``search`` and ``macros`` gets them all.
"""

from __future__ import annotations

import functools
import logging
import os
import posixpath
import re
import time
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.utils.meta import get_data

from . import audit, editions, mdscan, newsletter, outputs, templates
from .audience import audience_from_environment
from .bibtex import load_bibtex
from .citations import CitationEngine
from .data import load_data
from .errors import ReportError
from .formatting import format_value
from .session import PageRecord, Session
from .sources import Location, front_matter_lines
from .template_errors import ReportUndefined

log = logging.getLogger("mkdocs.plugins.report")

COMMENT_START, COMMENT_END = "{##", "##}"
HTML_COMMENTS = re.compile(r"<!--(?!\[if).*?-->", re.S)
REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "footnotes", "tables", "toc", "pymdownx.blocks.caption")
REGISTER_PAGE = "redaction-register.md"
CACHE_DIR = ".cache/report-engine"
ENGINE_CSS = ("assets/report.css", "assets/citations.css")      # served from overrides/assets/
ENGINE_JS = ("assets/citations.js",)
# Files a site serves at its root for browsers, crawlers and hosts, which no page links to.
WELL_KNOWN_FILES = ("robots.txt", "favicon.ico", "CNAME", ".nojekyll", "humans.txt", "ads.txt", "security.txt",
                    ".well-known/security.txt")


def fail(error: ReportError) -> PluginError:
    """The one way an author's mistake leaves the engine: a single line, no traceback."""
    if error.file and os.path.isabs(error.file):
        try:
            error.file = Path(error.file).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            pass                      # outside the folder the author runs MkDocs in: keep it whole
    return PluginError(str(error))


def reports_errors(handler):
    """Every build event ends an author's mistake the same way: one line, no traceback."""
    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except ReportError as error:
            raise fail(error) from None
    return wrapper


class Build:
    """One MkDocs build of the report for one audience."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.config = env.conf
        self.project_dir = Path(self.config.config_file_path).resolve().parent
        self.docs_dir = Path(self.config.docs_dir).resolve()
        self.data = load_data(self.project_dir / "data", self.project_dir)
        self.audience = audience_from_environment(self.data.participants)
        self.citations = self._load_citations()
        report = self.data.report
        self.session = Session(self.data, self.audience, self.citations,
                               statement_texts=report.get("redaction_statement") or {})
        self.session.declared_files = outputs.declared_files(report, self.docs_dir, self.data.files["report"])
        self.final_site_dir: Path | None = None
        self.staging: Path | None = None

    def _load_citations(self) -> CitationEngine:
        """The report's citations; a report without bibliography.bib gets an empty one."""
        bib = self.project_dir / "bibliography.bib"
        report = self.data.report
        settings = report.get("citations") or {}
        style = settings.get("style", "author-year")
        max_names = settings.get("max_names", 10)
        if not isinstance(max_names, int) or isinstance(max_names, bool) or max_names < 1:
            raise ReportError(f"citations.max_names must be a whole number of 1 or more, got {max_names!r}",
                              self.data.files["report"], settings.line_of("max_names") if settings else None,
                              "write citations: {style: author-year, max_names: 10}")
        database = load_bibtex(bib, self.project_dir / CACHE_DIR)
        try:
            return CitationEngine(database, style=str(style), max_names=max_names)
        except ReportError as error:
            citations = report.get("citations")
            raise error.located(self.data.files["report"], citations.line_of("style") if citations else None)

    # ---- configuration -------------------------------------------------------

    def configure(self) -> None:
        """Force the settings the guarantees depend on, whatever mkdocs.yml says."""
        settings = self.env.config
        settings["on_error_fail"] = True
        settings["on_undefined"] = "strict"
        if not settings.get("j2_comment_start_string"):
            settings["j2_comment_start_string"] = COMMENT_START
            settings["j2_comment_end_string"] = COMMENT_END
        extensions = self.config["markdown_extensions"]
        for name in REQUIRED_EXTENSIONS:
            if name not in extensions:
                extensions.append(name)
        self.config["mdx_configs"].setdefault("pymdownx.blocks.caption", {})["auto"] = False
        self._theme_assets()
        report = self.data.report
        self.config["site_name"] = str(report["title"])
        self.config["site_description"] = str(report.get("subtitle") or report["title"])
        self.config["copyright"] = f"© {report['published'].year} {report['organization']}"
        if not self.config.get("site_url"):
            self.config["site_url"] = str(report["canonical_url"])
        extra = self.config["extra"]
        extra["report"] = self.identity()
        extra["report_build"] = {
            "audience": str(self.audience),
            "public": self.audience.is_public,
            "banner": self.banner(),
        }
        editions.configure(self.config, self.data.report, self.audience)
        self._choose_site_dir()

    def _theme_assets(self) -> None:
        """Footnote tooltips and the engine's own styles and scripts, even if mkdocs.yml omits them."""
        theme = self.config["theme"]
        if theme.name == "material":
            features = theme["features"] if "features" in theme else []
            if "content.footnote.tooltips" not in features:
                theme["features"] = [*features, "content.footnote.tooltips"]
        for path in ENGINE_CSS:
            if path not in self.config["extra_css"]:
                self.config["extra_css"].append(path)
        scripts = [str(script) for script in self.config["extra_javascript"]]
        for path in ENGINE_JS:
            if path not in scripts:
                self.config["extra_javascript"].append(path)

    def identity(self) -> dict[str, str]:
        """What the theme shows of the report: title, edition, window, how to cite it."""
        report = self.data.report
        window = report["assessment_window"]
        identity = {
            "title": str(report["title"]),
            "edition": str(report["edition"]),
            "edition_label": str(report["edition_label"]),
            "window": f"{format_value(window['start'])} to {format_value(window['end'])}",
            "published": format_value(report["published"]),
        }
        # Cite the edition at its permanent address: the report's root moves on to later editions.
        edition = {**report, "canonical_url": editions.edition_url(str(report["canonical_url"]),
                                                                    editions.edition_id(report))}
        identity["citation_html"], identity["citation_bibtex"] = self.citations.report_reference(edition)
        return identity

    def banner(self) -> str:
        if self.audience.is_public:
            return ""
        if self.audience.kind == "internal":
            who = "internal readers only"
        else:
            who = f"{self.data.participants[self.audience.participant].name} only"
        return f"Confidential: {who} ({self.audience}). Not for publication; do not forward."

    def _choose_site_dir(self) -> None:
        requested = Path(self.config.site_dir)
        public = outputs.configured_site_dir(Path(self.config.config_file_path))
        draft = bool(self.config["extra"]["report_build"].get("draft"))
        final = outputs.site_dir_for(self.audience, requested, public, self.project_dir, draft)
        if final != requested.resolve():
            log.info(f"{'courtesy draft' if draft else str(self.audience) + ' build'} goes to {final}, "
                     "never to the public site directory")
        self.final_site_dir = final
        # Write into a staging folder; the previous site stays until the build passes its audit.
        # Under `mkdocs serve` this keeps the last good preview on screen while a mistake is fixed.
        self.staging = outputs.staging_dir(final)
        outputs.discard(self.staging)
        self.staging.parent.mkdir(parents=True, exist_ok=True)
        self.config.site_dir = str(self.staging)

    def register(self) -> None:
        env = self.env
        for name, value in self.session.variables.items():
            if name in templates.RESERVED or name in self.session.macros():
                raise ReportError(f"data namespace '{name}' clashes with a built-in variable or macro",
                                  self.data.files[name], None, "rename the data file")
            env.variables[name] = value
        for name, function in self.session.macros().items():
            env.macro(templates.Macro(name, function), name)
        env.render = self.render
        plugins = self.config.plugins
        for event, handler in (("files", self.on_files), ("nav", self.on_nav), ("env", self.on_env),
                               ("page_content", self.on_page_content),
                               ("post_page", self.on_post_page), ("post_build", self.on_post_build),
                               ("build_error", self.on_build_error), ("serve", self.on_serve)):
            plugins._register_event(event, handler, plugin_name="report")

    # ---- build events, in the order MkDocs calls them ------------------------------

    @reports_errors
    def on_files(self, files: Files, *, config) -> Files:
        """Internal builds get a generated register of every redaction."""
        bibtex = self.config["extra"]["report"].get("citation_bibtex")
        if bibtex and files.get_file_from_path("report.bib") is None:
            files.append(File.generated(config, "report.bib", content=bibtex))
        if self.audience.kind == "internal" and files.get_file_from_path(REGISTER_PAGE) is None:
            files.append(File.generated(config, REGISTER_PAGE,
                                        content="# Redaction register\n\n{{ redaction_register() }}\n"))
        return files

    @event_priority(-100)
    def on_nav(self, nav, *, config, files: Files):
        """Render and link the whole report before MkDocs reads any page (pass one and two)."""
        try:
            self.jinja = templates.sandbox(self.env.env, self.project_dir, self.docs_dir,
                                           self.env.config["include_dir"], ReportUndefined,
                                           self.session.namespace_type(), self.session.partials)
            records = self._page_records(nav, files)
            names = list(self.env.variables) + list(self.env.env.globals)
            self.session.render_pages(records, self._render_template, names)
            self.session.link()
            self.citations.save_cache()
            incomplete = self.citations.notes(self.session.listed_keys())
            if incomplete:
                log.info(f"{len(incomplete)} cited reference(s) are incomplete and render with what they have; "
                         "`python -m macros check` lists them")
        except ReportError as error:
            raise fail(error) from None
        return nav

    def _page_records(self, nav, files: Files) -> list[PageRecord]:
        in_nav = [page.file for page in nav.pages]
        rest = sorted((f for f in files.documentation_pages() if f not in in_nav), key=lambda f: f.src_uri)
        records = []
        for file in in_nav + rest:
            path = (Path(file.abs_src_path).resolve().relative_to(self.project_dir).as_posix()
                    if file.abs_src_path else f"{self.config.docs_dir}/{file.src_uri}")
            try:
                raw = file.content_string
            except UnicodeDecodeError as error:
                line = file.content_bytes[:error.start].count(b"\n") + 1
                raise ReportError("this page is not UTF-8 text", path, line,
                                  "save it as UTF-8 (most editors offer it under 'Save with encoding')") from None
            template, meta = get_data(raw)        # it swallows YAML errors: check_page_source reports them
            check_page_source(raw, template, meta, path)
            if meta.get("render_macros") is False:
                raise ReportError("render_macros: false is not supported", path, 1,
                                  "pages are always rendered so that redactions apply; wrap literal Jinja in {% raw %}...{% endraw %}")
            records.append(PageRecord(file.src_uri, path, file.url, raw, template,
                                      front_matter_lines(raw, template), meta, file in in_nav))
        return records

    def _render_template(self, record: PageRecord) -> str:
        try:
            templates.check_template(self.jinja, record.template)
        except ReportError as error:
            raise error.located(record.path, record.offset + error.line if error.line else None) from None
        clash = sorted(set(record.meta) & (templates.RESERVED | set(self.session.variables) | set(self.session.macros())))
        if clash:
            raise ReportError(f"front matter field '{clash[0]}' would hide a macro, variable or data namespace",
                              record.path, 2, "rename the field")
        info = templates.PageInfo(record.src, record.url, str(record.meta.get("title", "")), dict(record.meta))
        site = {"site_name": self.config.site_name, "site_url": self.config.site_url, "extra": self.config.extra}
        variables = templates.page_variables(self.env.variables, record.meta, info, site)
        return self.jinja.from_string(record.template).render(**variables)

    def render(self, markdown: str, force_rendering: bool = False) -> str:
        """Replaces mkdocs-macros' render: pages come from the linked session."""
        page = getattr(self.env, "_page", None)
        record = self.session.pages.get(page.file.src_uri) if page is not None else None
        if record is not None and markdown == record.template:
            return record.output
        if record is not None and markdown == page.title:
            # Never the source: a title written with macros is read from the linked page.
            return record.title or page.file.name.replace("-", " ").replace("_", " ").capitalize()
        raise fail(ReportError("a page reached MkDocs without passing through the report engine",
                               page.file.src_uri if page is not None else None, None,
                               "this is a bug in a plugin that changes pages before mkdocs-macros"))

    @reports_errors
    def on_env(self, env, *, config, files: Files):
        """Publish by reachability: every page is converted by now, so we know what each one links to.

        Pages the audience's text does not reach (decided in pass two) and files under docs/ that
        no published page, stylesheet or declaration reaches are not written, indexed or listed
        in the sitemap; each is named once in the log.
        """
        session = self.session
        ours = [f for f in files if f.abs_src_path and
                Path(os.path.abspath(f.abs_src_path)).is_relative_to(self.docs_dir)]
        session.theme_outputs = {f.dest_uri for f in files if f.abs_src_path and f not in ours
                                 and not f.is_documentation_page()}
        media = {f.src_uri: f for f in ours if not f.is_documentation_page()}
        by_url: dict[str, str] = {}
        for src, file in media.items():
            by_url.setdefault(file.url, src)
            by_url.setdefault(src, src)
        linked: set[str] = set()               # what the published pages' HTML points at
        for file in ours:
            if file.is_documentation_page() and file.src_uri in session.reachable and file.page is not None:
                linked |= {by_url[p] for p in outputs.html_references(file.url, file.page.content or "") if p in by_url}
        declared = session.declared_files | self.theme_files()
        reached = linked | {src for src in media if src in declared}
        queue = [src for src in reached if src.endswith(".css")]
        while queue:                        # stylesheets bring the files their url() names
            css = media[queue.pop()]
            for url in mdscan.html_urls(Path(css.abs_src_path).read_text(encoding="utf-8", errors="replace")):
                path = outputs.site_path(css.url, url)
                if path in by_url and by_url[path] not in reached:
                    reached.add(by_url[path])
                    if path.endswith(".css"):
                        queue.append(by_url[path])
        hidden, sources = self._hidden_texts()
        # A file declared for publication (extra_files, often a glob) that only withheld text points at
        # goes with that text: the declaration is not a reason to publish a redaction's file.
        declared_only = {src: media[src].url for src in reached if src in session.declared_files and src not in linked}
        for src in sorted(outputs.withheld_assets(declared_only, hidden, set())):
            reached.discard(src)
            log.info(f"{src} is listed in extra_files, but only text the {self.audience} build leaves out links to it")
        for src in sorted(reached):
            self._check_copied_file(Path(self.docs_dir, src), src)
        session.media_files = sorted(media)
        named = outputs.withheld_assets({src: media[src].url for src in media if src not in reached}, hidden, set())
        session.withheld_assets = [(src, sources[index]) for src, index in sorted(named.items())]
        named.update(outputs.withheld_assets({src: session.pages[src].url for src in session.withheld_pages},
                                             hidden, set()))
        docs = self.config.docs_dir.rstrip("/").rsplit("/", 1)[-1]
        for file in ours:
            src = file.src_uri
            if (src in media and src not in reached) or (file.is_documentation_page() and src in session.withheld_pages):
                files.remove(file)
                why = "only redacted text links to it" if src in named else "nothing it publishes links to it"
                log.info(f"{docs}/{src} is not in the {self.audience} build: {why}")
        return env

    def _hidden_texts(self) -> tuple[list[str], list[Location]]:
        """Text this audience does not get (redacted bodies, editors' notes, footnotes that went with
        redactions), with where each came from: a file named there and nowhere else is withheld."""
        pages = self.session.pages
        hidden = [block.body + "\n" + "\n".join(f"({url})" for url in outputs.reference_targets(block.body, pages[block.page].output))
                  for block in self.session.hidden_blocks]
        sources = [block.redaction.location for block in self.session.hidden_blocks]
        hidden += [moved.text for moved in self.session.relocated]
        sources += [moved.location for moved in self.session.relocated]
        if self.audience.kind != "internal":        # a file named only in an editor's note goes with the note
            for record in pages.values():
                notes = mdscan.strip_comments(record.template)[1]
                if notes:
                    hidden.append("\n".join(notes))
                    sources.append(Location(record.path))
        return hidden, sources

    def theme_files(self) -> set[str]:
        """Files under docs/ that mkdocs.yml and the theme declare: styles, scripts, logo, favicon."""
        declared = [str(getattr(item, "path", item)) for item in
                    [*self.config["extra_css"], *self.config["extra_javascript"]]]
        theme = self.config["theme"]
        declared += [str(theme[key]) for key in ("logo", "favicon") if key in theme and theme[key]]
        return {posixpath.normpath(path.lstrip("/")) for path in declared if "://" not in path} | set(WELL_KNOWN_FILES)

    def _check_copied_file(self, path: Path, src: str) -> None:
        """Files MkDocs copies as they are must not bring non-public data with them."""
        display = f"{self.config.docs_dir.rstrip('/').rsplit('/', 1)[-1]}/{src}"
        if path.is_symlink() and not path.resolve().is_relative_to(self.docs_dir):
            raise ReportError("this file links to a file outside docs/, which MkDocs would publish as it is",
                              display, None, "copy into docs/ only what may be published")
        if path.suffix in (".yml", ".yaml") and "!private" in path.read_text(encoding="utf-8", errors="replace"):
            raise ReportError("this data file holds !private values and would be published as it is",
                              display, None, "keep data in data/, outside docs/")

    @reports_errors
    def on_page_content(self, html: str, *, page, config, files) -> str:
        """Editors' notes that reached the HTML go here; the page as readers get it is kept for the audit."""
        if self.audience.kind != "internal":
            html = HTML_COMMENTS.sub("", html)
        record = self.session.pages.get(page.file.src_uri)
        if record is not None:
            record.html = html          # what readers get, kept for the audit
        return html

    @reports_errors
    def on_post_page(self, output: str, *, page, config) -> str:
        """Every non-public page says so and asks not to be indexed; so does every courtesy draft."""
        build = self.config["extra"]["report_build"]
        if not self.audience.is_public:
            output = outputs.mark_confidential(output, self.banner())
        elif build.get("draft") and "data-report-draft" not in output:   # the theme already shows it
            output = outputs.mark_confidential(output, build["draft"])
        return output

    @reports_errors
    @event_priority(-100)
    def on_post_build(self, *, config) -> None:
        """Audit everything written, then put the finished site in place."""
        site = Path(config.site_dir)
        try:
            if self.audience.is_public:
                newsletter.write_newsletter(site, self.session, self.data.report)
        except ReportError as error:
            raise fail(error) from None
        started = time.perf_counter()
        findings = audit.audit_build(site, self.session, self.config.theme.dirs)
        if findings:
            outputs.discard(self.staging) if self.staging else None
            raise fail(audit.findings_error(findings, site))
        if self.staging is not None and self.final_site_dir is not None:
            outputs.promote(self.staging, self.final_site_dir)
            config.site_dir = str(self.final_site_dir)
        log.info(f"Leak audit passed for the {self.audience} build in {time.perf_counter() - started:.2f} s")

    def on_build_error(self, *, error: Exception) -> None:
        """A failed build leaves the previous site as it was."""
        if self.staging is not None:
            outputs.discard(self.staging)

    def on_serve(self, server, *, config, builder):
        """``mkdocs serve`` also reloads on data, bibliography and engine edits."""
        for path in (self.project_dir / "data", self.project_dir / "bibliography.bib",
                     self.project_dir / "macros", self.project_dir / "overrides"):
            if path.exists():
                server.watch(str(path))
        return server


FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


def check_page_source(raw: str, template: str, meta: dict, path: str) -> None:
    """Mistakes MkDocs would publish silently: broken front matter, editors' notes written wrong."""
    match = FRONT_MATTER.match(raw)
    if match and not meta:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            if error.context_mark and "stream end" in str(error.problem):   # an unclosed bracket: name where it opened
                mark = error.context_mark
            raise ReportError(f"malformed front matter: {error.problem or error.context}", path,
                              mark.line + 2 if mark else 1, "check the YAML between the two --- lines") from None
        except ValueError as error:               # an impossible date: 2026-02-30
            raise ReportError(f"malformed front matter: {error}", path, 2,
                              "check the dates between the two --- lines") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ReportError("front matter must be a mapping of fields", path, 2, "write e.g. title: Summary")
    templates.check_notes(template, path, front_matter_lines(raw, template))


REFUSED_COMMANDS = {
    "gh-deploy": ("`mkdocs gh-deploy` would replace every published edition with this one build, "
                  "past the engine's checks", "publish an edition with `python -m macros publish`"),
}


def on_startup(*, command: str, dirty: bool) -> None:
    """MkDocs names its command to the plugins it knows at start-up: deploying is the engine's job."""
    if command in REFUSED_COMMANDS:
        message, suggestion = REFUSED_COMMANDS[command]
        raise fail(ReportError(message, f"mkdocs {command}", None, suggestion))


def running_command() -> str | None:
    """The MkDocs command this build runs under, as MkDocs' command line (click) knows it.

    mkdocs-macros loads the engine after MkDocs has told its plugins the command (``on_startup``),
    so until the engine is a plugin of its own it asks the command line's context instead.
    """
    try:
        import click
        context = click.get_current_context(silent=True)
    except ImportError:  # pragma: no cover - MkDocs depends on click
        return None
    return context.info_name if context is not None else None


def define_env(env: Any) -> None:
    """mkdocs-macros entry point."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    command = running_command()
    if command:
        on_startup(command=command, dirty=False)
    try:
        build = Build(env)
        build.configure()
        build.register()
        env.report_build = build      # for commands that build in-process (audit)
    except ReportError as error:
        raise fail(error) from None
