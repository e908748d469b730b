"""One build of one report for one audience: the macros and the two passes.

Pass one renders every page's Jinja in report order. Anything that depends on
the whole report (a reference to a later section, a citation number, the
report-wide bibliography, the redaction statement) is left as a placeholder
and recorded. Pass two, once every page is known, numbers headings and
captions, resolves the placeholders and removes what the audience may not get
(editors' notes, footnotes used only in redactions). Like a compiler's link
step, it runs once, before MkDocs converts any page.
"""

from __future__ import annotations

import functools
import inspect
import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import mdscan, numbering
from .audience import Audience
from .data import Private, ReportData
from .errors import ReportError, did_you_mean
from .facts import audience_view, fact_text
from .redaction import Redaction, hidden_markup, is_inline, register_markdown, statement_markdown, visible_markup
from .sources import Location, template_line
from .template_errors import template_error

log = logging.getLogger("mkdocs.plugins.report.session")

PLACEHOLDER = re.compile("\x02(\\d+)\x03")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")


@dataclass
class PageRecord:
    """A page of the report as the engine sees it."""

    src: str                       # docs-relative, e.g. "appendices/helios.md"
    path: str                      # project-relative, for messages
    url: str                       # the page's URL in the site
    raw: str                       # the file as written
    template: str                  # the Markdown after front matter
    offset: int                    # lines of front matter
    meta: dict
    in_nav: bool
    rendered: str = ""             # after pass one
    output: str = ""               # after pass two
    title: str = ""


@dataclass
class Deferred:
    kind: str
    args: tuple
    page: str
    location: Location
    visible: bool


@dataclass
class Frame:
    redaction: Redaction
    visible: bool


@dataclass
class CiteUse:
    key: str
    page: str
    visible: bool
    location: Location


@dataclass
class HiddenBlock:
    redaction: Redaction
    page: str
    body: str


@dataclass
class RedactedBody:
    """A redaction's rendered body and every owner whose redaction encloses it."""

    redaction: Redaction
    page: str
    body: str
    owners: tuple[str, ...]


@dataclass
class AnonymousMention:
    participant: str
    location: Location
    before: str = ""
    after: str = ""


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
        self.variables: dict[str, Any] = {
            name: audience_view(value, audience.can_see, self._check_owner)
            for name, value in data.namespaces.items()
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
        self.named: set[str] = set()               # participants named openly where the audience reads
        self.bibliography_pages: dict[str, str] = {}      # src -> "page" | "report"
        self.targets: dict[str, numbering.Target] = {}
        self.hidden_targets: dict[str, tuple[numbering.Target | None, Redaction]] = {}
        self.hidden_footnotes: list[tuple[str, Location]] = []
        self.withheld_assets: list[tuple[str, Location]] = []
        self.linked = False

    # ---- where we are -------------------------------------------------

    def here(self) -> tuple[str | None, int | None]:
        if self.current is None:
            return None, None
        line = template_line()
        return self.current.path, (self.current.offset + line) if line else None

    def location(self) -> Location:
        file, line = self.here()
        return Location(file or "<unknown>", line)

    @property
    def visible(self) -> bool:
        return all(frame.visible for frame in self.stack)

    def _check_owner(self, private: Private) -> None:
        if any(frame.redaction.owner == private.owner for frame in self.stack):
            return
        raise ReportError(
            f"this value from {private.source}:{private.line} is private to '{private.owner}'",
            suggestion=f"use it only inside {{% call redact(\"{private.owner}\") %}}...{{% endcall %}}")

    def _participant(self, pid: Any) -> Any:
        if pid not in self.data.participants:
            raise ReportError(f"unknown participant '{pid}'",
                              suggestion=did_you_mean(str(pid), self.data.participants, "participant ids"))
        return self.data.participants[pid]

    def _defer(self, kind: str, *args: Any) -> str:
        self.deferred.append(Deferred(kind, args, self.current.src if self.current else "",
                                      self.location(), self.visible))
        return f"\x02{len(self.deferred) - 1}\x03"

    # ---- macros ---------------------------------------------------------

    @macro
    def fact(self, path: str) -> str:
        """The value at a dotted path, formatted for prose."""
        return fact_text(self.data.namespaces, path, self._check_owner)

    @macro
    def org(self, pid: str, anonymous: bool = False) -> str:
        """A participant's name, or its pseudonym for audiences that may not know it."""
        participant = self._participant(pid)
        if not anonymous:
            if self.visible:
                self.named.add(pid)
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
        return self._defer("cite", tuple(keys), loc)

    @macro
    def citet(self, key: str, loc: str | None = None) -> str:
        """A textual citation: Author et al. (2024)."""
        self._record_cites((key,))
        return self._defer("citet", key, loc)

    def _record_cites(self, keys: Iterable[str]) -> None:
        if self.citations is None:
            raise ReportError("this report has no bibliography.bib", suggestion="add bibliography.bib next to mkdocs.yml")
        self.citations.check(list(keys))
        for key in keys:
            self.cites.append(CiteUse(key, self.current.src if self.current else "", self.visible, self.location()))

    @macro
    def bibliography(self, scope: str | None = None) -> str:
        """The references cited on this page, or in the whole report."""
        scope = scope or "page"
        if scope not in ("page", "report"):
            raise ReportError(f"unknown bibliography scope '{scope}'", suggestion=did_you_mean(scope, ["page", "report"], "scopes"))
        if self.current is not None and self.visible:
            self.bibliography_pages.setdefault(self.current.src, scope)
        return self._defer("bibliography", scope)

    @macro
    def redaction_statement(self) -> str:
        """The report's redaction summary statement."""
        return self._defer("statement")

    @macro
    def redaction_register(self) -> str:
        """Every redaction, for internal readers only."""
        if self.audience.kind != "internal":
            raise ReportError("redaction_register() is for internal builds only",
                              suggestion="the engine adds a register page to internal builds by itself")
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
        if caller is None:
            raise ReportError("redact() wraps content and must be used as a call block",
                              suggestion=f'write {{% call redact("{owner}") %}}...{{% endcall %}}')
        redaction = Redaction(len(self.redactions) + 1, owner, participant.name, self.location(),
                              self.current.src if self.current else "", bool(material),
                              str(note) if note else None, str(replacement) if replacement else None)
        self.redactions.append(redaction)
        visible = self.audience.can_see(owner)
        self.stack.append(Frame(redaction, visible))
        try:
            body = caller()
        finally:
            self.stack.pop()
        redaction.inline = is_inline(body)
        # Recorded whatever happens next: the leak audit decides on its own what this audience may get.
        owners = tuple(frame.redaction.owner for frame in self.stack) + (owner,)
        self.bodies.append(RedactedBody(redaction, redaction.page, body, owners))
        if visible and self.visible:
            return visible_markup(redaction, body)
        if self.visible:
            # Only the outermost hidden redaction keeps the body: it holds any inner ones.
            self.hidden_blocks.append(HiddenBlock(redaction, redaction.page, body))
        return hidden_markup(redaction)

    def macros(self) -> dict[str, Callable]:
        return {name: getattr(self, name) for name in
                ("fact", "org", "cite", "citet", "bibliography", "redaction_statement",
                 "redaction_register", "ref", "redact")}

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

    # ---- pass two ---------------------------------------------------------

    def link(self) -> None:
        """Pass two: number, resolve and clean every page."""
        nav = [(p.src, p.meta) for p in self.pages.values() if p.in_nav]
        others = [p.src for p in self.pages.values() if not p.in_nav]
        plans = numbering.plan_pages(nav, others)
        counters = numbering.Counters()
        numbered: dict[str, str] = {}
        for page in self.pages.values():
            def locate(label: str, page: PageRecord = page) -> Location:
                return Location(page.path, numbering.find_label_line(page.raw, label))
            result = numbering.number_page(page.rendered, plans[page.src], counters, locate)
            numbered[page.src] = result.text
            for target in result.targets:
                if target.label in self.targets:
                    raise numbering.duplicate_error(self.targets[target.label], target)
                self.targets[target.label] = target
                if target.kind == "page":
                    page.title = target.title
        for block in self.hidden_blocks:
            page = self.pages[block.page]
            for label in numbering.hidden_labels(block.body):
                if label in self.targets or label in self.hidden_targets:
                    where = self.targets[label].location if label in self.targets else self.hidden_targets[label][1].location
                    raise ReportError(f"label '{label}' is defined twice", page.path,
                                      numbering.find_label_line(page.raw, label),
                                      f"it is also defined at {where}")
                self.hidden_targets[label] = (None, block.redaction)
        if self.citations is not None:
            self.citations.set_order(self.cited_keys())
        for deferred in self.deferred:
            if not deferred.visible:
                self._resolve(deferred, validate_only=True)
        for page in self.pages.values():
            page.output = self._finish(page, numbered[page.src])
        self.linked = True

    def cited_keys(self) -> list[str]:
        """Keys cited where this audience can read them, in first-citation order."""
        seen: dict[str, None] = {}
        for use in self.cites:
            if use.visible:
                seen.setdefault(use.key, None)
        return list(seen)

    def _finish(self, page: PageRecord, text: str) -> str:
        def substitute(match: re.Match) -> str:
            deferred = self.deferred[int(match.group(1))]
            value = self._resolve(deferred)
            if deferred.kind == "org":
                mention = self.anonymous[deferred.args[1]]
                mention.before = _plain(match.string[max(0, match.start() - 80):match.start()])
                mention.after = _plain(match.string[match.end():match.end() + 80])
            return value

        text = PLACEHOLDER.sub(substitute, text)
        text = self._drop_hidden_footnotes(page, text)
        if self.audience.kind != "internal":
            text = mdscan.strip_comments(text)[0]
        return text

    def _drop_hidden_footnotes(self, page: PageRecord, text: str) -> str:
        hidden_refs = {label for block in self.hidden_blocks if block.page == page.src
                       for label in FOOTNOTE_REF.findall(mdscan.prose(block.body))}
        if not hidden_refs:
            return text
        visible_refs = set(FOOTNOTE_REF.findall(mdscan.prose(text)))
        doomed = hidden_refs - visible_refs
        out: list[str] = []
        dropping = False
        for line in text.split("\n"):
            definition = FOOTNOTE_DEF.match(line)
            if definition:
                dropping = definition.group(1) in doomed
                if dropping:
                    self.hidden_footnotes.append((line.split(":", 1)[1].strip(), Location(page.path)))
            elif dropping and line.strip() and not line.startswith(("    ", "\t")):
                dropping = False
            elif dropping and line.strip():
                self.hidden_footnotes.append((line.strip(), Location(page.path)))
            if not dropping:
                out.append(line)
        return "\n".join(out)

    # ---- resolving placeholders ---------------------------------------------

    def _resolve(self, d: Deferred, validate_only: bool = False) -> str:
        try:
            return getattr(self, f"_resolve_{d.kind}")(d, validate_only)
        except ReportError as error:
            raise error.located(d.location.file, d.location.line)

    def _resolve_ref(self, d: Deferred, validate_only: bool) -> str:
        label = d.args[0]
        target = self.targets.get(label)
        if target is None:
            if label in self.hidden_targets:
                if validate_only:
                    return ""
                redaction = self.hidden_targets[label][1]
                raise ReportError(
                    f"label '{label}' is inside a redaction owned by '{redaction.owner}' ({redaction.location}), "
                    f"which the {self.audience} report does not show",
                    suggestion=f"put this reference inside a redaction of '{redaction.owner}' too, or move the label out of the redaction")
            known = list(self.targets) + list(self.hidden_targets)
            raise ReportError(f"unknown label '{label}'", suggestion=did_you_mean(label, known, "labels"))
        if validate_only:
            return ""
        if target.page == d.page and target.anchor:
            href = f"#{target.anchor}"
        else:
            href = posixpath.relpath(target.page, posixpath.dirname(d.page) or ".")
            href += f"#{target.anchor}" if target.anchor else ""
        return f"[{target.text()}]({href})"

    def _cite_href(self, page_src: str) -> Callable[[str], str | None]:
        if self.bibliography_pages.get(page_src) == "page":
            return lambda key: f"#{self.citations.entry_id(key)}"
        report_pages = [src for src, scope in self.bibliography_pages.items() if scope == "report"]
        if not report_pages:
            return lambda key: None
        base = relative_url(self.pages[report_pages[0]].url, self.pages[page_src].url)
        return lambda key: f"{base}#{self.citations.entry_id(key)}"

    def _resolve_cite(self, d: Deferred, validate_only: bool) -> str:
        keys, loc = d.args
        return "" if validate_only else self.citations.cite(list(keys), loc, self._cite_href(d.page))

    def _resolve_citet(self, d: Deferred, validate_only: bool) -> str:
        key, loc = d.args
        return "" if validate_only else self.citations.citet(key, loc, self._cite_href(d.page))

    def _resolve_bibliography(self, d: Deferred, validate_only: bool) -> str:
        if validate_only:
            return ""
        scope = d.args[0]
        keys = self.cited_keys() if scope == "report" else \
            list(dict.fromkeys(u.key for u in self.cites if u.visible and u.page == d.page))
        return "\n\n" + self.citations.reference_list(keys) + "\n\n" if keys else ""

    def _redaction_link(self, page_src: str) -> Callable[[Redaction], str]:
        def link(r: Redaction) -> str:
            href = posixpath.relpath(r.page, posixpath.dirname(page_src) or ".") if r.page != page_src else ""
            return f"{href}#{r.anchor}"
        return link

    def _resolve_statement(self, d: Deferred, validate_only: bool) -> str:
        return statement_markdown(self.redactions, self.statement_texts, self._redaction_link(d.page))

    def _resolve_register(self, d: Deferred, validate_only: bool) -> str:
        return register_markdown(self.redactions, self._redaction_link(d.page))

    def _resolve_org(self, d: Deferred, validate_only: bool) -> str:
        participant = self.data.participants[d.args[0]]
        if not self.audience.knows(participant.id):
            return participant.pseudonym or ""
        return (f'<span class="anonymised" title="Public readers see: {participant.pseudonym}">'
                f'{participant.name}</span>')

    # ---- after linking ------------------------------------------------------

    def output_of(self, src: str) -> str:
        return self.pages[src].output


def _plain(text: str) -> str:
    """Words of a Markdown snippet, for audit fingerprints."""
    text = PLACEHOLDER.sub(" ", text)
    return re.sub(r"[^\w’'-]+", " ", text).strip()


def relative_url(target: str, base: str) -> str:
    """URL of ``target`` relative to the page at ``base`` (both as MkDocs gives them)."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    rel = posixpath.relpath("/" + target, "/" + base_dir)
    if (target.endswith("/") or not target) and not rel.endswith("/"):
        rel += "/"
    return "./" if rel == "./" or rel == "." else rel
