"""The macros that refer: citations, bibliographies, cross-references, the statement and the register.

Each leaves a placeholder that pass two (:mod:`report_engine.linking`) resolves once every page is known."""

from __future__ import annotations

import re
from typing import Any, Iterable

from . import positions
from .errors import ReportError, did_you_mean
from .passages import normalise, token_pattern, word_pattern
from .records import BibliographyUse, CiteUse, PendingCheck, UncheckedCite, placeholder
from .session_core import SessionBase, macro
from .sources import Location


class ReferenceMacros(SessionBase):
    """Citations, reference lists, cross-references, the redaction statement and register."""

    def _never_named_in_reference(self, key: str) -> Any:
        """The never-named participant a reference names (key, authors, title, publisher...), if any."""
        if key in self.reference_names:
            return self.reference_names[key]
        unnamed = [p for p in self.data.participants.values() if not p.named]
        found = None
        if unnamed:
            texts = [key]
            seen: set[str] = set()
            current: str | None = key
            while current and current.lower() not in seen and current in self.citations.database:
                seen.add(current.lower())
                entry = self.citations.database[current].entry
                texts += list(entry.fields.values()) + [str(person) for people in entry.persons.values() for person in people]
                current = entry.fields.get("crossref")
            try:
                texts.append(self.citations.plain_reference(key))
            except ReportError:
                pass
            text = normalise(" ".join(texts))
            # The key becomes an id attribute in the reference list: the id may not stand in it either.
            found = next((p for p in unnamed if re.search(word_pattern(normalise(p.name)), text)
                          or re.search(token_pattern(p.id), key.lower())), None)
        self.reference_names[key] = found
        return found

    @macro
    def cite(self, *keys: str, loc: str | None = None) -> str:
        """A parenthetical citation."""
        if not keys:
            raise ReportError("cite() needs at least one key", suggestion='write cite("key")')
        self._record_cites(keys)
        return self._defer("cite", tuple(keys), _locator(loc))

    @macro
    def citet(self, key: str, loc: str | None = None) -> str:
        """A textual citation: Author et al. (2024)."""
        self._record_cites((key,))
        return self._defer("citet", key, _locator(loc))

    def _record_cites(self, keys: Iterable[str]) -> None:
        if not all(isinstance(key, str) for key in keys):
            raise ReportError(f"citation keys are strings, got {list(keys)!r}", suggestion='write cite("key")')
        # Checked once every page is rendered (check_cites): the .bib may be parsed meanwhile.
        # A never-named participant's check is decided where the citation lands: its placeholder is
        # the next one made.
        where = self.here()
        self.unchecked.append(UncheckedCite(
            tuple(keys), where, (placeholder(len(self.deferred)),) + self.frame_tokens(),
            frozenset(frame.redaction.owner for frame in self.stack), len(self.pending)))
        location = Location(where[0] or "<unknown>", where[1])
        for key in keys:
            self.cites.append(CiteUse(key, self.current.src if self.current else "", self.visible, location,
                                      deferred=len(self.deferred)))

    def check_cites(self) -> None:
        """After pass one: every key it cited is in the bibliography (else the build stops at the first
        citation of one that is not), and a reference that names a never-named participant is cited
        only inside that participant's redaction (decided in pass two, in the order made). A
        bibliography with a mistake stops the build here even where nothing cites it."""
        self.citations.database.ready()
        unchecked, self.unchecked = self.unchecked, []
        for use in unchecked:
            try:
                self.citations.check(list(use.keys))
            except ReportError as error:
                raise error.located(*use.where) from None
        made = []
        for use in unchecked:
            for key in use.keys:
                unnamed = self._never_named_in_reference(key)
                if unnamed is not None and unnamed.id not in use.owners:
                    made.append((use.pending, PendingCheck(use.tokens, ReportError(
                        f"reference '{key}' names '{unnamed.id}', a participant that is never named in public "
                        "(named: false)",
                        suggestion=f'cite it only inside {{% call redact("{unnamed.id}") %}}...{{% endcall %}}'
                    ).located(*use.where), unnamed.id, nowhere_ok=True)))
        for position, check in reversed(made):
            self.pending.insert(position, check)

    @macro
    def bibliography(self, scope: str | None = None) -> str:
        """The references cited on this page, or in the whole report."""
        scope = str(scope or "page")
        if scope not in ("page", "report"):
            raise ReportError(f"unknown bibliography scope '{scope}'", suggestion=did_you_mean(scope, ["page", "report"], "scopes"))
        text = self._defer("bibliography", scope)
        if self.current is not None:          # pass two keeps those that land where readers look
            self.bibliography_records.append(BibliographyUse(self.current.src, scope, text))
        return text

    @macro
    def redaction_statement(self) -> str:
        """The report's redaction summary statement."""
        return self._defer("statement")

    @macro
    def redaction_register(self) -> str:
        """Every redaction and non-public item the audience may read: for internal readers and, of its own,
        for a participant."""
        if self.audience.is_public:
            raise ReportError("redaction_register() is for private builds only",
                              suggestion="the engine adds a register page to internal and participants' builds by itself")
        return self._defer("register")

    @macro
    def ref(self, label: str) -> str:
        """A numbered, linked reference to a heading, page, figure or table."""
        if not isinstance(label, str) or not label:
            raise ReportError(f"ref() needs a label, got {label!r}")
        return self._defer("ref", label)


def _locator(loc: Any) -> str | None:
    """A locator as written: ``loc="p. 12"``; numbers are accepted as page-less text."""
    return None if loc is None else positions.plain(loc)
