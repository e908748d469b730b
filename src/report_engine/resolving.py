"""Pass two's placeholders resolved: references, citations, bibliographies, the statement, the
register and participants' names, each as the audience may read it."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Callable

from . import disclosures, numbering, outputs
from .errors import ReportError, did_you_mean
from .records import PLACEHOLDER, Deferred
from .redaction import Redaction, register_markdown, statement_markdown

if TYPE_CHECKING:
    from .session import Session


class Resolver:
    """What each placeholder pass one left stands for."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self._hrefs: dict[str, Callable[[str], str | None]] = {}     # page -> where its citations link
        # The same by the start of that link (none: nowhere), shared by every page whose citations link
        # alike, so that the citations engine knows a citation made for one of them (CitationEngine.cite).
        self._targets: dict[str | None, Callable[[str], str | None]] = {}

    def _resolve(self, d: Deferred, validate_only: bool = False) -> str:
        try:
            return getattr(self, f"_resolve_{d.kind}")(d, validate_only)
        except ReportError as error:
            raise error.located(d.location.file, d.location.line)

    def _resolve_ref(self, d: Deferred, validate_only: bool) -> str:
        label = d.args[0]
        target = self.s.targets.get(label)
        if target is None:
            if label in self.s.hidden_targets:
                if validate_only:
                    return ""
                redaction = self.s.hidden_targets[label]
                raise ReportError(
                    f"label '{label}' is inside a redaction owned by '{redaction.owner}' ({redaction.location}), "
                    f"which the {self.s.audience} report does not show",
                    suggestion=f"put this reference inside a redaction of '{redaction.owner}' too, or move the label out of the redaction")
            known = list(self.s.targets) + list(self.s.hidden_targets)
            raise ReportError(f"unknown label '{label}'", suggestion=did_you_mean(label, known, "labels"))
        if validate_only:
            return ""
        if target.number is None:
            target.title = self._plain_title(target.title)
        return f"[{target.text()}]({markdown_link(d.page, target.page, target.anchor)})"

    def _plain_title(self, title: str) -> str:
        """A heading's words for a reference: macros in it resolved, markup dropped."""
        def resolve(match: re.Match) -> str:
            deferred = self.s.deferred[int(match.group(1))]
            return "" if deferred.kind in ("ref", "bibliography", "statement", "register") else self._resolve(deferred)
        return numbering.plain_text(PLACEHOLDER.sub(resolve, title))

    def _cite_href(self, page_src: str) -> Callable[[str], str | None]:
        """Where a citation on ``page_src`` links: worked out once a page (the session's
        bibliography pages are settled when pass two resolves anything)."""
        href = self._hrefs.get(page_src)
        if href is None:
            href = self._hrefs[page_src] = self._cite_target(page_src)
        return href

    def _cite_target(self, page_src: str) -> Callable[[str], str | None]:
        base: str | None = ""                       # the page's own reference list
        if self.s.bibliography_pages.get(page_src) != "page":
            report_pages = [src for src, scope in self.s.bibliography_pages.items() if scope == "report"]
            base = relative_url(self.s.pages[report_pages[0]].url, self.s.pages[page_src].url) if report_pages else None
        target = self._targets.get(base)
        if target is None:
            target = self._targets[base] = self._link_to(base)
        return target

    def _link_to(self, base: str | None) -> Callable[[str], str | None]:
        if base is None:
            return lambda key: None
        return lambda key: f"{base}#{self.s.citations.entry_id(key)}"

    def _resolve_cite(self, d: Deferred, validate_only: bool) -> str:
        keys, loc = d.args
        return "" if validate_only else self.s.citations.cite(list(keys), loc, self._cite_href(d.page))

    def _resolve_citet(self, d: Deferred, validate_only: bool) -> str:
        key, loc = d.args
        return "" if validate_only else self.s.citations.citet(key, loc, self._cite_href(d.page))

    def _bibliography_keys(self, d: Deferred) -> list[str]:
        """The works a bibliography lists for this audience: the report's, or its page's."""
        if d.args[0] == "report":
            return self.s.cited_keys()
        return list(dict.fromkeys(u.key for u in self.s.cites if u.visible and u.page == d.page))

    def _resolve_bibliography(self, d: Deferred, validate_only: bool) -> str:
        if validate_only:
            return ""
        keys = self._bibliography_keys(d)
        if keys:
            return "\n\n" + self.s.citations.reference_list(self.s.citations.listed(keys)) + "\n\n"
        if not any(d.args[0] == "report" or u.page == d.page for u in self.s.cites):
            where = "the report" if d.args[0] == "report" else "this page"
            raise ReportError(f"bibliography() lists the works {where} cites, and it cites none",
                              suggestion="cite a work with cite() or citet(), or remove the bibliography and its heading")
        return ""        # all cited in text this audience does not get: no list (and its heading goes, see _finish)

    def _redaction_link(self, page_src: str) -> Callable[[Redaction], str]:
        return lambda r: markdown_link(page_src, r.page, r.anchor)

    def _resolve_statement(self, d: Deferred, validate_only: bool) -> str:
        return statement_markdown(self.s.statement_redactions(), self.s.statement_texts, self._redaction_link(d.page))

    def _resolve_register(self, d: Deferred, validate_only: bool) -> str:
        readable = [r for r in self.s.redactions if self.s.audience.can_see(r.owner)]
        return (register_markdown(readable, self._redaction_link(d.page)) + "\n\n## Disclosures\n\n"
                + disclosures.register_markdown(self.disclosure_rows(), outputs.up_to_root(self.s.pages[d.page].url)))

    def disclosure_rows(self) -> list[dict[str, str]]:
        pseudonyms = {p.id: p.pseudonym for p in self.s.data.participants.values()}
        titles = {src: page.title or src for src, page in self.s.pages.items()}
        uses = [use for use in self.s.disclosures if self.s.audience.can_see(use.owner)]
        return disclosures.register_rows(uses, pseudonyms, titles)

    def _resolve_org(self, d: Deferred, validate_only: bool) -> str:
        participant = self.s.data.participants[d.args[0]]
        if not self.s.audience.knows(participant.id):
            return participant.pseudonym or ""
        if participant.exited or not participant.pseudonym:        # a mention inside its own redaction
            return participant.name
        return (f'<span class="anonymised" title="Public readers see: {participant.pseudonym}">'
                f'{participant.name}</span>')


def markdown_link(from_page: str, to_page: str, anchor: str | None) -> str:
    """A Markdown link target from one docs page to another (MkDocs turns it into a URL)."""
    if to_page == from_page and anchor:
        return f"#{anchor}"
    href = relative_path(to_page, posixpath.dirname(from_page))
    return f"{href}#{anchor}" if anchor else href


def relative_path(target: str, start: str) -> str:
    """``posixpath.relpath`` for two normalised docs-relative paths, without asking the file system
    for the working directory (relpath does, on every call: most of pass two's link time)."""
    to = [part for part in target.split("/") if part not in ("", ".")]
    base = [part for part in start.split("/") if part not in ("", ".")]
    common = 0
    while common < min(len(to), len(base)) and to[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:]) or "."



def relative_url(target: str, base: str) -> str:
    """URL of ``target`` relative to the page at ``base`` (both as MkDocs gives them)."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    rel = posixpath.relpath("/" + target, "/" + base_dir)
    if (target.endswith("/") or not target) and not rel.endswith("/"):
        rel += "/"
    return "./" if rel == "./" or rel == "." else rel
