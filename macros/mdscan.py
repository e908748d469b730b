"""Reading rendered Markdown line by line, aware of code.

The engine rewrites a page's Markdown after Jinja (heading numbers, caption
numbers, editors' notes) and reads it (labels, link targets). All of that must
leave fenced code alone: an HTML comment or a ``#`` inside a code block is
content, not structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+\{(?P<attrs>[^}]*)\})?[ \t]*#*[ \t]*$")
CAPTION = re.compile(r"^///[ \t]*(?P<kind>figure|table)-caption\b(?P<rest>.*)$")
ATTR_ID = re.compile(r"(?:^|\s)#(?P<id>[\w\-:.]+)")
OPTION_ID = re.compile(r"""\bid\s*:\s*["']?(?P<id>[\w\-:.]+)""")
COMMENT = re.compile(r"<!--.*?-->", re.S)
INLINE_CODE = re.compile(r"(`+)(?:(?!\n[ \t]*\n).)+?\1", re.S)     # never across a blank line
JINJA_CALL = re.compile(r"\{%-?\s*(endcall|call)\b(.*?)-?%\}", re.S)
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^[ \t]*\[\^([^\]\s]+)\]:", re.M)
LINK_TARGET = re.compile(r"\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+[\"'][^)]*)?\)")
HTML_TARGET = re.compile(r"""\b(?:src|href)\s*=\s*["'](?P<url>[^"']+)["']""")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<url>\S+?)>?(?:\s|$)", re.M)


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
            closing = match and match.group("fence")[0] == fence[0] and len(match.group("fence")) >= len(fence)
            yield Line(number, text_line, True)
            if closing and text_line.strip() == match.group("fence"):
                fence = None
        else:
            yield Line(number, text_line, False)


def prose(text: str) -> str:
    """The text with fenced code blanked out (line count kept) and inline code removed."""
    out = [("" if line.in_code else line.text) for line in lines(text)]
    return INLINE_CODE.sub(" ", "\n".join(out))


def strip_comments(text: str) -> tuple[str, list[str]]:
    """Remove HTML comments outside code; returns the text and the comments removed."""
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
    return "\n".join(chunks), removed


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


def link_targets(text: str) -> set[str]:
    """URLs of links and images in Markdown or inline HTML, outside code."""
    body = prose(text)
    found = {m.group("url") for m in LINK_TARGET.finditer(body)}
    found |= {m.group("url") for m in HTML_TARGET.finditer(body)}
    found |= {m.group("url") for m in REF_DEF.finditer(body)}
    return found


def heading_id(attrs: str | None) -> str | None:
    if not attrs:
        return None
    match = ATTR_ID.search(attrs)
    return match.group("id") if match else None


@dataclass(frozen=True)
class Region:
    """Source text inside redactions, with the owners of every enclosing redaction."""

    owners: tuple[str, ...]
    text: str
    line: int = 1           # in the template, where the text starts


REDACT_OWNER = re.compile(r"""\s*redact\s*\(\s*["']([^"']*)["']""")


def split_redactions(template: str) -> tuple[str, list[Region]]:
    """A page template's own text outside every ``{% call redact(...) %}`` block, and the regions inside.

    Read straight from the source, independently of rendering: what the author
    wrote in the open is public by choice, what they wrote inside is not.
    """
    outside: list[str] = []
    inside: list[Region] = []
    stack: list[str | None] = []          # owner of each open call block; None for other calls
    position = 0

    def keep(start: int, end: int) -> None:
        owners = tuple(owner for owner in stack if owner is not None)
        if owners:
            inside.append(Region(owners, template[start:end], template.count("\n", 0, start) + 1))
        else:
            outside.append(template[start:end])

    for match in JINJA_CALL.finditer(template):
        if in_raw(template, match.start()):
            continue                      # {% raw %} shows Jinja as text: an example, not a redaction
        keep(position, match.start())
        if match.group(1) == "call":
            # The tag belongs where it stands: a redaction's note and replacement are shown
            # to whoever reads the text around it.
            keep(match.start(), match.end())
            owner = REDACT_OWNER.match(match.group(2))
            stack.append(owner.group(1) if owner else None)
        else:
            if stack:
                stack.pop()
        position = match.end()
    keep(position, len(template))
    return "".join(outside), inside


RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.S)


def in_raw(template: str, position: int) -> bool:
    return any(m.start() < position < m.end() for m in RAW_BLOCK.finditer(template))


def footnote_labels(text: str) -> tuple[set[str], set[str]]:
    """Footnote labels referenced and defined in Markdown, outside code."""
    body = prose(text)
    return set(FOOTNOTE_REF.findall(body)), set(FOOTNOTE_DEF.findall(body))
