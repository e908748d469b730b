"""Stage two, the passes: every page rendered (pass one) and linked (pass two) before MkDocs reads any.

:func:`run` renders each page's Jinja in report order through the engine's sandbox, links the
report (:mod:`report_engine.linking`), checks the disclosure decisions and writes the bodies of
the generated pages; it returns :class:`Passes`. The outcome of the passes is remembered on disk
under :func:`passes_key`, the digest of everything they read; an identical build takes it back.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from .. import ahead, caches, courtesy, disclosures, editions, inputs, linking, mdscan, templates
from ..adapter import front_matter
from ..citations import CitationEngine
from ..data import ReportData, yaml_error_line
from ..errors import ReportError
from ..records import PageRecord
from ..session import Session
from ..settings import Settings
from ..sources import front_matter_lines
from ..template_errors import ReportUndefined
from . import comparison
from .configure import Configured

log = logging.getLogger("mkdocs.plugins.report")

FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)


@dataclasses.dataclass(frozen=True)
class Passes:
    """What the passes leave besides the session's records."""

    key: str                             # the digest of everything pass one and two read
    changes_body: str                    # the changes page's text, or ""
    unchanged: bool                      # a changes page with nothing to say: it leaves the build
    since_draft_body: str                # the "since the courtesy draft" page's text, or ""
    # Under `mkdocs serve` the outcome is saved by the preview's checker, off the critical path.
    unsaved: tuple[caches.PassMemo, str] | None
    # A build's conflict check on another core, which then saves the outcome (conflicts_beside).
    checking: ahead.Verdict | None = None


@dataclasses.dataclass(frozen=True)
class Macros:
    """What the passes need of mkdocs-macros: its Jinja environment, variables and settings."""

    jinja: Any                           # mkdocs-macros' jinja2.Environment (delimiters, filters, tests)
    variables: dict[str, Any]
    config: Any                          # the macros plugin's config (include_dir, module_name, include_yaml)


def run(settings: Settings, configured: Configured, data: ReportData, session: Session, citations: CitationEngine,
        macros: Macros, config: Any, nav: Any, files: Any) -> Passes:
    """Render and link the whole report; the session holds what the pages recorded."""
    mdscan.turn()                       # scans of texts the last build read are kept, older ones dropped
    jinja = templates.sandbox(macros.jinja, settings.project_dir, settings.docs_dir, macros.config["include_dir"],
                              ReportUndefined, session.namespace_type(), session.partials, session.run_caller,
                              config_file=settings.config_file)
    records = page_records(settings, config, nav, files)
    key = passes_key(settings, config, session, macros, records)
    memo = caches.PassMemo(settings.project_dir)
    found = memo.load_linked(key)
    state = found[0] if found is not None else None
    unsaved = checking = None
    if found is not None and isinstance(state, dict) and isinstance(state.get("pages"), dict) and \
            all(isinstance(state["pages"].get(record.src), tuple) for record in records):
        session.restore(state, records, found[1])
    else:
        render_all(settings, session, citations, macros, jinja, records, config)
        # The checks that change no output follow the linking: after the browser reloads under
        # `mkdocs serve`, beside the pages MkDocs writes where a helper may run, else here.
        linking.link(session)
        if settings.serving:
            unsaved = (memo, key)
        elif ahead.available():
            linking.pseudonym_scan(session)
            checking = conflicts_beside(session, memo, key)
        else:
            linking.check(session)
            memo.save_linked(key, session.linked_state(), session.linked_texts())
    try:
        check_decisions(settings, configured, session)
        compared = comparison.body(settings, configured, data, session) if configured.changes_page else ""
        changes_body, unchanged = compared or "", compared is None
        since_draft_body = ""
        if configured.since_draft:
            since_draft_body = courtesy.since_draft(settings.project_dir, editions.edition_id(data.report)) or ""
        incomplete = citations.notes(session.listed_keys())
        citations.save_cache(later=settings.serving)
    except ReportError as error:
        # The conflict check, had it run in process, would have stopped the build first.
        raise (checking.first(error) if checking is not None else error) from None
    except BaseException:
        if checking is not None:
            checking.stop(now=True)
        raise
    if incomplete:
        log.info(f"{len(incomplete)} cited reference(s) are incomplete and render with what they have; "
                 "`python -m macros check` lists them")
    return Passes(key, changes_body, unchanged, since_draft_body, unsaved, checking)


def conflicts_beside(session: Session, memo: caches.PassMemo, key: str) -> ahead.Verdict:
    """A build's check for passages both redacted and open, on another core while MkDocs writes
    the pages (:class:`ahead.Verdict`, started by the build once its pages are converted); it then
    remembers the outcome of the passes, as the build did before it went on."""
    def check() -> None:
        linking.conflict_check(session)
        memo.save_linked(key, session.linked_state(), session.linked_texts())
    return ahead.Verdict("conflicts", check, lambda: linking.conflict_check(session))


def render_all(settings: Settings, session: Session, citations: CitationEngine, macros: Macros, jinja: Any,
               records: list[PageRecord], config: Any) -> None:
    """Pass one over every page; other cores compile the page templates from the last page back,
    and format the references the pages seem to cite (:mod:`report_engine.ahead`) until pass two
    first needs them."""
    compiled = templates.CompiledPages(jinja, caches.Store(settings.project_dir, "jinja"))
    names = list(macros.variables) + list(macros.jinja.globals)
    compiling = None
    if not settings.serving:
        compiling = ahead.Helper("templates", [record.template for record in records],
                                 compiled.known, compiled.compile_ahead)
        citations.ahead.format(record.raw for record in records)     # taken when first needed
    try:
        session.render_pages(records, lambda record: render_page(session, macros, compiled, config, record), names)
    except ReportError:
        citations.database.ready()      # a mistake in the .bib (parsed meanwhile) is named first
        raise
    finally:
        compiling.stop() if compiling else None
    session.check_cites()
    compiled.close()


def render_page(session: Session, macros: Macros, compiled: templates.CompiledPages, config: Any,
                record: PageRecord) -> str:
    """One page's pass one: its template rendered with the page's variables."""
    try:
        template = compiled.template(record.template)
    except ReportError as error:
        raise error.located(record.path, record.offset + error.line if error.line else None) from None
    clash = sorted(set(record.meta) & (templates.RESERVED | set(session.variables) | set(session.macros())))
    if clash:
        raise ReportError(f"front matter field '{clash[0]}' would hide a macro, variable or data namespace",
                          record.path, 2, "rename the field")
    info = templates.PageInfo(record.src, record.url, str(record.meta.get("title", "")), dict(record.meta))
    site = {"site_name": config.site_name, "site_url": config.site_url, "extra": config.extra}
    variables = templates.page_variables(macros.variables, record.meta, info, site)
    return template.render(**variables)


def check_decisions(settings: Settings, configured: Configured, session: Session) -> None:
    """A final public build stops while a participant's decision is pending; a courtesy draft, a
    private build and the live preview show such items redacted and say which are left."""
    error = disclosures.pending_error(session.disclosures)
    if error is None:
        return
    if settings.audience.is_public and configured.draft is None and not settings.serving:
        raise error
    log.info(f"Pending (shown redacted): {error.message}")


def page_records(settings: Settings, config: Any, nav: Any, files: Any) -> list[PageRecord]:
    """Every page of the build, the nav's in reading order and then the rest, as the engine reads them."""
    in_nav = [page.file for page in nav.pages]
    rest = sorted((f for f in files.documentation_pages() if f not in in_nav), key=lambda f: f.src_uri)
    records = []
    for file in in_nav + rest:
        path = (Path(file.abs_src_path).resolve().relative_to(settings.project_dir).as_posix()
                if file.abs_src_path else f"{config.docs_dir}/{file.src_uri}")
        try:
            raw = file.content_string
        except UnicodeDecodeError as error:
            line = file.content_bytes[:error.start].count(b"\n") + 1
            raise ReportError("this page is not UTF-8 text", path, line,
                              "save it as UTF-8 (most editors offer it under 'Save with encoding')") from None
        template, meta = front_matter(raw)        # it swallows YAML errors: check_page_source reports them
        check_page_source(raw, template, meta, path)
        if meta.get("render_macros") is False:
            raise ReportError("render_macros: false is not supported", path, 1,
                              "pages are always rendered so that redactions apply; wrap literal Jinja in {% raw %}...{% endraw %}")
        record = PageRecord(file.src_uri, path, file.url, raw, template, front_matter_lines(raw, template), meta,
                            file in in_nav)
        record.read(raw, template)
        records.append(record)
    return records


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


def passes_key(settings: Settings, config: Any, session: Session, macros: Macros, records: list[PageRecord]) -> str:
    """Everything pass one and two read, as one digest: the engine, the configuration pages see
    (mkdocs.yml, site name and address, ``extra``), the audience, every page (source, place,
    address, in the nav or not), the data, the bibliography, the partials, the report's own
    macros module and the files declared for publication."""
    project = settings.project_dir
    include_dir = macros.config["include_dir"]
    partials = (project / include_dir).resolve() if include_dir else project / templates.PARTIALS
    parts = [caches.engine_digest(), str(settings.audience), f"serving={settings.serving}",
             str(config.site_name), str(config.site_url),
             json.dumps(config["extra"], sort_keys=True, default=printable),
             Path(config.config_file_path).read_bytes().decode("utf-8", "replace"),
             *sorted(session.declared_files)]
    for record in records:
        parts += [record.src, record.path, record.url, str(record.in_nav), record.raw]
    # Variables pages read besides the data namespaces: mkdocs-macros' own (extra, git, include_yaml)
    # and any the report's macros module sets (a value JSON cannot print counts as its str()).
    shown = {name: value for name, value in macros.variables.items()
             if name not in templates.HIDDEN_VARIABLES and name not in session.variables and not callable(value)}
    parts.append(json.dumps(shown, sort_keys=True, default=printable))
    module = str(macros.config.get("module_name") or "main")
    # mkdocs-macros' own data files (include_yaml) are variables pages read, like data/.
    for folder in (project / "data", project / "bibliography.bib", partials, project / module,
                   project / f"{module}.py", *(project / path for path in inputs.included_yaml(macros.config))):
        parts += [str(folder.name), *caches.files_digest(folder)]
    return caches.digest(*parts)


def printable(value: Any) -> str:
    """A value for a cache key: its text, or its type when it cannot give one."""
    try:
        return str(value)
    except Exception:                           # pragma: no cover - a value whose str() fails
        return type(value).__qualname__
