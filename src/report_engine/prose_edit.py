"""An edit that only changes running text: the page's linked Markdown, patched instead of rebuilt.

Under ``mkdocs serve`` most saves change a few words of prose. Such an edit cannot change anything
the passes share between pages (numbering, labels, citations, footnotes, redactions, links, the
page's title), so the page's text after pass one and after pass two is the previous one with the
same characters replaced. :func:`patch` decides whether an edit is of that kind and, if so,
returns both texts; ``None`` means "run the passes".

It is deliberately narrow, and answers ``None`` whenever it cannot be sure:

* the save changed one stretch of text (everything before it and after it is as it was), after
  the front matter;
* the stretch, before and after, holds none of the template's delimiters (``{{``, ``{%``, ``{#``
  or the report's own), no bracket (links, footnotes, references, attribute lists), no angle
  bracket (HTML, comments, autolinks); it does not stand inside a template tag; the lines it
  touches are not headings, captions, admonitions, rules, setext underlines, footnote or
  abbreviation definitions; and no name of a participant (:attr:`Plain.names`) is added or
  removed: a name in prose is the leak audit's business, so the full build answers it;
* the stretch with the plain text around it (:data:`CONTEXT` characters at most each side, :data:`MIN_CONTEXT` at least in all) stands exactly once in the page's source, in pass
  one's text and in pass two's, and not inside a redaction: text a loop repeats, a condition hides,
  a redaction holds or pass two moves is not found once in all three.

The live preview renders the patched page at once and rebuilds the whole site after it, so the
settled preview is always a full build's.
"""

from __future__ import annotations

import dataclasses
import re

from .redaction import MARK

# A line whose start gives it structure: a heading, a caption or other block (///), an admonition
# (!!!, ???), a rule or a setext underline (---, ***, ___, ===), a footnote or abbreviation.
STRUCTURAL = re.compile(r"^\s{0,3}(#|/{3}|!{3}|\?{3}|(?:[-*_=]\s*){3,}$|\*\[|\[\^)")
BRACKETS = ("[", "]", "<", ">", "{", "}")
CONTEXT = 60            # characters of plain text looked at on either side of the change
MIN_CONTEXT = 12        # characters of context, both sides together, to find the change by


@dataclasses.dataclass(frozen=True)
class Plain:
    """What running text may not hold, for one report: the template's delimiters, as (opening,
    closing) pairs, and its participants' names (lower case)."""

    delimiters: tuple[tuple[str, str], ...] = (("{{", "}}"), ("{%", "%}"), ("{##", "##}"))
    names: tuple[str, ...] = ()

    def text(self, stretch: str) -> bool:
        """No delimiter or bracket in ``stretch``."""
        return not any(mark in stretch for mark in BRACKETS) and \
            not any(mark in stretch for pair in self.delimiters for mark in pair)

    def inside_tag(self, before: str) -> bool:
        """Whether text that follows ``before`` stands inside a template tag (or comment)."""
        for opening, closing in self.delimiters:
            if before.rfind(opening) > before.rfind(closing):
                return True
        return False

    def name_counts(self, text: str) -> tuple[int, ...]:
        lowered = text.lower()
        return tuple(lowered.count(name) for name in self.names)


def patch(old_raw: str, new_raw: str, rendered: str, output: str, front_matter_lines: int,
          plain: Plain) -> tuple[str, str] | None:
    """Pass one's and pass two's text for ``new_raw``, when it differs from ``old_raw`` in one
    stretch of running text only; None otherwise."""
    if old_raw == new_raw:
        return rendered, output
    start = _common_prefix(old_raw, new_raw)
    end_old, end_new = _common_suffix(old_raw, new_raw, start)
    old_mid, new_mid = old_raw[start:end_old], new_raw[start:end_new]
    if old_raw.count("\n", 0, start) < front_matter_lines:
        return None
    if not (plain.text(old_mid) and plain.text(new_mid)) or plain.inside_tag(old_raw[:start]):
        return None
    old_lines, new_lines = _lines_around(old_raw, start, end_old), _lines_around(new_raw, start, end_new)
    if any(STRUCTURAL.match(line) for line in (*old_lines.split("\n"), *new_lines.split("\n"))):
        return None
    if plain.names and plain.name_counts(old_lines) != plain.name_counts(new_lines):
        return None
    before = _context(old_raw[max(0, start - CONTEXT):start], plain, from_end=True)
    after = _context(old_raw[end_old:end_old + CONTEXT], plain, from_end=False)
    if len(before) + len(after) < MIN_CONTEXT:
        return None
    found, wanted = before + old_mid + after, before + new_mid + after
    if not all(_once(text, found) for text in (old_raw, rendered, output)):
        return None
    if _in_redaction(rendered, rendered.index(found)):
        return None
    return rendered.replace(found, wanted, 1), output.replace(found, wanted, 1)


def _once(text: str, found: str) -> bool:
    """``found`` stands exactly once in ``text``, overlapping occurrences counted."""
    first = text.find(found)
    return first >= 0 and text.find(found, first + 1) < 0


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    low, high = 0, limit                    # the longest prefix both share, by halving
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, start: int) -> tuple[int, int]:
    """Where the changed stretch ends in ``a`` and in ``b``: the longest shared ending that does not
    reach back past ``start``."""
    limit = min(len(a), len(b)) - start
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return len(a) - low, len(b) - low


def _lines_around(text: str, start: int, end: int) -> str:
    """The whole lines the stretch ``text[start:end]`` touches."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return text[first:last if last >= 0 else len(text)]


def _context(text: str, plain: Plain, from_end: bool) -> str:
    """The plain text next to the change: up to the first bracket or delimiter."""
    stops = {*BRACKETS, *(pair[0][0] for pair in plain.delimiters), *(pair[1][0] for pair in plain.delimiters)}
    if from_end:
        index = max((text.rfind(stop) for stop in stops), default=-1)
        return text[index + 1:]
    cut = [found for found in (text.find(stop) for stop in stops) if found >= 0]
    return text[:min(cut)] if cut else text


def _in_redaction(rendered: str, position: int) -> bool:
    depth = 0
    for match in MARK.finditer(rendered, 0, position):
        depth += -1 if match.group(1) else 1
    return depth > 0
