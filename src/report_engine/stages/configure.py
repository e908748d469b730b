"""Stage one, configure: the build's settings, and the MkDocs settings the guarantees depend on.

:func:`read_settings` makes the frozen :class:`~report_engine.settings.Settings` (the plugin's
typed config and the environment, read once); :func:`configure` adjusts MkDocs' configuration
mapping (extensions, theme assets, site name and address, navigation, site folder) and returns
:class:`Configured`, what every later stage reads of it. The theme's ``extra.report`` and
``extra.report_build`` keys are written here, from that value, and nowhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .. import changes, courtesy, editions, findability, gitrepo, inputs, outputs, pdf
from ..audience import parse_audience
from ..bibtex import load_bibtex
from ..caches import CACHE_DIR
from ..citations import CitationEngine
from ..data import LineDict, ReportData
from ..errors import ReportError, did_you_mean
from ..formatting import format_value
from ..metadata import Metadata, read_metadata
from ..session import Session
from ..settings import AUDIENCE_ENV, Environment, Settings, environment
from ..adapter import front_matter, generated_file, get_navigation

log = logging.getLogger("mkdocs.plugins.report")

REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "footnotes", "tables", "toc", "pymdownx.blocks.caption")
REGISTER_PAGE = "redaction-register.md"
THEME_DIR = Path(__file__).resolve().parent.parent / "theme"      # the engine's templates and assets
ENGINE_CSS = ("assets/report.css", "assets/citations.css")
ENGINE_JS = ("assets/citations.js", "assets/report.js")


@dataclasses.dataclass(frozen=True)
class Configured:
    """What the configure stage decided, for every later stage."""

    meta: Metadata
    identity: Mapping[str, str]          # what the theme shows of the report (``extra.report``)
    banner: str                          # a private build's "Confidential: ..." line, or ""
    edition: editions.EditionBuild       # an erratum's revisions, a courtesy draft's notice
    pdf_name: str | None                 # the PDF's file name, when the build makes one
    findable: bool                       # the public, final report: indexed, shared, followed
    changes_page: bool                   # this build has the changes page (changes.py)
    since_draft: bool                    # a private build after the courtesy draft (courtesy.py)
    gone_ids: frozenset[str]             # participants that left, for an audience that may not know them
    exited_pages: frozenset[str]         # their pages, in no build of that audience
    page_date: str | None                # the date every page carries (the sitemap's)
    final_site_dir: Path                 # where the site goes once it passes its audit
    staging: Path                        # where it is written until then
    site_announced: bool = False         # the log has said where the site goes (not the site folder asked for)

    @property
    def draft(self) -> str | None:
        return self.edition.draft


def read_settings(config: Any, audience: str | None, make_pdf: bool | None, serving: bool, data: ReportData,
                  env: Environment | None = None) -> Settings:
    """The build's settings: the plugin's typed config first, the documented variables after it."""
    env = env or environment()
    source = "the report plugin's audience setting" if audience is not None else AUDIENCE_ENV
    value = audience if audience is not None else env.audience
    revisions = tuple(editions.revisions_from_env(env))
    return Settings(
        project_dir=Path(config.config_file_path).resolve().parent,
        docs_dir=Path(config.docs_dir).resolve(),
        config_file=Path(config.config_file_path),
        audience=parse_audience(value, data.participants, source),
        serving=serving,
        make_pdf=(pdf.requested(env.pdf) if make_pdf is None else make_pdf) and not serving,
        draft=editions.draft_date(env.draft),
        recipient=env.recipient,
        deploying=env.edition,
        revisions=revisions,
        caller_epoch=editions.caller_source_date_epoch(env),
        reading_snapshot=bool(env.snapshot),
        helpers=env.helpers_allowed,
        env=env)


def load_citations(settings: Settings, data: ReportData) -> CitationEngine:
    """The report's citations; a report without bibliography.bib gets an empty one."""
    report = data.report
    style_settings = report.get("citations") or LineDict()
    style = style_settings.get("style", "author-year")
    max_names = style_settings.get("max_names", 10)
    if not isinstance(max_names, int) or isinstance(max_names, bool) or max_names < 1:
        raise ReportError(f"citations.max_names must be a whole number of 1 or more, got {max_names!r}",
                          data.files["report"], style_settings.line_of("max_names") if style_settings else None,
                          "write citations: {style: author-year, max_names: 10}")
    # A build (not the preview, whose .bib edits are parsed in part) reads an uncached .bib when pass
    # one is done (a helper parses it meanwhile where one may run): with helpers or without, the
    # same mistakes stop it in the same order. Citation keys are checked after pass one.
    later = not settings.serving
    database = load_bibtex(settings.project_dir / "bibliography.bib", settings.project_dir / CACHE_DIR, later=later,
                           write_later=settings.serving)
    try:
        engine = CitationEngine(database, style=str(style), max_names=max_names)
    except ReportError as error:
        citations = report.get("citations")
        raise error.located(data.files["report"], citations.line_of("style") if citations else None)
    engine.ahead.parse(settings.docs_dir)
    return engine


def configure(config: Any, settings: Settings, data: ReportData, citations: CitationEngine) -> Configured:
    """The MkDocs settings the guarantees depend on, whatever mkdocs.yml says."""
    inputs.check_inputs(config, settings.config_file if config.config_file_path else None)
    extensions = config["markdown_extensions"]
    for name in REQUIRED_EXTENSIONS:
        if name not in extensions:
            extensions.append(name)
    config["mdx_configs"].setdefault("pymdownx.blocks.caption", {})["auto"] = False
    theme_assets(config)
    report, audience = data.report, settings.audience
    config["site_name"] = str(report["title"])
    config["site_description"] = str(report.get("subtitle") or report["title"])
    config["copyright"] = f"© {report['published'].year} {report['organization']}"
    if not config.get("site_url"):
        config["site_url"] = str(report["canonical_url"])
    edition_address = editions.edition_url(str(report["canonical_url"]), editions.edition_id(report))
    meta = read_metadata(report, data.files["report"], edition_address, str(config.theme.get("language") or "en"))
    if not settings.reading_snapshot:      # a new edition still citing an earlier one's DOI stops here
        gitrepo.check_doi(settings.project_dir, report, data.files["report"])
    if not config.get("site_author"):
        config["site_author"] = ", ".join(meta.author_names) or meta.organization
    extra = config["extra"]
    extra["report"] = identity(settings, data, meta, citations)
    banner_text = banner(settings, data)
    build: dict[str, Any] = {"audience": str(audience), "public": audience.is_public, "banner": banner_text}
    extra["report_build"] = build
    edition = editions.configure(config, report, settings)
    build.update(edition.theme_keys())
    gone = gone_ids(settings, data)
    exited = exited_pages(settings.docs_dir, gone)
    changes_page, since_draft = extra_pages(config, settings, data, exited)
    findable = audience.is_public and edition.draft is None
    if findable:               # each page's own description goes into the head (head_tags)
        config["site_description"] = None
    pdf_name = None
    if settings.make_pdf:
        pdf_name = build["pdf"] = pdf.file_name(report, editions.edition_id(report), audience,
                                                edition.draft is not None)
    final, staging, announced = choose_site_dir(config, settings, edition.draft is not None)
    return Configured(meta, extra["report"], banner_text, edition, pdf_name, findable, changes_page, since_draft,
                      gone, exited, editions.page_date(report, settings.caller_epoch), final, staging, announced)


def extra_pages(config: Any, settings: Settings, data: ReportData, exited: frozenset[str]) -> tuple[bool, bool]:
    """The navigation of this audience: exited participants' pages out; the register, the changes
    page and the page of changes since the courtesy draft in, where the build has them."""
    nav = config["nav"]
    if nav is not None and exited:
        nav = config["nav"] = outputs.prune_nav(nav, exited)
    if not settings.audience.is_public and nav is not None:
        # The register is in every private build's navigation (an automatic nav lists it anyway):
        # the internal build's lists everything, a participant's its own redactions and items.
        if REGISTER_PAGE not in json.dumps(nav):
            nav.append({"Redaction register": REGISTER_PAGE})
    # A report kept in git compares each edition with the previous one that still stands (not while
    # that previous edition is itself being read for the comparison); a first edition has no
    # changes page at all.
    in_git = not settings.reading_snapshot and changes.in_git(settings.project_dir)
    changes_page = in_git and changes.previous_edition(settings.project_dir,
                                                       editions.edition_id(data.report)) is not None
    # Private builds show what the public text changed since the courtesy draft participants saw.
    since_draft = (in_git and not settings.audience.is_public and changes.tag_commit(
        settings.project_dir, f"{courtesy.TAG_PREFIX}{editions.edition_id(data.report)}") is not None)
    if since_draft and nav is not None and courtesy.PAGE not in json.dumps(nav):
        nav.append({courtesy.TITLE: courtesy.PAGE})
    if changes_page and nav is not None and changes.PAGE not in json.dumps(nav):
        nav.append({changes.TITLE: changes.PAGE})
    return changes_page, since_draft


def theme_assets(config: Any) -> None:
    """The engine's templates, styles and scripts, and footnote tooltips, even if mkdocs.yml omits them.

    The engine's theme folder comes after the report's own ``custom_dir`` (a report may override
    any template) and before Material's."""
    theme = config["theme"]
    if str(THEME_DIR) not in theme.dirs:
        theme.dirs.insert(1 if theme.custom_dir else 0, str(THEME_DIR))
    if theme.name == "material":
        # No request leaves the reader's browser: Material would fetch its fonts from Google.
        theme["font"] = False
        features = theme["features"] if "features" in theme else []
        if "content.footnote.tooltips" not in features:
            theme["features"] = [*features, "content.footnote.tooltips"]
    for path in ENGINE_CSS:
        if path not in config["extra_css"]:
            config["extra_css"].append(path)
    scripts = [str(script) for script in config["extra_javascript"]]
    for path in ENGINE_JS:
        if path not in scripts:
            config["extra_javascript"].append(path)


def identity(settings: Settings, data: ReportData, meta: Metadata, citations: CitationEngine) -> dict[str, str]:
    """What the theme shows of the report: title, edition, window, how to cite it."""
    report = data.report
    window = report["assessment_window"]
    shown = {
        "title": str(report["title"]),
        "subtitle": str(report.get("subtitle") or ""),
        "organization": str(report["organization"]),
        "edition": str(report["edition"]),
        "edition_label": str(report["edition_label"]),
        "window": f"{format_value(window['start'])} to {format_value(window['end'])}",
        "published": format_value(report["published"]),
    }
    # Cite the edition at its permanent address: the report's root moves on to later editions.
    edition = {**report, "canonical_url": meta.edition_url}
    revisions = settings.revisions if settings.audience.is_public else ()
    if revisions:                   # an erratum: the citation names the latest revision
        latest = format_value(dt.date.fromisoformat(revisions[-1]["date"]))
        edition["edition_label"] = f"{report['edition_label']}, revised {latest}"
    if meta.doi:
        edition["doi"] = meta.doi
    shown["citation_html"], shown["citation_bibtex"] = citations.report_reference(edition)
    shown["doi"], shown["doi_url"] = meta.doi, meta.doi_url
    shown["authors"] = ", ".join(meta.author_names)
    shown["ris"], shown["csl"] = findability.RIS_FILE, findability.CSL_FILE
    shown["feed"] = meta.site_url + findability.FEED
    return shown


def banner(settings: Settings, data: ReportData) -> str:
    """What every page of a private build says at its top."""
    audience = settings.audience
    if audience.is_public:
        return ""
    if audience.kind == "internal":
        who = "internal readers only"
    else:
        who = f"{data.participants[str(audience.participant)].name} only"
    return f"Confidential: {who} ({audience}). Not for publication; do not forward."


def choose_site_dir(config: Any, settings: Settings, draft: bool) -> tuple[Path, Path, bool]:
    """Where the site goes, the staging folder it is written into until it passes its audit, and
    whether the log has said where it goes (a folder other than the one asked for). MkDocs' own
    "Building documentation to directory" line is made to name the final folder, or left out when
    this has said it (the plugin's log filter)."""
    requested = Path(config.site_dir)
    public = outputs.configured_site_dir(settings.config_file)
    final = outputs.site_dir_for(settings.audience, requested, public, settings.project_dir, draft)
    announced = final != requested.resolve()
    if announced:
        log.info(f"{'courtesy draft' if draft else str(settings.audience) + ' build'} goes to {final}, "
                 "never to the public site directory")
    # Write into a staging folder; the previous site stays until the build passes its audit.
    # Under `mkdocs serve` this keeps the last good preview on screen while a mistake is fixed.
    staging = outputs.staging_dir(final)
    outputs.discard(staging)
    staging.parent.mkdir(parents=True, exist_ok=True)
    config.site_dir = str(staging)
    return final, staging, announced


def gone_ids(settings: Settings, data: ReportData) -> frozenset[str]:
    """Participants that left, for an audience that may not know they took part."""
    return frozenset(p.id for p in data.participants.values() if p.exited and not settings.audience.knows(p.id))


def exited_pages(docs_dir: Path, gone: frozenset[str]) -> frozenset[str]:
    """The pages of participants that left, for audiences that may not know they took part: their
    appendices (``appendices/<id>.md``) and any page whose front matter says ``participant: <id>``."""
    if not gone:
        return frozenset()
    pages = {f"appendices/{pid}.md" for pid in gone}
    for path in docs_dir.rglob("*.md"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---") and str(front_matter(text)[1].get("participant", "")) in gone:
            pages.add(path.relative_to(docs_dir).as_posix())
    return frozenset(pages)


def generated_files(files: Any, config: Any, settings: Settings, configured: Configured) -> Any:
    """The files the engine adds to the build: the report's citation files, the generated pages
    (changes, since the courtesy draft, the redaction register); and the appendices of
    participants that left taken out."""
    for src in configured.exited_pages:
        file = files.get_file_from_path(src)
        if file is not None:
            files.remove(file)
    bibtex = configured.identity.get("citation_bibtex")
    if bibtex and files.get_file_from_path("report.bib") is None:
        files.append(generated_file(config, "report.bib", bibtex))
        for name, content in ((findability.RIS_FILE, findability.ris(configured.meta)),
                              (findability.CSL_FILE, findability.csl_json(configured.meta))):
            if files.get_file_from_path(name) is None:     # bytes: RIS lines end in CR LF, kept
                files.append(generated_file(config, name, content.encode("utf-8")))
    pages = [(configured.since_draft, courtesy.PAGE, f"---\nnumbered: false\n---\n\n# {courtesy.TITLE}\n"),
             (configured.changes_page, changes.PAGE, f"---\nnumbered: false\n---\n\n# {changes.TITLE}\n"),
             (not settings.audience.is_public, REGISTER_PAGE,
              "---\nnumbered: false\n---\n\n# Redaction register\n\n{{ redaction_register() }}\n")]
    for wanted, src, content in pages:
        if wanted and files.get_file_from_path(src) is None:
            files.append(generated_file(config, src, content))
    check_nav(config["nav"], files, settings.config_file)
    return files


def nav_paths(nav: Any) -> list[str]:
    """Every file path ``nav:`` names (titled or not, in sections), in order; links elsewhere left out."""
    if isinstance(nav, dict):
        return [path for value in nav.values() for path in nav_paths(value)]
    if isinstance(nav, list):
        return [path for item in nav for path in nav_paths(item)]
    if isinstance(nav, str):
        parts = urlsplit(nav)
        return [] if parts.scheme or parts.netloc or nav.startswith("/") else [nav]
    return []


def check_nav(nav: Any, files: Any, config_file: Path) -> None:
    """A nav entry naming a file docs/ does not hold stops the build, at its line of mkdocs.yml (MkDocs
    itself would only warn, and publish a navigation with a dead link)."""
    for path in nav_paths(nav):
        if files.get_file_from_path(path) is None:
            pages = [file.src_uri for file in files.documentation_pages()]
            raise ReportError(f"the nav entry '{path}' names a file that is not in docs/", config_file.name,
                              nav_line(config_file, path), did_you_mean(path, pages, "pages"))


def nav_line(config_file: Path, path: str) -> int | None:
    """The line of mkdocs.yml's ``nav:`` that names ``path`` (the first, from ``nav:`` on)."""
    return inputs.config_line(config_file, "nav", re.compile(r"(?<![\w./-])" + re.escape(path) + r"(?![\w./-])"))


def without_page(config: Any, files: Any, session: Session, src: str) -> Any:
    """A generated page the passes found had nothing to say, out of the build: out of ``nav:``,
    MkDocs' files and the session (so out of the site, its search index and sitemap, the PDF and
    the audit's reading), before MkDocs reads any page. Returns the navigation made again."""
    if config["nav"]:
        config["nav"] = outputs.prune_nav(config["nav"], {src})
    found = files.get_file_from_path(src)
    if found is not None:
        files.remove(found)
    session.pages.pop(src, None)
    for pages in (session.reachable, session.open_reachable, session.withheld_pages):
        pages.discard(src)
    return get_navigation(files, config)
