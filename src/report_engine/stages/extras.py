"""Stage five, the extra outputs: every file a build writes besides MkDocs' pages.

Each kind of output is one :class:`OutputKind` in :data:`OUTPUTS`, in the order they are
written: whether this build wants it, and how it writes it into the site folder. A new output is
one function and one entry here; the audit that follows reads whatever the site folder holds,
so whatever an output writes is audited like a page.

Kinds of the ``pages`` phase are written from the pages as MkDocs wrote them; the ``document``
phase comes after the published images are cleaned (a PDF embeds them), and never under
``mkdocs serve``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Literal

from .. import cards, caches, disclosures, findability, linking, newsletter, pdf, tables
from ..adapter import nav_pages
from ..data import ReportData
from ..redaction import statement_markdown
from ..session import Session
from ..settings import Settings
from .configure import Configured
from .pages import PageWriter, first_paragraph

log = logging.getLogger("mkdocs.plugins.report")


@dataclasses.dataclass(frozen=True)
class Written:
    """What the extra outputs read: the build's values, and the pages as MkDocs wrote them."""

    settings: Settings
    configured: Configured
    data: ReportData
    session: Session
    pages: PageWriter
    nav: Any                             # MkDocs' navigation (the PDF's order and sections)
    language: str                        # the theme's language
    custom_dir: str | None               # the report's theme overrides (its pdf.css)


@dataclasses.dataclass(frozen=True)
class OutputKind:
    """One kind of output: its name (for messages), whether a build wants it, how it is written."""

    name: str
    wanted: Callable[[Written], bool]
    write: Callable[[Written, Path], None]
    phase: Literal["pages", "document"] = "pages"


def write_newsletter(build: Written, site: Path) -> None:
    """The newsletter edition of the executive summary (see :mod:`report_engine.newsletter`)."""
    newsletter.write_newsletter(site, build.session, build.data.report)


def write_downloads(build: Written, site: Path) -> None:
    """The CSV and JSON of each data_table(download=...) this audience reads (see :mod:`tables`)."""
    for name, download in sorted(build.session.downloads.items()):
        folder = site / tables.DOWNLOADS
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.csv").write_bytes(download.csv.encode("utf-8"))
        (folder / f"{name}.json").write_bytes(download.json.encode("utf-8"))


def write_register(build: Written, site: Path) -> None:
    """The disclosure register as CSV, for private builds (see :mod:`report_engine.disclosures`)."""
    rows = linking.Linker(build.session).disclosure_rows()
    (site / disclosures.REGISTER_CSV).write_bytes(disclosures.register_csv(rows).encode("utf-8"))


def write_cards(build: Written, site: Path) -> None:
    """The social card of each section this build's pages named (see :mod:`cards`)."""
    folder = site / cards.FOLDER
    store = caches.Store(build.settings.project_dir, "cards")
    for slug, card in sorted(build.pages.cards.items()):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.png").write_bytes(cards.render(card, store))


def write_feed(build: Written, site: Path) -> None:
    """This edition's own ``feed.xml`` (publishing merges every edition's into the site root's)."""
    meta = build.configured.meta
    summary = meta.subtitle or meta.title
    content = ""
    landing = build.session.pages.get(newsletter.LANDING)
    if landing is not None and landing.html:
        summary = findability.describe(first_paragraph(landing.html), 400) or summary
    post = site / "newsletter" / "index.html"
    if post.is_file():
        content = newsletter.post_html(post)
    entry = findability.FeedEntry(meta.edition, meta.edition_label, meta.edition_url, meta.published, summary, content)
    (site / findability.FEED).write_text(findability.atom_feed(meta, [entry]), encoding="utf-8")


def write_pdf(build: Written, site: Path) -> None:
    """The audience's whole report as one PDF in its site folder, typeset from the pages just written
    (the audit that follows reads it like any other output)."""
    started = time.perf_counter()
    settings, configured = build.settings, build.configured
    name = str(configured.pdf_name)
    pages: list[pdf.PdfPage] = []
    urls: dict[str, str] = {}
    for item, section in nav_pages(build.nav.items if build.nav is not None else []):
        url = urls[item.file.src_uri] = pdf.normal_url(item.url)
        pages.append(pdf.PdfPage(url, site / item.file.dest_path, section or None))
    log.info(f"PDF: assembling {len(pages)} page(s) of the {settings.audience} report")
    session = build.session
    xrefs = [(urls[t.page], t.anchor, t.text()) for t in session.targets.values() if t.page in urls]
    statement = statement_markdown(session.statement_redactions(), session.statement_texts, lambda redaction: "")
    marking, watermark = pdf_marking(build)
    public_final = settings.audience.is_public and configured.draft is None
    front = pdf.front_matter(build.data.report, statement, marking, watermark, build.language,
                             configured.meta.edition_url if public_final else "", build.data.files["report"])
    revisions = configured.edition.revisions
    if revisions:
        front = dataclasses.replace(front, revisions=tuple(f"Revised on {r['date']}: {r['note']}"
                                                            for r in reversed(revisions)))
    document = pdf.assemble(site, pages, front, xrefs)
    sheets = [pdf.STYLESHEET]
    if build.custom_dir:
        sheets.append(Path(build.custom_dir) / "pdf.css")
    # The page numbers of the last PDF: a hint the typesetting checks, not a result it trusts.
    remembered = caches.Store(settings.project_dir, "").path(f"pdf-pages-{settings.audience.slug}", ".json")
    count = pdf.render(document, site / name, sheets, site, remembered)
    final = configured.final_site_dir / name
    project = settings.project_dir
    shown = os.path.relpath(final, project) if project in final.parents else str(final)
    log.info(f"PDF: {shown} ({count} pages, typeset in {time.perf_counter() - started:.1f} s)")


def pdf_marking(build: Written) -> tuple[str, str]:
    """What every page of a non-public or draft PDF says (and for whom it is), and its watermark."""
    audience = build.settings.audience
    if audience.kind == "internal":
        who = "Internal"
    elif audience.kind == "participant":
        who = build.data.participants[str(audience.participant)].name
    else:
        who = ""
    edition = build.configured.edition
    if edition.draft is not None:
        return (f"Courtesy draft for {who or 'the public report'} ({audience}, {edition.draft_date}): "
                "not for distribution"), "Courtesy draft"
    if who:
        return f"Confidential: {who}" + ("" if who == "Internal" else " only"), "Confidential"
    return "", ""


# Every extra output, in the order they are written.
OUTPUTS: list[OutputKind] = [
    OutputKind("newsletter", lambda build: build.settings.audience.is_public, write_newsletter),
    OutputKind("downloads", lambda build: True, write_downloads),
    OutputKind("disclosure register", lambda build: not build.settings.audience.is_public, write_register),
    OutputKind("social cards", lambda build: build.configured.findable, write_cards),
    OutputKind("feed", lambda build: build.configured.findable, write_feed),
    OutputKind("PDF", lambda build: build.settings.make_pdf and not build.settings.serving, write_pdf, "document"),
]


def write(build: Written, site: Path, phase: Literal["pages", "document"]) -> None:
    """Write every output of ``phase`` that this build wants."""
    for kind in OUTPUTS:
        if kind.phase == phase and kind.wanted(build):
            kind.write(build, site)
