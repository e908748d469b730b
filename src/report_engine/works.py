"""Bibliography entries read as works, whatever tool exported them.

A :class:`Work` is one entry of the ``.bib`` with everything a reference needs
resolved: ``crossref`` and biblatex ``xdata`` inherited as BibTeX and biblatex
do (a parent's ``title`` becomes a child's ``booktitle``), biblatex fields read
alongside BibTeX's (``date``, ``journaltitle``, ``location``, ``eprint`` with
``eprinttype``/``archiveprefix``, DBLP's ``ee``), names with their LaTeX
decoded, types folded to the few a reference list distinguishes, and one
identifier chosen (DOI, else arXiv id, else URL).

One arXiv id per reference: when an eprint (or arXiv's own DOI, ``10.48550/arXiv.…``)
gives the identifier, a journal-like field that repeats the id, as Google Scholar
and others write it (``journal = {arXiv preprint arXiv:2401.01234}``, ``ArXiv
abs/2401.01234``, ``note = {arXiv:2401.01234 [cs.LG]}``), is shown without it
(:meth:`Work.shown`): "arXiv preprint", and the identifier once, at the end.

Incomplete entries are not errors: a work renders with what it has and keeps
*notes* (no year, no author, an article without a journal...), which the build
counts in one line and ``python -m macros check`` lists. A type that looks like
a misspelling of a known one (``@inproceeding``, ``@artcle``) is an error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Mapping

from pybtex.database import Entry, Person

from . import latex
from .errors import ReportError

# Every type BibTeX and biblatex (and Better BibTeX) define, folded to the kind of reference it makes.
TYPES = {
    "article": "article", "periodical": "book", "suppperiodical": "article",
    "book": "book", "mvbook": "book", "collection": "book", "mvcollection": "book", "proceedings": "book",
    "mvproceedings": "book", "reference": "book", "mvreference": "book", "booklet": "book", "manual": "book",
    "inbook": "chapter", "bookinbook": "chapter", "suppbook": "chapter", "incollection": "chapter",
    "suppcollection": "chapter", "inreference": "chapter",
    "inproceedings": "paper", "conference": "paper",
    "thesis": "thesis", "phdthesis": "thesis", "mastersthesis": "thesis",
    "report": "report", "techreport": "report",
    "online": "misc", "electronic": "misc", "www": "misc", "webpage": "misc", "misc": "misc",
    "software": "misc", "dataset": "misc", "unpublished": "misc", "patent": "misc", "standard": "misc",
    "artwork": "misc", "audio": "misc", "video": "misc", "image": "misc", "movie": "misc", "music": "misc",
    "letter": "misc", "legislation": "misc", "jurisdiction": "misc", "legal": "misc", "performance": "misc",
    "review": "article", "commentary": "misc", "preprint": "misc", "presentation": "misc", "set": "misc",
    "xdata": "misc", "interview": "misc", "map": "misc", "post": "misc", "report-": "report",
}
THESIS_KINDS = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
ARXIV_ID = re.compile(r"(?:arxiv[:\s]*)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", re.I)
ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#].*)?$", re.I)
DOI_URL = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
ETAL = {"others", "et al.", "et al", "al.", "et. al.", "etal"}
ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.I)
# Where a journal-like field names an arXiv id: a URL, "arXiv:ID [cs.LG]", "abs/ID", "arXiv preprint ID".
_ID = r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?"
ARXIV_MENTION = re.compile(
    rf"(?:\s+(?:at|from)\b)?\s*(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/{_ID}(?:\.pdf)?"
    rf"|\barxiv\s*:\s*{_ID}(?:\s*\[[^\]]*\])?|\babs/{_ID}|(?:(?<=preprint)|(?<=arxiv))\s+{_ID}\b", re.I)
# Fields that may repeat the identifier; a case-protected word ("{arXiv}") is unwrapped to find it.
ARXIV_MENTIONED = {"journal", "journaltitle", "booktitle", "maintitle", "howpublished", "note", "publisher",
                   "volume"}    # DBLP's "abs/ID", left out when arXiv's DOI is printed
PROTECTED = re.compile(r"(?<![\\\w^_])\{([^{}\\$]*)\}")


@dataclass(frozen=True)
class Name:
    """A person or an organisation, LaTeX decoded."""

    last: str
    first: str = ""
    von: str = ""
    jr: str = ""

    @property
    def surname(self) -> str:
        return " ".join(part for part in (self.von, self.last) if part)

    def initials(self) -> str:
        """"Ann-Marie Beth" -> "A.-M. B."."""
        def initial(word: str) -> str:
            if "-" in word:
                return "-".join(initial(part) for part in word.split("-") if part)
            letters = word.rstrip(".")
            return letters[:1] + "." if letters else ""
        return " ".join(initial(word) for word in self.first.split())

    def inverted(self) -> str:
        """"García, L." (author-year lists)."""
        head = self.surname + (f", {self.jr}" if self.jr else "")
        return f"{head}, {self.initials()}" if self.first else head

    def natural(self) -> str:
        """"L. García" (numeric lists)."""
        return " ".join(part for part in (self.initials(), self.surname, self.jr) if part)


@dataclass
class Work:
    key: str
    line: int
    type: str                       # as written, lower case
    kind: str                       # article, book, chapter, paper, thesis, report, misc
    fields: dict[str, str]          # LaTeX as written, names lower case, crossref/xdata inherited
    authors: list[Name] = field(default_factory=list)
    editors: list[Name] = field(default_factory=list)
    authors_more: bool = False      # "and others" / "et al."
    editors_more: bool = False
    parent: str | None = None       # the crossref parent's key
    notes: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    def text(self, name: str) -> str:
        return latex.text(self.get(name))

    @property
    def year(self) -> str | None:
        year = self.text("year")
        if year:
            return year
        date = self.text("date")
        if not date:
            return None
        years = [part.split("-")[0] for part in date.split("/")]
        years = [y for y in years if y]
        return "/".join(dict.fromkeys(years)) or None

    @property
    def container_field(self) -> str:
        """Which field names the journal, or the book or proceedings a part appears in ("" if none)."""
        if self.kind in ("chapter", "paper"):
            names: tuple[str, ...] = ("booktitle", "maintitle", "journal", "journaltitle")
        else:
            names = ("journal", "journaltitle") + (("booktitle",) if self.kind == "misc" else ())
        return next((name for name in names if self.get(name)), "")

    @property
    def container(self) -> str:
        """The journal, or the book or proceedings a part appears in (LaTeX)."""
        return self.get(self.container_field) if self.container_field else ""

    def shown(self, name: str) -> str:
        """A field's LaTeX as a reference shows it: a journal-like field without the arXiv id the
        identifier prints (see the module docstring)."""
        value = self.get(name)
        if name not in ARXIV_MENTIONED or "arxiv" not in value.lower() and "abs/" not in value.lower():
            return value
        printed = self.printed_arxiv()
        if not printed or name == "volume" and not self.doi():
            return value                    # an eprint beside DBLP's "abs/ID": the id is linked there
        return without_arxiv(value, printed)

    @property
    def lead(self) -> list[Name]:
        return self.authors or self.editors

    @property
    def organisation(self) -> str:
        """Who stands for the work when no person does."""
        return (self.text("organization") or self.text("institution") or self.text("publisher")
                or self.text("school"))

    def doi(self) -> str | None:
        doi = DOI_URL.sub("", latex.clean_url(self.get("doi")))
        if doi:
            return doi
        for url in self.urls():
            if DOI_URL.match(url):
                return DOI_URL.sub("", url)
        return None

    def eprint(self) -> str | None:
        """The arXiv id of an ``eprint`` field (with ``eprinttype`` or ``archiveprefix`` arXiv, or none)."""
        kind = (self.get("eprinttype") or self.get("archiveprefix")).lower()
        eprint = latex.clean_url(self.get("eprint"))
        if eprint and (kind == "arxiv" or (not kind and ARXIV_ID.fullmatch(eprint))):
            match = ARXIV_URL.search(eprint) or ARXIV_ID.search(eprint)
            return match.group(1) if match else eprint
        return None

    def printed_arxiv(self) -> str | None:
        """The arXiv id (lower case, no version) the identifier prints when an eprint or arXiv's own
        DOI carries it."""
        doi = self.doi()
        if doi:
            match = ARXIV_DOI.fullmatch(doi)
            return arxiv_base(match.group(1)) if match else None
        eprint = self.eprint()
        return arxiv_base(eprint) if eprint else None

    def arxiv(self) -> str | None:
        eprint = self.eprint()
        if eprint:
            return eprint
        for url in self.urls():
            match = ARXIV_URL.search(url)
            if match:
                return match.group(1)
        journal = self.text("journal") or self.text("journaltitle")
        match = re.search(r"arxiv[:\s]*(\d{4}\.\d{4,5}(?:v\d+)?)", journal, re.I)
        if match:
            return match.group(1)
        if journal.lower() in ("corr", "arxiv") and self.text("volume").lower().startswith("abs/"):
            return self.text("volume")[4:]
        return None

    def urls(self) -> list[str]:
        found = [latex.clean_url(self.get("url"))] if self.get("url") else []
        found += [latex.clean_url(part) for part in self.get("ee").split()] if self.get("ee") else []
        for name in ("howpublished", "note"):
            found += latex.links(latex.parse(self.get(name)))
        return [url for url in found if url]

    def identifier(self) -> tuple[str, str] | None:
        """One identifier per work, as (text, URL): the DOI, else the arXiv id, else a URL."""
        doi = self.doi()
        if doi:
            return f"https://doi.org/{doi}", f"https://doi.org/{doi}"
        arxiv = self.arxiv()
        if arxiv:
            return f"arXiv:{arxiv}", f"https://arxiv.org/abs/{arxiv}"
        urls = self.urls()
        return (urls[0], urls[0]) if urls else None


def arxiv_base(identifier: str) -> str:
    """An arXiv id without its version, lower case: "2401.01234v2" -> "2401.01234"."""
    return re.sub(r"v\d+$", "", identifier.strip()).lower()


def without_arxiv(value: str, arxiv: str) -> str:
    """``value`` (LaTeX) without where it names the arXiv id ``arxiv`` (see :func:`arxiv_base`):
    "arXiv preprint arXiv:2401.01234" -> "arXiv preprint", "arXiv:2401.01234 [cs.LG]" -> ""."""
    def drop(match: re.Match[str]) -> str:
        found = next(group for group in match.groups() if group)
        return "" if arxiv_base(found) == arxiv else match.group(0)

    for source in (value, PROTECTED.sub(r"\1", value)):
        left = ARXIV_MENTION.sub(drop, source)
        if left != source:
            left = re.sub(r"\s+\.$", "", re.sub(r"\(\s*\)|\[\s*\]", "", " ".join(left.split())))
            left = re.sub(r"\s+([,;:])", r"\1", left).strip(" ,;:")    # "…, ." and the full stop after the id
            return left if any(c.isalnum() for c in left) else ""
    return value


def check_type(entry_type: str, key: str, filename: str, line: int) -> None:
    """A type that is not known but close to one is a typo: stop with the nearest."""
    folded = entry_type.lower()
    if folded in TYPES:
        return
    close = difflib.get_close_matches(folded, list(TYPES), n=1, cutoff=0.8)
    if close:
        raise ReportError(f"unknown BibTeX entry type '@{entry_type}' in entry '{key}'", filename, line,
                          f"did you mean '@{close[0]}'?")


def names(people: list[Person]) -> tuple[list[Name], bool]:
    """Persons as names, and whether the list ends in "and others" (or a literal "et al.")."""
    found: list[Name] = []
    more = False
    for person in people:
        whole = latex.text(str(person)).strip().lower()
        if whole in ETAL or latex.text(" ".join(person.last_names)).lower() in ETAL and not person.first_names:
            more = True
            continue
        found.append(Name(last=latex.text(" ".join(person.last_names)),
                          first=latex.text(" ".join(person.first_names + person.middle_names)),
                          von=latex.text(" ".join(person.prelast_names)),
                          jr=latex.text(" ".join(person.lineage_names))))
    return found, more


def make_work(database: Mapping[str, Entry], key: str) -> Work:
    """The work behind ``key``, with crossref and xdata parents inherited."""
    item = database[key]
    entry: Entry = item.entry
    fields = {name.lower(): value for name, value in entry.fields.items()}
    persons = {role.lower(): list(people) for role, people in entry.persons.items()}
    notes: list[str] = []
    for parent_key in [k.strip() for k in fields.get("xdata", "").split(",") if k.strip()]:
        _inherit(database, parent_key, fields, persons, notes, title_as_booktitle=False)
    parent = fields.get("crossref", "").strip() or None
    if parent:
        _inherit(database, parent, fields, persons, notes, title_as_booktitle=True)
    entry_type = entry.type.lower()
    kind = TYPES.get(entry_type)
    if kind is None:
        notes.append(f"unknown type @{entry.type}, shown as @misc")
        kind = "misc"
    authors, authors_more = names(persons.get("author", []))
    editors, editors_more = names(persons.get("editor", []))
    work = Work(item.key, item.line, entry_type, kind, fields, authors, editors, authors_more, editors_more,
                parent if parent and parent in database else None, notes)
    _note_missing(work)
    return work


def _inherit(database: Mapping[str, Entry], parent_key: str, fields: dict, persons: dict, notes: list[str], title_as_booktitle: bool) -> None:
    if parent_key not in database:
        notes.append(f"its parent '{parent_key}' is not in the bibliography")
        return
    parent = database[parent_key].entry
    parent_fields = {name.lower(): value for name, value in parent.fields.items()}
    if title_as_booktitle and "booktitle" not in fields and "title" in parent_fields:
        fields["booktitle"] = parent_fields["title"]
    for name, value in parent_fields.items():
        if name not in fields and name not in ("title", "crossref", "xdata", "ids", "key", "entryset"):
            fields[name] = value
    for role, people in parent.persons.items():
        if role.lower() == "editor" or role.lower() not in persons:
            persons.setdefault(role.lower(), list(people))


def _note_missing(work: Work) -> None:
    if not work.lead and not work.organisation:
        work.notes.append("no author or editor")
    if not work.year:
        work.notes.append("no year or date (shown as n.d.)")
    if not work.get("title"):
        work.notes.append("no title")
    needs = {"article": ("journal", "journal or journaltitle"), "paper": ("booktitle", "booktitle"),
             "chapter": ("booktitle", "booktitle")}
    if work.kind in needs and not work.container:
        work.notes.append(f"no {needs[work.kind][1]}")
    if work.type in ("phdthesis", "mastersthesis", "thesis") and not (work.get("school") or work.get("institution")):
        work.notes.append("no school")
    if work.type in ("techreport", "report") and not work.get("institution"):
        work.notes.append("no institution")
