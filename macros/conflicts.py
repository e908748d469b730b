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

from . import passages as text
from .errors import ReportError
from .facts import private_values, text_leaves
from .redaction import open_text
from .sources import Location


def check_conflicts(session) -> None:
    """Fail on the first passage that is redacted in one place and open in another."""
    prints: list[tuple[str, Location, str]] = []
    for body in session.bodies:
        owner = body.owners[-1]
        prints += [(p, body.redaction.location, f"redacted for '{owner}'")
                   for p in text.text_passages(open_text(body.body))]
    for private in private_values(session.data.namespaces):
        if not session.audience.can_see(private.owner):     # its owner's build prints it in loops
            prints += [(p, Location(private.source, private.line), f"private to '{private.owner}'")
                       for leaf in text_leaves(private.value) for p in text.passages([leaf])]
    if not prints:
        return
    declared = declared_text(session)
    search = text.PassageSearch((p, (p, where, what)) for p, where, what in prints if p not in declared)
    if not search:
        return
    for src in sorted(session.open_reachable):
        page = session.pages[src]
        hit = search.first(text.corpus([page.open]))
        if hit is not None:
            passage, (_, where, what) = hit
            line = line_of_passage(page.raw, passage)
            words = " ".join(passage.split()[:6])
            raise ReportError(
                f"a passage {what} is also written in open text at {Location(page.path, line)} "
                f"(\u201c{words}\u2026\u201d)", where.file, where.line,
                "a passage is either redacted or public: delete the open copy, or take the passage out "
                "of the redaction if it may be published")


def declared_text(session) -> str:
    """Text the report declares where it stands: data values as printed, replacements and notes."""
    pieces = [leaf for leaf in text_leaves(session.data.namespaces)]
    for redaction in session.redactions:
        pieces += [redaction.replacement or "", redaction.note or ""]
    return text.corpus(pieces)


FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def line_of_passage(raw: str, passage: str) -> int | None:
    """The line of ``raw`` where a passage (normalised plain text) starts, if it can be found."""
    words = passage.split()[:4]
    pattern = re.compile(r"\W+".join(re.escape(w.strip(text.EDGE_PUNCTUATION)) for w in words if
                                     w.strip(text.EDGE_PUNCTUATION)), re.I)
    match = pattern.search(raw.translate(FOLD)) if words else None
    return raw.count("\n", 0, match.start()) + 1 if match else None
