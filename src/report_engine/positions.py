"""Attribution by position: what a macro records belongs where its output lands.

Jinja evaluates a call block's body where ``caller()`` is called, not where the
body's text ends up. A macro of the report's own may run the body first and
open ``redact`` only afterwards (``{% set body = caller() %}{% call
redact(owner) %}{{ body }}{% endcall %}``), and a ``{% set %}`` block is
printed wherever its variable is. Whatever pass one records that depends on who
may read it (a fact the changes page lists, a table's downloads, a private
value's owner check, a citation of a reference that names a never-named
participant, an assignment to a namespace, a material redaction) therefore
carries a token in the text it prints, and pass two decides by where the token
lands: on which page, inside which redactions, and whether in text the
audience gets or in a redaction body it does not get. A token that reaches no
page counts as nowhere.

Two kinds of token stand in pass one's text: the placeholders of deferred
macros (``\\x02N\\x03``, :mod:`records`) and anchors (``\\x10N\\x11``), which
print nothing and are removed by :func:`strip_anchors` before anything else
reads the text. Each ``caller()`` a report's macro calls gets an anchor too
(its "frame"): a check made while the body runs that has no token of its own
(an ``{% if %}`` on a private value) is decided where the frame's text lands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from markupsafe import Markup

from . import mdscan
from .errors import ReportError

if TYPE_CHECKING:
    from .session import Session

ANCHOR = re.compile("\x10(\\d+)\x11")
TOKEN = re.compile("\x10\\d+\x11|\x02\\d+\x03")
# A token, or the mark opening or closing a shown redaction body (redaction.MARK).
_SCAN = re.compile("(\x10\\d+\x11|\x02\\d+\x03)|\x0e(/?)(\\d+)\x0f")


def anchor(number: int) -> str:
    return f"\x10{number}\x11"


def strip_anchors(text: str, replacements: Mapping[str, str] | None = None) -> str:
    """The text without anchors; ``replacements`` gives some of them text to leave in their place."""
    if "\x10" not in text:
        return text
    if not replacements:
        return ANCHOR.sub("", text)
    return ANCHOR.sub(lambda m: replacements.get(m.group(0), ""), text)


def plain(value: Any) -> str:
    """A macro argument as text, without the anchors of anything printed into it."""
    return strip_anchors(str.__str__(value) if isinstance(value, str) else str(value))


def after_indent(text: Any, token: str) -> Any:
    """``text`` with ``token`` after its leading white space, so that the indentation and line
    structure that macros read (``redact`` tells inline from block bodies by them) are unchanged."""
    body = str(text)
    stripped = body.lstrip()
    marked = body[:len(body) - len(stripped)] + token + stripped
    return Markup(marked) if isinstance(text, Markup) else marked


class Anchored(str):
    """A macro's text that carries its anchor when printed (``{{ fact(...) }}``), and compares and
    computes as the plain text (``{% if fact(...) == "5" %}``). A filter that makes a new string
    drops the anchor: the use then counts as nowhere."""

    token: str

    def __new__(cls, text: str, token: str) -> "Anchored":
        made = super().__new__(cls, text)
        made.token = token
        return made

    def __str__(self) -> str:
        return self.token + str.__str__(self)

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Landing:
    """Where a token ended up."""

    page: str                      # the page whose text holds it ("" when nowhere)
    shown: bool                    # in the text the audience gets (not in a hidden body or a note)
    owners: tuple[str, ...]        # the owners of every redaction around it, outermost first

    @property
    def nowhere(self) -> bool:
        return not self.page


NOWHERE = Landing("", False, ())


@dataclass(frozen=True)
class Body:
    """A redaction's rendered body, as the locator needs it."""

    number: int                    # the redaction's number
    owner: str
    page: str
    text: str
    token: str                     # the anchor its output carries
    stack_owners: tuple[str, ...]  # the owners around it when it was evaluated (enclosing, itself last)


class Locator:
    """Finds where tokens landed: in the pages' text (``shown`` unless inside an editor's note, which
    ``shown_texts`` leaves out) or in the body of a redaction the page holds only for other
    audiences. Marks of shown redactions in the text say which owners enclose a place."""

    def __init__(self, texts: Mapping[str, str], shown_texts: Mapping[str, str], bodies: Iterable[Body],
                 owner_of: Callable[[int], str]) -> None:
        self.owner_of = owner_of
        self.found: dict[str, Landing] = {}
        self.bodies = list(bodies)
        self._body_owners: dict[int, tuple[str, ...]] = {}
        self._by_token = {body.token: body for body in self.bodies}
        for src, text in texts.items():
            if "\x10" not in text and "\x02" not in text:
                continue
            shown = set(TOKEN.findall(shown_texts.get(src, text)))
            for token, owners in self._scan(text):
                self.found.setdefault(token, Landing(src, token in shown, owners))
        self._hidden: dict[str, Landing] | None = None

    def _scan(self, text: str, outer: tuple[str, ...] = ()) -> Iterable[tuple[str, tuple[str, ...]]]:
        stack: list[int] = []
        for match in _SCAN.finditer(text):
            if match.group(1):
                yield match.group(1), outer + tuple(self.owner_of(n) for n in stack)
            elif match.group(2):
                if stack:
                    stack.pop()
            else:
                stack.append(int(match.group(3)))

    def _hidden_landings(self) -> dict[str, Landing]:
        """Tokens found only in the bodies of redactions the pages do not show."""
        if self._hidden is None:
            self._hidden = {}
            for body in self.bodies:
                if "\x10" not in body.text and "\x02" not in body.text:
                    continue
                outer = self.body_owners(body)
                for token, owners in self._scan(body.text, outer):
                    if token not in self.found:
                        self._hidden.setdefault(token, Landing(body.page, False, owners))
        return self._hidden

    def body_owners(self, body: Body) -> tuple[str, ...]:
        """The owners around a body by where its redaction's output landed, itself last; where its
        output reached no page, the owners around it when it was evaluated."""
        if body.number not in self._body_owners:
            self._body_owners[body.number] = body.stack_owners      # guards against a cycle
            where = self.found.get(body.token) or self._landing_in_bodies(body.token)
            self._body_owners[body.number] = (where.owners + (body.owner,)) if where is not None else body.stack_owners
        return self._body_owners[body.number]

    def _landing_in_bodies(self, token: str) -> Landing | None:
        for body in self.bodies:
            if token in body.text and body.token != token:
                outer = self.body_owners(body)
                for found, owners in self._scan(body.text, outer):
                    if found == token:
                        return Landing(body.page, False, owners)
        return None

    def landing(self, *tokens: str) -> Landing:
        """Where the first of ``tokens`` that landed anywhere stands (the others are fallbacks: a
        record's own token first, then the frames it was made in, innermost first)."""
        for token in tokens:
            where = self.found.get(token) or self._hidden_landings().get(token)
            if where is not None:
                return where
        return NOWHERE


def attribute(session: "Session") -> None:
    """Pass two's first step: decide by position what pass one recorded, then take the anchors out
    of every text (a shown table's download links stand in place of its anchor).

    Raises the error of the first rule broken (a private value, a citation, an assignment or a
    material redaction that landed where it may not stand), and stops on a download whose table
    reached no page: its files would otherwise be written or not by chance."""
    pages = session.pages
    texts = {src: page.rendered for src, page in pages.items()}
    shown = texts if session.audience.kind == "internal" else {
        src: mdscan.strip_comments(text)[0] for src, text in texts.items() if "<!--" in text}
    bodies = [Body(body.redaction.number, body.redaction.owner, body.page, body.body,
                   session.redaction_tokens.get(body.redaction.number, ""), body.owners)
              for body in session.bodies]
    locator = Locator(texts, shown, bodies, lambda number: session.redactions[number - 1].owner)
    for record, body in zip(session.bodies, bodies):
        record.owners = locator.body_owners(body)
    for check in session.pending:
        where = locator.landing(*check.tokens)
        if where.nowhere:
            broken = not check.nowhere_ok
        elif check.owner is None:
            broken = bool(where.owners)
        else:
            broken = check.owner not in where.owners
        if broken:
            raise check.error
    for fact in session.fact_records:
        where = locator.landing(*fact.tokens)
        if where.shown:
            session.fact_uses.setdefault(fact.path, (where.page, fact.text))
        else:
            session.hidden_facts.add(fact.path)
    for use in session.bibliography_records:
        if locator.landing(use.token).shown:
            session.bibliography_pages.setdefault(use.page, use.scope)
    links: dict[str, str] = {}
    for offer in session.download_records:
        where = locator.landing(*offer.tokens)
        name = offer.download.name
        if where.nowhere:
            raise ReportError(f"the table offering the download '{name}' never reaches the page: its text was "
                              "dropped, or changed by a filter, on the way",
                              offer.location.file, offer.location.line,
                              "print the table as data_table() returns it: {{ data_table(...) }}")
        if not where.shown:
            continue
        if name in session.downloads:
            raise ReportError(f"two tables offer the download '{name}'", offer.location.file, offer.location.line,
                              f"the other is at {session.downloads[name].location}; name one differently")
        session.downloads[name] = offer.download
        links[offer.tokens[0]] = offer.links
    for page in pages.values():
        page.rendered = strip_anchors(page.rendered, links)
    for body_record in session.bodies:
        body_record.body = strip_anchors(body_record.body)
    for block in session.hidden_blocks:
        block.body = strip_anchors(block.body)
