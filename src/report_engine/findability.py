"""How readers find, cite, share and follow the public report.

Everything here is plain Python over :class:`~report_engine.metadata.Metadata`:

* :func:`head_tags`: what goes into each public page's ``<head>``: a description,
  Open Graph and Twitter card tags, schema.org JSON-LD (a ``Report`` on the
  landing page, a ``WebPage`` that is part of it elsewhere), Google Scholar's
  ``citation_*`` tags on the landing page only (Scholar wants one page a work),
  and the link to the feed of editions;
* :func:`ris` and :func:`csl_json`: the report's citation for reference managers,
  beside ``report.bib``; :func:`section_citation`: one page cited as a section;
* :func:`atom_feed`: the feed of editions (``feed.xml``).

Only public, final builds carry any of it: private builds and drafts are never
indexed, shared or followed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from typing import Iterable
from xml.etree import ElementTree as ET

from pybtex.database import Person

from .citestyles import names_as_listed
from .metadata import Metadata
from .works import names
from .text import slugify

FEED = "feed.xml"
RIS_FILE = "report.ris"
CSL_FILE = "report.json"
CARD_SIZE = (1200, 630)
DESCRIPTION_LIMIT = 200
ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class PageInfo:
    title: str                      # the page's own title
    url: str                        # its canonical address
    description: str                # one or two sentences, plain text
    card_url: str = ""              # its social card's absolute address
    card_alt: str = ""
    is_landing: bool = False
    section: str = ""               # the nav section it belongs to (an appendix's "Appendices")


# ---- descriptions --------------------------------------------------------------------------------

def describe(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A description from running text: whole sentences up to ``limit`` characters, else cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    sentences = [s.strip() for s in re.findall(r".+?[.!?](?=\s|$)", text)]
    kept = ""
    for sentence in sentences:
        candidate = (kept + " " + sentence).strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


# ---- the head ------------------------------------------------------------------------------------

def head_tags(meta: Metadata, page: PageInfo, pdf_url: str = "", description: bool = True) -> str:
    """The tags for one public page, as HTML to put before ``</head>`` (``description=False`` when
    the theme writes the page's description already, from its front matter)."""
    tags: list[str] = []

    def tag(attribute: str, name: str, content: str) -> None:
        if content:
            tags.append(f'<meta {attribute}="{html.escape(name)}" content="{html.escape(content)}">')

    title = meta.title if page.is_landing else f"{page.title} · {meta.title}"
    # (the theme writes the authors, from site_author)
    if description:
        tag("name", "description", page.description)
    if meta.keywords:
        tag("name", "keywords", ", ".join(meta.keywords))
    # Open Graph (Facebook, LinkedIn, Slack, Mastodon, ...) and Twitter/X cards
    tag("property", "og:type", "article")
    tag("property", "og:site_name", meta.title)
    tag("property", "og:title", title)
    tag("property", "og:description", page.description)
    tag("property", "og:url", page.url)
    tag("property", "og:locale", meta.language.replace("-", "_"))
    if page.card_url:
        tag("property", "og:image", page.card_url)
        tag("property", "og:image:type", "image/png")
        tag("property", "og:image:width", str(CARD_SIZE[0]))
        tag("property", "og:image:height", str(CARD_SIZE[1]))
        tag("property", "og:image:alt", page.card_alt)
    tag("property", "article:published_time", meta.published.isoformat())
    for name in meta.author_names:
        tag("property", "article:author", name)
    tag("name", "twitter:card", "summary_large_image" if page.card_url else "summary")
    tag("name", "twitter:title", title)
    tag("name", "twitter:description", page.description)
    if page.card_url:
        tag("name", "twitter:image", page.card_url)
        tag("name", "twitter:image:alt", page.card_alt)
    if page.is_landing:
        tags.extend(scholar_tags(meta, pdf_url))
    # "alternate feed", not "alternate" alone: feed readers read the rel's tokens, while Material
    # takes every link[rel=alternate] for a translation of the site and fetches a sitemap.xml beside
    # it, which fails (a console error) on the report's root, and on every other origin, such as
    # the local preview.
    tags.append(f'<link rel="alternate feed" type="application/atom+xml" title="{html.escape(meta.title)}: editions" '
                f'href="{html.escape(meta.site_url + FEED)}">')
    data = report_json_ld(meta, pdf_url) if page.is_landing else page_json_ld(meta, page)
    # "</" may not appear inside a script element: JSON allows "<\/" for it
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":")).replace("</", "<\\/")
    tags.append(f'<script type="application/ld+json">{text}</script>')
    return "\n".join(tags) + "\n"


def scholar_tags(meta: Metadata, pdf_url: str = "") -> list[str]:
    """Google Scholar's ``citation_*`` tags for the edition (its landing page)."""
    pairs: list[tuple[str, str]] = [("citation_title", meta.title)]
    for name in meta.author_names or [meta.organization]:
        pairs.append(("citation_author", name))
    pairs += [
        ("citation_publication_date", meta.published.strftime("%Y/%m/%d")),
        ("citation_technical_report_institution", meta.organization),
        ("citation_technical_report_number", meta.edition),
        ("citation_publisher", meta.organization),
        ("citation_language", meta.language),
        ("citation_abstract_html_url", meta.edition_url),
    ]
    if meta.doi:
        pairs.append(("citation_doi", meta.doi))
    if pdf_url:
        pairs.append(("citation_pdf_url", pdf_url))
    for keyword in meta.keywords:
        pairs.append(("citation_keywords", keyword))
    return [f'<meta name="{name}" content="{html.escape(value)}">' for name, value in pairs if value]


def _organization(meta: Metadata) -> dict:
    organization = {"@type": "Organization", "name": meta.organization}
    if meta.contact:
        organization["email" if "@" in meta.contact and "://" not in meta.contact else "url"] = meta.contact
    return organization


def _people(meta: Metadata) -> list[dict]:
    people = []
    for author in meta.authors:
        person: dict = {"@type": "Person", "name": author.name}
        if author.affiliation:
            person["affiliation"] = {"@type": "Organization", "name": author.affiliation}
        if author.orcid:
            person["@id"] = author.orcid_url
            person["identifier"] = author.orcid_url
        people.append(person)
    return people


def report_json_ld(meta: Metadata, pdf_url: str = "") -> dict:
    """schema.org ``Report`` for the edition."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Report",
        "@id": meta.edition_url,
        "name": meta.title,
        "headline": meta.title,
        "url": meta.edition_url,
        "datePublished": meta.published.isoformat(),
        "version": meta.edition,
        "inLanguage": meta.language,
        "publisher": _organization(meta),
        "author": _people(meta) or [_organization(meta)],
    }
    if meta.subtitle:
        data["alternativeHeadline"] = meta.subtitle
    if meta.edition_label:
        data["description"] = f"{meta.subtitle + '. ' if meta.subtitle else ''}Edition: {meta.edition_label}."
    if meta.keywords:
        data["keywords"] = list(meta.keywords)
    if meta.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": meta.doi,
                              "url": meta.doi_url}
        data["sameAs"] = meta.doi_url
    if meta.licence is not None:
        data["license"] = meta.licence.url or meta.licence.name
    if pdf_url:
        data["encoding"] = {"@type": "MediaObject", "encodingFormat": "application/pdf", "contentUrl": pdf_url}
    if meta.concept_doi:
        data["isPartOf"] = {"@type": "CreativeWorkSeries", "name": meta.title, "url": meta.site_url,
                            "identifier": {"@type": "PropertyValue", "propertyID": "DOI",
                                           "value": meta.concept_doi, "url": meta.concept_doi_url}}
    return data


def page_json_ld(meta: Metadata, page: PageInfo) -> dict:
    """schema.org ``WebPage`` for a page of the report, naming the report it is part of."""
    part_of: dict = {"@type": "Report", "@id": meta.edition_url, "name": meta.title, "url": meta.edition_url,
                     "version": meta.edition, "datePublished": meta.published.isoformat(),
                     "publisher": _organization(meta)}
    if meta.doi:
        part_of["identifier"] = meta.doi_url
    data: dict = {"@context": "https://schema.org", "@type": "WebPage", "name": page.title, "url": page.url,
                  "inLanguage": meta.language, "isPartOf": part_of}
    if page.description:
        data["description"] = page.description
    return data


# ---- citations -----------------------------------------------------------------------------------

def ris(meta: Metadata) -> str:
    """The edition as an RIS record (Zotero, EndNote, Mendeley import it)."""
    lines = [("TY", "RPRT"), ("TI", meta.title)]
    if meta.subtitle:
        lines.append(("T2", meta.subtitle))
    for name in meta.author_names or [meta.organization]:
        lines.append(("AU", _ris_name(name)))
    lines += [("PY", str(meta.published.year)), ("DA", meta.published.strftime("%Y/%m/%d")),
              ("PB", meta.organization), ("ET", meta.edition_label), ("UR", meta.edition_url),
              ("LA", meta.language)]
    if meta.doi:
        lines.append(("DO", meta.doi))
    for keyword in meta.keywords:
        lines.append(("KW", keyword))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def _ris_name(name: str) -> str:
    """RIS wants "Family, Given"."""
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 and "," not in name else name


def csl_json(meta: Metadata) -> str:
    """The edition as CSL-JSON (a list of one item), the format citeproc and Zotero read."""
    item: dict = {
        "id": f"{slugify(meta.organization, '', fold=str.lower) or 'report'}{meta.published.year}",
        "type": "report",
        "title": meta.title,
        "publisher": meta.organization,
        "issued": {"date-parts": [[meta.published.year, meta.published.month, meta.published.day]]},
        "version": meta.edition_label,
        "number": meta.edition,
        "URL": meta.edition_url,
        "language": meta.language,
    }
    if meta.subtitle:
        item["title-short"] = meta.title
        item["title"] = f"{meta.title}: {meta.subtitle}"
    if meta.authors:
        item["author"] = [_csl_name(name) for name in meta.author_names]
    else:
        item["author"] = [{"literal": meta.organization}]
    if meta.doi:
        item["DOI"] = meta.doi
    if meta.keywords:
        item["keyword"] = ", ".join(meta.keywords)
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def _csl_name(name: str) -> dict:
    parts = name.rsplit(" ", 1)
    return {"family": parts[1], "given": parts[0]} if len(parts) == 2 else {"literal": name}


def section_citation(meta: Metadata, section: str, url: str) -> str:
    """One page cited as a section of the edition, as plain text; its authors named as "How to cite"
    names them (the reference list's style: "Example, A. and Placeholder, G.")."""
    who = authors_as_listed(meta) or meta.organization
    doi = f" {meta.doi_url}." if meta.doi else ""
    return (f"{who} ({meta.published.year}). “{section}.” In {meta.title} ({meta.edition_label}). "
            f"{meta.organization}. {url}{doi}")


def authors_as_listed(meta: Metadata) -> str:
    """The report's authors as its reference list names people."""
    if not meta.author_names:
        return ""
    people, _ = names([Person(name) for name in meta.author_names])
    return names_as_listed(people, meta.citation_style)


# ---- the feed of editions ------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedEntry:
    edition: str
    label: str
    url: str
    published: dt.date
    summary: str                    # plain text
    content_html: str = ""          # the newsletter post, when there is one
    withdrawn: str = ""             # the reason, when the edition was withdrawn
    updated: dt.date | None = None  # the date of an erratum or a withdrawal


def atom_feed(meta: Metadata, entries: Iterable[FeedEntry]) -> str:
    """An Atom feed of editions, newest first: one entry an edition, linking to it."""
    ET.register_namespace("", ATOM)
    ordered = sorted(entries, key=lambda e: (e.published, e.edition), reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("xml:lang", meta.language)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", meta.site_url)
    sub(feed, "title", f"{meta.title}: editions")
    if meta.subtitle:
        sub(feed, "subtitle", meta.subtitle)
    newest = max([(e.updated or e.published) for e in ordered], default=meta.published)
    sub(feed, "updated", _timestamp(newest))
    sub(feed, "link", rel="self", type="application/atom+xml", href=meta.site_url + FEED)
    sub(feed, "link", rel="alternate", type="text/html", href=meta.site_url)
    author = sub(feed, "author")
    sub(author, "name", meta.organization)
    if meta.contact and "@" in meta.contact and "://" not in meta.contact:
        sub(author, "email", meta.contact)
    if meta.licence is not None:
        sub(feed, "rights", meta.licence.name)
    sub(feed, "generator", "report-engine")
    for entry in ordered:
        item = sub(feed, "entry")
        sub(item, "id", entry.url)
        title = f"{meta.title}: {entry.label}"
        sub(item, "title", f"Withdrawn: {title}" if entry.withdrawn else title)
        sub(item, "link", rel="alternate", type="text/html", href=entry.url)
        sub(item, "category", term=entry.edition, label=entry.label, scheme=meta.site_url + "#editions")
        sub(item, "published", _timestamp(entry.published))
        sub(item, "updated", _timestamp(entry.updated or entry.published))
        for name in meta.author_names or [meta.organization]:
            sub(sub(item, "author"), "name", name)
        if entry.withdrawn:
            sub(item, "summary", f"This edition was withdrawn: {entry.withdrawn}")
        else:
            sub(item, "summary", entry.summary)
            if entry.content_html:
                sub(item, "content", entry.content_html, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def read_feed_entries(text: str) -> list[FeedEntry]:
    """The entries of a feed this module wrote (an edition's own ``feed.xml``), to merge at the root."""
    root = ET.fromstring(text)
    found = []
    for item in root.findall(f"{{{ATOM}}}entry"):
        def text_of(name: str) -> str:
            element = item.find(f"{{{ATOM}}}{name}")
            return (element.text or "") if element is not None else ""
        link = item.find(f"{{{ATOM}}}link")
        category = item.find(f"{{{ATOM}}}category")
        if category is None or link is None:
            continue
        found.append(FeedEntry(edition=category.get("term", ""), label=category.get("label", ""),
                               url=link.get("href", ""),
                               published=dt.date.fromisoformat(text_of("published")[:10]),
                               summary=text_of("summary"), content_html=text_of("content"),
                               updated=dt.date.fromisoformat(text_of("updated")[:10])))
    return found
