"""Where in the author's files we are.

Macros run inside compiled Jinja templates; to name the line of a macro call we
walk up the Python stack to the template's frame and ask Jinja for the source
line. Pages may start with YAML front matter that MkDocs strips before the
template sees the text, so each page records how many lines that took.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in an author's file: path relative to the project, 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def front_matter_lines(raw: str, body: str) -> int:
    """How many lines of ``raw`` precede ``body`` (the text after front matter)."""
    if not body or not raw.endswith(body):
        return 0
    return raw[: len(raw) - len(body)].count("\n")


def template_line() -> int | None:
    """The template line of the innermost Jinja frame on the stack, if any."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                return template.get_corresponding_lineno(frame.f_lineno)
            except Exception:  # pragma: no cover - defensive, Jinja internals
                return None
        frame = frame.f_back
    return None


def traceback_template_line(tb) -> int | None:
    """The last template line in a traceback (for errors raised inside Jinja).

    Jinja rewrites tracebacks so that template frames carry the template's own
    line numbers under the file name ``<template>``; frames it did not rewrite
    still know their template through ``__jinja_template__``.
    """
    line = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        else:
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                try:
                    line = template.get_corresponding_lineno(tb.tb_lineno)
                except Exception:  # pragma: no cover
                    pass
        tb = tb.tb_next
    return line
