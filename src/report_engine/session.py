"""One build of one report for one audience: the macros and pass one.

Pass one renders every page's Jinja in report order. Anything that depends on
the whole report (a reference to a later section, a citation number, the
report-wide bibliography, the redaction statement) is left as a placeholder
and recorded; pass two (:mod:`macros.linking`), once every page is known,
resolves them. Like a compiler's link step, it runs once, before MkDocs
converts any page.
"""

from __future__ import annotations

import contextlib
import functools
import html
import inspect
import logging
import re
from urllib.parse import unquote_plus

import jinja2
from typing import Any, Callable, Iterable, Iterator

from . import disclosures, mdscan, numbering, positions, tables
from .audience import Audience
from .data import Private, ReportData, with_public_names
from .errors import ReportError, did_you_mean
from .formatting import format_value
from .facts import Guarded, audience_view, fact_text
from .disclosures import Decision, Disclosure
from .passages import normalise, token_pattern, word_pattern
from .records import (AnonymousMention, BibliographyUse, CiteUse, Deferred, DownloadUse, FactUse, Frame,
                      HiddenBlock, PageRecord, PendingCheck, RedactedBody, Relocated, placeholder)
from .redaction import Redaction, hidden_markup, indent_of, is_inline, visible_markup, without_labels
from .sources import Location, project_path, template_position
from .template_errors import template_error

log = logging.getLogger("mkdocs.plugins.report.session")


def macro(method: Callable) -> Callable:
    """Give every author error raised in a macro the page and line of the call."""

    @functools.wraps(method)
    def wrapper(self: "Session", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ReportError as error:
            raise error.located(*self.here())

    return wrapper


class Session:
    """State and macros for one build."""

    def __init__(self, data: ReportData, audience: Audience, citations, *, statement_texts: dict | None = None):
        self.data = data
        self.audience = audience
        self.citations = citations
        self.statement_texts = statement_texts or {}
        # Never-named participants go by their pseudonym in the data an audience may not know them from.
        self.namespaces = with_public_names(data.namespaces, data.participants, audience.knows)
        self.variables: dict[str, Any] = {
            name: audience_view(value, audience.can_see, self._check_owner)
            for name, value in self.namespaces.items()
        }
        self.pages: dict[str, PageRecord] = {}
        self.current: PageRecord | None = None
        self.stack: list[Frame] = []
        self.deferred: list[Deferred] = []
        self.redactions: list[Redaction] = []
        self.hidden_blocks: list[HiddenBlock] = []
        self.bodies: list[RedactedBody] = []
        self.cites: list[CiteUse] = []
        self.anonymous: list[AnonymousMention] = []
        # Attribution by position (positions.py): anchors made so far, the frames open now (each
        # caller() a report's macro runs, and the fact() or data_table() running), and what pass
        # two decides by where their tokens land.
        self.anchors = 0
        self.frames: list[str] = []
        self.pending: list[PendingCheck] = []
        self.fact_records: list[FactUse] = []
        self.download_records: list[DownloadUse] = []
        self.bibliography_records: list[BibliographyUse] = []
        self.redaction_tokens: dict[int, str] = {}
        # The disclosure process (disclosures.py): the decisions recorded, every nonpublic block met,
        # and the owners of the blocks open now (anonymised ones apart).
        self.decisions = disclosures.load(data.namespaces, data.files)
        self.disclosures: list[Disclosure] = []
        for private in data.items:
            use = self._data_item(private)
            shared = next((d for d in self.disclosures if d.item == use.item and d.owner != use.owner), None)
            if shared is not None:
                raise ReportError(f"item id '{use.item}' is used by '{shared.owner}' at {shared.location} and by "
                                  f"'{use.owner}' here", use.location.file, use.location.line,
                                  "give each participant's item an id of its own")
            self.disclosures.append(use)
        self.disclosing: list[str] = []
        self.anonymising: list[str] = []
        # Each fact printed where this audience reads it: path -> (the page of its first such use,
        # the text printed there). The changes page compares editions by them.
        self.fact_uses: dict[str, tuple[str, str]] = {}
        self.hidden_facts: set[str] = set()     # facts printed only where this audience does not read
        self.downloads: dict[str, tables.Download] = {}     # data_table(download=...): name -> files
        self.bibliography_pages: dict[str, str] = {}      # src -> "page" | "report"
        self.targets: dict[str, numbering.Target] = {}
        self.hidden_targets: dict[str, Redaction] = {}      # labels inside redactions this audience cannot see
        self.withheld_assets: list[tuple[str, Location]] = []
        self.media_files: list[str] = []           # docs-relative, for the audit
        self.withheld_pages: set[str] = set()      # pages nothing the audience reads links to
        self.reachable: set[str] = set()           # pages the audience's build publishes
        self.open_reachable: set[str] = set()      # pages the report's open text reaches
        self.declared_files: set[str] = set()      # files published though nothing links them
        self.relocated: list[Relocated] = []       # footnote definitions that went with redactions
        self.partials: dict[str, str] = {}         # project-relative path -> source of each included partial
        self.theme_outputs: set[str] = set()       # site paths of the theme's own files (scripts, styles)

    def statement_redactions(self) -> list[Redaction]:
        """The redactions the audience's statement speaks of: those on pages it gets (a participant
        that left is not counted: its exit is silent)."""
        return [r for r in self.redactions if r.page in self.reachable and not self.gone(r.owner)]

    def gone(self, pid: str) -> bool:
        """Did ``pid`` leave (exited: true), for an audience that may not know it took part?"""
        participant = self.data.participants.get(pid)
        return bool(participant and participant.exited and not self.audience.knows(pid))

    def listed_keys(self) -> list[str]:
        """What the report-wide reference list shows: cited keys, and crossref parents cited through
        two or more children the audience can read."""
        return self.citations.listed(self.cited_keys())

    def cited_keys(self) -> list[str]:
        """Keys cited where this audience can read them, in first-citation order."""
        seen: dict[str, None] = {}
        for use in self.cites:
            if use.visible:
                seen.setdefault(use.key, None)
        return list(seen)

    # ---- the outcome of pass one and two, as a value (cached between builds) ----

    LINKED = ("pages", "deferred", "redactions", "hidden_blocks", "bodies", "cites", "anonymous",
              "bibliography_pages", "targets", "hidden_targets", "reachable", "withheld_pages",
              "open_reachable", "relocated", "partials", "fact_uses", "hidden_facts", "downloads", "disclosures")

    def linked_state(self) -> dict[str, Any]:
        """What pass one and two recorded, as plain values: everything later stages read."""
        return {name: getattr(self, name) for name in self.LINKED}

    def restore(self, state: dict[str, Any]) -> None:
        """Take the outcome of an earlier, identical build's passes (see :meth:`linked_state`)."""
        for name in self.LINKED:
            setattr(self, name, state[name])
        self.citations.set_order(self.cited_keys())

    # ---- where we are -------------------------------------------------

    def here(self) -> tuple[str | None, int | None]:
        if self.current is None:
            return None, None
        file, line = template_position()
        if file is not None:                    # inside a partial: its own file and line
            return project_path(file), line
        return self.current.path, (self.current.offset + line) if line else None

    def location(self) -> Location:
        file, line = self.here()
        return Location(file or "<unknown>", line)

    @property
    def visible(self) -> bool:
        return all(frame.visible for frame in self.stack)

    def _check_owner(self, private: Private, printed: bool = False) -> str:
        """A private value may be used only inside a redaction of its owner. Inside one as pass one
        runs, it may; otherwise the rule is decided where the text lands (positions.py): a printed
        value gets an anchor of its own (returned, to print before it), any other use the frames it
        is made in. Outside every frame, it fails here."""
        if any(frame.redaction.owner == private.owner for frame in self.stack):
            return ""
        error = ReportError(
            f"this value from {private.source}:{private.line} is private to '{private.owner}'",
            suggestion=f"use it only inside {{% call redact(\"{private.owner}\") %}}...{{% endcall %}}")
        token = self._anchor() if printed else ""
        tokens = ((token,) if token else ()) + self.frame_tokens()
        if not tokens or self.current is None:
            raise error
        self.pending.append(PendingCheck(tokens, error.located(*self.here()), private.owner, nowhere_ok=False))
        return token

    def _anchor(self) -> str:
        self.anchors += 1
        return positions.anchor(self.anchors)

    def frame_tokens(self) -> tuple[str, ...]:
        return tuple(reversed(self.frames))

    @contextlib.contextmanager
    def _frame(self) -> Iterator[str]:
        """A frame for what runs inside: checks made in it without a token of their own are decided
        where the frame's anchor (yielded, for the caller to print) lands."""
        token = self._anchor()
        self.frames.append(token)
        try:
            yield token
        finally:
            self.frames.pop()

    def run_caller(self, body: Callable[[], Any]) -> Any:
        """A call block's body, run by a macro of the report's own (the sandbox hands every such
        ``caller()`` here): what is recorded while it runs is decided where its text lands."""
        with self._frame() as token:
            text = body()
        return positions.after_indent(text, token) if isinstance(text, str) else text

    def _participant(self, pid: Any) -> Any:
        if not isinstance(pid, str):
            raise ReportError(f"a participant id is a string, got {pid!r}",
                              suggestion=did_you_mean("", self.data.participants, "participant ids"))
        if pid not in self.data.participants:
            raise ReportError(f"unknown participant '{pid}'",
                              suggestion=did_you_mean(str(pid), self.data.participants, "participant ids"))
        return self.data.participants[pid]

    def participant_location(self, pid: str) -> Location:
        """Where a participant is declared: data/report.yml and its line."""
        return Location(self.data.files.get("report", "data/report.yml"), self.data.participants[pid].line)

    def _never_named_in_reference(self, key: str) -> Any:
        """The never-named participant a reference names (key, authors, title, publisher...), if any."""
        if not hasattr(self, "_reference_names"):
            self._reference_names: dict[str, Any] = {}
        if key in self._reference_names:
            return self._reference_names[key]
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
        self._reference_names[key] = found
        return found

    def _defer(self, kind: str, *args: Any) -> str:
        self.deferred.append(Deferred(kind, args, self.current.src if self.current else "",
                                      self.location(), self.visible))
        return placeholder(len(self.deferred) - 1)

    # ---- macros ---------------------------------------------------------

    @macro
    def fact(self, path: str, words: bool = False) -> str:
        """The value at a dotted path, formatted for prose; ``words=true``: a count below ten as a word."""
        if not isinstance(words, bool):
            raise ReportError(f"words takes true or false, got {words!r}", suggestion=f'write fact("{path}", words=true)')
        with self._frame() as token:
            text = fact_text(self.namespaces, path, self._check_owner, words)
        if self.current is None:
            return text
        self.fact_records.append(FactUse(path, text, (token,)))
        return positions.Anchored(text, token)

    @macro
    def data_table(self, source: str, columns: Any = None, sort: str | None = None, caption: str | None = None,
                   id: str | None = None, download: str | None = None) -> str:
        """A table of records from data/, numbered by its caption, with CSV and JSON of the same rows."""
        with self._frame() as token:
            return self._data_table(token, source, columns, sort, caption, id, download)

    def _data_table(self, token: str, source: str, columns: Any, sort: str | None, caption: str | None,
                    id: str | None, download: str | None) -> str:
        spec = tables.columns_of(columns)
        rows = tables.rows_at(self.variables, source)
        if sort is not None:
            missing = [row for row in rows if sort not in row]
            if missing:
                raise ReportError(f"data_table: a record has no field '{sort}' to sort by",
                                  suggestion=did_you_mean(sort, list(missing[0]), "fields"))
            def order(row: Any) -> tuple[str, Any]:
                value = row[sort].unwrap() if isinstance(row[sort], Guarded) else row[sort]
                return type(value).__name__, value
            try:
                rows = sorted(rows, key=order)
            except TypeError:
                raise ReportError(f"data_table: the records' '{sort}' values cannot be put in order",
                                  suggestion="sort by a field that every record has as plain text, a number "
                                             "or a date (a private value cannot be sorted on outside its redaction)") from None
        if caption is not None and not isinstance(caption, str):
            raise ReportError("data_table: caption is text", suggestion='write caption="Incidents by date."')
        caption = positions.plain(caption) if caption is not None else None
        if id is not None and caption is None:
            raise ReportError("data_table: an id names the table's caption; give it a caption",
                              suggestion='write caption="...", id="tab-..."')

        def participant_text(pid: str, anonymous: bool) -> tuple[str, str]:
            participant = self._participant(pid)
            anonymous = anonymous or pid in self.anonymising
            shown = self.org(pid, anonymous=anonymous)
            knows = self.audience.knows(pid) or (participant.named and not anonymous)
            return shown, participant.name if knows else (participant.pseudonym or "")

        unnamed = {p.id for p in self.data.participants.values() if not p.named}
        shown, plain = [], []
        for row in rows:
            for column in spec:      # a never-named participant's id printed as it is names it
                value = (row.get(column.field) if unnamed and isinstance(row, dict)
                         and column.how not in ("participant", "pseudonym") else None)
                if isinstance(value, str) and value in unnamed:
                    raise ReportError(f"data_table: column '{column.heading}' would print '{value}', the id of a "
                                      "participant that is never named in public (named: false)",
                                      suggestion=f'format the column as a participant: ["{column.heading}", '
                                                 f'"{column.field}", "participant"]')
            cells = [tables.cell(row, column, self.variables, participant_text) for column in spec]
            shown.append([page_text for page_text, _ in cells])
            plain.append([positions.plain(text) for _, text in cells])
        parts = [tables.markdown_table(spec, shown)]
        if caption is not None:
            parts.append(tables.caption_block(caption, id))
        if download is not None:
            name = tables.check_name(download)
            if self.visible and self.current is not None:
                # Written where the table is shown, decided in pass two by where its anchor lands;
                # the links stand in place of the anchor there.
                where = self.location()
                source_file = self.data.files.get(source.split(".", 1)[0], f"data/{source.split('.', 1)[0]}.yml")
                text_csv, text_json = tables.download_files(spec, plain, source, source_file, caption)
                self.download_records.append(DownloadUse(
                    tables.Download(name, self.current.src, str(where), text_csv, text_json), (token,), where,
                    tables.download_links(name, self.current.url)))
                parts.append(token)
        return "\n\n".join(parts)

    @macro
    def org(self, pid: str, anonymous: bool = False) -> str:
        """A participant's name, or its pseudonym for audiences that may not know it."""
        participant = self._participant(pid)
        if not isinstance(anonymous, bool):
            raise ReportError(f"anonymous takes true or false, got {anonymous!r}", suggestion="write anonymous=true")
        anonymous = anonymous or pid in self.anonymising        # inside its own anonymised block
        if self.gone(pid) and pid not in {frame.redaction.owner for frame in self.stack}:
            # Decided where the mention lands: only inside the participant's own redactions.
            self.pending.append(PendingCheck(
                (placeholder(len(self.deferred)),) + self.frame_tokens(),
                ReportError(f"'{pid}' left the assessment silently (exited: true): a mention in open text tells "
                            "readers it took part",
                            suggestion=f'mention it only inside {{% call redact("{pid}") %}}...{{% endcall %}}, or '
                                       "cite its published work as literature").located(*self.here()),
                pid, nowhere_ok=True))
            self.anonymous.append(AnonymousMention(pid, self.location()))
            return self._defer("org", pid, len(self.anonymous) - 1)
        if not anonymous and participant.named:
            return participant.name
        if not participant.pseudonym:
            raise ReportError(f"participant '{pid}' has no pseudonym for an anonymous mention",
                              suggestion=f"add 'pseudonym: ...' to {pid} in data/report.yml")
        self.anonymous.append(AnonymousMention(pid, self.location()))
        return self._defer("org", pid, len(self.anonymous) - 1)

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
        self.citations.check(list(keys))
        for key in keys:
            unnamed = self._never_named_in_reference(key)
            if unnamed is not None and unnamed.id not in {frame.redaction.owner for frame in self.stack}:
                # Decided where the citation lands: its placeholder is the next one made.
                self.pending.append(PendingCheck(
                    (placeholder(len(self.deferred)),) + self.frame_tokens(),
                    ReportError(f"reference '{key}' names '{unnamed.id}', a participant that is never named "
                                "in public (named: false)",
                                suggestion=f'cite it only inside {{% call redact("{unnamed.id}") %}}...{{% endcall %}}'
                                ).located(*self.here()),
                    unnamed.id, nowhere_ok=True))
            self.cites.append(CiteUse(key, self.current.src if self.current else "", self.visible, self.location(),
                                      deferred=len(self.deferred)))

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
        references = [(use.key, normalise(self.citations.plain_reference(use.key))) for use in self.cites[cited:]]
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

    def namespace_type(self) -> type:
        """Jinja's ``namespace``, refusing assignments made inside a redaction.

        ``{% set ns.x = … %}`` is the one way a value set inside a call block
        outlives it; inside a redaction it would carry the content out.
        """
        session = self

        class GuardedNamespace(jinja2.utils.Namespace):
            def __setitem__(self, name: str, value: Any) -> None:
                error = ReportError("assigning to a namespace inside a redaction could carry its content out of it",
                                    suggestion="compute the value outside the redaction, or keep its use inside")
                if session.stack:
                    raise error
                if session.frames and session.current is not None:    # inside a body a macro runs
                    session.pending.append(PendingCheck(session.frame_tokens(), error.located(*session.here()),
                                                        None, nowhere_ok=True))
                super().__setitem__(name, value)

        return GuardedNamespace

    def macros(self) -> dict[str, Callable]:
        return {name: getattr(self, name) for name in
                ("fact", "org", "cite", "citet", "bibliography", "redaction_statement",
                 "redaction_register", "ref", "redact", "nonpublic", "data_table")}

    # ---- pass one ---------------------------------------------------------

    def render_pages(self, pages: list[PageRecord], render: Callable[[PageRecord], str],
                     names: Iterable[str]) -> None:
        """Pass one: render every page's template, in report order."""
        for page in pages:
            self.pages[page.src] = page
        names = sorted(set(names) | set(self.macros()))
        parameters = {name: list(inspect.signature(fn).parameters) for name, fn in self.macros().items()}
        for page in pages:
            self.current, self.stack = page, []
            try:
                page.rendered = render(page)
            except Exception as exc:
                raise template_error(exc, page.path, page.offset, names, parameters) from None
            finally:
                self.current, self.stack = None, []


def _locator(loc: Any) -> str | None:
    """A locator as written: ``loc="p. 12"``; numbers are accepted as page-less text."""
    return None if loc is None else positions.plain(loc)
