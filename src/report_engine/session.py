"""One build of one report for one audience: the macros and pass one.

Pass one renders every page's Jinja in report order. Anything that depends on
the whole report (a reference to a later section, a citation number, the
report-wide bibliography, the redaction statement) is left as a placeholder
and recorded; pass two (:mod:`report_engine.linking`), once every page is known,
resolves them. Like a compiler's link step, it runs once, before MkDocs
converts any page.

:class:`Session` is the macros of :mod:`report_engine.session_data`,
:mod:`report_engine.session_refs` and :mod:`report_engine.session_redaction` over the
state of :mod:`report_engine.session_core`.
"""

from __future__ import annotations

from typing import Any, Callable

from .records import PageRecord
from .session_core import Recorded, SessionBase, macro
from .session_data import DataMacros
from .session_redaction import RedactionMacros
from .session_refs import ReferenceMacros

__all__ = ["PageRecord", "Recorded", "Session", "SessionBase", "macro"]

# The macros a page may call, by name.
MACROS = ("fact", "org", "cite", "citet", "bibliography", "redaction_statement", "redaction_register", "ref",
          "redact", "nonpublic", "data_table")


class Session(DataMacros, ReferenceMacros, RedactionMacros):
    """State and macros for one build."""

    def macros(self) -> dict[str, Callable[..., Any]]:
        return {name: getattr(self, name) for name in MACROS}
