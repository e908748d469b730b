"""The macros that withhold: ``redact`` and ``nonpublic``, and the decisions behind them."""

from __future__ import annotations

import html
import re
from typing import Any, Callable
from urllib.parse import unquote_plus

from . import disclosures, mdscan, positions
from .data import Private
from .disclosures import Decision, Disclosure
from .errors import ReportError
from .formatting import format_value
from .passages import normalise, word_pattern
from .records import Frame, HiddenBlock, PendingCheck, RedactedBody
from .redaction import Redaction, hidden_markup, indent_of, is_inline, visible_markup, without_labels
from .session_core import SessionBase, macro
from .sources import Location


class RedactionMacros(SessionBase):
    """Redactions, and non-public items as each participant's decision says."""

    @macro
    def redact(self, owner: str, material: bool = False, replacement: str | None = None,
               note: str | None = None, caller: Callable[[], str] | None = None) -> str:
        """Content owned by a participant; used as {% call redact("ID") %}…{% endcall %}."""
        participant = self._participant(owner)
        if not isinstance(material, bool):
            raise ReportError(f"material takes true or false, got {material!r}",
                              suggestion="write material=true (no quotes)")
        if material and self.stack:
            raise ReportError("a material redaction inside another redaction: public readers would never see its notice",
                              suggestion=f"mark the outer redaction of '{self.stack[0].redaction.owner}' material instead")
        other = next((o for o in self.disclosing if o != owner), None)
        if other is not None:
            raise ReportError(f"a redaction of '{owner}' inside a nonpublic block of '{other}': each block has one owner",
                              suggestion="close the other participant's block first")
        if caller is None:
            raise ReportError("redact() wraps content and must be used as a call block",
                              suggestion=f'write {{% call redact("{owner}") %}}...{{% endcall %}}')
        redaction = Redaction(len(self.redactions) + 1, owner, participant.name, self.location(),
                              self.current.src if self.current else "", bool(material),
                              positions.plain(note) if note else None,
                              positions.plain(replacement) if replacement else None)
        if redaction.material and not participant.exited:      # numbered without gaps for every audience
            redaction.material_number = sum(1 for r in self.redactions
                                            if r.material and r.material_number is not None) + 1
        redaction.owner_number = sum(1 for r in self.redactions if r.owner == owner) + 1
        self.redactions.append(redaction)
        token = self.redaction_tokens[redaction.number] = self._anchor()
        if redaction.material:             # not inside another redaction, wherever its output lands
            self.pending.append(PendingCheck(
                (token,), ReportError("a material redaction inside another redaction: public readers would "
                                      "never see its notice",
                                      suggestion="mark the outer redaction material instead").located(*self.here()),
                None, nowhere_ok=True))
        visible = self.audience.can_see(owner)
        self.stack.append(Frame(redaction, visible))
        try:
            body = caller()
        finally:
            self.stack.pop()
        redaction.inline = is_inline(body)
        redaction.indent = "" if redaction.inline else indent_of(body)
        # Recorded whatever happens next: the leak audit decides on its own what this audience may get.
        owners = tuple(frame.redaction.owner for frame in self.stack) + (owner,)
        # The engine's own labels of redactions inside it are not the participant's text.
        self.bodies.append(RedactedBody(redaction, redaction.page, without_labels(body), owners))
        if visible and self.visible:
            return token + visible_markup(redaction, body)
        if self.visible:
            # Only the outermost hidden redaction keeps the body: it holds any inner ones.
            self.hidden_blocks.append(HiddenBlock(redaction, redaction.page, body))
        return token + ("" if self.gone(owner) else hidden_markup(redaction))    # a silent exit: no notice

    @macro
    def nonpublic(self, owner: str, id: str | None = None, caller: Callable[[], str] | None = None) -> str:
        """A participant's non-public information; each audience gets what the decision recorded for
        ``id`` in data/disclosures.yml says (no decision: redacted for all but the owner and internal)."""
        participant = self._participant(owner)
        if caller is None:
            raise ReportError("nonpublic() wraps content and must be used as a call block",
                              suggestion=f'write {{% call nonpublic("{owner}", id="...") %}}...{{% endcall %}}')
        if not isinstance(id, str) or not id.strip():
            raise ReportError("nonpublic() needs the item's id, as data/disclosures.yml records its decision",
                              suggestion=f'write {{% call nonpublic("{owner}", id="{owner}-...") %}}')
        other = next((o for o in self.disclosing + [f.redaction.owner for f in self.stack] if o != owner), None)
        if other is not None:
            raise ReportError(f"a block of '{owner}' inside a block of '{other}': each block has one owner",
                              suggestion="close the other participant's block first")
        shared = next((d for d in self.disclosures if d.item == id and d.owner != owner), None)
        if shared is not None:                  # one decision cannot speak for two owners
            raise ReportError(f"item id '{id}' is used by '{shared.owner}' at {shared.location} and by '{owner}' here",
                              suggestion="give each participant's item an id of its own")
        decision = self.decisions.get(id)
        if decision is None:                    # fail closed: as if the participant had not decided yet
            decision = Decision(id, "pending")
        if participant.exited:                  # it left: whatever it decided, nothing of it is published
            decision = Decision(id, "redacted", f"exit overrides: {decision.decision}", line=decision.line)
        use = Disclosure(id, owner, decision, self.location(), self.current.src if self.current else "",
                         id in self.decisions)
        self.disclosures.append(use)

        def body() -> str:                 # kept for review packets, as the owner's report prints it
            text = caller()
            use.body = positions.strip_anchors(str(text))
            return text

        self.disclosing.append(owner)
        try:
            if decision.decision == "approved":
                return body()
            if decision.decision == "anonymised":
                return self._anonymised(participant, decision, body)
            return self.redact(owner, material=decision.material, replacement=decision.replacement,
                               note=decision.note, caller=body)
        finally:
            self.disclosing.pop()

    def _data_item(self, private: Private) -> Disclosure:
        """A private value with an id: the data loader made it ordinary data if its owner approved it."""
        item = str(private.item)
        decision = self.decisions.get(item) or Decision(item, "pending")
        if self.data.participants[private.owner].exited:
            decision = Decision(item, "redacted", f"exit overrides: {decision.decision}", line=decision.line)
        return Disclosure(item, private.owner, decision, Location(private.source, private.line), "",
                          item in self.decisions, format_value(private.value))

    def _anonymised(self, participant: Any, decision: Decision, caller: Callable[[], str]) -> str:
        """An anonymised block: published, its owner shown by pseudonym only (``org()`` inside prints it)."""
        if not participant.pseudonym:
            raise ReportError(f"'{decision.item}' is anonymised, but participant '{participant.id}' has no pseudonym",
                              self.data.files.get(disclosures.FILE, "data/disclosures.yml"), decision.line,
                              f"add 'pseudonym: ...' to {participant.id} in data/report.yml")
        self.anonymising.append(participant.id)
        cited = len(self.cites)
        try:
            body = caller()
        finally:
            self.anonymising.pop()
        # What readers get of the block, decoded as a browser would (entities, URLs, emphasis), with
        # the footnotes it uses wherever they are defined, and the references it cites.
        source = positions.strip_anchors(str(body))
        used = set(mdscan.footnote_uses(source))
        page = self.current.template if self.current is not None else ""
        notes = [page[d.start:d.end] for d in mdscan.footnote_definitions(page) if d.label in used]
        readable = "\n".join([source, *notes])
        decoded = html.unescape(unquote_plus(readable))
        read = normalise(decoded) + " \n " + normalise(mdscan.plain_text(decoded))     # link targets, and the words
        references = [(use.key, normalise(self.citations.plain_reference(use.key))) for use in self.cites[cited:]
                      if use.key in self.citations.database]     # an unknown key stops the build after pass one
        for name in (participant.name, *participant.aliases):
            pattern = re.compile(word_pattern(normalise(name)))
            if pattern.search(read):
                raise ReportError(f"'{decision.item}' is anonymised, but its text names {name}",
                                  suggestion=f'write {{{{ org("{participant.id}") }}}}, which prints the pseudonym')
            named = next((key for key, text in references if pattern.search(text)), None)
            if named is not None:
                raise ReportError(f"'{decision.item}' is anonymised, but it cites '{named}', whose reference names {name}",
                                  suggestion="cite it outside the block, or leave the citation out")
        return body
