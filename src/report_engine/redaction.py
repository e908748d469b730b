"""Redactions: what each audience gets in place of a participant's content.

Every ``{% call redact(...) %}`` is recorded whatever the audience, so the
register, the statement and the anchors (``#redaction-N``) are the same in
every build. The body is always rendered (a typo inside it fails every build);
it is then shown, marked for review, or replaced.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable

from .sources import Location

DEFAULT_STANDARD = ("Except where explicitly noted in the report, no information redacted at a "
                    "participant's request was important to our conclusions.")
DEFAULT_QUALIFIED = ("Some information redacted at participants' requests was important to our "
                     "conclusions. Each such redaction is marked where it stands:")


@dataclass
class Redaction:
    number: int
    owner: str
    owner_name: str
    location: Location
    page: str                    # docs-relative src
    material: bool
    note: str | None
    replacement: str | None
    inline: bool = False
    indent: str = ""                      # of the call site, for blocks inside lists and admonitions
    material_number: int | None = None    # counts material redactions only
    owner_number: int = 0                 # counts this owner's redactions only

    @property
    def anchor(self) -> str:
        """The page anchor. Material ones are numbered among themselves, the others among their
        owner's: no audience learns from an id how many redactions it does not see."""
        if self.material_number is not None:
            return f"material-redaction-{self.material_number}"
        return f"redaction-{self.owner}-{self.owner_number}"


# Pass one marks where each shown redaction's body stands, so that pass two can tell the report's
# open text from what participants own however the page was written (partials, macros that wrap
# redact): ``\x0eN\x0f`` opens the body of redaction N and ``\x0e/N\x0f`` closes it. Pass two
# removes the marks before anything else reads the text.
MARK = re.compile("\x0e(/?)(\\d+)\x0f")


def body_start(number: int) -> str:
    return f"\x0e{number}\x0f"


def body_end(number: int) -> str:
    return f"\x0e/{number}\x0f"


def strip_marks(text: str) -> str:
    return MARK.sub("", text)


def open_text(text: str, separator: str = " ; ") -> str:
    """The text outside every marked redaction body (bodies give way to ``separator``)."""
    out: list[str] = []
    depth, position = 0, 0
    for match in MARK.finditer(text):
        if depth == 0:
            out.append(text[position:match.start()])
        depth += -1 if match.group(1) else 1
        depth = max(depth, 0)
        if depth == 0 and match.group(1):
            out.append(separator)
        position = match.end()
    if depth == 0:
        out.append(text[position:])
    return "".join(out)


def outermost_spans(tags: Iterable[tuple[bool, int, int]], inner: bool = False) -> list[tuple[int, int]]:
    """Where the outermost of nested blocks stand, from their tags as ``(opening, start, end)``:
    each span from the opening tag's start to the closing tag's end (``inner``: between the tags)."""
    spans, depth, start = [], 0, 0
    for opening, tag_start, tag_end in tags:
        if opening:
            if depth == 0:
                start = tag_end if inner else tag_start
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, tag_start if inner else tag_end))
    return spans


def mark_spans(text: str) -> list[tuple[int, int]]:
    """Where the outermost marked bodies stand in ``text`` (start, end offsets)."""
    return outermost_spans((not m.group(1), m.start(), m.end()) for m in MARK.finditer(text))


def is_inline(body: str) -> bool:
    """A body written on one line inside a paragraph, rather than as blocks."""
    return "\n" not in body.strip("\r") and not body.startswith(("\n", " \n"))


def hidden_markup(r: Redaction) -> str:
    """What an audience that may not see the content gets."""
    if r.inline:
        parts = []
        if r.replacement:
            parts.append(r.replacement)
        if r.material:
            parts.append(f'<span class="redaction-notice" id="{r.anchor}">[redacted: {html.escape(r.note or "material information")}]</span>')
        return " ".join(parts)
    blocks = []
    if r.replacement:
        blocks.append(r.replacement.strip())
    if r.material:
        note = r.note or "Information important to our conclusions was redacted here at a participant's request."
        blocks.append(f'<div class="redaction-notice" id="{r.anchor}" markdown>\n\n'
                      f'**Material redaction.** {note}\n\n</div>')
    return "\n\n" + textwrap.indent("\n\n".join(blocks), r.indent) + "\n\n"


def visible_markup(r: Redaction, body: str) -> str:
    """What the owner and internal readers get: the content, marked for review."""
    details = [f"{r.owner_name} information, redacted in the public report"]
    if r.material:
        details.append(f"material: {r.note}" if r.note else "material")
    if r.replacement:
        details.append(f"public readers see: “{r.replacement.strip()}”")
    label = html.escape("; ".join(details), quote=True)
    if r.inline:
        return (f'<mark class="redacted-inline" id="{r.anchor}" data-owner="{r.owner}" '
                f'title="{label}">{body_start(r.number)}{body}{body_end(r.number)}</mark>')
    block = (f'<div class="redacted-passage" id="{r.anchor}" data-owner="{r.owner}" markdown>\n'
             f'<p class="redacted-passage__label">{label}</p>\n\n{body_start(r.number)}\n\n'
             f'{textwrap.dedent(body).strip(chr(10))}\n\n{body_end(r.number)}\n\n</div>')
    return "\n\n" + textwrap.indent(block, r.indent) + "\n\n"


LABEL = re.compile(r'<p class="redacted-passage__label">[^<]*</p>|(?<=<mark class="redacted-inline" )([^>]*?) title="[^"]*"')


def without_labels(text: str) -> str:
    """Text without the labels :func:`visible_markup` puts on redactions inside it (the engine's words)."""
    return LABEL.sub(lambda m: m.group(1) or "", text) if "redacted-" in text else text


def indent_of(body: str) -> str:
    """The indentation of a block body's first line: where the call stands in a list or admonition."""
    for line in body.split("\n"):
        if line.strip():
            return line[:len(line) - len(line.lstrip())]
    return ""


def statement_markdown(redactions: list[Redaction], texts: dict, link: Callable[[Redaction], str]) -> str:
    """The redaction summary statement; ``link(r)`` gives a URL to a redaction."""
    standard = str(texts.get("standard") or DEFAULT_STANDARD).strip()
    material = [r for r in redactions if r.material]
    if not material:
        return standard
    qualified = str(texts.get("qualified") or DEFAULT_QUALIFIED).strip()
    items = "\n".join(f"- [{r.note or 'Material redaction'}]({link(r)})" for r in material)
    return f"{qualified}\n\n{items}\n"


def register_markdown(redactions: list[Redaction], link: Callable[[Redaction], str]) -> str:
    """The internal register: every redaction with its page, line, owner and kind."""
    if not redactions:
        return "No redactions in this report."
    rows = ["| # | Where | Owner | Material | Note | Public replacement |",
            "|---|---|---|---|---|---|"]
    for r in redactions:
        # A path breaks after its slashes and before its line number, never inside a word.
        where = html.escape(str(r.location)).replace("/", "/<wbr>").replace(":", "<wbr>:")
        cells = [f"[{r.number}]({link(r)})", f"<code>{where}</code>", r.owner_name,
                 "yes" if r.material else "no", r.note or "", r.replacement or ""]
        rows.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(rows)
