"""The whole report as one PDF, typeset from the audience's own built pages.

The PDF is made after MkDocs has written (and before the audit reads) the
audience's site: each page of ``nav:`` is read back from the site, its article
taken out of Material's chrome and the engine's web furniture (whatever carries
the class ``report-screen-only``: the landing page's cover, "How to cite", "Cite
this section", a table's downloads), and the pages joined into one HTML document
behind a title page (the PDF's only cover) and a table of contents. A page left
with nothing but its title is not printed. WeasyPrint (CSS paged media)
typesets it with the engine's print stylesheet (``print/pdf.css``), then a
report's own ``pdf.css`` from its ``custom_dir`` if it has one.

So the PDF holds exactly what the audience's site holds, redactions,
pseudonyms and withheld files included, and the leak audit then reads it
back like every other output (:func:`read_pdf`): text, metadata, outline and
link targets.

Inside the document, every id is prefixed with its page's (``s3-means``) so
that links between pages become links inside the PDF; a link to a file that is
not a page points at the edition's address on the web. Footnotes move to the
foot of the page they are called on, numbered as on the site; a cross-reference
made by ``ref()`` gains its page number ("Section 3.2, page 41").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import logging
import os
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote, urlsplit

import lxml.html
from lxml import etree

from . import pdf_text, published, settings
from .errors import ReportError, Unreadable  # noqa: F401 (Unreadable: kept importable from here)
from .metadata import read_metadata
from .formatting import format_value
from .outputs import site_path
from .passages import slugify
from .settings import yes

log = logging.getLogger("mkdocs.plugins.report.pdf")

Element = Any          # an lxml element (lxml ships no type information)
PDF_ENV = settings.PDF_ENV                 # kept for code that imports it from here
STYLESHEET = Path(__file__).resolve().parent / "print" / "pdf.css"     # not in theme/: MkDocs would publish it
BODY_FONT = "Charis SIL"
FONT_PACKAGE = "fonts-sil-charis"
LIBRARY_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
LONG_TABLE_ROWS = 12       # a table with more rows may run over a page break (its header repeats)
# What the engine's own HTML marks as web furniture (the landing page's cover, "How to cite",
# "Cite this section", a table's download links): the screen's, never the paper's. The title page
# is the PDF's only cover.
SCREEN_ONLY = "report-screen-only"
# Material's chrome inside an article that has no place on paper, and the engine's web furniture.
CHROME = ("headerlink", "md-content__button", "md-source-file", "md-feedback", "md-top", SCREEN_ONLY)


def requested(value: str | None) -> bool:
    """Does ``REPORT_PDF``'s value ask for a PDF?"""
    return yes(value)


def file_name(report: Mapping[str, Any], edition: str, audience: Any, draft: bool) -> str:
    """``<report>-<edition>.pdf``; a private or draft copy says whose it is in its name, so that a
    file attached to an email cannot pass for the public one."""
    name = f"{slugify(str(report['title'])) or 'report'}-{slugify(edition)}"
    if not audience.is_public:
        name += f"-{audience.slug}"
    if draft:
        name += "-draft"
    return name + ".pdf"


# ---- the document -------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfPage:
    """One page of the site in reading order, and where its HTML was written."""

    url: str                 # site-relative URL ("process/", "" for the home page)
    output: Path             # the HTML file MkDocs wrote
    group: str | None = None  # the nav section it sits in ("Appendices"), if any


@dataclass(frozen=True)
class Front:
    """What the title page and the document's metadata say."""

    title: str
    subtitle: str
    edition_label: str
    window: str
    organization: str
    published: str
    published_iso: str
    statement: str              # the redaction statement's first sentence
    authors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str = "en"
    marking: str = ""           # "Confidential: Helios Labs only", "Confidential: Internal", a draft's notice
    watermark: str = ""         # the diagonal word on every page of a non-public or draft PDF
    edition_url: str = ""       # where the edition is on the web; empty for a copy that is never published
    revisions: tuple[str, ...] = ()   # "Revised on June 1, 2026: …", the latest first


@dataclass
class Document:
    """The assembled HTML, with a token where each page number of a target goes (:func:`fill`)."""

    html: str
    targets: set[str] = field(default_factory=set)


# Where a page number goes: the target's id between two private-use characters.
TOKEN = re.compile("\ue000([^\ue001]*)\ue001")


def token(target: str) -> str:
    return f"\ue000{target}\ue001"


BYTES_PER_PAGE = 4000      # of assembled HTML, roughly, for a first guess at how many digits a number has


def fill(html_text: str, numbers: Mapping[str, int | None]) -> str:
    """The document with its page numbers written in. A number not known yet is a placeholder of as
    many digits as the target's place in the document suggests (digits are tabular in the print
    stylesheet, so a right guess lays out exactly as the number will)."""
    places: dict[str, int] = {}
    if any(numbers.get(match.group(1)) is None for match in TOKEN.finditer(html_text)):
        for match in ID.finditer(html_text):
            places.setdefault(match.group(1), match.start())

    def number(match: re.Match) -> str:
        value = numbers.get(match.group(1))
        if value is not None:
            return str(value)
        return "0" * len(str(places.get(match.group(1), 0) // BYTES_PER_PAGE + 1))
    return TOKEN.sub(number, html_text)


ID = re.compile(r' id="([^"]+)"')


def front_matter(report: Mapping[str, Any], statement: str, marking: str, watermark: str, language: str,
                 edition_url: str, report_file: str) -> Front:
    published = report["published"]
    meta = read_metadata(report, report_file, edition_url or str(report["canonical_url"]), language)
    return Front(
        title=str(report["title"]),
        subtitle=str(report.get("subtitle") or ""),
        edition_label=str(report["edition_label"]),
        window=format_value(report["assessment_window"]),
        organization=str(report["organization"]),
        published=format_value(published),
        published_iso=published.isoformat() if isinstance(published, dt.date) else str(published),
        statement=first_sentence(statement),
        authors=tuple(meta.author_names),
        keywords=meta.keywords,
        language=language or "en",
        marking=marking,
        watermark=watermark,
        edition_url=edition_url,
    )


def first_sentence(markdown_text: str) -> str:
    """The statement's first sentence, as plain text."""
    paragraph = markdown_text.strip().split("\n\n", 1)[0]
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", paragraph)
    text = re.sub(r"[*_`]", "", " ".join(text.split()))
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def assemble(site: Path, pages: list[PdfPage], front: Front,
             xrefs: Iterable[tuple[str, str | None, str]] = ()) -> Document:
    """One HTML document: title page, contents, then every page's article in reading order.

    ``xrefs`` are the cross-reference targets ``ref()`` can point at, as (page URL, anchor, the text
    a reference prints): a link to one of them with that text gains its page number."""
    articles: list[tuple[PdfPage, Element]] = []
    for page in pages:
        article = _article(page.output)
        if article is None:
            continue
        if says_nothing(article):     # a generated page with nothing to say on paper: no page for it
            log.info(f"PDF: {page.url or 'the home page'} has nothing but its title once the web's furniture "
                     "is gone: left out")
            continue
        articles.append((page, article))
    index = {page.url: number for number, (page, _) in enumerate(articles, start=1)}
    references = {(url, anchor or ""): text for url, anchor, text in xrefs}
    body = etree.Element("body")
    body.append(_title_page(front))
    contents = etree.SubElement(body, "nav", {"class": "pdf-contents", "id": "contents"})
    heading = etree.SubElement(contents, "h1", {"class": "pdf-contents__title"})
    heading.text = "Contents"
    listing = etree.SubElement(contents, "ol", {"class": "pdf-contents__list"})
    document = Document("")
    group_seen: str | None = None
    for number, (page, article) in enumerate(articles, start=1):
        prefix = f"s{number}"
        depth = 1
        if page.group:
            depth = 2
            if page.group != group_seen:
                item = etree.SubElement(listing, "li", {"class": "pdf-contents__group"})
                item.text = page.group
                marker = etree.SubElement(body, "div", {"class": "pdf-group", "id": f"{prefix}-group"})
                marker.text = page.group
                group_seen = page.group
        else:
            group_seen = None
        section = etree.SubElement(body, "section", {"class": "pdf-page", "id": prefix})
        document.targets |= _rewrite(article, page, prefix, index, site, front.edition_url, references)
        _footnotes(article)
        _tables_on_paper(article)
        for child in list(article):
            section.append(child)
        document.targets |= _headings(section, listing, depth)
    if front.watermark:
        mark = etree.Element("div", {"class": "pdf-watermark", "aria-hidden": "true"})
        mark.text = front.watermark.upper()
        body.insert(0, mark)
    head = _head(front)
    root = etree.Element("html", {"lang": front.language})
    root.append(head)
    root.append(body)
    document.html = "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode")
    return document


def says_nothing(article: Element) -> bool:
    """Does the article hold nothing but its title (no text, image, table or figure besides)?"""
    for element in article.iter():
        if not isinstance(element.tag, str) or element.tag == "article":
            continue
        if element.tag in ("h1",):
            if (element.tail or "").strip():
                return False
            continue
        if any(parent.tag == "h1" for parent in element.iterancestors()):
            continue
        if element.tag in ("img", "svg", "table", "figure", "object", "video", "iframe"):
            return False
        if (element.text or "").strip() or (element.tail or "").strip():
            return False
    return not (article.text or "").strip()


def _tables_on_paper(article: Element) -> None:
    """On paper a table's caption goes above it (a reference lands where the caption is), and a
    long table may run over a page break."""
    for figure in article.iter("figure"):
        if figure.xpath("./table"):
            for caption in figure.xpath("./figcaption"):
                figure.remove(caption)
                caption.tail = None
                figure.insert(0, caption)
                caption.set("class", (caption.get("class", "") + " pdf-caption--above").strip())
        if len(figure.xpath(".//tr")) > LONG_TABLE_ROWS:
            figure.set("class", (figure.get("class", "") + " pdf-table--long").strip())


def _headings(section: Element, listing: Element, depth: int) -> set[str]:
    """One title per page (later h1s sit under it), each heading a bookmark at its depth, and the
    contents' entries; returns the headings' ids the contents link to."""
    targets: set[str] = set()
    first = True
    for h in section.iter("h1", "h2"):
        level = 1 if h.tag == "h1" else 2
        if level == 1 and not first:
            h.tag = "h2"
            level = 2
        if level == 1:
            first = False
            h.set("class", (h.get("class", "") + " pdf-page__title").strip())
        h.set("style", f"bookmark-level: {depth + level - 1}")
        text = " ".join("".join(h.itertext()).split())
        target = h.get("id")
        if target and text and (level == 1 or depth == 1):
            entry = etree.SubElement(listing, "li", {"class": f"pdf-contents__item pdf-contents__item--{depth + level - 1}"})
            link = etree.SubElement(entry, "a", {"href": f"#{target}", "data-page": token(target)})
            link.text = text
            targets.add(target)
    return targets


def _head(front: Front) -> Element:
    head = etree.Element("head")
    etree.SubElement(head, "meta", {"charset": "utf-8"})
    title = etree.SubElement(head, "title")
    title.text = front.title
    authors = [*front.authors, front.organization] if front.authors else [front.organization]
    metas = {"author": ", ".join(authors), "description": front.subtitle or front.title,
             "keywords": ", ".join(front.keywords), "generator": "report-engine",
             "dcterms.created": front.published_iso, "dcterms.modified": front.published_iso}
    for name, content in metas.items():
        if content:
            etree.SubElement(head, "meta", {"name": name, "content": content})
    style = etree.SubElement(head, "style")
    style.text = _running_text(front)
    return head


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _running_text(front: Front) -> str:
    """The parts of the page furniture that come from the report rather than the stylesheet."""
    rules = [f":root {{ string-set: report-title {_css_string(front.title)}; }}",
             "@page cover { @top-left { content: none; } }"]
    if front.marking:              # the marking takes the title's place at the head of every page
        rules.append(f"@page {{ @top-left {{ content: {_css_string(front.marking)}; color: #a00; font-style: normal;"
                     " font-weight: bold; text-transform: uppercase; letter-spacing: .05em; } }")
        rules.append(f"@page cover {{ @top-left {{ content: {_css_string(front.marking)}; }} }}")
    return "\n".join(rules)


def _title_page(front: Front) -> Element:
    cover = etree.Element("header", {"class": "pdf-cover"})

    def line(tag: str, cls: str, text: str) -> None:
        if text:
            element = etree.SubElement(cover, tag, {"class": cls})
            element.text = text
    line("p", "pdf-cover__organization", front.organization)
    line("p", "pdf-cover__title", front.title)
    line("p", "pdf-cover__subtitle", front.subtitle)
    line("p", "pdf-cover__edition", front.edition_label)
    line("p", "pdf-cover__window", f"Assessment window: {front.window}")
    line("p", "pdf-cover__authors", ", ".join(front.authors))
    line("p", "pdf-cover__published", f"Published {front.published}")
    line("p", "pdf-cover__marking", front.marking)
    for revision in front.revisions:
        line("p", "pdf-cover__revised", revision)
    line("p", "pdf-cover__statement", front.statement)
    line("p", "pdf-cover__url", front.edition_url)
    return cover


def _article(path: Path) -> Element | None:
    """The page's article as MkDocs wrote it, without Material's chrome."""
    try:
        tree = lxml.html.fromstring(path.read_bytes())
    except (OSError, etree.ParserError):
        return None
    found = tree.xpath("//article[contains(concat(' ', normalize-space(@class), ' '), ' md-content__inner ')]")
    if not found:
        found = tree.xpath("//main") or tree.xpath("//body")
    if not found:
        return None
    article = found[0]
    for element in list(article.iter()):
        if not isinstance(element.tag, str):
            if element.getparent() is not None:       # comments and processing instructions
                element.drop_tree()
            continue
        classes = set((element.get("class") or "").split())
        if classes & set(CHROME) or element.tag in ("script", "noscript", "form", "button"):
            element.drop_tree()
    return article


def _rewrite(article: Element, page: PdfPage, prefix: str, index: dict[str, int], site: Path,
             edition_url: str, references: dict[tuple[str, str], str]) -> set[str]:
    """Ids prefixed with the page's, links between pages turned into links inside the document,
    images read from the site, other local files linked at the edition's address; the ids whose
    page numbers cross-references print."""
    targets: set[str] = set()
    for element in article.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in list(element.attrib):
            if attribute.startswith("data-") or attribute in ("srcset", "sizes", "loading", "title"):
                del element.attrib[attribute]
        if element.get("id"):
            element.set("id", f"{prefix}-{element.get('id')}")
        if element.tag == "a" and element.get("href") is not None:
            href = element.get("href", "")
            target = _link_target(href, page.url, prefix, index)
            if target is not None:
                element.set("href", target)
                url, _, anchor = _split(href, page.url)
                text = " ".join("".join(element.itertext()).split())
                if url is not None and references.get((url, anchor)) == text:
                    element.set("class", (element.get("class", "") + " pdf-xref").strip())
                    element.set("data-page", token(target[1:]))
                    targets.add(target[1:])
            else:
                local = site_path(page.url, href) if not href.startswith("#") else None
                if local is not None and edition_url:
                    element.set("href", edition_url + quote(local, safe="/#%"))
                elif local is not None:       # a private copy: its files are on no public address
                    del element.attrib["href"]
        elif element.tag in ("img", "source", "object", "video", "audio", "embed", "iframe"):
            attribute = "data" if element.tag == "object" else "src"
            src = element.get(attribute)
            if src:
                local = site_path(page.url, src)
                file = (site / local).resolve() if local is not None else None
                if file is not None and site.resolve() in file.parents and file.is_file():
                    element.set(attribute, file.as_uri())
                elif local is not None:
                    element.attrib.pop(attribute)
    return targets


def normal_url(url: str) -> str:
    """A page's site-relative address, one spelling for each page: "" for the home page, "process/"
    for both ``process/`` and ``process/index.html``."""
    url = url.split("#", 1)[0]
    if url in (".", "./", "/"):
        return ""
    if url == "index.html" or url.endswith("/index.html"):
        return url[: -len("index.html")]
    if url and not url.endswith("/") and "." not in posixpath.basename(url):
        return url + "/"
    return url


def _split(href: str, page_url: str) -> tuple[str | None, str, str]:
    parts = urlsplit(href)
    if not parts.path:
        return page_url, "", parts.fragment
    local = site_path(page_url, href)
    if local is None:
        return None, "", parts.fragment
    return normal_url(local), "", parts.fragment


def _link_target(href: str, page_url: str, prefix: str, index: dict[str, int]) -> str | None:
    if href.startswith("#"):
        return f"#{prefix}-{href[1:]}" if len(href) > 1 else f"#{prefix}"
    url, _, fragment = _split(href, page_url)
    if url is None or url not in index:
        return None
    other = f"s{index[url]}"
    return f"#{other}-{fragment}" if fragment else f"#{other}"


def _footnotes(article: Element) -> None:
    """Python-Markdown's footnote list becomes notes at the foot of the page that calls them."""
    notes: dict[str, Element] = {}
    for block in article.xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' footnote ')]"):
        for item in block.xpath("./ol/li[@id]"):
            notes[item.get("id")] = item
        block.getparent().remove(block)
    placed: set[str] = set()
    for sup in article.xpath(".//sup[a[contains(concat(' ', normalize-space(@class), ' '), ' footnote-ref ')]]"):
        link = sup.xpath("./a")[0]
        target = (link.get("href") or "")[1:]
        item = notes.get(target)
        mark = "".join(link.itertext()).strip()
        if item is None:
            continue
        if target in placed:
            again = etree.Element("sup", {"class": "pdf-footnote-again"})
            anchor = etree.SubElement(again, "a", {"href": f"#{target}"})
            anchor.text = mark
            again.tail = sup.tail
            sup.getparent().replace(sup, again)
            continue
        placed.add(target)
        note = etree.Element("span", {"class": "pdf-footnote", "id": target, "data-mark": mark})
        for backref in item.xpath(".//a[contains(@class, 'footnote-backref')]"):
            backref.drop_tree()
        if item.text and item.text.strip():
            note.text = item.text
        for child in list(item):
            if child.tag == "p":
                span = etree.SubElement(note, "span", {"class": "pdf-footnote__para"})
                span.text = child.text
                for grandchild in child:
                    span.append(grandchild)
                span.tail = child.tail
            else:
                note.append(child)
        note.tail = sup.tail
        sup.getparent().replace(sup, note)


# ---- typesetting --------------------------------------------------------------------------

def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:       # Pango, HarfBuzz or fontconfig missing
        raise ReportError(f"the PDF cannot be made: WeasyPrint cannot load a system library ({str(error).splitlines()[0]})",
                          "the system", None, f"install them: apt-get install {LIBRARY_PACKAGES}") from None
    except ImportError:
        raise ReportError("the PDF cannot be made: WeasyPrint is not installed", "the system", None,
                          "pip install -r requirements.txt") from None
    return weasyprint


def check_fonts(families: Iterable[str] = (BODY_FONT,)) -> None:
    """The print stylesheet's face must be installed: fontconfig would quietly substitute another."""
    tool = shutil.which("fc-list")
    if tool is None:
        return
    installed = subprocess.run([tool, ":", "family"], capture_output=True, text=True, check=False).stdout
    names = {name.strip() for line in installed.splitlines() for name in line.split(",")}
    for family in families:
        if family not in names:
            raise ReportError(f"the PDF cannot be made: the font '{family}' is not installed", "the system", None,
                              f"install it: apt-get install {FONT_PACKAGE}")


def render(document: Document, target: Path, stylesheets: Iterable[Path], base: Path,
           remembered: Path | None = None) -> int:
    """Typeset the document into ``target`` (written whole or not at all); the number of pages.

    Page numbers in the contents and in cross-references are written into the text rather than
    left to CSS ``target-counter()``, with which WeasyPrint lays out again every page that points
    forward (three layouts a page, measured). They come from ``remembered`` (the last PDF's), else
    from a first layout with placeholders; each layout is checked against where the targets
    landed, and typeset again with the right numbers until they agree. So whichever way the numbers
    were found, the PDF is the one for the numbers that are right: the same bytes."""
    weasyprint = _weasyprint()
    check_fonts()
    sheets = [weasyprint.CSS(filename=str(sheet)) for sheet in stylesheets if sheet.is_file()]
    wanted = sorted(document.targets)
    numbers = _remembered(remembered)
    if wanted and any(numbers.get(name) is None for name in wanted):
        numbers = {}
    for layout in range(1, MAX_LAYOUTS + 1):
        rendered = None                           # one layout in memory at a time
        filled = fill(document.html, numbers)
        log.info(f"PDF: laying out {target.name}" + ("" if layout == 1 else " again, with the page numbers found"))
        rendered = weasyprint.HTML(string=filled, base_url=str(base)).render(stylesheets=sheets)
        landed: dict[str, int] = {}
        for number, page in enumerate(rendered.pages, start=1):
            for name in page.anchors:             # a box split over pages: where it starts
                landed.setdefault(name, number)
        if all(numbers.get(name) == landed.get(name) for name in wanted):
            break
        numbers = {name: landed.get(name) for name in wanted}
    else:
        raise ReportError(f"the PDF's page numbers did not settle after {MAX_LAYOUTS} layouts", str(target), None,
                          "report this to the engine's maintainers, with the report")
    if remembered is not None:
        _remember(remembered, numbers)
    identifier = hashlib.sha256(filled.encode("utf-8")).hexdigest()[:32].encode("ascii")
    partial = target.with_name(f".{target.name}.partial")
    log.info(f"PDF: writing {len(rendered.pages)} pages of {target.name}, tagged")
    try:
        rendered.write_pdf(str(partial), pdf_tags=True, pdf_identifier=identifier)
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return len(rendered.pages)


MAX_LAYOUTS = 4


def _remembered(path: Path | None) -> dict[str, int | None]:
    if path is None:
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, int)} if isinstance(value, dict) else {}


def _remember(path: Path, numbers: Mapping[str, int | None]) -> None:
    from .caches import write_atomic

    try:
        write_atomic(path, json.dumps(numbers, sort_keys=True).encode("utf-8"))
    except OSError:
        pass


# ---- reading a PDF back (the audit): pdf_text.py ------------------------------------------

def read_pdf(path: Path, data: bytes, attached: Callable[[str, bytes], list[str]] | None = None) -> str:
    """Everything a reader can get from a PDF (see :func:`pdf_text.read_pdf`); attached files are
    read whole by ``attached``, by default :func:`published.texts`."""
    return pdf_text.read_pdf(path, data, attached or (lambda name, content: published.texts(
        f"{path.name}!/{name}", content)), published.bytes_texts)
