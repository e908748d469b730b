"""Conflicting declarations: a passage both redacted and written in the open.

An author who redacts a sentence in one place and writes it (or pastes it) in
open text elsewhere has declared it private and public at once. Publishing it
would leak the redaction; hiding it would cut open text. The build stops and
names both places. Values the engine prints from data are compared as printed,
so repeating a public fact (or a private one inside its owner's redaction) is
not a conflict, nor is a redaction whose replacement or note repeats it.

The check reads what pass one recorded (every redaction's body however it was
called, each page's text outside redactions, partials included), so it gives
the same answer in every audience's build.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import mdscan
from . import passages
from .errors import ReportError
from .redaction import open_text, outermost_spans
from .sources import Location
from .values import private_values, text_leaves

if TYPE_CHECKING:
    from .records import PageRecord
    from .session import Session


def check_conflicts(session: Session) -> None:
    """Fail on the first passage that is redacted in one place and open in another."""
    prints: list[tuple[str, Location, str]] = []
    for body in session.bodies:
        owner = body.owners[-1]
        # A redaction's own replacement and note are its public version: repeating the body there is fine.
        own = passages.corpus([body.redaction.replacement or "", body.redaction.note or ""])
        prints += [(p, body.redaction.location, f"redacted for '{owner}'")
                   for p in passages.text_passages(open_text(body.body)) if p not in own]
    for private in private_values(session.data.namespaces):
        if not session.audience.can_see(private.owner):     # its owner's build prints it in loops
            prints += [(p, Location(private.source, private.line), f"private to '{private.owner}'")
                       for leaf in text_leaves(private.value) for p in passages.passages([leaf], words=1)]
    if not prints:
        return
    declared = declared_text(session)
    search = passages.PassageSearch((p, (p, where, what)) for p, where, what in prints if p not in declared)
    if not search:
        return
    for src in sorted(session.open_reachable):
        page = session.pages[src]
        hit = search.first(passages.corpus([page.open]))
        if hit is not None:
            passage, (_, where, what) = hit
            words = " ".join(passage.split()[:6])
            raise ReportError(
                f"a passage {what} is also written in open text at {open_copy(session, page, passage)} "
                f"(\u201c{words}\u2026\u201d)", where.file, where.line,
                "a passage is either redacted or public: delete the open copy, or take the passage out "
                "of the redaction if it may be published")


def declared_text(session: Session) -> str:
    """Text the report's data declares, as printed: public or private, its rules are the data's."""
    return passages.corpus(text_leaves(session.data.namespaces))


FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def open_copy(session: Session, page: PageRecord, passage: str) -> Location:
    """Where the open copy stands: in the page, or in a partial it includes."""
    line = line_of_passage(page.raw, passage)
    if line is not None:
        return Location(page.path, line)
    for path, source in session.partials.items():
        line = line_of_passage(source, passage)
        if line is not None:
            return Location(path, line)
    return Location(page.path)


def line_of_passage(raw: str, passage: str) -> int | None:
    """The line of ``raw`` where a passage (normalised plain text) starts, if it can be found."""
    words = passage.split()[:4]
    pattern = re.compile(r"\W+".join(re.escape(w.strip(passages.EDGE_PUNCTUATION)) for w in words if
                                     w.strip(passages.EDGE_PUNCTUATION)), re.I)
    if not words:
        return None
    folded = raw.translate(FOLD)
    matches = list(pattern.finditer(folded))
    calls = call_spans(folded)
    # The open copy: an occurrence outside every {% call %} block.
    match = next((m for m in matches if not any(a <= m.start() < b for a, b in calls)), None)
    return raw.count("\n", 0, match.start()) + 1 if match else None


def call_spans(template: str) -> list[tuple[int, int]]:
    """Where the bodies of ``{% call %}`` blocks stand in a template (outermost ones; the opening
    tag, which holds a redaction's public replacement and note, is not part of the body)."""
    return outermost_spans(((tag.group(1) == "call", tag.start(), tag.end())
                            for tag in mdscan.JINJA_CALL.finditer(template)), inner=True)
