"""Stage four, the pages: each page's Markdown and HTML on its way through MkDocs.

MkDocs converts and writes the pages one by one; :class:`PageWriter` takes each at four events:
its final Markdown (the generated pages' bodies, the report's date), its converted HTML (editors'
notes, dates that never break, wide tables, the description of its head), its template context
(the section's citation) and its written page (the search dialog's name, head tags, the
confidential banner). What it gathers on the way (each page's description, the social cards the
pages name) is read by the extra outputs.
"""

from __future__ import annotations

import html as html_module
import re
from typing import Any

from lxml import html as lxml_html

from .. import ahead, cards, changes, courtesy, findability, mdscan, outputs
from ..adapter import AnchorLink, event_handlers
from ..errors import ReportError
from ..passages import slugify
from ..render_cache import PageRenders
from ..session import Session
from .configure import Configured
from .passes import Passes

# A table cell that is a date: kept on one line.
TABLE_DATE = re.compile(r"(<td[^>]*>)(\d{4}-\d{2}-\d{2}|\d{4}-\d{2})(</td>)")
CITE_ANCHOR = "how-to-cite"                 # the landing page's citation section (theme/main.html)
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


class PageWriter:
    """The per-page events of one build, and what they gather for the extra outputs."""

    def __init__(self, configured: Configured, session: Session, renders: PageRenders,
                 sections: dict[str, str]) -> None:
        self.configured = configured
        self.session = session
        self.renders = renders
        self.sections = sections                  # page source -> its nav section's title (social cards)
        self.handed: set[str] = set()             # pages handed to mkdocs-macros by the engine
        self.descriptions: dict[str, str] = {}    # page source -> its description (public builds)
        self.cards: dict[str, cards.Card] = {}    # card file stem -> the card, as pages name them

    def markdown(self, markdown: str, page: Any, passes: Passes) -> str:
        """Every page MkDocs converts is one the engine rendered; each is dated by the report."""
        if page.file.src_uri not in self.handed:
            raise ReportError("this page reached MkDocs without passing through the report engine",
                              page.file.src_uri, None,
                              "the report's macros module must call report_engine's define_env, and no plugin "
                              "may render pages before the report plugin")
        if self.configured.page_date is not None:
            page.update_date = self.configured.page_date      # the sitemap's dates: the report's, never the clock's
        if page.file.src_uri == changes.PAGE and passes.changes_body:
            markdown = markdown.rstrip("\n") + "\n\n" + passes.changes_body
        if page.file.src_uri == courtesy.PAGE and passes.since_draft_body:
            markdown = markdown.rstrip("\n") + "\n\n" + passes.since_draft_body
        self.renders.attach(page)
        return markdown

    def content(self, html: str, page: Any) -> str:
        """Editors' notes that reached the HTML go here; the page as readers get it is kept for the audit."""
        if self.session.audience.kind != "internal":
            html = mdscan.HTML_COMMENT.sub("", html)
        else:                           # internal readers see editors' notes, marked as such
            html = mdscan.HTML_COMMENT.sub(editor_note, html)
        html = TABLE_DATE.sub(r'\1<span class="report-date">\2</span>\3', html)     # a date never breaks
        html = outputs.wide_tables(html)
        record = self.session.pages.get(page.file.src_uri)
        if record is not None:
            record.html = html          # what readers get, kept for the audit
        meta = self.configured.meta
        if self.configured.findable:
            # The head's description (findability.head_tags), from the page's own text unless its front
            # matter has one. Not put into page.meta: a page with meta makes Material's nav look up
            # icons and badges on it from every other page (1.5 s at 300 pages).
            self.descriptions[page.file.src_uri] = str(page.meta.get("description") or "") or \
                findability.describe(first_paragraph(html)) or meta.subtitle or meta.title
        if page.is_homepage and self.configured.identity.get("citation_html") and page.toc is not None:
            # the theme adds "How to cite this report" under the landing page: its contents list it too
            # (under the page's title when the contents start with it, as Material shows them)
            items = page.toc.items
            if items and items[0].level == 1:
                items = items[0].children
            if not any(item.id == CITE_ANCHOR for item in items):
                items.append(AnchorLink("How to cite this report", CITE_ANCHOR, 2))
        return html

    def context(self, context: dict[str, Any], page: Any) -> dict[str, Any]:
        """Each page of the public report can be cited as a section of the edition (theme/main.html)."""
        meta = self.configured.meta
        if self.configured.findable and not page.is_homepage and page.title:
            context["section_citation"] = findability.section_citation(meta, str(page.title),
                                                                       meta.edition_url + page.url)
        return context

    def written(self, output: str, page: Any) -> str:
        """Every non-public page says so and asks not to be indexed; so does every courtesy draft."""
        # Material's search is a dialog with no name (axe-core: aria-dialog-name); name it.
        output = output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)
        if self.configured.findable and "</head>" in output:
            output = output.replace("</head>", self.head_tags(page) + "</head>", 1)
        draft = self.configured.draft
        if not self.session.audience.is_public:
            output = outputs.mark_confidential(output, self.configured.banner)
        elif draft and "data-report-draft" not in output:   # the theme already shows it
            output = outputs.mark_confidential(output, draft)
        return output

    def page_info(self, page: Any) -> findability.PageInfo:
        # One card for the edition (every page outside a nav section) and one per nav section
        # ("Appendices"): a handful of pictures however long the report.
        meta = self.configured.meta
        section = self.sections.get(page.file.src_uri, "")
        slug = "section-" + (slugify(section) or "untitled") if section else cards.EDITION_CARD
        self.cards[slug] = cards.Card(meta.organization, meta.title, meta.edition_label, section or meta.subtitle)
        return findability.PageInfo(
            title=str(page.title or meta.title),
            url=page.canonical_url or (meta.edition_url + page.url),
            description=self.descriptions.get(page.file.src_uri) or meta.subtitle or meta.title,
            card_url=f"{meta.edition_url}{cards.FOLDER}/{slug}.png",
            card_alt=f"{meta.title}, {meta.edition_label}" + (f": {section}" if section else ""),
            is_landing=bool(page.is_homepage),
            section=section)

    def head_tags(self, page: Any) -> str:
        meta = self.configured.meta
        pdf_name = self.configured.pdf_name
        pdf_url = f"{meta.edition_url}{pdf_name}" if pdf_name else ""
        return findability.head_tags(meta, self.page_info(page), pdf_url, description=not page.meta.get("description"))


def first_paragraph(html: str) -> str:
    """The text of a page's first paragraph of running text (not a notice's or a caption's)."""
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


def editor_note(match: re.Match[str]) -> str:
    """An HTML comment written in a page, as internal readers see it: a visible, marked note."""
    text = " ".join(match.group(1).split())
    if not text:
        return ""
    return (f'<mark class="editor-note" data-editor-note role="note"><strong>Editors\' note:</strong> '
            f'{html_module.escape(text)}</mark>')


def convert_ahead(config: Any, files: Any, renders: PageRenders, serving: bool) -> ahead.Helper | None:
    """Another core converts pages' Markdown from the last page back while MkDocs converts from
    the first (:mod:`report_engine.ahead`), as MkDocs would: the same events make each page's final
    Markdown. Only when the engine and mkdocs-macros are the only plugins that change a page before then."""
    owners = {module.split(".")[0] for module in event_handlers(config, ("pre_page", "page_markdown"))}
    if serving or not renders.on or not owners <= {"mkdocs_macros", "report_engine"}:
        return None
    pages = [file.page for file in files.documentation_pages() if file.page is not None
             and not file.inclusion.is_excluded()]

    def ready(page: Any) -> bool:
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
        return renders.known(page)

    return ahead.Helper("pages", pages, ready, lambda page: page.render(config, files))
