"""Jinja's exceptions, translated into an author's file, line and fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, NoReturn

import jinja2

from .errors import ReportError, did_you_mean
from .sources import project_path, traceback_position

UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")
NO_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")
POSITIONAL = re.compile(r"takes from (\d+) to (\d+) positional arguments but (\d+)")
BAD_KEYWORD = re.compile(r"(\w+)\(\) got an unexpected keyword argument '([^']+)'")


def template_error(exc: BaseException, path: str, offset: int, names: Iterable[str],
                   parameters: dict[str, list[str]]) -> ReportError:
    """One ReportError for anything that went wrong while rendering a page."""
    if isinstance(exc, ReportError):
        if exc.file is None and exc.line is None:          # raised outside a macro: a filter, a loop
            tb_file, tb_line = traceback_position(exc.__traceback__)
            if tb_file is not None:
                return exc.located(project_path(tb_file), tb_line)
            return exc.located(path, offset + tb_line if tb_line else None)
        return exc.located(path, None)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _syntax_error(exc, path, offset)
    tb_file, tb_line = traceback_position(exc.__traceback__)
    if tb_file is not None:                                # in a partial: its own file and line
        path, offset = project_path(tb_file), 0
    line = offset + tb_line if tb_line else None
    text = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        return _undefined_error(exc, text, path, line, names)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return ReportError(f"not allowed in a report page: {text}", path, line,
                           "pages may not change lists or dicts or reach hidden attributes; "
                           "build values with filters, or with a namespace outside redactions")
    if "Guarded" in text:
        return ReportError("a private value cannot be used this way", path, line,
                           "use it inside a redaction of its owner, printed with {{ value }} or fact()")
    if isinstance(exc, TypeError):
        return _macro_misuse(text, path, line, parameters)
    return ReportError(f"{type(exc).__name__}: {text}", path, line)


def _syntax_error(exc: jinja2.TemplateSyntaxError, path: str, offset: int) -> ReportError:
    """A template that does not parse, with the likeliest fix for this project's templates."""
    source = exc.source
    if exc.filename:                                   # in a partial: its own file and line
        path, offset = project_path(exc.filename), 0
        if source is None:
            try:
                source = Path(exc.filename).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                source = None
    line = offset + exc.lineno if exc.lineno else None
    message = exc.message or "syntax error"
    unclosed = _unclosed(message, source or "", exc.lineno)
    if unclosed is not None:
        tag, opened, closer = unclosed
        end = (f"is not closed before {{% {closer} %}} on line {offset + exc.lineno}" if closer else
               f"is never closed (no {{% end{tag} %}} before the end of the file)")
        return ReportError(f"template syntax error: the {{% {tag} %}} block opened here {end}", path, offset + opened,
                           f"add {{% end{tag} %}} where the block should end")
    suggestion = "check that every {% call %} has its {% endcall %} and every {{ has its }}"
    if "endcall" in message or "end of template" in message:
        suggestion = "a {% call redact(...) %} block is not closed with {% endcall %}"
    elif "{#" in message or "comment" in message:
        suggestion = "Jinja comments are written {## ... ##} in this project"
    return ReportError(f"template syntax error: {message}", path, line, suggestion)


# Jinja's words for a block left open: at the end of the template, or when another block's end tag comes first.
INNERMOST = re.compile(r"innermost block that needs to be closed is '(\w+)'")
UNKNOWN_END = re.compile(r"Encountered unknown tag '(end\w+)'")
BLOCK_TAG = re.compile(r"\{%[-+]?\s*(\w+)\b(.*?)[-+]?%\}", re.S)
JINJA_COMMENT = re.compile(r"\{##.*?##\}", re.S)          # pages' Jinja comments (templates.py)
# Tags that open a block needing an end tag (``set`` only without ``=``: ``{% set x %}...{% endset %}``).
BLOCK_TAGS = {"if", "for", "call", "macro", "filter", "with", "autoescape", "trans", "block", "set", "raw"}


def _unclosed(message: str, source: str, lineno: int | None) -> tuple[str, int, str | None] | None:
    """The block left open that Jinja's ``message`` complains of: its tag, the line (in ``source``)
    of its opening tag, and the end tag met first (None: the end of the file)."""
    closer: str | None = None
    if "Missing end of raw directive" in message:
        tag = "raw"
    else:
        innermost = INNERMOST.search(message)
        if innermost is None or not ("Unexpected end of template" in message or UNKNOWN_END.search(message)):
            return None
        tag = innermost.group(1)
        unknown = UNKNOWN_END.search(message)
        if unknown is not None and lineno:
            closer = unknown.group(1)
            lines = source.split("\n")                    # what Jinja read before that end tag
            last = lines[lineno - 1] if lineno <= len(lines) else ""
            cut = re.search(r"\{%[-+]?\s*" + closer + r"\b", last)
            source = "\n".join(lines[:lineno - 1] + [last[:cut.start()] if cut else last])
    opened = open_blocks(source)
    line = next((number for name, number in reversed(opened) if name == tag), None)
    return (tag, line, closer) if line is not None else None


def open_blocks(source: str) -> list[tuple[str, int]]:
    """The Jinja blocks ``source`` opens and does not close, outermost first, each with its line."""
    source = JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    stack: list[tuple[str, int]] = []
    position = 0
    while True:
        match = BLOCK_TAG.search(source, position)
        if match is None:
            return stack
        name, rest = match.group(1), match.group(2)
        line = source.count("\n", 0, match.start()) + 1
        position = match.end()
        if name == "raw":
            end = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}").search(source, position)
            if end is None:
                return stack + [("raw", line)]
            position = end.end()
        elif name in BLOCK_TAGS and not (name == "set" and "=" in rest):
            stack.append((name, line))
        elif name.startswith("end") and any(open_name == name[3:] for open_name, _ in stack):
            while stack and stack.pop()[0] != name[3:]:
                pass


def _undefined_error(exc: jinja2.UndefinedError, text: str, path: str, line: int | None,
                     names: Iterable[str]) -> ReportError:
    """An unknown name (a macro or variable) or field (of a data mapping, with its file and line)."""
    name = UNDEFINED_NAME.search(text)
    if name:
        return ReportError(f"unknown name '{name.group(1)}'", path, line,
                           did_you_mean(name.group(1), names, "macros and variables"))
    attribute = NO_ATTRIBUTE.search(text)
    if attribute:
        owner = getattr(exc, "undefined_obj", None)
        if isinstance(owner, dict):
            source, line_no = getattr(owner, "source", ""), getattr(owner, "line", None)
            where = f" in {source}:{line_no}" if source else ""
            return ReportError(f"unknown field '{attribute.group(1)}'{where}", path, line,
                               did_you_mean(attribute.group(1), [str(k) for k in owner], "fields"))
        return ReportError(f"unknown field '{attribute.group(1)}'", path, line,
                           "check the spelling against the data file")
    return ReportError(f"undefined value: {text}", path, line)


def _macro_misuse(text: str, path: str, line: int | None, parameters: dict[str, list[str]]) -> ReportError:
    """A macro called with the wrong arguments, counted as the author counts them (without ``self``)."""
    text = text.replace("Session.", "")
    counts = POSITIONAL.search(text)
    if counts:          # the method's own 'self' is not the author's business
        low, high, given = (int(n) - 1 for n in counts.groups())
        text = POSITIONAL.sub(f"takes {low} to {high} positional arguments but {given}", text)
    keyword = BAD_KEYWORD.search(text)
    if keyword and keyword.group(1) in parameters:
        return ReportError(f"{keyword.group(1)}() has no option '{keyword.group(2)}'", path, line,
                           did_you_mean(keyword.group(2), parameters[keyword.group(1)], "options"))
    return ReportError(f"wrong use of a macro: {text}", path, line)


class ReportUndefined(jinja2.StrictUndefined):
    """Strict undefined values whose error remembers the object that lacked the name."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        error = jinja2.UndefinedError(self._undefined_message)
        error.undefined_obj = self._undefined_obj      # type: ignore[attr-defined]  # read by template_error()
        raise error

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __div__ = __rdiv__ = \
        __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = \
        __pos__ = __neg__ = __call__ = __getitem__ = __lt__ = __le__ = __gt__ = __ge__ = \
        __int__ = __float__ = __complex__ = __pow__ = __rpow__ = __iter__ = __str__ = \
        __len__ = __eq__ = __ne__ = __bool__ = __hash__ = __contains__ = _fail_with_undefined_error
