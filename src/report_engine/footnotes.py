"""Footnotes placed by where they are used: a definition that serves only redacted text goes with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import mdscan
from .errors import ReportError
from .records import PageRecord, Relocated
from .redaction import mark_spans, open_text
from .sources import Location

if TYPE_CHECKING:
    from .session import Session


def place_footnotes(session: Session, page: PageRecord, text: str) -> str:
    """A footnote goes where it is used, wherever on the page it is defined.

    A definition written in the open but used only inside redactions goes with them: it stays
    for audiences that can read one of its uses and leaves the text of every other audience.
    A definition inside a redaction may only serve readers of that redaction. Read from what
    the engine recorded (the open text and every redaction's own body, partials included), so
    the rule is the same in every audience's build.
    """
    # Uses in the open text are told apart by where they stand: in prose, or inside the
    # definition of another footnote (which counts only if that footnote stays).
    open_definitions = mdscan.footnote_definitions(page.open)
    open_defs = {d.label: page.open[d.start:d.end] for d in reversed(open_definitions)}
    prose = page.open
    for d in reversed(open_definitions):
        prose = prose[:d.start] + "\n" * page.open.count("\n", d.start, d.end) + prose[d.end:]
    prose_uses = set(mdscan.footnote_uses(prose))
    places = [(body.owners, open_text(body.body)) for body in session.bodies if body.page == page.src]
    defined: dict[str, tuple[str, ...]] = {label: () for label in open_defs}
    uses: dict[str, list[tuple[str, ...]]] = {}
    for owners, place in places:
        for definition in mdscan.footnote_definitions(place):
            defined.setdefault(definition.label, owners)
        for label in mdscan.footnote_uses(place):
            uses.setdefault(label, []).append(owners)
    check_inside(page, defined, uses, prose_uses)
    inside = {label: mdscan.footnote_uses(body) for label, body in open_defs.items()}
    kept = prose_uses | {label for label, owner_lists in uses.items() if any(
        all(session.audience.can_see(o) for o in owners) for owners in owner_lists)}
    changed = True
    while changed:                           # a footnote used inside a kept footnote is kept too
        changed = False
        for label in list(kept):
            for used in inside.get(label, []):
                if used not in kept:
                    kept.add(used)
                    changed = True
    used_anywhere = set(uses) | {u for values in inside.values() for u in values}
    drop = {label for label, where in defined.items() if not where and label in used_anywhere and label not in kept}
    if not drop:
        return text

    return relocate(session, page, text, drop, uses, inside)

def line_of(raw: str, needle: str) -> int | None:
    for number, line in enumerate(raw.split("\n"), start=1):
        if needle in line:
            return number
    return None


def check_inside(page: PageRecord, defined: dict[str, tuple[str, ...]], uses: dict[str, list[tuple[str, ...]]],
                 prose_uses: set[str]) -> None:
    """A footnote defined inside a redaction may only be used where that redaction's readers read."""
    for label, where in defined.items():
        if not where:
            continue
        for owners in uses.get(label, []) + ([()] if label in prose_uses else []):
            if not set(where) <= set(owners):
                context = "outside it" if not owners else f"in a redaction of '{owners[-1]}'"
                raise ReportError(f"footnote [^{label}] is defined inside a redaction of '{where[-1]}' but used {context}",
                                  page.path, line_of(page.raw, f"[^{label}]:"),
                                  "define it outside the redaction, or use it only where its readers can see it")


def relocate(session: Session, page: PageRecord, text: str, drop: set[str], uses: dict[str, list[tuple[str, ...]]],
             inside: dict[str, list[str]]) -> str:
    """The open definitions in ``drop`` taken out of ``text``; each recorded with the owners whose
    redactions use it (the audit and the reachability stage read them)."""
    def owners_of(label: str, seen: frozenset[str] = frozenset()) -> tuple[str, ...]:
        if uses.get(label):
            return uses[label][0]
        for parent, values in inside.items():
            if label in values and parent not in seen:
                return owners_of(parent, seen | {label})
        return ("",)                         # no reader but internal ones

    spans = mark_spans(text)
    pieces, position = [], 0
    for definition in mdscan.footnote_definitions(text):
        if definition.label in drop and not any(a <= definition.start < b for a, b in spans):
            pieces.append(text[position:definition.start])
            removed = text[definition.start:definition.end]
            owners = owners_of(definition.label)
            session.relocated.append(Relocated(page.src, removed, owners,
                                            Location(page.path, line_of(page.raw, f"[^{definition.label}]:"))))
            position = definition.end
    pieces.append(text[position:])
    return "".join(pieces)
