"""The engine's MkDocs plugin, and its hand-over to mkdocs-macros.

This is the only module that touches MkDocs objects. The engine is a real
MkDocs plugin (``report``, registered through the ``mkdocs.plugins`` entry
point) with a typed configuration. A report may list it in ``mkdocs.yml``; a
report whose ``mkdocs.yml`` lists only ``search`` and ``macros`` gets it all
the same: the report's macros module calls :func:`define_env`, which adds the
plugin through MkDocs' public ``config.plugins[name] = plugin`` mapping (that
registers every event of the plugin). Either way the build has the guarantees,
or it stops.

mkdocs-macros stays the way macros reach pages, but it never renders a raw
page: the engine renders every page itself (pass one and two, in ``on_nav``),
and hands each page to mkdocs-macros through its public ``on_pre_page_macros``
hook, marked so that mkdocs-macros leaves it as it is.
"""

from __future__ import annotations

import copy
import html as html_module
import dataclasses
import datetime as dt
import functools
import itertools
import multiprocessing
import json
import logging
import os
import posixpath
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping, NoReturn

import yaml
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.config import config_options as c
from mkdocs.exceptions import Abort, BuildError, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils.meta import get_data

from . import (ahead, audit, caches, cards, changes, courtesy, disclosures, editions, findability, inputs, linking, mdscan,
               newsletter, outputs, pdf, preview_page, published, render_cache, stamps, tables, templates)
from .metadata import read_metadata
from .passages import slugify
from .audience import ENV_VAR, parse_audience
from .bibtex import load_bibtex
from .citations import CitationEngine
from .data import LineDict, load_data, records_of, yaml_error_line
from .facts import private_values, text_leaves
from .errors import ReportError
from .formatting import format_value, number_words
from .redaction import statement_markdown
from .session import PageRecord, Session
from .sources import Location, front_matter_lines
from .template_errors import ReportUndefined

log = logging.getLogger("mkdocs.plugins.report")

PLUGIN_NAME = "report"
_PREVIEWS = itertools.count(1)       # previews built by this process (mkdocs serve)
_LATEST_PREVIEW = [0]
_PREVIEW_CHECKS: list[Any] = [None]  # the process checking the newest preview, if any

REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "footnotes", "tables", "toc", "pymdownx.blocks.caption")
REGISTER_PAGE = "redaction-register.md"
# A table cell that is a date: kept on one line.
TABLE_DATE = re.compile(r"(<td[^>]*>)(\d{4}-\d{2}-\d{2}|\d{4}-\d{2})(</td>)")
CITE_ANCHOR = "how-to-cite"                 # the landing page's citation section (theme/main.html)
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
THEME_DIR = Path(__file__).resolve().parent / "theme"      # the engine's templates and assets
ENGINE_CSS = ("assets/report.css", "assets/citations.css")
ENGINE_JS = ("assets/citations.js", "assets/report.js")
# Files a site serves at its root for browsers, crawlers and hosts, which no page links to.
WELL_KNOWN_FILES = ("robots.txt", "favicon.ico", "CNAME", ".nojekyll", "humans.txt", "ads.txt", "security.txt",
                    ".well-known/security.txt")


def _exit_with_parent(parent: int) -> None:
    """A preview checker whose server was killed (not stopped with Ctrl+C) stops too, at once."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def stop_preview_checks() -> None:
    """A new preview is coming: the checks of the one it replaces would only report on text gone."""
    checker = _PREVIEW_CHECKS[0]
    if checker is not None and checker.is_alive():
        checker.terminate()
        checker.join(timeout=5)
    _PREVIEW_CHECKS[0] = None


def fail(error: ReportError) -> PluginError:
    """The one way an author's mistake leaves the engine: a single line, no traceback."""
    if error.file and os.path.isabs(error.file):
        try:
            error.file = Path(error.file).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            pass                      # outside the folder the author runs MkDocs in: keep it whole
    global LAST_FAILURE
    LAST_FAILURE = error
    return PluginError(str(error))


LAST_FAILURE: ReportError | None = None      # the last mistake that stopped a build (for the preview)


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

    def __init__(self, config: Any, audience: str | None, serving: bool = False,
                 make_pdf: bool | None = None) -> None:
        self.env: Any = None              # mkdocs-macros, once the report's macros module attaches
        self.config = config
        self.project_dir = Path(config.config_file_path).resolve().parent
        self.docs_dir = Path(config.docs_dir).resolve()
        self.data = load_data(self.project_dir / "data", self.project_dir)
        source = "the report plugin's audience setting" if audience is not None else ENV_VAR
        value = audience if audience is not None else os.environ.get(ENV_VAR)
        self.audience = parse_audience(value, self.data.participants, source)
        self.handed: set[str] = set()     # pages handed to mkdocs-macros by the engine
        self.page_date = editions.page_date(self.data.report)
        self.passes = ""                  # the digest of everything pass one and two read (on_nav)
        self.serving = serving            # under `mkdocs serve`: checks that change no output come after
        self.unsaved_passes: tuple[caches.PassMemo, str] | None = None
        self.citations = self._load_citations()
        report = self.data.report
        self.session = Session(self.data, self.audience, self.citations,
                               statement_texts=report.get("redaction_statement") or {})
        self.session.declared_files = outputs.declared_files(report, self.docs_dir, self.data.files["report"])
        self.final_site_dir: Path | None = None
        self.sections: dict[str, str] = {}        # page source -> its nav section's title (social cards)
        self.changes_page = False                 # this build has the changes page (changes.py)
        self.descriptions: dict[str, str] = {}    # page source -> its description (public builds)
        self.changes_body = ""
        self.since_draft = False                  # a private build after the courtesy draft (courtesy.py)
        self.binary_files: list[str] = []         # binary_files: globs, checked in on_env (published.py)
        self.since_draft_body = ""
        self.cards: dict[str, cards.Card] = {}    # card file stem -> the card, as pages name them
        self.staging: Path | None = None
        # The PDF: asked for by the plugin's setting or REPORT_PDF; never under `mkdocs serve`.
        self.make_pdf = (pdf.requested() if make_pdf is None else make_pdf) and not serving
        self.nav: Any = None
        self.renders = render_cache.PageRenders(self.project_dir, config, serving)   # Markdown → HTML, remembered
        self.converting: ahead.Helper | None = None                         # pages converted ahead
        self.fingerprinting: ahead.Helper | None = None                     # the audit's, made ahead

    def _load_citations(self) -> CitationEngine:
        """The report's citations; a report without bibliography.bib gets an empty one."""
        bib = self.project_dir / "bibliography.bib"
        report = self.data.report
        settings = report.get("citations") or LineDict()
        style = settings.get("style", "author-year")
        max_names = settings.get("max_names", 10)
        if not isinstance(max_names, int) or isinstance(max_names, bool) or max_names < 1:
            raise ReportError(f"citations.max_names must be a whole number of 1 or more, got {max_names!r}",
                              self.data.files["report"], settings.line_of("max_names") if settings else None,
                              "write citations: {style: author-year, max_names: 10}")
        database = load_bibtex(bib, self.project_dir / caches.CACHE_DIR)
        try:
            return CitationEngine(database, style=str(style), max_names=max_names)
        except ReportError as error:
            citations = report.get("citations")
            raise error.located(self.data.files["report"], citations.line_of("style") if citations else None)

    # ---- configuration -------------------------------------------------------

    def configure(self) -> None:
        """The MkDocs settings the guarantees depend on, whatever mkdocs.yml says."""
        config_file = self.config.config_file_path
        inputs.check_inputs(self.config, Path(config_file) if config_file else None)
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
        edition_address = editions.edition_url(str(report["canonical_url"]), editions.edition_id(report))
        self.meta = read_metadata(report, self.data.files["report"], edition_address,
                                  str(self.config.theme.get("language") or "en"))
        if not self.config.get("site_author"):
            self.config["site_author"] = ", ".join(self.meta.author_names) or self.meta.organization
        extra = self.config["extra"]
        extra["report"] = self.identity()
        extra["report_build"] = {
            "audience": str(self.audience),
            "public": self.audience.is_public,
            "banner": self.banner(),
        }
        editions.configure(self.config, self.data.report, self.audience)
        if self.config["nav"] is not None and self.exited_pages:
            self.config["nav"] = outputs.prune_nav(self.config["nav"], self.exited_pages)
        if not self.audience.is_public and self.config["nav"] is not None:
            # The register is in every private build's navigation (an automatic nav lists it anyway):
            # the internal build's lists everything, a participant's its own redactions and items.
            if REGISTER_PAGE not in json.dumps(self.config["nav"]):
                self.config["nav"].append({"Redaction register": REGISTER_PAGE})
        # A report kept in git compares each edition with the previous one (not while that previous
        # edition is itself being read for the comparison).
        self.changes_page = not os.environ.get(changes.SNAPSHOT_ENV) and changes.in_git(self.project_dir)
        # Private builds show what the public text changed since the courtesy draft participants saw.
        self.since_draft = (self.changes_page and not self.audience.is_public and changes.tag_commit(
            self.project_dir, f"{courtesy.TAG_PREFIX}{editions.edition_id(report)}") is not None)
        if self.since_draft and self.config["nav"] is not None and courtesy.PAGE not in json.dumps(self.config["nav"]):
            self.config["nav"].append({courtesy.TITLE: courtesy.PAGE})
        if self.changes_page and self.config["nav"] is not None and changes.PAGE not in json.dumps(self.config["nav"]):
            self.config["nav"].append({changes.TITLE: changes.PAGE})
        if self.findable:               # each page's own description goes into the head (head_tags)
            self.config["site_description"] = None
        if self.make_pdf:
            extra["report_build"]["pdf"] = pdf.file_name(report, editions.edition_id(report), self.audience,
                                                         bool(extra["report_build"].get("draft")))
        self._choose_site_dir()

    def _theme_assets(self) -> None:
        """The engine's templates, styles and scripts, and footnote tooltips, even if mkdocs.yml omits them.

        The engine's theme folder comes after the report's own ``custom_dir`` (a report may override
        any template) and before Material's."""
        theme = self.config["theme"]
        if str(THEME_DIR) not in theme.dirs:
            theme.dirs.insert(1 if theme.custom_dir else 0, str(THEME_DIR))
        if theme.name == "material":
            # No request leaves the reader's browser: Material would fetch its fonts from Google.
            theme["font"] = False
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
            "subtitle": str(report.get("subtitle") or ""),
            "organization": str(report["organization"]),
            "edition": str(report["edition"]),
            "edition_label": str(report["edition_label"]),
            "window": f"{format_value(window['start'])} to {format_value(window['end'])}",
            "published": format_value(report["published"]),
        }
        # Cite the edition at its permanent address: the report's root moves on to later editions.
        edition = {**report, "canonical_url": self.meta.edition_url}
        revisions = editions.revisions_from_env() if self.audience.is_public else []
        if revisions:                   # an erratum: the citation names the latest revision
            latest = format_value(dt.date.fromisoformat(revisions[-1]["date"]))
            edition["edition_label"] = f"{report['edition_label']}, revised {latest}"
        if self.meta.doi:
            edition["doi"] = self.meta.doi
        identity["citation_html"], identity["citation_bibtex"] = self.citations.report_reference(edition)
        identity["doi"], identity["doi_url"] = self.meta.doi, self.meta.doi_url
        identity["authors"] = ", ".join(self.meta.author_names)
        identity["ris"], identity["csl"] = findability.RIS_FILE, findability.CSL_FILE
        identity["feed"] = self.meta.site_url + findability.FEED
        return identity

    def banner(self) -> str:
        if self.audience.is_public:
            return ""
        if self.audience.kind == "internal":
            who = "internal readers only"
        else:
            who = f"{self.data.participants[str(self.audience.participant)].name} only"
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

    def attach(self, env: Any) -> None:
        """The report's macros module hands over mkdocs-macros: the engine's macros and data go in,
        and the engine gives it each page already rendered (``on_pre_page_macros``)."""
        self.env = env
        for name, value in self.session.variables.items():
            if name in templates.RESERVED or name in self.session.macros():
                raise ReportError(f"data namespace '{name}' clashes with a built-in variable or macro",
                                  self.data.files[name], None, "rename the data file")
            env.variables[name] = value
        for name, function in self.session.macros().items():
            env.macro(templates.Macro(name, function), name)
        env.filter(number_words, "words")
        env.pre_macro_functions.insert(0, self.hand_over)

    def hand_over(self, env: Any) -> None:
        """mkdocs-macros' pre-page hook: the page is the one the engine rendered and linked, and
        mkdocs-macros is told (through the page's metadata as it sees it) to leave it as it is."""
        page = env.page
        record = self.session.pages.get(page.file.src_uri)
        if record is None:
            raise fail(ReportError("a page reached MkDocs without passing through the report engine",
                                   page.file.src_uri, None,
                                   "this is a bug in a plugin that adds pages after the report engine's on_nav"))
        env.markdown = record.output
        shown = copy.copy(env.variables["page"])
        shown.meta = {**(page.meta or {}), "render_macros": False}
        env.variables["page"] = shown
        if page.title and env.has_j2(page.title):
            # Never the source: a title written with macros is read from the linked page.
            page.title = record.title or page.file.name.replace("-", " ").replace("_", " ").capitalize()
        self.handed.add(record.src)

    # ---- build events, in the order MkDocs calls them ------------------------------

    @reports_errors
    def on_files(self, files: Files, *, config) -> Files:
        """Internal builds get a generated register of every redaction; the appendix of a participant
        that left is in no other build."""
        for src in self.exited_pages:
            file = files.get_file_from_path(src)
            if file is not None:
                files.remove(file)
        bibtex = self.config["extra"]["report"].get("citation_bibtex")
        if bibtex and files.get_file_from_path("report.bib") is None:
            files.append(File.generated(config, "report.bib", content=bibtex))
            for name, content in ((findability.RIS_FILE, findability.ris(self.meta)),
                                  (findability.CSL_FILE, findability.csl_json(self.meta))):
                if files.get_file_from_path(name) is None:     # bytes: RIS lines end in CR LF, kept
                    files.append(File.generated(config, name, content=content.encode("utf-8")))
        if self.since_draft and files.get_file_from_path(courtesy.PAGE) is None:
            files.append(File.generated(config, courtesy.PAGE,
                                        content=f"---\nnumbered: false\n---\n\n# {courtesy.TITLE}\n"))
        if self.changes_page and files.get_file_from_path(changes.PAGE) is None:
            files.append(File.generated(config, changes.PAGE,
                                        content=f"---\nnumbered: false\n---\n\n# {changes.TITLE}\n"))
        if not self.audience.is_public and files.get_file_from_path(REGISTER_PAGE) is None:
            files.append(File.generated(config, REGISTER_PAGE,
                                        content="---\nnumbered: false\n---\n\n# Redaction register\n\n"
                                                "{{ redaction_register() }}\n"))
        return files

    def on_nav(self, nav, *, config, files: Files):
        """Render and link the whole report before MkDocs reads any page (pass one and two)."""
        if self.env is None:
            raise fail(ReportError("mkdocs-macros never handed the report's pages to the report engine",
                                   "mkdocs.yml", None,
                                   "list the macros plugin (module_name: macros), whose define_env calls "
                                   "report_engine's define_env"))
        try:
            self.jinja = templates.sandbox(self.env.env, self.project_dir, self.docs_dir,
                                           self.env.config["include_dir"], ReportUndefined,
                                           self.session.namespace_type(), self.session.partials,
                                           self.session.run_caller)
            self.nav = nav
            self.sections = {page.file.src_uri: section for page, section in nav_pages(nav.items) if section}
            records = self._page_records(nav, files)
            key = self.passes = self.passes_key(records)
            memo = caches.PassMemo(self.project_dir)
            state = memo.load(key)
            if isinstance(state, dict):
                self.session.restore(state)
            else:
                self.compiled = templates.CompiledPages(self.jinja, self.project_dir / caches.CACHE_DIR / "jinja")
                names = list(self.env.variables) + list(self.env.env.globals)
                # Other cores compile the page templates from the last page back, and format the
                # references the pages seem to cite (ahead.py).
                compiling = referencing = None
                if not self.serving:
                    compiling = ahead.Helper("templates", [record.template for record in records],
                                             self.compiled.known, self.compiled.compile_ahead)
                    referencing = self.citations.format_ahead(record.raw for record in records)
                try:
                    self.session.render_pages(records, self._render_template, names)
                finally:
                    compiling.stop() if compiling else None
                    self.citations.take_ahead(referencing)
                self.compiled.close()
                linking.link(self.session, checks=not self.serving)
                if self.serving:                # written by the preview's checker, off the critical path
                    self.unsaved_passes = (memo, key)
                else:
                    memo.save(key, self.session.linked_state())
            self.check_decisions()
            if self.changes_page:
                self.changes_body = self.compare_editions()
            if self.since_draft:
                self.since_draft_body = courtesy.since_draft(self.project_dir, editions.edition_id(self.data.report)) or ""
            incomplete = self.citations.notes(self.session.listed_keys())
            self.citations.save_cache()
            if incomplete:
                log.info(f"{len(incomplete)} cited reference(s) are incomplete and render with what they have; "
                         "`python -m macros check` lists them")
        except ReportError as error:
            raise fail(error) from None
        self.convert_ahead(files)
        return nav

    @functools.cached_property
    def gone_ids(self) -> frozenset[str]:
        """Participants that left, for an audience that may not know they took part."""
        return frozenset(p.id for p in self.data.participants.values() if p.exited and not self.audience.knows(p.id))

    @functools.cached_property
    def exited_pages(self) -> frozenset[str]:
        """The pages of participants that left, for audiences that may not know they took part: their
        appendices (``appendices/<id>.md``) and any page whose front matter says ``participant: <id>``."""
        gone = self.gone_ids
        if not gone:
            return frozenset()
        pages = {f"appendices/{pid}.md" for pid in gone}
        for path in self.docs_dir.rglob("*.md"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if text.startswith("---") and str(get_data(text)[1].get("participant", "")) in gone:
                pages.add(path.relative_to(self.docs_dir).as_posix())
        return frozenset(pages)

    def check_decisions(self) -> None:
        """A final public build stops while a participant's decision is pending; a courtesy draft, a
        private build and the live preview show such items redacted and say which are left."""
        error = disclosures.pending_error(self.session.disclosures)
        if error is None:
            return
        draft = bool(self.config["extra"]["report_build"].get("draft"))
        if self.audience.is_public and not draft and not self.serving:
            raise error
        log.info(f"Pending (shown redacted): {error.message}")

    def convert_ahead(self, files: Files) -> None:
        """Another core converts pages' Markdown from the last page back while MkDocs converts from
        the first (ahead.py), as MkDocs would: the same events make each page's final Markdown. Only
        when the engine and mkdocs-macros are the only plugins that change a page before then."""
        events = self.config.plugins.events
        owners = {type(getattr(handler, "__self__", None)).__module__.split(".")[0]
                  for name in ("pre_page", "page_markdown") for handler in events.get(name, ())}
        if self.serving or not self.renders.on or not owners <= {"mkdocs_macros", "report_engine"}:
            return
        config = self.config
        pages = [file.page for file in files.documentation_pages() if file.page is not None
                 and not file.inclusion.is_excluded()]

        def ready(page) -> bool:
            page = config.plugins.on_pre_page(page, config=config, files=files)
            page.read_source(config)
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
            return self.renders.known(page)

        self.converting = ahead.Helper("pages", pages, ready, lambda page: page.render(config, files))

    def stop_helpers(self) -> None:
        for helper in (self.converting, self.fingerprinting):
            if helper is not None:
                helper.stop()
        self.converting = self.fingerprinting = None

    def passes_key(self, records: list[PageRecord]) -> str:
        """Everything pass one and two read, as one digest: the engine, the configuration pages see
        (mkdocs.yml, site name and address, ``extra``), the audience, every page (source, place,
        address, in the nav or not), the data, the bibliography, the partials, the report's own
        macros module and the files declared for publication."""
        include_dir = self.env.config["include_dir"]
        partials = (self.project_dir / include_dir).resolve() if include_dir else self.project_dir / templates.PARTIALS
        parts = [caches.engine_digest(), str(self.audience), f"serving={self.serving}",
                 str(self.config.site_name), str(self.config.site_url),
                 json.dumps(self.config["extra"], sort_keys=True, default=printable),
                 Path(self.config.config_file_path).read_bytes().decode("utf-8", "replace"),
                 *sorted(self.session.declared_files)]
        for record in records:
            parts += [record.src, record.path, record.url, str(record.in_nav), record.raw]
        # Variables pages read besides the data namespaces: mkdocs-macros' own (extra, git, include_yaml)
        # and any the report's macros module sets (a value JSON cannot print counts as its str()).
        shown = {name: value for name, value in self.env.variables.items()
                 if name not in templates.HIDDEN_VARIABLES and name not in self.session.variables
                 and not callable(value)}
        parts.append(json.dumps(shown, sort_keys=True, default=printable))
        module = str(self.env.config.get("module_name") or "main")
        # mkdocs-macros' own data files (include_yaml) are variables pages read, like data/.
        included = [item if isinstance(item, str) else next(iter(item.values()), "")
                    for item in (self.env.config.get("include_yaml") or []) if isinstance(item, (str, dict))]
        for folder in (self.project_dir / "data", self.project_dir / "bibliography.bib", partials,
                       self.project_dir / module, self.project_dir / f"{module}.py",
                       *(self.project_dir / str(path) for path in included)):
            parts += [str(folder.name), *caches.files_digest(folder)]
        return caches.digest(*parts)

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
            template = self.compiled.template(record.template)
        except ReportError as error:
            raise error.located(record.path, record.offset + error.line if error.line else None) from None
        clash = sorted(set(record.meta) & (templates.RESERVED | set(self.session.variables) | set(self.session.macros())))
        if clash:
            raise ReportError(f"front matter field '{clash[0]}' would hide a macro, variable or data namespace",
                              record.path, 2, "rename the field")
        info = templates.PageInfo(record.src, record.url, str(record.meta.get("title", "")), dict(record.meta))
        site = {"site_name": self.config.site_name, "site_url": self.config.site_url, "extra": self.config.extra}
        variables = templates.page_variables(self.env.variables, record.meta, info, site)
        return template.render(**variables)

    @reports_errors
    def on_env(self, env, *, config, files: Files):
        """Publish by reachability: every page is converted by now, so we know what each one links to.

        Pages the audience's text does not reach (decided in pass two) and files under docs/ that
        no published page, stylesheet or declaration reaches are not written, indexed or listed
        in the sitemap; each is named once in the log.
        """
        self.stop_helpers()                 # MkDocs has converted every page
        session = self.session
        ours = [f for f in files if f.abs_src_path and
                Path(os.path.abspath(f.abs_src_path)).is_relative_to(self.docs_dir)]
        # Only what installed packages ship (Material, the engine's theme folder) is the theme's; the
        # report's own overrides/ folder (scripts and styles extra_javascript and extra_css name) is
        # report content, audited as such, its words searched for names too.
        custom = Path(self.config.theme.custom_dir).resolve() if self.config.theme.custom_dir else None
        overrides = [f for f in files if f.abs_src_path and custom is not None and not f.is_documentation_page()
                     and Path(os.path.abspath(f.abs_src_path)).is_relative_to(custom)]
        report_files = {id(f) for f in [*ours, *overrides]}
        session.theme_outputs = {f.dest_uri for f in files if f.abs_src_path and id(f) not in report_files
                                 and not f.is_documentation_page()}
        self.binary_files = outputs.binary_files(self.data.report, self.data.files["report"],
                                                 [self.docs_dir, *([custom] if custom else [])])
        media = {f.src_uri: f for f in ours if not f.is_documentation_page()}
        by_url: dict[str, str] = {}
        for src, file in media.items():
            by_url.setdefault(file.url, src)
            by_url.setdefault(src, src)
        linked: set[str] = set()               # what the published pages' HTML points at
        for file in ours if by_url else []:        # no files beside the pages: nothing to look for
            if file.is_documentation_page() and file.src_uri in session.reachable and file.page is not None:
                linked |= {by_url[p] for p in outputs.html_references(file.url, file.page.content or "") if p in by_url}
        declared = session.declared_files | self.theme_files()
        reached = linked | {src for src in media if src in declared}
        queue = [src for src in reached if src.endswith(".css")]
        while queue:                        # stylesheets bring the files their url() names
            css = media[queue.pop()]
            for url in mdscan.html_urls(Path(str(css.abs_src_path)).read_text(encoding="utf-8", errors="replace")):
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
        for file in overrides:
            self._check_copied_file(Path(str(file.abs_src_path)), file.src_uri, custom)
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
        if not self.serving:            # the audit's fingerprints, on another core while pages are written
            memo, key = self._fingerprints_memo()
            self.fingerprinting = ahead.Helper("fingerprints", [key], memo.has,
                                               lambda key: memo.save(key, audit.fingerprints(self.session)))
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

    def _check_copied_file(self, path: Path, src: str, root: Path | None = None) -> None:
        """Files MkDocs copies as they are (from docs/, or the theme overrides ``root``) must not bring
        non-public data with them, nor be of a type the leak audit cannot read whole."""
        root = root or self.docs_dir
        folder = os.path.relpath(root, self.project_dir) if root.is_relative_to(self.project_dir) else str(root)
        display = f"{Path(folder).as_posix()}/{src}"
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise ReportError(f"this file links to a file outside {Path(folder).as_posix()}/, which MkDocs would "
                              "publish as it is", display, None, "copy into docs/ only what may be published")
        if path.suffix in (".yml", ".yaml") and "!private" in path.read_text(encoding="utf-8", errors="replace"):
            raise ReportError("this data file holds !private values and would be published as it is",
                              display, None, "keep data in data/, outside docs/")
        if not published.declared_binary(src, self.binary_files) and not published.readable(path.read_bytes(), src):
            raise ReportError("a binary file of a type the leak audit cannot read would be published as it is",
                              display, None, "publish it as a type the audit reads (text, image, PDF, office "
                              "document, zip), or declare it in binary_files: in data/report.yml to have it "
                              "searched as bytes")

    @reports_errors
    def on_page_content(self, html: str, *, page, config, files) -> str:
        """Editors' notes that reached the HTML go here; the page as readers get it is kept for the audit."""
        if self.audience.kind != "internal":
            html = mdscan.HTML_COMMENT.sub("", html)
        else:                           # internal readers see editors' notes, marked as such
            html = mdscan.HTML_COMMENT.sub(editor_note, html)
        html = TABLE_DATE.sub(r'\1<span class="report-date">\2</span>\3', html)     # a date never breaks
        html = outputs.wide_tables(html)
        record = self.session.pages.get(page.file.src_uri)
        if record is not None:
            record.html = html          # what readers get, kept for the audit
        if self.findable:
            # The head's description (findability.head_tags), from the page's own text unless its front
            # matter has one. Not put into page.meta: a page with meta makes Material's nav look up
            # icons and badges on it from every other page (1.5 s at 300 pages).
            self.descriptions[page.file.src_uri] = str(page.meta.get("description") or "") or \
                findability.describe(first_paragraph(html)) or self.meta.subtitle or self.meta.title
        if page.is_homepage and self.config["extra"]["report"].get("citation_html") and page.toc is not None:
            # the theme adds "How to cite this report" under the landing page: its contents list it too
            # (under the page's title when the contents start with it, as Material shows them)
            items = page.toc.items
            if items and items[0].level == 1:
                items = items[0].children
            if not any(item.id == CITE_ANCHOR for item in items):
                items.append(AnchorLink("How to cite this report", CITE_ANCHOR, 2))
        return html

    def on_page_context(self, context: dict, *, page, config, nav) -> dict:
        """Each page of the public report can be cited as a section of the edition (theme/main.html)."""
        if self.findable and not page.is_homepage and page.title:
            context["section_citation"] = findability.section_citation(
                self.meta, str(page.title), self.meta.edition_url + page.url)
        return context

    @reports_errors
    def on_post_page(self, output: str, *, page, config) -> str:
        """Every non-public page says so and asks not to be indexed; so does every courtesy draft."""
        build = self.config["extra"]["report_build"]
        # Material's search is a dialog with no name (axe-core: aria-dialog-name); name it.
        output = output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)
        if self.findable and "</head>" in output:
            output = output.replace("</head>", self.head_tags(page) + "</head>", 1)
        if not self.audience.is_public:
            output = outputs.mark_confidential(output, self.banner())
        elif build.get("draft") and "data-report-draft" not in output:   # the theme already shows it
            output = outputs.mark_confidential(output, build["draft"])
        return output

    @reports_errors
    def on_page_markdown(self, markdown: str, *, page) -> str:
        """Every page MkDocs converts is one the engine rendered; each is dated by the report."""
        if page.file.src_uri not in self.handed:
            raise ReportError("this page reached MkDocs without passing through the report engine",
                              page.file.src_uri, None,
                              "the report's macros module must call report_engine's define_env, and no plugin "
                              "may render pages before the report plugin")
        if self.page_date is not None:
            page.update_date = self.page_date      # the sitemap's dates: the report's, never the clock's
        if page.file.src_uri == changes.PAGE and self.changes_body:
            markdown = markdown.rstrip("\n") + "\n\n" + self.changes_body
        if page.file.src_uri == courtesy.PAGE and self.since_draft_body:
            markdown = markdown.rstrip("\n") + "\n\n" + self.since_draft_body
        self.renders.attach(page)
        return markdown

    def snapshot(self) -> changes.Snapshot:
        """What this audience reads of the edition, for the changes page (passes one and two done)."""
        report = self.data.report
        return changes.take_snapshot(self.session, self.session.namespaces, editions.edition_id(report),
                                     str(report["edition_label"]))

    def compare_editions(self) -> str:
        """The changes page's body: this edition against the previous one, for this audience."""
        report = self.data.report
        previous = changes.previous_edition(self.project_dir, editions.edition_id(report))
        if previous is None:          # a first edition, or every earlier one withdrawn
            return changes.markdown(None, withdrawn=changes.withdrawn_before(self.project_dir,
                                                                             editions.edition_id(report)))
        edition, commit = previous
        try:
            old = changes.previous_snapshot(self.project_dir, commit, str(self.audience))
        except RuntimeError as error:
            log.info(f"{changes.PAGE}: edition {edition} (tag {changes.TAG_PREFIX}{edition}) could not be read "
                     f"for the comparison: {error}")
            return changes.markdown(None, note=f"the sources of edition {edition} could not be read by this "
                                                "version of the report engine")
        hidden, _ = self._hidden_texts()
        private = [text for value in private_values(self.data.namespaces) if not self.audience.can_see(value.owner)
                   for text in text_leaves(value)]
        compared = changes.withhold(changes.compare(self.without_exited(old), self.snapshot()), hidden + private,
                                    self.session.hidden_facts)
        return changes.markdown(compared, editions.edition_url(str(report["canonical_url"]), edition))

    def without_exited(self, old: changes.Snapshot) -> changes.Snapshot:
        """The previous edition as if participants that left since had never taken part (their exit is
        silent): their pages, the facts printed there and their records are not compared."""
        gone = self.gone_ids
        if not gone:
            return old
        pages = self.exited_pages
        records = records_of(self.data.namespaces, gone)
        return dataclasses.replace(
            old, pages=[page for page in old.pages if page["src"] not in pages],
            facts={path: fact for path, fact in old.facts.items() if fact.get("page") not in pages},
            records={key: value for key, value in old.records.items() if key not in records},
            withheld_records=[key for key in old.withheld_records if key not in records],
            sentences={src: text for src, text in old.sentences.items() if src not in pages})

    @reports_errors
    def on_post_build(self, *, config) -> None:
        """Audit everything written, then put the finished site in place."""
        site = Path(config.site_dir)
        self.renders.finish()
        try:
            if self.audience.is_public:
                newsletter.write_newsletter(site, self.session, self.data.report)
            self.write_downloads(site)
            if not self.audience.is_public:
                rows = linking.Linker(self.session).disclosure_rows()
                (site / disclosures.REGISTER_CSV).write_bytes(disclosures.register_csv(rows).encode("utf-8"))
            if self.findable:
                self.write_cards(site)
                self.write_feed(site)
        except ReportError as error:
            raise fail(error) from None
        self.clean_images(site)
        if self.serving:
            self._preview_then_audit(config, site)
            return
        if self.make_pdf:
            self.write_pdf(site)
        started = time.perf_counter()
        findings = self._audit(site)
        if findings:
            outputs.discard(self.staging) if self.staging else None
            raise fail(audit.findings_error(findings, site))
        draft = "draft " if self.config["extra"]["report_build"].get("draft") else ""
        stamps.write_stamp(self.project_dir, site, draft + str(self.audience))
        if self.staging is not None and self.final_site_dir is not None:
            outputs.promote(self.staging, self.final_site_dir)
            config.site_dir = str(self.final_site_dir)
        log.info(f"Leak audit passed for the {self.audience} build in {time.perf_counter() - started:.2f} s")

    def clean_images(self, site: Path) -> None:
        """Metadata no reader sees (EXIF, XMP, IPTC, text chunks, comments) removed from the published
        copies of the report's raster images, before the PDF embeds them and the audit reads them
        (see :func:`published.clean_image`); docs/ is never touched."""
        cleaned = published.clean_images(site, skip=self.session.theme_outputs)
        if cleaned:
            log.info(f"Hidden metadata removed from {len(cleaned)} published image(s): {', '.join(cleaned[:5])}"
                     + (f" and {len(cleaned) - 5} more" if len(cleaned) > 5 else ""))

    # ---- findability: head tags, social cards, the feed ------------------------------------

    @property
    def findable(self) -> bool:
        """Only the public, final report is indexed, shared and followed (never a private build or a draft)."""
        return self.audience.is_public and not self.config["extra"]["report_build"].get("draft")

    def page_info(self, page) -> findability.PageInfo:
        # One card for the edition (every page outside a nav section) and one per nav section
        # ("Appendices"): a handful of pictures however long the report.
        section = self.sections.get(page.file.src_uri, "")
        slug = "section-" + (slugify(section) or "untitled") if section else cards.EDITION_CARD
        self.cards[slug] = cards.Card(self.meta.organization, self.meta.title, self.meta.edition_label,
                                      section or self.meta.subtitle)
        return findability.PageInfo(
            title=str(page.title or self.meta.title),
            url=page.canonical_url or (self.meta.edition_url + page.url),
            description=self.descriptions.get(page.file.src_uri) or self.meta.subtitle or self.meta.title,
            card_url=f"{self.meta.edition_url}{cards.FOLDER}/{slug}.png",
            card_alt=f"{self.meta.title}, {self.meta.edition_label}" + (f": {section}" if section else ""),
            is_landing=bool(page.is_homepage),
            section=section)

    def head_tags(self, page) -> str:
        build = self.config["extra"]["report_build"]
        pdf_url = f"{self.meta.edition_url}{build['pdf']}" if build.get("pdf") else ""
        return findability.head_tags(self.meta, self.page_info(page), pdf_url,
                                     description=not page.meta.get("description"))

    def write_downloads(self, site: Path) -> None:
        """The CSV and JSON of each data_table(download=...) this audience reads (see :mod:`tables`)."""
        for name, download in sorted(self.session.downloads.items()):
            folder = site / tables.DOWNLOADS
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.csv").write_bytes(download.csv.encode("utf-8"))
            (folder / f"{name}.json").write_bytes(download.json.encode("utf-8"))

    def write_cards(self, site: Path) -> None:
        """The social card of each section this build's pages named (see :mod:`cards`)."""
        folder = site / cards.FOLDER
        cache = self.project_dir / caches.CACHE_DIR / "cards"
        for slug, card in sorted(self.cards.items()):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{slug}.png").write_bytes(cards.render(card, cache))

    def write_feed(self, site: Path) -> None:
        """This edition's own ``feed.xml`` (publishing merges every edition's into the site root's)."""
        summary = self.meta.subtitle or self.meta.title
        content = ""
        landing = self.session.pages.get(newsletter.LANDING)
        if landing is not None and landing.html:
            summary = findability.describe(first_paragraph(landing.html), 400) or summary
        post = site / "newsletter" / "index.html"
        if post.is_file():
            content = newsletter.post_html(post)
        entry = findability.FeedEntry(self.meta.edition, self.meta.edition_label, self.meta.edition_url,
                                      self.meta.published, summary, content)
        (site / findability.FEED).write_text(findability.atom_feed(self.meta, [entry]), encoding="utf-8")

    def write_pdf(self, site: Path) -> Path:
        """The audience's whole report as one PDF in its site folder, typeset from the pages just written
        (the audit that follows reads it like any other output)."""
        started = time.perf_counter()
        report = self.data.report
        build = self.config["extra"]["report_build"]
        name = str(build["pdf"])
        pages: list[pdf.PdfPage] = []
        urls: dict[str, str] = {}
        for item, section in nav_pages(self.nav.items if self.nav is not None else []):
            url = urls[item.file.src_uri] = pdf.normal_url(item.url)
            pages.append(pdf.PdfPage(url, site / item.file.dest_path, section or None))
        log.info(f"PDF: assembling {len(pages)} page(s) of the {self.audience} report")
        xrefs = [(urls[t.page], t.anchor, t.text()) for t in self.session.targets.values() if t.page in urls]
        statement = statement_markdown(self.session.statement_redactions(), self.session.statement_texts,
                                       lambda redaction: "")
        marking, watermark = self.pdf_marking()
        front = pdf.front_matter(report, statement, marking, watermark, str(self.config.theme.get("language") or "en"),
                                 self.meta.edition_url if self.audience.is_public and not build.get("draft") else "",
                                 self.data.files["report"])
        revisions = build.get("revisions") or []
        if revisions:
            front = dataclasses.replace(front, revisions=tuple(f"Revised on {r['date']}: {r['note']}"
                                                                for r in reversed(revisions)))
        document = pdf.assemble(site, pages, front, xrefs)
        sheets = [pdf.STYLESHEET]
        if self.config.theme.custom_dir:
            sheets.append(Path(self.config.theme.custom_dir) / "pdf.css")
        target = site / name
        remembered = self.project_dir / caches.CACHE_DIR / f"pdf-pages-{self.audience.slug}.json"
        count = pdf.render(document, target, sheets, site, remembered)
        final = (self.final_site_dir or site) / name
        shown = os.path.relpath(final, self.project_dir) if self.project_dir in final.parents else str(final)
        log.info(f"PDF: {shown} ({count} pages, typeset in {time.perf_counter() - started:.1f} s)")
        return target

    def pdf_marking(self) -> tuple[str, str]:
        """What every page of a non-public or draft PDF says (and for whom it is), and its watermark."""
        build = self.config["extra"]["report_build"]
        if self.audience.kind == "internal":
            who = "Internal"
        elif self.audience.kind == "participant":
            who = self.data.participants[str(self.audience.participant)].name
        else:
            who = ""
        if build.get("draft"):
            return (f"Courtesy draft for {who or 'the public report'} ({self.audience}, {build['draft_date']}): "
                    "not for distribution"), "Courtesy draft"
        if who:
            return f"Confidential: {who}" + ("" if who == "Internal" else " only"), "Confidential"
        return "", ""

    def _fingerprints_memo(self) -> tuple[caches.PassMemo, str]:
        # What the audit searches for depends only on the passes' outcome and the files left out.
        return (caches.PassMemo(self.project_dir, "fingerprints"),
                caches.digest(self.passes, repr(sorted(self.session.withheld_assets))))

    def _audit(self, site: Path) -> list[audit.Finding]:
        self.stop_helpers()                 # the fingerprints' helper ends the one it has in hand: read here
        memo, prints_key = self._fingerprints_memo()
        prints = memo.load(prints_key)
        if not isinstance(prints, list):
            prints = audit.fingerprints(self.session)
            memo.save(prints_key, prints)
        return audit.audit_build(site, self.session, self.config.theme.dirs, self.project_dir, prints,
                                 ahead_helper=not self.serving)

    def _preview_then_audit(self, config: Any, site: Path) -> None:
        """``mkdocs serve``: the preview goes on screen at once, and the checks that change no output
        (conflicting declarations, the leak audit) run after it, reporting in the terminal. A preview
        is never published: MkDocs serves it from a temporary folder, which carries no audit stamp."""
        if self.staging is not None and self.final_site_dir is not None:
            outputs.promote(self.staging, self.final_site_dir)
            config.site_dir = str(self.final_site_dir)
            site = self.final_site_dir
        generation = next(_PREVIEWS)
        _LATEST_PREVIEW[0] = generation

        parent = os.getpid()

        def check() -> None:
            if os.getpid() != parent:           # in the forked checker: end with the server, however it ends
                threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
            started = time.perf_counter()
            if self.unsaved_passes is not None:
                memo, key = self.unsaved_passes
                memo.save(key, self.session.linked_state())
            try:
                linking.check(self.session)
                findings = self._audit(site)
                message = audit.findings_error(findings, site) if findings else None
            except ReportError as error:
                message = error
            except Exception as error:      # the folder changed under us: a newer preview replaces it
                message = ReportError(f"the preview's checks did not finish: {error}")
            if _LATEST_PREVIEW[0] != generation:
                return                      # an edit since: its own checks will report
            if message is not None:
                log.error(f"{fail(message)} (in the preview; a build stops on it)")
            else:
                log.info(f"Preview checked: no conflicting declarations; leak audit passed for the "
                         f"{self.audience} preview in {time.perf_counter() - started:.2f} s")

        stop_preview_checks()
        # A process of its own where the system can fork one: the checks then run on another core
        # instead of holding the interpreter while the next edit's preview is built.
        if "fork" in multiprocessing.get_all_start_methods():
            checker = multiprocessing.get_context("fork").Process(target=check, name="report-preview-checks",
                                                                  daemon=True)
            checker.start()
            _PREVIEW_CHECKS[0] = checker
        else:                                   # pragma: no cover - platforms without fork
            threading.Thread(target=check, name="report-preview-checks", daemon=True).start()

    def on_build_error(self, *, error: Exception) -> None:
        """A failed build leaves the previous site as it was."""
        self.stop_helpers()
        if self.staging is not None:
            outputs.discard(self.staging)

    def on_serve(self, server, *, config, builder):
        """``mkdocs serve`` also reloads on data, bibliography and engine edits."""
        for path in (self.project_dir / "data", self.project_dir / "bibliography.bib",
                     self.project_dir / "partials", self.project_dir / "macros"):
            if path.exists():
                server.watch(str(path))
        return server


FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


def nav_pages(items: Any) -> list[tuple[Any, str]]:
    """The nav's pages in reading order, each with the title of the top-level section it is in
    ("Appendices"), or "" for a page at the top level (the PDF's contents, the social cards)."""
    found: list[tuple[Any, str]] = []

    def walk(children: Any, section: str) -> None:
        for child in children:
            if getattr(child, "is_page", False) and child.file is not None:
                found.append((child, section))
            elif getattr(child, "is_section", False):
                walk(child.children, section or str(child.title))

    walk(items, "")
    return found


def first_paragraph(html: str) -> str:
    """The text of a page's first paragraph of running text (not a notice's or a caption's)."""
    from lxml import html as lxml_html

    try:
        # the start of the page is enough (and keeps this cheap on long pages): a cut element is repaired
        root = lxml_html.fragment_fromstring(html[:12000], create_parent="div")
    except Exception:                          # an empty or unparsable page has no description
        return ""
    for paragraph in root.iterchildren("p"):
        text = " ".join(paragraph.text_content().split())
        if len(text) >= 40:
            return text
    return ""


def editor_note(match: re.Match) -> str:
    """An HTML comment written in a page, as internal readers see it: a visible, marked note."""
    text = " ".join(match.group(1).split())
    if not text:
        return ""
    return (f'<mark class="editor-note" data-editor-note role="note"><strong>Editors\' note:</strong> '
            f'{html_module.escape(text)}</mark>')


def printable(value: Any) -> str:
    """A value for a cache key: its text, or its type when it cannot give one."""
    try:
        return str(value)
    except Exception:                           # pragma: no cover - a value whose str() fails
        return type(value).__qualname__


def check_page_source(raw: str, template: str, meta: dict, path: str) -> None:
    """Mistakes MkDocs would publish silently: broken front matter, editors' notes written wrong."""
    match = FRONT_MATTER.match(raw)
    if match and not meta:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.MarkedYAMLError as error:
            line = yaml_error_line(error)
            raise ReportError(f"malformed front matter: {error.problem or error.context}", path,
                              line + 1 if line else 1, "check the YAML between the two --- lines") from None
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


def refuse_command(command: str | None) -> None:
    """Deploying is the engine's job, never MkDocs' own."""
    if command in REFUSED_COMMANDS:
        message, suggestion = REFUSED_COMMANDS[command]
        raise fail(ReportError(message, f"mkdocs {command}", None, suggestion))


def running_command() -> str | None:
    """The MkDocs command this build runs under, as MkDocs' command line (click) knows it.

    Used only when the plugin was added by :func:`define_env`: MkDocs told its plugins the
    command (``on_startup``) before mkdocs-macros loaded the report's macros module.
    """
    import click

    context = click.get_current_context(silent=True)
    return context.info_name if context is not None else None


class ReportConfig(base.Config):
    """``plugins: [report: {audience: ...}]`` in mkdocs.yml; every setting is optional."""

    # The audience to build for; unset, REPORT_AUDIENCE decides (and unset too, public).
    # ``audience: !ENV [REPORT_AUDIENCE, public]`` says the same thing explicitly.
    audience = c.Optional(c.Type(str))
    # Make the whole report as one PDF too (``python -m macros pdf`` sets REPORT_PDF=1); unset, REPORT_PDF
    # decides. Never under ``mkdocs serve``.
    pdf = c.Optional(c.Type(bool))


class ReportPlugin(BasePlugin[ReportConfig]):
    """The report engine as MkDocs sees it: each event hands over to the build under way.

    MkDocs keeps a plugin with ``on_startup`` alive across the rebuilds of ``mkdocs serve``;
    everything of one build lives in :class:`Build`, made afresh for every build.
    """

    def __init__(self) -> None:
        self.build: Build | None = None
        self.command: str | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        refuse_command(command)

    def prepare(self, config: Any) -> Build:
        """The build of this configuration, made and configured once (on_config and define_env both ask)."""
        if self.build is None or self.build.config is not config:
            try:
                build = Build(config, self.config.audience, serving=self.command == "serve",
                              make_pdf=self.config.pdf)
                build.configure()
            except ReportError as error:
                raise fail(error) from None
            self.build = build
        return self.build

    def on_config(self, config):
        if self.command == "serve":
            stop_preview_checks()
        self.prepare(config)
        return config

    def _current(self) -> Build:
        if self.build is None:          # pragma: no cover - MkDocs calls on_config first
            raise PluginError("the report plugin was not configured")
        return self.build

    def on_files(self, files, *, config):
        return self._current().on_files(files, config=config)

    @event_priority(-100)
    def on_nav(self, nav, *, config, files):
        return self._current().on_nav(nav, config=config, files=files)

    @event_priority(-100)
    def on_page_markdown(self, markdown, *, page, config, files):
        return self._current().on_page_markdown(markdown, page=page)

    def on_env(self, env, *, config, files):
        return self._current().on_env(env, config=config, files=files)

    def on_page_content(self, html, *, page, config, files):
        return self._current().on_page_content(html, page=page, config=config, files=files)

    def on_page_context(self, context, *, page, config, nav):
        return self._current().on_page_context(context, page=page, config=config, nav=nav)

    def on_post_page(self, output, *, page, config):
        return self._current().on_post_page(output, page=page, config=config)

    @event_priority(-100)
    def on_post_build(self, *, config):
        return self._current().on_post_build(config=config)

    def on_build_error(self, *, error):
        if self.build is not None:
            self.build.on_build_error(error=error)

    def on_serve(self, server, *, config, builder):
        server = self._current().on_serve(server, config=config, builder=builder)
        rebuild = server.builder
        if not getattr(rebuild, "shows_errors", False):
            server.builder = preview_rebuild(rebuild, Path(server.root))
        return server


def preview_rebuild(rebuild: Callable[[], None], served: Path) -> Callable[[], None]:
    """``mkdocs serve``'s rebuild, ended by an error page in the browser when it fails.

    MkDocs reloads browsers only after a rebuild that succeeded; one that fails leaves them
    waiting, the error only in the terminal. This rebuild logs the error, writes the error page
    over the served (temporary) folder's pages and returns, so browsers reload into the error,
    and reload into the report after the rebuild that follows the fix."""
    def rebuild_or_show_error() -> None:
        global LAST_FAILURE
        LAST_FAILURE = None
        try:
            rebuild()
        except (Abort, PluginError, BuildError, ReportError) as error:
            shown = LAST_FAILURE or (error if isinstance(error, ReportError) else str(error))
            if not isinstance(error, Abort):       # MkDocs logs what ends in Abort itself
                log.error(str(error))
            count = preview_page.show(served, shown)
            log.error(f"The preview was not rebuilt; the browser shows the error on its {count} page(s) "
                      "until a rebuild succeeds")
    rebuild_or_show_error.shows_errors = True      # type: ignore[attr-defined]
    return rebuild_or_show_error


# Python code is imported once per process: under `mkdocs serve` an edit to it would silently not
# apply, so the next rebuild says so instead. Keyed by folder; the stamps of the first build.
_CODE_STAMPS: dict[Path, dict[str, int]] = {}


def code_stamps(folder: Path) -> dict[str, int]:
    return {p.as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts}


def check_code_unchanged(project_dir: Path) -> None:
    """Refuse a rebuild whose Python code (the report's macros, the engine) changed since it was loaded."""
    for folder in (project_dir / "macros", Path(__file__).resolve().parent):
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


FOREIGN_HOST = ("ERROR   -  report-engine: this build does not run MkDocs' plugin events (Zensical runs the "
                "macros module alone), so redactions, numbering, citations and the leak audit cannot be "
                "guaranteed; nothing it writes may be published. Build with `mkdocs build`.")


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
        raise fail(ReportError(f"the plugin named '{PLUGIN_NAME}' in mkdocs.yml is not the report engine's",
                               "mkdocs.yml", None, "remove it or rename it"))
    try:
        check_code_unchanged(Path(config.config_file_path).resolve().parent)
        plugin.prepare(config).attach(env)
    except ReportError as error:
        raise fail(error) from None
