"""Text as a reader reads it: Markdown turned into its words, text folded for comparing, slugs.

Three readings of Markdown as plain text, each kept as it is because what is built from it must
not change (see :func:`plain_text`):

- ``"compare"``: every construct replaced by a space, lines kept. The conflict check, the leak
  audit and the search for text typed in the sources compare passages read this way on both sides.
- ``"heading"``: a heading's words on one line, for its anchor (through ``slugify``) and for the
  text of a reference to it.
- ``"prose"``: the words of a page's sentences, for the changes page.

This module imports nothing of the engine but :mod:`records`: the Markdown scanner, passages,
numbering and the audit all build on it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Literal

from .records import PLACEHOLDER

# ---- Markdown's inline syntax, shared with the scanner (mdscan) ------------------------------

COMMENT = re.compile(r"<!--.*?-->", re.S)
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<url>\S+?)>?(?:\s|$)", re.M)
FOOTNOTE_USE = re.compile(r"(?<!!)\[\^([^\]]*)\]")
FOOTNOTE_LABEL = re.compile(r"^[ \t]*\[\^[^\]]*\]:", re.M)

# ---- Markdown as plain text -----------------------------------------------------------------

Reading = Literal["compare", "heading", "prose"]

_LINK = re.compile(r"!?\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_ATTRS = re.compile(r"\{\s*[:#.][^}\n]*\}")
_TAG = re.compile(r"<[^>]*>")
_EMPHASIS = re.compile(r"(?<![\w])[*_~]+|[*_~]+(?![\w])|[`#>|]+")

_HEADING_TAG = re.compile(r"<[^>]+>")
_INLINE_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING_MARKS = re.compile(r"(\*\*|__|\*|_|`)")

_PROSE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),            # images go, alt text and all
    (re.compile(r"\[\^[^\]]+\]"), ""),                     # footnote markers
    (_INLINE_LINK, r"\1"),                                 # links keep their text
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),       # reference links too
    (re.compile(r"\{[:#.][^}]*\}"), ""),                   # attribute lists
    (_HEADING_TAG, ""),
    (re.compile(r"(\*\*|__|\*|`)"), ""),                   # emphasis (a lone '_' stays: snake_case)
)


def plain_text(markdown: str, reading: Reading = "compare") -> str:
    """The words a reader gets from Markdown, read one of three ways (see the module docstring).

    The readings differ in small ways (whether an image's alt text stays, whether ``_`` is an
    emphasis mark, whether white space is collapsed) that show in what is built from them: an
    anchor made from a heading, an entry of the changes page. Each is kept exactly; a new caller
    picks the reading it compares with.
    """
    if reading == "compare":
        return _compare_text(markdown)
    if reading == "heading":
        return _heading_text(markdown)
    return _prose_text(markdown)


def _compare_text(text: str) -> str:
    """Link and image texts without their targets; no tags, attribute lists, emphasis marks,
    footnote markers or reference definitions, each replaced by white space. Cheap, and the same
    for both sides of a comparison."""
    # Each pattern needs a character most blocks of prose lack: testing for it first is much cheaper.
    if "[" in text:
        if "]:" in text:
            text = FOOTNOTE_LABEL.sub(" ", text)     # footnote labels, before reference definitions
            text = REF_DEF.sub("\n", text)
        text = _LINK.sub(lambda m: f" {m.group(1)} ", text)
    if "{" in text:
        text = _ATTRS.sub(" ", text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "[^" in text:
        text = FOOTNOTE_USE.sub(" ", text)
    return _EMPHASIS.sub(" ", text)


def _heading_text(text: str) -> str:
    """A heading's words on one line: no macros' placeholders, comments, tags or emphasis marks;
    links keep their text."""
    text = PLACEHOLDER.sub("", COMMENT.sub("", text))
    text = _HEADING_TAG.sub("", text)
    text = _INLINE_LINK.sub(r"\1", text)
    text = _HEADING_MARKS.sub("", text)
    return " ".join(text.split())


def _prose_text(text: str) -> str:
    """Prose without images, footnote markers, links' targets, attribute lists, tags or emphasis;
    white space as written."""
    for pattern, replacement in _PROSE_RULES:
        text = pattern.sub(replacement, text)
    return text


# ---- folding, for comparing -----------------------------------------------------------------

# Unicode category Cf: invisible, so a copy may carry them.
FORMAT_CHARACTERS = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def _fold_table() -> dict[int, str | None]:
    """One translation for what a copy may change: invisible format characters, curly quotes, dashes."""
    table: dict[int, str | None] = {}
    for start, end in re.findall(r"(.)(?:-(.))?", FORMAT_CHARACTERS.pattern[1:-1]):
        for code in range(ord(start), ord(end or start) + 1):
            table[code] = None
    table.update({ord("’"): "'", ord("‘"): "'", ord("“"): '"', ord("”"): '"', ord("−"): "-"})
    table.update({code: "-" for code in range(ord("‐"), ord("―") + 1)})
    return table


FOLD = _fold_table()
FOLDED = frozenset(chr(code) for code in FOLD)
NON_ASCII = re.compile(r"[^\x00-\x7f]")


def normalise(text: str) -> str:
    """Case, whitespace, quotes, dashes and invisible characters folded (NFKC for non-ASCII text).

    Only the characters the text holds are replaced, one ``str.replace`` each: ``str.translate``
    looks up every character of a page in the table, three times slower on the audit's pages."""
    if not text.isascii():
        if not unicodedata.is_normalized("NFKC", text):     # a quick check, many times cheaper
            text = unicodedata.normalize("NFKC", text)
        for character in FOLDED.intersection(NON_ASCII.findall(text)):
            text = text.replace(character, FOLD[ord(character)] or "")
    return " ".join(text.split()).lower()


# ---- slugs ----------------------------------------------------------------------------------

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def ascii_folded(text: str) -> str:
    """Lower case with accents dropped (``Müller`` → ``muller``): NFKD, combining marks removed."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def slugify(name: str, separator: str = "-", fold: Callable[[str], str] = normalise) -> str:
    """``name`` as lowercase ASCII letters and digits, each run of anything else one ``separator``
    (none at either end): ``Kestrel Systems`` → ``kestrel-systems``.

    ``fold`` prepares the name first. The default (:func:`normalise`) drops what it cannot fold
    (``Müller`` → ``m-ller``): file names and the audit's tokens are made that way. Citation ids
    fold accents (:func:`ascii_folded`); the schema.org ids of the findability files only lower
    the case (``str.lower``). Heading anchors are Python-Markdown's own slugs (``toc.slugify``),
    which keep Unicode letters."""
    return _NOT_SLUG.sub(separator, fold(name)).strip(separator)
