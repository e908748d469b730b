"""Citation styles: how a citation reads in the text, and how a reference is formatted.

Two halves:

* the *full reference* goes through pybtex's style machinery
  (:class:`ReferenceStyle`, a small subclass of pybtex's ``unsrt`` templates)
  and is rendered by one HTML and one plain-text backend object, created once
  per :class:`ReferenceFormatter`: pybtex's ``render_as`` looks the backend
  plugin up on every call, which costs milliseconds per entry;
* the *in-text* part (``(Müller et al., 2024a)``, ``[3]``) is plain string
  work on a :class:`Label`, done by :class:`AuthorYear` or :class:`Numeric`.

LaTeX in fields and names is decoded by pybtex (``Text.from_latex``, which uses
latexcodec): accents become Unicode, ``--`` an en dash, braces disappear.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Iterable, Sequence

from pybtex.backends import html as html_backend
from pybtex.backends import plaintext as plaintext_backend
from pybtex.database import Entry, Person
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from pybtex.style.template import FieldIsMissing, join, node, sentence

__all__ = [
    "STYLES", "AuthorYear", "CiteStyle", "FieldIsMissing", "Formatted", "Label",
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


class _HtmlBackend(html_backend.Backend):
    """pybtex's HTML backend, made fit for one line of inline HTML.

    No newline between blocks, Unicode dashes and spaces instead of entities,
    braces dropped without a ``bibtex-protected`` span, quoted hrefs.
    """

    symbols = MappingProxyType({"ndash": "\u2013", "newblock": " ", "nbsp": "\u00a0"})

    def format_str(self, text: str) -> str:
        return md_escape(text)

    def format_protected(self, text: str) -> str:
        return text

    def format_href(self, url: str, text: str, external: bool = False) -> str:  # type: ignore[override]
        return f'<a href="{md_escape(url)}">{text}</a>' if text else ""


class _PlainBackend(plaintext_backend.Backend):
    """Plain text with real dashes (pybtex's plain backend writes '-')."""

    symbols = MappingProxyType({"ndash": "\u2013", "newblock": " ", "nbsp": " "})


_PLAIN = _PlainBackend()


def _plain(latex: str) -> str:
    return " ".join(Text.from_latex(latex).render(_PLAIN).split())


# -- full references -----------------------------------------------------------


def _is_others(person: Person) -> bool:
    return not person.first_names and person.last_names == ["others"]


@node
def names_et_al(children, context, role, **kwargs):  # type: ignore[no-untyped-def]
    """pybtex's ``names``, but a final ``and others`` reads "et al." as in BibTeX."""
    if children:
        raise ValueError(children)
    persons = context["entry"].persons.get(role)
    if not persons:
        raise FieldIsMissing(role, context["entry"])
    style = context["style"]
    others = _is_others(persons[-1])
    named = persons[:-1] if others else persons
    formatted = [style.format_name(person, style.abbreviate_names) for person in named]
    if not others:
        return join(**kwargs)[formatted].format_data(context)
    return Text(join(sep=", ")[formatted].format_data(context), ", et al." if len(named) > 1 else " et al.")


class ReferenceStyle(UnsrtStyle):
    """``unsrt`` templates, with "et al." and unknown entry types read as @misc."""

    default_sorting_style = "author_year_title"

    def format_names(self, role, as_sentence=True):  # type: ignore[no-untyped-def]
        formatted = names_et_al(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted

    def format_entry(self, label, entry, bib_data=None):  # type: ignore[no-untyped-def]
        known = hasattr(self, f"get_{entry.type}_template") or hasattr(self, f"format_{entry.type}")
        if known:
            return super().format_entry(label, entry, bib_data)
        context = {"entry": entry, "style": self, "bib_data": bib_data}
        return FormattedEntry(entry.key, self.get_misc_template(entry).format_data(context), label)


@dataclass(frozen=True)
class Formatted:
    """A formatted reference: inline HTML (one line) and its plain text."""

    html: str
    text: str


_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_URL_ESCAPE = re.compile(r"\\([_%&#$~])")


class ReferenceFormatter:
    """Formats full references with one style object and one backend per output."""

    def __init__(self) -> None:
        self.style = ReferenceStyle()
        self.html = _HtmlBackend()
        self.plain = _PlainBackend()

    def format(self, entry: Entry, year_label: str | None = None) -> Formatted:
        """Format ``entry``; raises pybtex's FieldIsMissing for a field its type needs."""
        text = self.style.format_entry("", _prepared(entry, year_label)).text
        return Formatted(text.render(self.html), " ".join(text.render(self.plain).split()))


def _prepared(entry: Entry, year_label: str | None) -> Entry:
    """A copy with the disambiguated year, a bare DOI and a URL free of TeX escapes."""
    fields = dict(entry.fields)
    if year_label is not None:
        fields["year"] = year_label
    if "doi" in fields:
        fields["doi"] = _DOI_PREFIX.sub("", fields["doi"]).strip()
    if "url" in fields:
        fields["url"] = _URL_ESCAPE.sub(r"\1", fields["url"]).strip()
    copy = Entry(entry.type, fields=fields, persons=entry.persons)
    copy.key = entry.key
    return copy


# -- in-text labels ------------------------------------------------------------


def _persons(entry: Entry) -> list[Person]:
    return list(entry.persons.get("author") or entry.persons.get("editor") or [])


def in_text_names(entry: Entry) -> str | None:
    """"Müller", "Müller and García", "Müller et al."; None without author or editor."""
    persons = _persons(entry)
    others = bool(persons) and _is_others(persons[-1])
    named = persons[:-1] if others else persons
    if not named:
        return None
    last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in named]
    if others or len(last) > 2:
        return f"{last[0]} et al."
    return " and ".join(last)


def year_of(entry: Entry) -> str | None:
    """The year as text (TeX decoded), or None when absent or empty."""
    return _plain(entry.fields.get("year", "")) or None


def _fold(text: str) -> str:
    """Sortable form: TeX decoded, accents and case dropped ("M{\\"u}ller" -> "muller")."""
    decomposed = unicodedata.normalize("NFKD", _plain(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Sorting(AuthorYearTitleSorting):
    """pybtex's author-year-title order, on decoded text and with editors as authors."""

    def sorting_key(self, entry):  # type: ignore[no-untyped-def]
        persons = _fold(self.persons_key(_persons(entry)))
        return (persons, _fold(entry.fields.get("year", "")), _fold(entry.fields.get("title", "")))


_SORTING = _Sorting()


def sort_key(entry: Entry) -> tuple[str, ...]:
    """Reference-list order of author-year styles; the key breaks ties."""
    return (*_SORTING.sorting_key(entry), entry.key.lower())


def _letters(index: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa' ..."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


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
                suffixes[key] = _letters(index)
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
