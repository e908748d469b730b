"""Reading rendered Markdown line by line, aware of code.

The engine rewrites a page's Markdown after Jinja (heading numbers, caption
numbers, editors' notes) and reads it (labels, link targets). All of that must
leave fenced code alone: an HTML comment or a ``#`` inside a code block is
content, not structure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

# Markdown's inline syntax and its plain text live in text.py; read here, and offered as mdscan.NAME.
from .text import COMMENT, FOOTNOTE_USE, REF_DEF, plain_text  # noqa: F401

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+\{(?P<attrs>[^}]*)\})?[ \t]*#*[ \t]*$")
CAPTION = re.compile(r"^///[ \t]*(?P<kind>figure|table)-caption\b(?P<rest>.*)$")
ATTR_ID = re.compile(r"(?:^|\s)#(?P<id>[\w\-:.]+)")
OPTION_ID = re.compile(r"""\bid\s*:\s*["']?(?P<id>[\w\-:.]+)""")
# HTML comments as a browser reads them, conditional comments (<!--[if IE]>) aside: closed ones,
# and an unclosed one running to the end of the text.
HTML_COMMENT = re.compile(r"<!--(?!\[if)(.*?)-->", re.S)
HTML_COMMENT_OR_UNCLOSED = re.compile(r"<!--(?!\[if)(.*?)(?:-->|$)", re.S)
INLINE_CODE = re.compile(r"(`+)(?:(?!\n[ \t]*\n).)+?\1", re.S)     # never across a blank line
JINJA_CALL = re.compile(r"\{%-?\s*(endcall|call)\b(.*?)-?%\}", re.S)
LINK_TARGET = re.compile(r"\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+[\"'][^)]*)?\)")
# Texts whose scans each function below remembers: `mkdocs serve` rebuilds read mostly the pages
# the last build read, unchanged. Results are remembered as values nobody changes (tuples, frozen
# records) and handed out as fresh lists. A memo keeps what this build and the one before it read
# (:func:`turn`), however many texts that is: a bound on their number would forget, text by text,
# exactly those the next build asks for first once a build reads more texts than the bound.
_MEMOS: list["Remembered"] = []
F = TypeVar("F", bound=Callable[..., object])
_MISSING = object()


class Remembered:
    """One function's scans of the texts read by this build and the one before."""

    def __init__(self, function: Callable[[str], object]) -> None:
        self.function = function
        self.now: dict[str, object] = {}
        self.before: dict[str, object] = {}
        functools.update_wrapper(self, function)

    def __call__(self, text: str) -> object:
        found = self.now.get(text, _MISSING)
        if found is _MISSING:
            found = self.before.get(text, _MISSING)
            if found is _MISSING:
                found = self.function(text)
            self.now[text] = found
        return found

    def turn(self) -> None:
        if self.now:                         # a build restored whole from its memo read nothing
            self.now, self.before = {}, self.now

    def clear(self) -> None:
        self.now, self.before = {}, {}


def remembered(function: F) -> F:
    """Remember ``function``'s scans of texts (see above); :func:`forget` drops them all."""
    memo = Remembered(function)
    _MEMOS.append(memo)
    return memo  # type: ignore[return-value]


def turn() -> None:
    """A build begins: what the build before last read and the last did not is forgotten."""
    for memo in _MEMOS:
        memo.turn()


def forget() -> None:
    """Drop every remembered scan (and the texts it holds): a build that will not run again."""
    for memo in _MEMOS:
        memo.clear()


@dataclass(frozen=True)
class Line:
    number: int        # 1-based in the text scanned
    text: str
    in_code: bool


def lines(text: str) -> Iterator[Line]:
    """Each line, flagged when it belongs to a fenced code block (fences included)."""
    fence: str | None = None
    for number, text_line in enumerate(text.split("\n"), start=1):
        match = FENCE.match(text_line)
        if fence is None and match:
            fence = match.group("fence")
            yield Line(number, text_line, True)
        elif fence is not None:
            closing = match is not None and match.group("fence")[0] == fence[0] and len(match.group("fence")) >= len(fence)
            yield Line(number, text_line, True)
            if match is not None and closing and text_line.strip() == match.group("fence"):
                fence = None
        else:
            yield Line(number, text_line, False)


def prose(text: str) -> str:
    """The text with fenced code blanked out (line count kept) and inline code removed."""
    out = [("" if line.in_code else line.text) for line in lines(text)]
    return INLINE_CODE.sub(" ", "\n".join(out))


def strip_comments(text: str) -> tuple[str, list[str]]:
    """Remove HTML comments outside code; returns the text and the comments removed."""
    stripped, removed = _strip_comments(text)
    return stripped, list(removed)


@remembered
def _strip_comments(text: str) -> tuple[str, tuple[str, ...]]:
    removed: list[str] = []
    chunks: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            chunks.append(_strip_outside_inline_code("\n".join(buffer), removed))
            buffer.clear()

    code: list[str] = []
    for line in lines(text):
        if line.in_code:
            flush()
            code.append(line.text)
        else:
            if code:
                chunks.append("\n".join(code))
                code.clear()
            buffer.append(line.text)
    flush()
    if code:
        chunks.append("\n".join(code))
    return "\n".join(chunks), tuple(removed)


def _strip_outside_inline_code(text: str, removed: list[str]) -> str:
    spans = [m.span() for m in INLINE_CODE.finditer(text)]

    def inside(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    def replace(match: re.Match) -> str:
        if inside(match.start()):
            return match.group(0)
        removed.append(match.group(0)[4:-3].strip())
        return ""

    return COMMENT.sub(replace, text)


def comments_in_inline_code(text: str) -> list[str]:
    """HTML comments that a stray backtick swallowed into a code span: shown as text, still notes."""
    body = "\n".join("" if line.in_code else line.text for line in lines(text))
    return [m.group(0)[4:-3].strip() for span in INLINE_CODE.finditer(body) for m in COMMENT.finditer(span.group(0))]


def heading_id(attrs: str | None) -> str | None:
    if not attrs:
        return None
    match = ATTR_ID.search(attrs)
    return match.group("id") if match else None


# ---- links and embeds of every kind --------------------------------------------------------

URL_NAMES = ("src", "href", "data", "poster")
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|data|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
SRCSET = re.compile(r"""\bsrcset\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.I)


def attribute_matches(pattern: re.Pattern[str], names: tuple[str, ...], text: str) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` finds, for a pattern that starts ``\\b(?:name|...)\\s*=`` (case
    folded), ``names`` its names: tried only where a name may end before an ``=``. The regex alone
    tries every position of the text (it starts with no literal to look for): a page's Markdown and
    the search index are read several times faster. A case-folded name matches as many characters
    as it has, so each ``=`` has one place per length of name for a match to start."""
    lengths = sorted({len(name) for name in names}, reverse=True)       # the earliest start first
    end = 0                                                             # where the last match ended
    equals = text.find("=")
    while equals >= 0:
        before = equals
        while before > end and text[before - 1].isspace():               # \s, as the regex reads it
            before -= 1
        found = None
        for length in lengths:
            if before - length >= end and (found := pattern.match(text, before - length)) is not None:
                break
        if found is not None:
            yield found
            end = found.end()
        equals = text.find("=", max(equals + 1, end))


def html_urls(text: str) -> list[str]:
    """Every URL an HTML (or Markdown with inline HTML) text points at: attributes, srcset, CSS url()."""
    urls = ["".join(m.groups(default="")) for m in attribute_matches(URL_ATTRIBUTE, URL_NAMES, text)]
    for match in attribute_matches(SRCSET, ("srcset",), text):
        urls += [candidate.split()[0] for candidate in "".join(match.groups(default="")).split(",")
                 if candidate.strip()]
    urls += ["".join(m.groups(default="")) for m in CSS_URL.finditer(text)]
    return [url for url in urls if url]


HTML_BLOCK_TAGS = {"address", "article", "aside", "blockquote", "details", "dialog", "dd", "div", "dl", "dt",
                   "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
                   "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "ul", "script",
                   "style", "textarea", "iframe", "object", "video", "audio", "canvas", "noscript", "center"}
HTML_BLOCK_START = re.compile(r"^\s{0,3}<(?P<tag>[a-zA-Z][\w-]*)(?P<rest>[^>]*)")
# Blocks whose content goes on in lines indented by four spaces, across blank lines: list items,
# admonitions and details (!!!, ???), content tabs (===), footnote definitions and definition lists.
CONTAINER = re.compile(r"^\s*(?:[-*+]|\d+[.)]|!!!|\?\?\?\+?|===|\[\^[^\]]*\]:|:)(?:\s|$)")
LINK_TITLE = re.compile(r"""(\]\(\s*<?[^)\s>]*>?)\s+(?:"[^"]*"|'[^']*'|\([^)]*\))\s*\)""")


def markdown_only(text: str) -> str:
    """The text Python-Markdown reads as Markdown: fenced and indented code, raw HTML blocks
    (without a ``markdown`` attribute) and link titles blanked, line count kept. Heuristic where
    Markdown is ambiguous, and erring towards blanking: what is blanked here cannot publish a page
    or keep a footnote in the open."""
    out: list[str] = []
    in_html = in_indented = in_list = False
    blank_before = True
    for line in lines(text):
        t = line.text
        blank = not t.strip()
        if line.in_code:
            out.append("")
        elif in_html:
            in_html = not blank
            out.append("")
        elif blank:
            out.append("")
        elif in_indented and t.startswith(("    ", "\t")):
            out.append("")
        else:
            in_indented = False
            match = HTML_BLOCK_START.match(t)
            if blank_before and match and match.group("tag").lower() in HTML_BLOCK_TAGS \
                    and "markdown" not in match.group("rest"):
                in_html = True
                out.append("")
            elif blank_before and not in_list and t.startswith(("    ", "\t")):
                in_indented = True
                out.append("")
            else:
                if CONTAINER.match(t):
                    in_list = True
                elif blank_before and not t.startswith((" ", "\t")):
                    in_list = False
                out.append(t)
        blank_before = blank
    return INLINE_CODE.sub(" ", LINK_TITLE.sub(r"\1)", "\n".join(out)))


REFERENCE_LINK = re.compile(r"!?\[([^\]\n]*)\](?:\[([^\]\n]*)\]|(?![(:]))")


@remembered
def markdown_urls(text: str) -> frozenset[str]:
    """Every URL a Markdown text links or embeds, outside code: links, images, reference-style
    links whose definition is used, and raw HTML (href, src, srcset, object data, poster, CSS url()).
    Remembered by text: a live preview's rebuild reads again only the pages that changed."""
    body = markdown_only(text)
    found = {m.group("url") for m in LINK_TARGET.finditer(body)}
    found |= set(html_urls(prose(text)))
    used = {(label or name).strip().lower() for name, label in REFERENCE_LINK.findall(body)}
    found |= {m.group("url") for m in REF_DEF.finditer(body)
              if m.group(0).split("]", 1)[0].strip().lstrip("[").lower() in used}
    return frozenset(found)


# ---- footnotes as Python-Markdown reads them ----------------------------------------------------

# Python-Markdown's rule, at any indentation: inside an admonition or a list it reads the dedented text.
FOOTNOTE_DEFINITION = re.compile(r"^[ \t>]*\[\^([^\]]*)\]:[ ]*(.*)$")     # in a blockquote too


@dataclass(frozen=True)
class FootnoteDefinition:
    label: str
    start: int              # character offsets of the whole definition in the text
    end: int
    line: int               # 1-based line of ``[^label]:``


def footnote_definitions(text: str) -> list[FootnoteDefinition]:
    """Footnote definitions outside code, each with the extent Python-Markdown gives it: its own
    block up to the next definition (lazy continuation lines included) and the blocks after it
    that are indented by four spaces or a tab."""
    return list(_footnote_definitions(text))


@remembered
def _footnote_definitions(text: str) -> tuple[FootnoteDefinition, ...]:
    scanned = list(lines(text))
    offsets, position = [], 0
    for line in scanned:
        offsets.append(position)
        position += len(line.text) + 1
    found: list[FootnoteDefinition] = []
    index = 0
    while index < len(scanned):
        line = scanned[index]
        match = None if line.in_code else FOOTNOTE_DEFINITION.match(line.text)
        if not match:
            index += 1
            continue
        end = index + 1
        while end < len(scanned) and scanned[end].text.strip() and not scanned[end].in_code \
                and not FOOTNOTE_DEFINITION.match(scanned[end].text):
            end += 1                                  # the rest of its block
        while True:                                   # indented blocks that follow belong to it too
            probe = end
            while probe < len(scanned) and not scanned[probe].text.strip():
                probe += 1
            indent = line.text[:len(line.text) - len(line.text.lstrip())]
            if probe >= len(scanned) or not scanned[probe].text.startswith((indent + "    ", indent + "\t")):
                break
            end = probe
            while end < len(scanned) and scanned[end].text.strip() and \
                    not FOOTNOTE_DEFINITION.match(scanned[end].text):
                end += 1
        stop = offsets[end] if end < len(scanned) else len(text)
        found.append(FootnoteDefinition(match.group(1), offsets[index], stop, line.number))
        index = end
    return tuple(found)


# The number inside each of pass one's tokens (placeholders, anchors, redaction marks: positions.py).
TOKEN_NUMBER = re.compile("([\x02\x10\x0e]/?)\\d+(?=[\x03\x11\x0f])")
TOKEN_START = ("\x02", "\x10", "\x0e")


def footnote_uses(text: str) -> list[str]:
    """Labels of the footnote references in a text, where Markdown reads them (definitions' own labels excluded).

    Read with the numbers of pass one's tokens left out: they count macros report-wide, so an
    edit to one page renumbers every later page, whose footnotes it does not move (a label with
    a token in it, the one exception, is read from the text as it is)."""
    found = _footnote_uses(TOKEN_NUMBER.sub(r"\1", text))
    if any(start in label for label in found for start in TOKEN_START):
        return list(_read_footnote_uses(text))
    return list(found)


def _read_footnote_uses(text: str) -> tuple[str, ...]:
    body = markdown_only(text)
    body = "\n".join("" if FOOTNOTE_DEFINITION.match(line) else line for line in body.split("\n")) + \
        "\n" + "\n".join(m.group(2) for line in body.split("\n") if (m := FOOTNOTE_DEFINITION.match(line)))
    return tuple(FOOTNOTE_USE.findall(body))


_footnote_uses = remembered(_read_footnote_uses)


# ---- editors' notes written wrong -------------------------------------------------------------

JINJA_STYLE_COMMENT = re.compile(r"\{#(?!#)[^}]*?#\}", re.S)
TYPOGRAPHIC_NOTE = re.compile(r"<!\s*-?\s*[\u2012\u2013\u2014\u2015\u2212]")
UNCLOSED_NOTE = re.compile(r"<!--(?!\[if)")


@dataclass(frozen=True)
class NoteMistake:
    message: str
    offset: int               # in the text checked
    suggestion: str


@remembered
def note_mistake(text: str) -> NoteMistake | None:
    """An editor's note MkDocs would publish as text: unclosed, opened with a typographic dash, or
    written as a Jinja comment (``{# #}``, which this project's Jinja does not treat as one)."""
    body = prose(text)
    found: list[NoteMistake] = []
    match = JINJA_STYLE_COMMENT.search(body)
    if match:
        found.append(NoteMistake("'{# ... #}' is not a comment here and would be published as text", match.start(),
                                 "write an editor's note as <!-- ... --> or a Jinja comment as {## ... ##}"))
    match = TYPOGRAPHIC_NOTE.search(body)
    if match:
        found.append(NoteMistake("an editor's note opened with a typographic dash ('<!—') would be published as text",
                                 match.start(), "an editor may have autocorrected '--': write <!-- ... -->"))
    remaining = COMMENT.sub(lambda m: " " * len(m.group(0)), body)
    match = UNCLOSED_NOTE.search(remaining)
    if match:
        closer = "'—>'" if re.search(r"[\u2013\u2014]>", body[match.start():]) else "no '-->'"
        found.append(NoteMistake(f"an editor's note is opened here and never closed ({closer} follows)",
                                 match.start(), "close it with --> (two hyphens and '>')"))
    return min(found, key=lambda mistake: mistake.offset) if found else None
