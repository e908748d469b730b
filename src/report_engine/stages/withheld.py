"""What an audience does not get, as text: read by reachability and by the changes page."""

from __future__ import annotations

from .. import mdscan, outputs
from ..audience import Audience
from ..session import Session
from ..sources import Location


def hidden_texts(session: Session, audience: Audience) -> tuple[list[str], list[Location]]:
    """Text this audience does not get (redacted bodies, editors' notes, footnotes that went with
    redactions), with where each came from: a file named there and nowhere else is withheld."""
    pages = session.pages
    hidden = [block.body + "\n" + "\n".join(f"({url})" for url in outputs.reference_targets(block.body,
                                                                                             pages[block.page].output))
              for block in session.hidden_blocks]
    sources = [block.redaction.location for block in session.hidden_blocks]
    hidden += [moved.text for moved in session.relocated]
    sources += [moved.location for moved in session.relocated]
    if audience.kind != "internal":        # a file named only in an editor's note goes with the note
        for record in pages.values():
            notes = mdscan.strip_comments(record.template)[1]
            if notes:
                hidden.append("\n".join(notes))
                sources.append(Location(record.path))
    return hidden, sources
