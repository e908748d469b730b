"""Where in the author's files we are.

Macros run inside compiled Jinja templates; to name the line of a macro call we
walk up the Python stack to the template's frame and ask Jinja for the source
line. Pages may start with YAML front matter that MkDocs strips before the
template sees the text, so each page records how many lines that took.
"""

from __future__ import annotations

import bisect
import inspect
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Location:
    """A place in an author's file: path relative to the project, 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def project_path(path: str) -> str:
    """A file's path relative to the folder MkDocs runs in (the project), as error messages give it."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def front_matter_lines(raw: str, body: str) -> int:
    """How many lines of ``raw`` precede ``body`` (the text after front matter)."""
    if not body or not raw.endswith(body):
        return 0
    return raw[: len(raw) - len(body)].count("\n")


def template_position() -> tuple[str | None, int | None]:
    """(file, line) of the innermost Jinja frame on the stack: the file is None for the page itself
    (rendered from a string) and the partial's path for an included or imported one."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                name = template.filename if template.filename not in (None, "<template>") else None
                return name, template_line(template, frame.f_lineno)
            except Exception:  # pragma: no cover - defensive, Jinja internals
                return None, None
        frame = frame.f_back
    return None, None


# Each template's (code lines, template lines), read once from Jinja's ``debug_info``, which parses
# its text at every call: a page with hundreds of macro calls asked for it hundreds of times.
_LINE_TABLES: weakref.WeakKeyDictionary[Any, tuple[list[int], list[int]]] = weakref.WeakKeyDictionary()


def template_line(template: Any, code_line: int) -> int:
    """The template's line for a line of its compiled code, as ``get_corresponding_lineno`` gives it
    (the last mapping at or before that code line; 1 before any)."""
    table = _LINE_TABLES.get(template)
    if table is None:
        pairs = template.debug_info          # [(template line, code line)], in code order
        table = ([code for _, code in pairs], [line for line, _ in pairs])
        _LINE_TABLES[template] = table
    codes, lines = table
    at = bisect.bisect_right(codes, code_line) - 1
    return lines[at] if at >= 0 else 1


def traceback_position(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The last template (file, line) in a traceback (for errors raised inside Jinja).

    Jinja rewrites tracebacks so that template frames carry the template's own
    line numbers under the template's file name (``<template>`` for a page
    rendered from a string); frames it did not rewrite still know their
    template through ``__jinja_template__``.
    """
    position: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        frame = tb.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        if frame.f_code.co_filename == "<template>":
            position = (None, tb.tb_lineno)
        elif template is not None:
            try:
                name = template.filename if template.filename not in (None, "<template>") else None
                position = (name, template.get_corresponding_lineno(tb.tb_lineno))
            except Exception:  # pragma: no cover
                pass
        elif frame.f_code.co_filename.endswith((".md", ".html", ".txt", ".j2", ".jinja")):
            position = (frame.f_code.co_filename, tb.tb_lineno)      # a partial's rewritten frame
        tb = tb.tb_next
    return position

