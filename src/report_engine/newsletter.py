"""The newsletter edition of the executive summary (issue 6).

The summary goes out by newsletter the day the report is published. Substack
and its like have no API: people paste rendered HTML into the editor, which
keeps headings, links, emphasis, lists and quotes and drops the rest (ids,
classes, footnote structure, relative links). Every public build therefore
writes, into ``site/newsletter/``:

* ``index.html``: a page to open in a browser and copy from: an instruction
  banner and buttons, then the post in a box (``#newsletter-post``);
* ``email.html``: the same post with every style inlined by css-inline: no
  script, no stylesheet, absolute URLs only;
* ``summary.md``: the same post as Markdown (:mod:`report_engine.newsletter_markdown`).

Why from the built landing page rather than the Markdown: the HTML MkDocs
wrote for the public build already holds exactly what the public may read
(redactions applied, pseudonyms, numbered cross-references, formatted
citations); rendering the Markdown again would repeat all of that and could
drift from it. The post is that article rewritten for a medium that keeps
little: footnotes become numbered endnotes with text markers, citations plain
links to the reference, every URL absolute to the canonical site.

The adapter calls this after MkDocs wrote its search index and sitemap (so the
newsletter is in neither) and before the leak audit, which reads these files
like any other output. Nothing here reads a clock: two builds are identical.
"""

from __future__ import annotations

import copy
import html as html_module
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping
from urllib.parse import urljoin, urlsplit

import css_inline
import markdown
from lxml import etree, html as lxml_html
from lxml.html import HtmlElement, builder as E

from .passages import normalise
from . import editions
from .errors import ReportError
from .formatting import format_value
from .newsletter_markdown import to_markdown
from .redaction import statement_markdown

log = logging.getLogger("mkdocs.plugins.report.newsletter")

if TYPE_CHECKING:  # pragma: no cover
    from .session import PageRecord, Session

FOLDER = "newsletter"
LANDING = "index.md"
STYLESHEET = "assets/newsletter.css"
ENGINE_STYLESHEET = Path(__file__).resolve().parent / "theme" / STYLESHEET
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
CHROME = {"headerlink", "md-content__button", "md-source-file", "md-tags", "report-cite", "report-cover",
          "report-screen-only"}
DROPPED = ("script", "style", "link", "noscript", "template", "button", "input", "form", "iframe",
           "object", "embed", "video", "audio", "svg")
UNWRAPPED = ("div", "span", "section", "article", "mark", "abbr", "label", "font", "aside", "small")
KEPT = {"a": ("href",), "img": ("src", "alt", "width", "height"), "ol": ("start",),
        "td": ("colspan", "rowspan"), "th": ("colspan", "rowspan")}
SCHEMES = ("http", "https", "mailto")


def write_newsletter(site: Path, session: "Session", report: Mapping[str, Any]) -> None:
    """Write the newsletter edition of a public build into ``site/newsletter/``."""
    canonical = canonical_url(report)
    record = session.pages.get(LANDING)
    if record is None:
        # A report without a landing page has no executive summary to cross-post; that is not an error.
        log.info("no docs/index.md: no newsletter edition written")
        return
    clash = [page.path for page in session.pages.values() if page.url.split("/")[0] in (FOLDER, f"{FOLDER}.html")]
    if clash:
        raise ReportError(f"the site folder '{FOLDER}/' is reserved for the newsletter edition", clash[0],
                          None, "rename this page or its folder")
    landing = urljoin(canonical, record.url)
    post = compose(landing_article(site, record), session, report, canonical, landing)
    css = stylesheet(site)
    folder = site / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("index.html", copy_page(post, report, landing, css)),
                       ("email.html", email_page(post, report, css)),
                       ("summary.md", to_markdown(post))):
        (folder / name).write_text(text, encoding="utf-8", newline="\n")


def canonical_url(report: Mapping[str, Any]) -> str:
    """The full report's address: every link in the newsletter is made absolute against it."""
    url = str(report.get("canonical_url") or "").strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ReportError(f"canonical_url must be an absolute http(s) address, got {url!r}",
                          "data/report.yml", None, "write canonical_url: https://example.org/report/")
    base = url if url.endswith("/") else url + "/"
    return editions.edition_url(base, editions.edition_id(report))   # the edition's permanent address


def landing_article(site: Path, record: "PageRecord") -> HtmlElement:
    """The content area MkDocs wrote for the landing page."""
    url = record.url
    path = site / (url + "index.html" if not url or url.endswith("/") else url)
    try:
        root = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    except (OSError, etree.ParserError) as error:
        raise ReportError(f"cannot read the built executive summary {path.name}: {error}", record.path) from None
    found = root.xpath('//article[contains(concat(" ", normalize-space(@class), " "), " md-content__inner ")]') \
        or root.xpath("//article")
    if not found:
        raise ReportError("the built executive summary has no <article> element", record.path, None,
                          "the newsletter reads Material's content area; keep the theme's content block")
    return found[0]


# ---- the post ------------------------------------------------------------------------

def compose(article: HtmlElement, session: "Session", report: Mapping[str, Any],
            canonical: str, landing: str) -> HtmlElement:
    """The post: opening line and masthead, summary, redaction statement, endnotes, link.

    The summary's headings move down one level under the report's title; the
    endnotes and the statement become sections (h3) like the summary's own.
    """
    body = copy.deepcopy(article)
    for element in list(body.iter()):
        if element.tag in ("script", "style") or CHROME & classes(element):
            element.drop_tree()
    notes = take_endnotes(body)
    statement_title, statement = take_statement(body, session, canonical)
    for heading in list(body.iter(*HEADINGS)):
        heading.tag = f"h{min(6, _level(heading) + 1)}"
    endnotes = E.OL(*notes)
    # The statement belongs to the summary; the notes are its apparatus, and come last.
    content = E.DIV(*body, E.H3(statement_title), *statement, *([E.H3("Notes"), endnotes] if notes else []))
    rewrite_citations(content, session)
    absolutize(content, landing)
    simplify(content)
    endnotes.set("class", "nl-notes")
    closing = E.P(E.CLASS("nl-cta"), E.STRONG(E.A("Read the full report", href=canonical)),
                  " at ", E.A(canonical, href=canonical), ".")
    return breathe(E.DIV(E.CLASS("nl-post"), *masthead(report, canonical), *content, closing))


def masthead(report: Mapping[str, Any], canonical: str) -> list[HtmlElement]:
    """What this post is (only the summary; where the report is), then title, subtitle and window."""
    title = str(report["title"])
    edition = report.get("edition_label") or report.get("edition")
    opening = E.P(E.CLASS("nl-intro"), E.EM(
        "This post holds only the executive summary of the ", E.A(title, href=canonical),
        f" ({edition}). " if edition else ". ",
        "Read the full report, with its evidence, assessment and appendices, at ", E.A(canonical, href=canonical), "."))
    window = report.get("assessment_window") or {}
    meta = [f"Assessment window: {format_value(window['start'])} to {format_value(window['end'])}"] if window else []
    meta.append(f"Published {format_value(report['published'])} by {report['organization']}")
    subtitle = [E.P(E.CLASS("nl-subtitle"), str(report["subtitle"]))] if report.get("subtitle") else []
    return [opening, E.H1(title), *subtitle, E.P(E.CLASS("nl-meta"), " · ".join(meta))]


def take_endnotes(body: HtmlElement) -> list[HtmlElement]:
    """Footnotes out of the body as list items; each reference becomes a ``<sup>[n]</sup>`` marker.

    Editors drop ids and in-page links, so the marker is plain text and the
    numbering follows first reference in the text, whatever Markdown did.
    """
    containers = [div for div in body.iter("div") if "footnote" in classes(div)]
    items = {li.get("id"): li for div in containers for li in div.iter("li") if li.get("id")}
    for div in containers:
        div.drop_tree()
    numbers: dict[str, int] = {}
    for ref in list(body.iter("a")):
        target = (ref.get("href") or "")[1:]
        if not (ref.get("href") or "").startswith("#") or target not in items:
            continue
        number = numbers.setdefault(target, len(numbers) + 1)
        holder = ref.getparent() if ref.getparent().tag == "sup" else ref
        marker = E.SUP(f"[{number}]")
        marker.tail = holder.tail
        holder.getparent().replace(holder, marker)
    notes = []
    for ident in [*numbers, *(i for i in items if i not in numbers)]:   # unreferenced ones last
        item = items[ident]
        for back in list(item.iter("a")):
            if "footnote-backref" in classes(back) or (back.get("href") or "").startswith("#fnref"):
                back.drop_tree()
        last = item[-1] if len(item) else item
        if len(last):
            last[-1].tail = (last[-1].tail or "").rstrip(" \xa0\n")
        else:
            last.text = (last.text or "").rstrip(" \xa0\n")
        notes.append(item)
    return notes


def take_statement(body: HtmlElement, session: "Session", canonical: str) -> tuple[str, list[HtmlElement]]:
    """The redaction summary statement, moved to the end of the post (title, blocks).

    Taken from the page when the page renders ``redaction_statement()`` (its
    section heading goes too if the section holds nothing else); computed from
    the session, with absolute links, when the page does not show it.
    """
    material = any(r.material for r in session.statement_redactions())
    on_page = any(d.kind == "statement" and d.page == LANDING and d.visible for d in session.deferred)
    if on_page:
        first = _first_paragraph(statement_markdown(session.statement_redactions(), session.statement_texts, lambda r: "#"))
        for paragraph in list(body.iter("p")):
            if normalise(paragraph.text_content()) != first:
                continue
            blocks = [paragraph]
            following = paragraph.getnext()
            if material and following is not None and following.tag in ("ul", "ol"):
                blocks.append(following)
            title = "Redaction summary statement"
            heading, after = paragraph.getprevious(), blocks[-1].getnext()
            if heading is not None and heading.tag in HEADINGS and (
                    after is None or (after.tag in HEADINGS and _level(after) <= _level(heading))):
                title = heading.text_content().strip() or title
                heading.drop_tree()
            for block in blocks:
                block.drop_tree()
                block.tail = "\n"
            return title, blocks

    def link(r: Any) -> str:
        page = session.pages.get(r.page)
        return urljoin(canonical, page.url if page is not None else "") + f"#{r.anchor}"

    rendered = markdown.markdown(statement_markdown(session.statement_redactions(), session.statement_texts, link))
    return "Redaction summary statement", list(lxml_html.fragments_fromstring(rendered))


def _level(heading: HtmlElement) -> int:
    return int(heading.tag[1])


def _first_paragraph(source: str) -> str:
    """The normalised text of the first paragraph of a Markdown snippet."""
    blocks = lxml_html.fragments_fromstring(markdown.markdown(source))
    return normalise(blocks[0].text_content() if blocks and not isinstance(blocks[0], str) else source)


def rewrite_citations(root: HtmlElement, session: "Session") -> None:
    """A citation keeps its readable text and links to the work itself (URL or DOI) when it can.

    Any element with a class starting ``citation`` is citation markup; its
    tooltip data and ARIA roles mean nothing in a newsletter and are dropped.
    Failing a URL or DOI the link goes to the reference entry in the report.
    """
    keys = _keys_by_entry_id(session)
    for element in list(root.iter()):
        if element is root or not any(c.startswith("citation") for c in classes(element)):
            continue
        if element.tag != "a":
            element.drop_tag()
            continue
        href = element.get("href") or ""
        key = element.get("data-citation-key") or keys.get(urlsplit(href).fragment)
        url = _entry_url(session, key) or _first_href(element.get("data-citation-ref")) or href
        if url:
            element.set("href", url)    # the rest (tooltip data, role) goes in simplify()
        else:
            element.drop_tag()


def _keys_by_entry_id(session: "Session") -> dict[str, str]:
    engine = session.citations
    if engine is None:
        return {}
    return {engine.entry_id(key): key for key in engine.database.keys()}


def _entry_url(session: "Session", key: str | None) -> str | None:
    """Where the reference list sends a reader: the work's one identifier as the site prints it (its
    DOI, else its arXiv id, else its URL: :meth:`works.Work.identifier`), so the newsletter and the
    feed link what the site shows."""
    if not key or session.citations is None:
        return None
    try:
        identifier = session.citations.work(key).identifier()
    except (KeyError, ReportError):
        return None
    return identifier[1] if identifier and identifier[1].lower().startswith(("http://", "https://")) else None


def _first_href(fragment: str | None) -> str | None:
    if not fragment or "href" not in fragment:
        return None
    hrefs = lxml_html.fragment_fromstring(fragment, create_parent="div").xpath(".//a/@href")
    return str(hrefs[0]) if hrefs and urlsplit(str(hrefs[0])).scheme in ("http", "https") else None


def absolutize(root: HtmlElement, base: str) -> None:
    """Every link and image against the landing page's canonical address: a paste has no base."""
    for element, attribute in [*((a, "href") for a in root.iter("a")), *((i, "src") for i in root.iter("img"))]:
        value = element.get(attribute)
        if value is None:
            continue
        target = urljoin(base, value.strip())
        if urlsplit(target).scheme in SCHEMES:
            element.set(attribute, target)
        else:
            del element.attrib[attribute]


def simplify(root: HtmlElement) -> None:
    """Only what an editor keeps: quotes for admonitions and notices, no wrappers, ids or classes."""
    for element in list(root.iter(etree.Comment, *DROPPED)):
        element.drop_tree()
    for element in list(root.iter("div", "details", "aside")):
        names = classes(element)
        if element.tag != "details" and not names & {"admonition", "redaction-notice"}:
            continue
        element.tag = "blockquote"
        for title in [child for child in element if child.tag == "summary" or "admonition-title" in classes(child)]:
            heading = E.P(E.STRONG(title.text_content().strip()))
            heading.tail = title.tail
            element.replace(title, heading)
    for element in list(root.iter()):
        if element is root:
            continue
        if element.tag in UNWRAPPED or (element.tag == "a" and not element.get("href")):
            element.drop_tag()
            continue
        kept = KEPT.get(element.tag, ())
        for name in [name for name in element.attrib if name not in kept]:
            del element.attrib[name]


def breathe(root: HtmlElement) -> HtmlElement:
    """A line break after each block, so the HTML files read well; inline text is untouched."""
    blocks = {"p", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "figure",
              "hr", "pre", "dl", "dt", "dd", "div", *HEADINGS}
    for element in root.iter(*blocks):
        if element is not root and not (element.tail or "").strip():
            element.tail = "\n"
        if len(element) and element[0].tag in blocks and not (element.text or "").strip():
            element.text = "\n"
    return root


def classes(element: HtmlElement) -> set[str]:
    return set((element.get("class") or "").split()) if isinstance(element.tag, str) else set()


# ---- the three files -------------------------------------------------------------------

def stylesheet(site: Path) -> str:
    """The theme's ``assets/newsletter.css`` as published (a report can override it), else the engine's."""
    for path in (site / STYLESHEET, ENGINE_STYLESHEET):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


def _html(element: HtmlElement) -> str:
    return lxml_html.tostring(element, encoding="unicode", method="html")


def _head(title: str, extra: Iterable[str] = ()) -> str:
    lines = ['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
             '<meta name="robots" content="noindex, nofollow">', f"<title>{_escape(title)}</title>", *extra]
    return "<head>\n" + "\n".join(lines) + "\n</head>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


COPY_SCRIPT = """\
(function () {
  var post = document.getElementById("newsletter-post");
  var status = document.getElementById("nl-status");
  function select() {
    var range = document.createRange();
    range.selectNodeContents(post);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  post.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "a") { event.preventDefault(); select(); }
  });
  document.getElementById("nl-select").addEventListener("click", function () {
    post.focus(); select();
    status.textContent = "Selected. Copy it (Ctrl+C or \\u2318C), then paste it into your newsletter editor.";
  });
  document.getElementById("nl-copy").addEventListener("click", function () {
    function fallback() {
      post.focus(); select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      status.textContent = copied ? "Copied. Paste it into your newsletter editor."
                                  : "Selected. Copy it (Ctrl+C or \\u2318C), then paste it into your newsletter editor.";
    }
    if (!navigator.clipboard || !window.ClipboardItem) { fallback(); return; }
    var item = new ClipboardItem({
      "text/html": new Blob([post.innerHTML], {type: "text/html"}),
      "text/plain": new Blob([post.innerText], {type: "text/plain"})
    });
    navigator.clipboard.write([item]).then(function () {
      status.textContent = "Copied. Paste it into your newsletter editor.";
    }, fallback);
  });
})();
"""


def copy_page(post: HtmlElement, report: Mapping[str, Any], landing: str, css: str) -> str:
    """The page to copy from: instructions and buttons outside the post, the post in a box."""
    banner = (
        '<header class="nl-banner" role="note"><div class="nl-banner__inner">\n'
        "<p><strong>Newsletter edition of the executive summary.</strong> Press <em>Copy the post</em>, "
        "or click in the box below and select all (Ctrl+A or \u2318A) and copy, then paste into your "
        "newsletter editor (Substack and the like). Footnotes are numbered endnotes and every link points "
        f'to the full report at <a href="{_escape(landing)}">{_escape(landing)}</a>. Also here: '
        '<a href="email.html">email-ready HTML</a> and <a href="summary.md">Markdown</a>.</p>\n'
        '<p><button type="button" id="nl-copy">Copy the post</button>'
        '<button type="button" id="nl-select" class="nl-secondary">Select the post</button>'
        '<span id="nl-status" class="nl-status" role="status"></span></p>\n'
        "</div></header>\n")
    box = copy.deepcopy(post)
    box.set("id", "newsletter-post")
    box.set("tabindex", "0")
    box.set("aria-label", "The newsletter post")
    head = _head(f"Newsletter edition: {report['title']}",
                 [f'<link rel="canonical" href="{_escape(landing)}">', f"<style>\n{css}</style>"])
    return (f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body class="nl-page">\n{banner}'
            f'<main class="nl-box">\n{_html(box)}\n</main>\n<script>\n{COPY_SCRIPT}</script>\n</body>\n</html>\n')


def email_page(post: HtmlElement, report: Mapping[str, Any], css: str) -> str:
    """The post as an email: a centred table (what every mail client lays out), styles inlined."""
    # The preheader: the line an inbox shows beside the subject, hidden in the message itself.
    preheader = _escape(f'{report["title"]}: ' + str(report.get("subtitle") or report.get("edition_label") or ""))
    document = (
        f'<!DOCTYPE html>\n<html lang="en">\n{_head(str(report["title"]))}\n<body class="nl-email">\n'
        f'<div class="nl-preheader" style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;'
        f'opacity:0;overflow:hidden;mso-hide:all">{preheader}</div>\n'
        '<table role="presentation" class="nl-frame" width="100%" cellpadding="0" cellspacing="0" border="0">'
        '<tr><td align="center">\n'
        '<table role="presentation" class="nl-sheet" width="640" cellpadding="0" cellspacing="0" border="0">'
        f'<tr><td class="nl-cell">\n{_html(post)}\n</td></tr></table>\n'
        "</td></tr></table>\n</body>\n</html>\n")
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False,
                                    keep_link_tags=False, extra_css=css)
    return inliner.inline(document).rstrip("\n") + "\n"


def post_html(page: Path) -> str:
    """The post of a written copy page (``newsletter/index.html``), as HTML: what a feed carries as
    an edition's content, for newsletter tools that import feeds."""
    root = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    found = root.xpath('//*[@id="newsletter-post"]')
    if not found:
        return ""
    region = found[0]
    # Only what a reader needs: the markup's classes and ids stay out of the feed, whose raw text the
    # leak audit reads as it is (a class like "nl-meta" would name a participant called Meta).
    for element in region.iter():
        if isinstance(element.tag, str):
            for name in [name for name in element.attrib if name not in ("href", "src", "alt", "title")]:
                del element.attrib[name]
    inner = (html_module.escape(region.text) if region.text else "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in region)
    return inner.strip()
