"""The state of one build's passes, and what every macro shares: where it is, what it is inside.

:class:`Recorded` is what pass one and two record, as one value: everything later stages read,
and what is remembered between builds (:meth:`SessionBase.linked_state` keeps every field of it,
so a field added there is remembered too). :class:`SessionBase` adds what only pass one needs
while it runs: the page being rendered, the redactions and frames open, the anchors made
(attribution by position, :mod:`report_engine.positions`). The macros are in
:mod:`report_engine.session_data`, :mod:`report_engine.session_refs` and
:mod:`report_engine.session_redaction`; :class:`report_engine.session.Session` has them all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import logging
from typing import Any, Callable, Iterable, Iterator, TypeVar

import jinja2

from . import disclosures, numbering, positions, tables
from .audience import Audience
from .data import Private, ReportData, with_public_names
from .disclosures import Disclosure
from .errors import ReportError, did_you_mean
from .facts import audience_view
from .records import (AnonymousMention, BibliographyUse, CiteUse, Deferred, DownloadUse, FactUse, Frame,
                      HiddenBlock, PageRecord, PendingCheck, RedactedBody, Relocated, StoredTexts, UncheckedCite,
                      placeholder)
from .redaction import Redaction
from .sources import Location, project_path, template_position
from .template_errors import template_error

log = logging.getLogger("mkdocs.plugins.report.session")

F = TypeVar("F", bound=Callable[..., Any])


def macro(method: F) -> F:
    """Give every author error raised in a macro the page and line of the call."""

    @functools.wraps(method)
    def wrapper(self: SessionBase, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ReportError as error:
            raise error.located(*self.here())

    return wrapper  # type: ignore[return-value]


@dataclasses.dataclass
class Recorded:
    """What pass one and two record: everything later stages read (cached between builds)."""

    pages: dict[str, PageRecord] = dataclasses.field(default_factory=dict)
    deferred: list[Deferred] = dataclasses.field(default_factory=list)
    redactions: list[Redaction] = dataclasses.field(default_factory=list)
    hidden_blocks: list[HiddenBlock] = dataclasses.field(default_factory=list)
    bodies: list[RedactedBody] = dataclasses.field(default_factory=list)
    cites: list[CiteUse] = dataclasses.field(default_factory=list)
    anonymous: list[AnonymousMention] = dataclasses.field(default_factory=list)
    bibliography_pages: dict[str, str] = dataclasses.field(default_factory=dict)   # src -> "page" | "report"
    targets: dict[str, numbering.Target] = dataclasses.field(default_factory=dict)
    # labels inside redactions this audience cannot see
    hidden_targets: dict[str, Redaction] = dataclasses.field(default_factory=dict)
    reachable: set[str] = dataclasses.field(default_factory=set)          # pages the audience's build publishes
    withheld_pages: set[str] = dataclasses.field(default_factory=set)     # pages nothing the audience reads links to
    open_reachable: set[str] = dataclasses.field(default_factory=set)     # pages the report's open text reaches
    relocated: list[Relocated] = dataclasses.field(default_factory=list)  # footnotes that went with redactions
    partials: dict[str, str] = dataclasses.field(default_factory=dict)    # project path -> an included partial
    # Each fact printed where this audience reads it: path -> (the page of its first such use,
    # the text printed there). The changes page compares editions by them.
    fact_uses: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    hidden_facts: set[str] = dataclasses.field(default_factory=set)   # printed only where this audience does not read
    downloads: dict[str, tables.Download] = dataclasses.field(default_factory=dict)   # data_table(download=...)
    disclosures: list[Disclosure] = dataclasses.field(default_factory=list)  # every nonpublic block and data item


class SessionBase(Recorded):
    """Pass one's state while it runs, and what every macro shares."""

    def __init__(self, data: ReportData, audience: Audience, citations: Any, *,
                 statement_texts: dict[str, Any] | None = None) -> None:
        super().__init__()
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
        self.current: PageRecord | None = None
        self.stack: list[Frame] = []
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
        self.reference_names: dict[str, Any] = {}        # citation key -> the never-named participant it names
        # Citations pass one made, checked against the bibliography once every page is rendered
        # (the .bib may be parsed meanwhile): ReferenceMacros.check_cites.
        self.unchecked: list[UncheckedCite] = []
        # The disclosure process (disclosures.py): the decisions recorded, and the owners of the
        # nonpublic blocks open now (anonymised ones apart).
        self.decisions = disclosures.load(data.namespaces, data.files)
        self.disclosing: list[str] = []
        self.anonymising: list[str] = []
        # Set by the stages after the passes, for the audit.
        self.declared_files: set[str] = set()      # files published though nothing links them
        self.withheld_assets: list[tuple[str, Location]] = []
        self.media_files: list[str] = []           # docs-relative, for the audit
        self.theme_outputs: set[str] = set()       # site paths of the theme's own files (scripts, styles)
        for private in data.items:
            use = self._data_item(private)
            shared = next((d for d in self.disclosures if d.item == use.item and d.owner != use.owner), None)
            if shared is not None:
                raise ReportError(f"item id '{use.item}' is used by '{shared.owner}' at {shared.location} and by "
                                  f"'{use.owner}' here", use.location.file, use.location.line,
                                  "give each participant's item an id of its own")
            self.disclosures.append(use)

    def _data_item(self, private: Private) -> Disclosure:
        raise NotImplementedError                # session_redaction.RedactionMacros

    def macros(self) -> dict[str, Callable[..., Any]]:
        raise NotImplementedError                # session.Session


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

    def linked_state(self) -> dict[str, Any]:
        """What pass one and two recorded, as plain values: everything later stages read. Of each
        page, only what pass two made: its source (and what is read from it) is the build's own
        (:meth:`restore`), its HTML is MkDocs', and what pass one made is apart
        (:meth:`linked_texts`)."""
        state = {field.name: getattr(self, field.name) for field in dataclasses.fields(Recorded)}
        state["pages"] = {src: (page.output, page.title) for src, page in self.pages.items()}
        return state

    def linked_texts(self) -> dict[str, tuple[str, str]]:
        """Each page's pass-one text and its open text: read by the checks and the leak audit
        (which a warm build remembers too), so kept apart from :meth:`linked_state`."""
        return {src: (page.rendered, page.open) for src, page in self.pages.items()}

    def restore(self, state: dict[str, Any], pages: list[PageRecord], texts: Callable[[], Any]) -> None:
        """Take the outcome of an earlier, identical build's passes (see :meth:`linked_state`) for
        ``pages``, this build's records of the same sources; ``texts()`` reads :meth:`linked_texts`
        when a page's are first asked for."""
        for field in dataclasses.fields(Recorded):
            if field.name != "pages":
                setattr(self, field.name, state[field.name])
        linked = state["pages"]
        stored = StoredTexts(texts)
        self.pages = {}
        for page in pages:
            page.output, page.title = linked[page.src]
            page.stored = stored
            self.pages[page.src] = page
        self.citations.set_order(self.cited_keys())

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

    def _defer(self, kind: str, *args: Any) -> str:
        self.deferred.append(Deferred(kind, args, self.current.src if self.current else "",
                                      self.location(), self.visible))
        return placeholder(len(self.deferred) - 1)

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
