"""What the report says about itself for readers who find, cite and share it.

``data/report.yml`` may carry, besides the identity every report has (title,
organisation, edition, dates, address), these optional fields:

* ``authors``: a list of names, or of ``{name, affiliation, orcid}``;
* ``contact``: an e-mail address or an https address;
* ``keywords``: a list (or one comma-separated string);
* ``licence`` (or ``license``): an SPDX identifier such as ``CC-BY-4.0``, or
  ``{name, url}``;
* ``doi``: this edition's DOI; ``concept_doi``: the DOI of the report across its
  editions (both as ``10.NNNN/suffix``, with or without ``https://doi.org/``).

:func:`read_metadata` checks them once, with the file and line of each
mistake, and gives a typed :class:`Metadata` that the head tags, the citation
files, the social cards and the feed are made from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .errors import ReportError

DOI = re.compile(r"10\.\d{4,9}/\S+")
ORCID = re.compile(r"(\d{4})-(\d{4})-(\d{4})-(\d{3}[\dX])")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
# Licences a report is likely to carry, by SPDX identifier: their deeds.
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC-BY-NC-4.0": ("Creative Commons Attribution-NonCommercial 4.0 International",
                     "https://creativecommons.org/licenses/by-nc/4.0/"),
    "CC-BY-ND-4.0": ("Creative Commons Attribution-NoDerivatives 4.0 International",
                     "https://creativecommons.org/licenses/by-nd/4.0/"),
    "CC-BY-NC-SA-4.0": ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
                        "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    "CC-BY-NC-ND-4.0": ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
                        "https://creativecommons.org/licenses/by-nc-nd/4.0/"),
    "CC0-1.0": ("Creative Commons Zero 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
}


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str = ""
    orcid: str = ""                 # 0000-0002-1825-0097, checked

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


@dataclass(frozen=True)
class Licence:
    name: str
    url: str = ""
    spdx: str = ""


@dataclass(frozen=True)
class Metadata:
    title: str
    subtitle: str
    organization: str
    edition: str
    edition_label: str
    published: dt.date
    site_url: str                   # the report's root (every edition under it), ends with "/"
    edition_url: str                # this edition's permanent address, ends with "/"
    language: str = "en"
    authors: tuple[Author, ...] = ()
    contact: str = ""
    keywords: tuple[str, ...] = ()
    licence: Licence | None = None
    doi: str = ""
    concept_doi: str = ""
    citation_style: str = "author-year"     # the reference list's style (``citations: {style: …}``)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def concept_doi_url(self) -> str:
        return f"https://doi.org/{self.concept_doi}" if self.concept_doi else ""

    @property
    def author_names(self) -> list[str]:
        return [author.name for author in self.authors]


def read_metadata(report: Mapping[str, Any], report_file: str, edition_url: str, language: str = "en") -> Metadata:
    """The report's metadata from ``data/report.yml`` (already checked for its required fields)."""
    def line(key: str, within: Any = report) -> int | None:
        return within.line_of(key) if hasattr(within, "line_of") else None

    published = report["published"]
    if isinstance(published, dt.datetime):
        published = published.date()
    if not isinstance(published, dt.date):
        raise ReportError(f"published must be a date, got {published!r}", report_file, line("published"),
                          "write published: 2026-05-19")
    site_url = str(report["canonical_url"]).rstrip("/") + "/"
    return Metadata(
        title=str(report["title"]).strip(),
        subtitle=str(report.get("subtitle") or "").strip(),
        organization=str(report["organization"]).strip(),
        edition=str(report["edition"]),
        edition_label=str(report["edition_label"]).strip(),
        published=published,
        site_url=site_url,
        edition_url=edition_url.rstrip("/") + "/",
        language=language or "en",
        authors=_authors(report, report_file, line),
        contact=_contact(report, report_file, line),
        keywords=_keywords(report, report_file, line),
        licence=_licence(report, report_file, line),
        doi=_doi(report, "doi", report_file, line),
        concept_doi=_doi(report, "concept_doi", report_file, line),
        citation_style=_citation_style(report),
    )


def _citation_style(report: Mapping[str, Any]) -> str:
    """The style the reference list is written in (checked where the citations are set up)."""
    citations = report.get("citations")
    style = citations.get("style") if isinstance(citations, Mapping) else None
    return str(style) if style else "author-year"


def _authors(report: Mapping[str, Any], report_file: str, line: Callable[..., int | None]) -> tuple[Author, ...]:
    authors = report.get("authors")
    if authors is None:
        return ()
    example = "write authors: [{name: Ada Lovelace, affiliation: Example Research, orcid: 0000-0002-1825-0097}]"
    if not isinstance(authors, list):
        raise ReportError("authors must be a list", report_file, line("authors"), example)
    found = []
    for index, author in enumerate(authors):
        where = (author.line if hasattr(author, "line") and author.line else None) or \
            (authors.item_lines[index] if hasattr(authors, "item_lines") and index < len(authors.item_lines)
             else line("authors"))
        if isinstance(author, str):
            author = {"name": author}
        if not isinstance(author, Mapping):
            raise ReportError(f"each author is a name or a mapping with a name, got {author!r}", report_file, where,
                              example)
        unknown = sorted(set(author) - {"name", "affiliation", "orcid"})
        if unknown:
            raise ReportError(f"an author has unknown field(s) {', '.join(map(repr, unknown))}", report_file, where,
                              "an author has name, affiliation and orcid")
        name = author.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ReportError(f"each author needs a name, got {author.get('name')!r}", report_file, where, example)
        affiliation = author.get("affiliation") or ""
        if not isinstance(affiliation, str):
            raise ReportError(f"{name}'s affiliation must be text", report_file, where,
                              "write affiliation: Example Research")
        found.append(Author(name.strip(), affiliation.strip(), _orcid(author.get("orcid"), name, report_file, where)))
    return tuple(found)


def _orcid(value: Any, name: str, report_file: str, where: int | None) -> str:
    if value in (None, ""):
        return ""
    text = str(value).strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    match = ORCID.fullmatch(text)
    if not match or not _orcid_checksum_ok(text.replace("-", "")):
        raise ReportError(f"{name}'s ORCID {value!r} is not a valid ORCID iD", report_file, where,
                          "write the 16 characters as on orcid.org, e.g. orcid: 0000-0002-1825-0097 "
                          "(the last one is a check digit)")
    return text


def _orcid_checksum_ok(digits: str) -> bool:
    """ISO 7064 MOD 11-2, the check character ORCID iDs end with."""
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def _contact(report: Mapping[str, Any], report_file: str, line: Callable[..., int | None]) -> str:
    value = report.get("contact")
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    if EMAIL.fullmatch(text) or re.fullmatch(r"https://[^\s/]+\S*", text):
        return text
    raise ReportError(f"contact must be an e-mail address or an https address, got {value!r}", report_file,
                      line("contact"), "write contact: reports@example.org")


def _keywords(report: Mapping[str, Any], report_file: str, line: Callable[..., int | None]) -> tuple[str, ...]:
    keywords = report.get("keywords")
    if keywords is None:
        return ()
    if isinstance(keywords, str):
        keywords = [part.strip() for part in keywords.split(",")]
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise ReportError("keywords must be a list of words or phrases", report_file, line("keywords"),
                          "write keywords: [AI safety, rogue deployment]")
    return tuple(k.strip() for k in keywords)


def _licence(report: Mapping[str, Any], report_file: str, line: Callable[..., int | None]) -> Licence | None:
    key = "licence" if "licence" in report else "license"
    value = report.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        known = {spdx.lower(): spdx for spdx in LICENCES}
        spdx = known.get(value.strip().lower())
        if spdx is None:
            raise ReportError(f"unknown licence {value!r}", report_file, line(key),
                              f"use an SPDX identifier ({', '.join(LICENCES)}) or write "
                              f"{key}: {{name: ..., url: https://...}}")
        name, url = LICENCES[spdx]
        return Licence(name, url, spdx)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str) and value["name"].strip():
        url = str(value.get("url") or "").strip()
        if url and not re.fullmatch(r"https?://\S+", url):
            raise ReportError(f"the licence's url must be an http(s) address, got {url!r}", report_file, line(key),
                              f"write {key}: {{name: ..., url: https://...}}")
        return Licence(value["name"].strip(), url)
    raise ReportError(f"{key} must be an SPDX identifier or a mapping with a name", report_file, line(key),
                      f"write {key}: CC-BY-4.0")


def _doi(report: Mapping[str, Any], key: str, report_file: str, line: Callable[..., int | None]) -> str:
    value = report.get(key)
    if value in (None, ""):
        return ""
    text = str(value).strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    if not DOI.fullmatch(text):
        raise ReportError(f"{key} {value!r} is not a DOI", report_file, line(key),
                          f"write {key}: 10.5555/example (a DOI starts with 10. and a registrant code)")
    return text
