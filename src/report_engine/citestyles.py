"""Citation styles: how a citation reads in the text, and how a reference is formatted.

Two halves:

* the *full reference* (:class:`ReferenceFormatter`) is built from a
  :class:`macros.works.Work` in both renderings at once, inline HTML and plain
  text, with every field's LaTeX read by :mod:`report_engine.latex`. An entry renders
  with what it has: nothing here raises for a missing field. Titles keep their
  own case (no sentence-casing, which breaks acronyms and names);
* the *in-text* part (``(Müller et al., 2024a)``, ``[3]``) is plain string
  work on a :class:`Label`, done by :class:`AuthorYear` or :class:`Numeric`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar, Iterable, Sequence

from . import latex
from .formatting import letters
from .works import THESIS_KINDS, Name, Work

__all__ = [
    "STYLES", "AuthorYear", "CiteStyle", "Formatted", "Label",
    "Numeric", "ReferenceFormatter", "in_text_names", "md_escape", "sort_key",
    "year_of", "year_suffixes",
]

# -- escaping ------------------------------------------------------------------

#: HTML escaping plus the characters Python-Markdown (and pymdownx) act on
#: *before* it shelters inline HTML: backticks, backslashes, brackets, table
#: pipes, emphasis, math and tilde/caret marks. Escaped as character
#: references, the citation survives any Markdown context unchanged.
_MD_SAFE = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
    "`": "&#96;", "\\": "&#92;", "[": "&#91;", "]": "&#93;", "|": "&#124;",
    "*": "&#42;", "_": "&#95;", "$": "&#36;", "~": "&#126;", "^": "&#94;",
})


def md_escape(text: str) -> str:
    """Escape for HTML text or a double-quoted attribute, inert to Markdown."""
    return text.translate(_MD_SAFE)


@dataclass(frozen=True)
class Formatted:
    """A formatted reference: inline HTML (one line) and its plain text."""

    html: str
    text: str


@dataclass(frozen=True)
class _Piece:
    """A bit of a reference in both renderings."""

    html: str
    text: str

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def _rich(value: str, style: str | None = None) -> _Piece:
    nodes = latex.parse(value)
    html, text = latex.to_html(nodes, md_escape), latex.to_text(nodes)
    if style == "em" and html:
        html = f"<em>{html}</em>"
    return _Piece(html, text)


def _plain(value: str) -> _Piece:
    return _Piece(md_escape(value), value)


def _join(pieces: Sequence[_Piece], sep: str = " ") -> _Piece:
    kept = [p for p in pieces if p]
    return _Piece(md_escape(sep).join(p.html for p in kept), sep.join(p.text for p in kept))


def _sentence(piece: _Piece) -> _Piece:
    """End with a full stop unless the text already ends a sentence."""
    if not piece or piece.text.rstrip().endswith((".", "?", "!")):
        return piece
    return _Piece(piece.html + ".", piece.text + ".")


def _name_list(people: Sequence[Name], more: bool, inverted: bool, max_names: int) -> str:
    shown = list(people)
    if max_names and len(shown) > max_names:
        shown, more = shown[:max_names], True
    names = [p.inverted() if inverted else p.natural() for p in shown]
    if more:
        return ", ".join(names) + (", et al." if len(names) > 1 else " et al.")
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + ", and " + names[-1]


def names_as_listed(people: Sequence[Name], style: str = "author-year", max_names: int = 10) -> str:
    """People named as the style's reference list names them: "Example, A. and Placeholder, G." in
    author-year lists, "A. Example and G. Placeholder" in numeric ones. "How to cite" and "Cite this
    section" both use it, so a report names its authors one way."""
    return _name_list(people, False, style != "numeric", max_names)


def _pages(work: Work) -> str:
    return work.text("pages").replace("--", "–").replace("-", "–") if work.get("pages") else ""


def _ordinal_edition(work: Work) -> str:
    edition = work.text("edition")
    if not edition:
        return ""
    if edition.isdigit():
        n = int(edition)
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix} edition"
    return edition if "ed" in edition.lower() else f"{edition} edition"


STANDALONE = ("book", "thesis", "report")


def _repeats_identifier(text: str, work: Work) -> bool:
    """A note that only repeats the work's identifier ("arXiv:2312.06942 [cs]", as Zotero writes it)."""
    folded = text.lower()
    return any(value and value.lower() in folded for value in (work.arxiv(), work.doi(), *work.urls()))


class ReferenceFormatter:
    """Formats full references for one style: author-year lists lead with "Surname, I." and the year,
    numeric lists with "I. Surname" and end with the year. Titles keep their own case."""

    def __init__(self, style: str = "author-year", max_names: int = 10) -> None:
        self.author_year = style != "numeric"
        self.max_names = max_names

    def format(self, work: Work, year_label: str | None = None) -> Formatted:
        year = year_label or work.year or "n.d."
        title = _rich(work.get("title"), "em" if work.kind in STANDALONE or
                      (work.kind == "misc" and not work.container) else None)
        people, more = (work.authors, work.authors_more) if work.authors else (work.editors, work.editors_more)
        lead = _name_list(people, more, self.author_year, self.max_names)
        if lead and not work.authors:
            lead += " (Eds.)" if len(people) > 1 or more else " (Ed.)"
        pieces: list[_Piece] = []
        if not lead:
            lead = work.organisation
        if self.author_year:
            if lead:
                pieces.append(_sentence(_plain(f"{lead} ({year})")))
                pieces.append(_sentence(title))
            else:                                  # no one to lead: the title does
                pieces.append(_sentence(_join([title, _plain(f"({year})")])))
        else:
            pieces += [_sentence(_plain(lead)), _sentence(title)]
        pieces += self._details(work, year)
        identifier = work.identifier()
        note = _rich(work.shown("note"))
        if note and not latex.links(latex.parse(work.get("note"))) and not _repeats_identifier(note.text, work):
            pieces.append(_sentence(note))
        joined = _join(pieces)
        html, text = joined.html, joined.text
        if identifier:
            shown, url = identifier
            bare = shown.split(":", 1)[1] if shown.startswith("arXiv:") else shown
            link = f'<a href="{md_escape(url)}">{md_escape(bare if bare in text else shown)}</a>'
            if bare in text and md_escape(bare) in html:
                html = html.replace(md_escape(bare), link, 1)        # the id is already there: link it
            else:
                html, text = html + " " + link, text + " " + shown
        return Formatted(" ".join(html.split()), " ".join(text.split()))

    def _details(self, work: Work, year: str) -> list[_Piece]:
        """Where the work appears: journal, book, school, publisher; the year last in numeric lists."""
        container = _rich(work.shown(work.container_field), "em")
        volume, number = latex.text(work.shown("volume")), work.text("number") or work.text("issue")
        pages = _pages(work)
        publisher = _join([_rich(work.get("location") or work.get("address")),
                           _rich(work.shown("publisher"))], ": ")
        tail = [] if self.author_year else [_plain(year)]
        if work.kind == "article":
            numbers = volume + (f"({number})" if number else "")
            where = _join([container, _plain(numbers), _plain(pages)], ", ")
            return [_sentence(_join([where, *tail], ", "))]
        if work.kind in ("paper", "chapter"):
            editors = ""
            if work.authors and work.editors:
                editors = "edited by " + _name_list(work.editors, work.editors_more, False, self.max_names)
            inside = _join([_join([_plain("In"), container]) if container else _Piece("", ""),
                            _plain(editors), _rich(work.get("series")),
                            _plain(f"pp. {pages}" if pages else "")], ", ")
            return [_sentence(_join([inside, *([publisher] if work.kind == "chapter" else
                                               [_rich(work.shown("publisher"))]), *tail], ", "))]
        if work.kind == "thesis":
            kind = work.text("type") or THESIS_KINDS.get(work.type, "Thesis")
            return [_sentence(_join([_plain(kind), _rich(work.get("school") or work.get("institution")), *tail], ", "))]
        if work.kind == "report":
            kind = work.text("type") or "Technical report"
            label = _plain(f"{kind} {work.text('number')}".strip())
            return [_sentence(_join([label, _rich(work.get("institution")), *tail], ", "))]
        if work.kind == "book":
            return [_sentence(_join([_plain(_ordinal_edition(work)), _rich(work.get("series")),
                                     publisher, *tail], ", "))]
        howpublished = work.shown("howpublished")
        how = _rich(howpublished) if howpublished and not latex.links(latex.parse(howpublished)) else _Piece("", "")
        return [_sentence(_join([container, how, publisher if work.get("publisher") else _rich(work.get("organization")),
                                 *tail], ", "))]


# -- in-text labels ------------------------------------------------------------


def in_text_names(work: Work) -> str:
    """"Müller", "Müller and García", "Müller et al."; without people the organisation or the title."""
    people = work.authors or work.editors
    more = work.authors_more if work.authors else work.editors_more
    if not people:
        return work.organisation or work.text("title") or work.key
    last = [p.surname for p in people]
    if more or len(last) > 2:
        return f"{last[0]} et al."
    return " and ".join(last)


def year_of(work: Work) -> str:
    """The year as text, or "n.d." when the entry has none."""
    return work.year or "n.d."


def _fold(text: str) -> str:
    """Sortable form: accents and case dropped ("Müller" -> "muller")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(work: Work) -> tuple[str, ...]:
    """Reference-list order of author-year styles: lead surnames, year, title; the key breaks ties."""
    people = work.authors or work.editors
    lead = " ".join(f"{p.last} {p.first} {p.von}" for p in people) or work.organisation or work.text("title")
    return (_fold(lead), _fold(work.year or ""), _fold(work.text("title")), work.key.lower())


def year_suffixes(cited: Iterable[tuple[str, str, str, tuple]]) -> dict[str, str]:
    """key -> "a", "b"... for cited entries whose in-text label would be equal.

    ``cited`` holds (key, names, year, sort key). Entries are grouped by the
    label they would show ("Müller et al." + "2024": the same author list, or
    different lists that collapse to the same "et al."), and lettered in
    reference-list order, so every page agrees.
    """
    groups: dict[tuple[str, str], list[tuple[tuple, str]]] = {}
    for key, names, year, order in cited:
        groups.setdefault((names, year), []).append((order, key))
    suffixes: dict[str, str] = {}
    for members in groups.values():
        if len(members) > 1:
            for index, (_, key) in enumerate(sorted(members)):
                suffixes[key] = letters(index)
    return suffixes


@dataclass(frozen=True)
class Label:
    """What the in-text citation of one entry needs."""

    key: str
    number: int
    names: str | None
    year: str | None  # with its a/b suffix
    order: tuple  # reference-list sort key


class CiteStyle:
    """How citations read; the engine adds links and escaping."""

    name: ClassVar[str]
    open: ClassVar[str]
    close: ClassVar[str]
    sep: ClassVar[str]
    list_tag: ClassVar[str]
    needs: ClassVar[tuple[str, ...]]  # Label fields every citation needs

    def link_text(self, label: Label) -> str:
        raise NotImplementedError

    def textual(self, label: Label, loc: str | None) -> str:
        raise NotImplementedError

    def cite_order(self, labels: Sequence[Label]) -> list[Label]:
        raise NotImplementedError

    def list_order(self, labels: Sequence[Label]) -> list[Label]:
        raise NotImplementedError

    def list_label(self, label: Label) -> str | None:
        return None


def _with_loc(loc: str | None) -> str:
    return f", {loc}" if loc else ""


class AuthorYear(CiteStyle):
    """(Müller and García, 2024a; OpenAI, 2025, p. 12) — Müller et al. (2024, p. 4)."""

    name = "author-year"
    open, close, sep = "(", ")", "; "
    list_tag = "ul"
    needs = ("names", "year")

    def link_text(self, label: Label) -> str:
        return f"{label.names}, {label.year}"

    def textual(self, label: Label, loc: str | None) -> str:
        return f"{label.names} ({label.year}{_with_loc(loc)})"

    def cite_order(self, labels: Sequence[Label]) -> list[Label]:
        return sorted(labels, key=lambda label: label.order)

    list_order = cite_order


class Numeric(CiteStyle):
    """[1, 4] — [3, p. 12] — Müller et al. [3]; numbers in order of first citation."""

    name = "numeric"
    open, close, sep = "[", "]", ", "
    list_tag = "ol"
    needs = ()

    def link_text(self, label: Label) -> str:
        return str(label.number)

    def textual(self, label: Label, loc: str | None) -> str:
        return f"{label.names} [{label.number}{_with_loc(loc)}]"

    def cite_order(self, labels: Sequence[Label]) -> list[Label]:
        return sorted(labels, key=lambda label: label.number)

    list_order = cite_order

    def list_label(self, label: Label) -> str | None:
        return f"[{label.number}]"


STYLES: dict[str, CiteStyle] = {style.name: style for style in (AuthorYear(), Numeric())}
