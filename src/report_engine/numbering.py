"""Labels and numbers across the whole report.

Pages in ``nav:`` are numbered in order: sections 1, 2, 3…, and pages under
``appendices/`` lettered A, B, C…. Inside a numbered page, ``#``/``##``/``###``
headings get 3 / 3.1 / 3.1.1 (or B / B.1 / B.1.1); figures and tables are
numbered once across the report. Numbers are computed from the Markdown the
audience actually gets, so a redacted heading leaves no gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from markdown.extensions.toc import slugify as default_slugify

from . import mdscan
from . import text as text_module
from .formatting import letters
from .errors import ReportError
from .sources import Location

APPENDIX_DIR = "appendices/"


@dataclass(frozen=True)
class PagePlan:
    src: str                 # docs-relative path, e.g. "appendices/helios.md"
    kind: str                # "section" | "appendix" | "unnumbered"
    number: str | None       # "3" or "B"


@dataclass
class Target:
    """Something ``ref()`` can point at."""

    label: str
    kind: str                # "page" | "heading" | "figure" | "table"
    number: str | None
    title: str
    page: str                # docs-relative src of the page
    anchor: str | None       # None for a whole page
    location: Location
    appendix: bool = False
    hidden_owner: str | None = None

    def text(self) -> str:
        if self.kind == "figure":
            return f"Figure {self.number}"
        if self.kind == "table":
            return f"Table {self.number}"
        if self.number is None:
            return self.title
        return f"{'Appendix' if self.appendix else 'Section'} {self.number}"


@dataclass
class Counters:
    figure: int = 0
    table: int = 0


def appendix_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    return letters(index, upper=True)


def plan_pages(nav_pages: list[tuple[str, dict]], other_pages: list[str]) -> dict[str, PagePlan]:
    """Section numbers and appendix letters, from nav order and front matter."""
    plans: dict[str, PagePlan] = {}
    sections = appendices = 0
    for src, meta in nav_pages:
        if meta.get("numbered") is False or src == "index.md":
            plans[src] = PagePlan(src, "unnumbered", None)
        elif src.startswith(APPENDIX_DIR):
            plans[src] = PagePlan(src, "appendix", appendix_letter(appendices))
            appendices += 1
        else:
            sections += 1
            plans[src] = PagePlan(src, "section", str(sections))
    for src in other_pages:
        plans.setdefault(src, PagePlan(src, "unnumbered", None))
    return plans


LABEL_DECLARATION = re.compile(r"\{[^}\n]*?#([\w.:-]+)|\bid\s*:\s*[\"']?([\w.:-]+)")


def label_lines(raw: str) -> dict[str, int]:
    """Every label declared in ``raw`` (``{#label}``, ``id: label``) and the first line declaring it."""
    return dict(_label_lines(raw))


@mdscan.remembered
def _label_lines(raw: str) -> tuple[tuple[str, int], ...]:
    found: dict[str, int] = {}
    for number, line in enumerate(raw.split("\n"), start=1):
        if "#" in line or "id" in line:
            for match in LABEL_DECLARATION.finditer(line):
                found.setdefault(match.group(1) or match.group(2), number)
    return tuple(found.items())


def find_label_line(raw: str, label: str) -> int | None:
    """The source line where ``label`` is declared, for error messages."""
    pattern = re.compile(r"(\{[^}]*#" + re.escape(label) + r"\b|\bid\s*:\s*[\"']?" + re.escape(label) + r"\b)")
    for number, line in enumerate(raw.split("\n"), start=1):
        if pattern.search(line):
            return number
    return None


def _caption_id(text_lines: list[str], index: int) -> str | None:
    """The ``id`` among the indented option lines that follow a caption opener."""
    for line in text_lines[index + 1:]:
        if not line.startswith((" ", "\t")) or not line.strip():
            break
        match = mdscan.OPTION_ID.search(line)
        if match:
            return match.group("id")
    return None


@dataclass
class PageNumbering:
    text: str
    targets: list[Target] = field(default_factory=list)


Locate = Callable[[str], Location]


def number_page(text: str, plan: PagePlan, counters: Counters, locate: Locate,
                slugify: Callable[[str, str], str] = default_slugify) -> PageNumbering:
    """Number headings and captions of one page's Markdown; collect its labels.

    ``locate(label)`` gives the source Location of a label, for errors. A
    numbered heading without an id gets the id its unnumbered title would have
    had, so anchors stay put when sections move.
    """
    used: set[str] = set()
    out = text.split("\n")
    result = PageNumbering(text="")
    levels = [0, 0, 0]
    seen_h1 = False
    for line in mdscan.lines(text):
        if line.in_code:
            continue
        index = line.number - 1
        caption = mdscan.CAPTION.match(line.text)
        if caption:
            result.targets += _number_caption(out, index, caption.group("kind"), plan, counters, locate)
            continue
        heading = mdscan.HEADING.match(line.text)
        if not heading:
            continue
        title = heading.group("text").strip()
        if not re.sub(r"^\{[^}]*\}$", "", mdscan.COMMENT.sub("", title).strip()):
            out[index] = ""            # a heading whose words were all redacted goes, label and all
            continue
        level = len(heading.group("hashes"))
        first = level == 1 and not seen_h1
        seen_h1 = seen_h1 or first
        kind, number, title_shown = _heading_number(level, first, title, plan, levels)
        label = mdscan.heading_id(heading.group("attrs"))
        if title_shown != title:
            out[index] = _numbered_heading(heading, title_shown, label, used, slugify)
        elif label:
            used.add(label)
        if label:
            result.targets.append(Target(label, kind, number, title, plan.src, None if kind == "page" else label,
                                         locate(label),
                                         appendix=plan.kind == "appendix"))
    result.text = "\n".join(out)
    return result


def _number_caption(out: list[str], index: int, kind: str, plan: PagePlan, counters: Counters,
                    locate: Locate) -> list[Target]:
    """Number the caption opened on line ``index`` of ``out`` (in place); its target, if labelled."""
    setattr(counters, kind, getattr(counters, kind) + 1)
    caption_number = str(getattr(counters, kind))
    out[index] = f"/// {kind}-caption | {caption_number}"
    caption_label = _caption_id(out, index)
    if not caption_label:
        return []
    return [Target(caption_label, kind, caption_number, "", plan.src, caption_label, locate(caption_label))]


def _heading_number(level: int, first: bool, title: str, plan: PagePlan,
                    levels: list[int]) -> tuple[str, str | None, str]:
    """A heading's kind, number and title as shown. The page's first ``#`` heading carries the
    page's number; ``##`` and ``###`` of a numbered page count on (``levels``, updated)."""
    if first:
        number = plan.number
        if plan.kind == "appendix":
            return "page", number, f"Appendix {number}: {title}"
        if plan.kind == "section":
            return "page", number, f"{number} {title}"
        return "page", number, title
    if 2 <= level <= 3 and plan.number is not None:
        levels[level - 1] += 1
        for deeper in range(level, 3):
            levels[deeper] = 0
        number = ".".join([plan.number] + [str(n) for n in levels[1:level]])
        return "heading", number, f"{number} {title}"
    return "heading", None, title


def _numbered_heading(heading: re.Match[str], title_shown: str, label: str | None, used: set[str],
                      slugify: Callable[[str, str], str]) -> str:
    """The heading line with its number, and the id its unnumbered title gives it unless it has one."""
    attrs = heading.group("attrs")
    if label is None:
        anchor = _unique(slugify(plain_text(heading.group("text").strip()), "-"), used)
        attrs = f"#{anchor} {attrs}" if attrs else f"#{anchor}"
    else:
        used.add(label)
    return f"{heading.group('hashes')} {title_shown} {{{attrs}}}"


def plain_text(markdown_text: str) -> str:
    """The words of a heading: no placeholders, comments, tags or emphasis marks (the ``heading``
    reading of :func:`report_engine.text.plain_text`)."""
    return text_module.plain_text(markdown_text, "heading")


def page_title(output: str) -> str:
    """The page's title as readers see it: its first ``#`` heading, numbered and resolved."""
    for line in mdscan.lines(output):
        if line.in_code:
            continue
        heading = mdscan.HEADING.match(line.text)
        if heading and len(heading.group("hashes")) == 1:
            return plain_text(heading.group("text"))
    return ""


def _unique(anchor: str, used: set[str]) -> str:
    """The same de-duplication the toc extension applies: ``x``, ``x_1``, ``x_2``."""
    candidate, n = anchor, 0
    while candidate in used:
        n += 1
        candidate = f"{anchor}_{n}"
    used.add(candidate)
    return candidate


def hidden_labels(text: str) -> list[str]:
    """Labels declared in Markdown the audience will not get (redacted bodies)."""
    found = []
    for line in mdscan.lines(text):
        if line.in_code:
            continue
        heading = mdscan.HEADING.match(line.text)
        heading_label = mdscan.heading_id(heading.group("attrs")) if heading else None
        if heading_label:
            found.append(heading_label)
    text_lines = text.split("\n")
    for index, raw_line in enumerate(text_lines):
        if mdscan.CAPTION.match(raw_line):
            label = _caption_id(text_lines, index)
            if label:
                found.append(label)
    return found


def duplicate_error(first: Target, second: Target) -> ReportError:
    return ReportError(f"label '{second.label}' is defined twice", second.location.file, second.location.line,
                       f"it is already defined at {first.location}; labels must be unique across the report")
