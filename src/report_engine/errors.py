"""The one error type of the engine.

Every mistake an author can make ends as a :class:`ReportError`: it carries the
file and line the author has to open, what is wrong, and where it can, the
nearest valid name. The adapter turns it into a single log line and a failed
build; nothing else in the engine formats errors.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass
class ReportError(Exception):
    """An author's mistake, located in a source file."""

    message: str
    file: str | None = None
    line: int | None = None
    suggestion: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def located(self, file: str | None, line: int | None) -> "ReportError":
        """Fill in the location if the raiser did not know it."""
        if self.file is None:
            self.file = file
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = self.file or "<unknown file>"
        if self.line:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


def did_you_mean(name: str, candidates: Iterable[str], what: str = "") -> str | None:
    """A suggestion naming the closest valid names, or listing a few if none is close."""
    pool = sorted(set(candidates))
    if not pool:
        return f"there are no {what or 'names'} defined" if what else None
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    shown = ", ".join(f"'{c}'" for c in pool[:8])
    more = f" and {len(pool) - 8} more" if len(pool) > 8 else ""
    return f"valid {what or 'names'}: {shown}{more}"


class Unreadable(ReportError):
    """A published file the audit cannot read whole."""
