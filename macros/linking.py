"""Pass two: once every page is rendered, link the report.

Numbers headings and captions across the report, resolves the placeholders
pass one left (references, citations, bibliographies, the redaction statement,
pseudonyms) and removes what the audience may not get (editors' notes,
footnotes used only in redacted text). Runs once, before MkDocs converts any
page; :class:`macros.session.Session` inherits it.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable

from . import mdscan, numbering
from .errors import ReportError, did_you_mean
from .records import PLACEHOLDER, Deferred, PageRecord
from .redaction import Redaction, register_markdown, statement_markdown
from .sources import Location


class Linking:
    """The second pass, as methods over the session's records."""

    def link(self) -> None:
        """Pass two: number, resolve and clean every page."""
        nav = [(p.src, p.meta) for p in self.pages.values() if p.in_nav]
        others = [p.src for p in self.pages.values() if not p.in_nav]
        plans = numbering.plan_pages(nav, others)
        counters = numbering.Counters()
        numbered: dict[str, str] = {}
        for page in self.pages.values():
            self._check_footnotes(page)
            text = page.rendered
            if self.audience.kind != "internal":
                # Editors' notes go before anything reads the text, heading ids and titles included.
                text = mdscan.strip_comments(text)[0]

            def locate(label: str, page: PageRecord = page) -> Location:
                return Location(page.path, numbering.find_label_line(page.raw, label))
            result = numbering.number_page(text, plans[page.src], counters, locate)
            numbered[page.src] = result.text
            for target in result.targets:
                if target.label in self.targets:
                    raise numbering.duplicate_error(self.targets[target.label], target)
                self.targets[target.label] = target
        for block in self.hidden_blocks:
            page = self.pages[block.page]
            for label in numbering.hidden_labels(block.body):
                if label in self.targets or label in self.hidden_targets:
                    where = self.targets[label].location if label in self.targets else self.hidden_targets[label].location
                    raise ReportError(f"label '{label}' is defined twice", page.path,
                                      numbering.find_label_line(page.raw, label),
                                      f"it is also defined at {where}")
                self.hidden_targets[label] = block.redaction
        # A citation whose placeholder went with an editor's note is not cited where readers look.
        printed = {int(i) for text in numbered.values() for i in PLACEHOLDER.findall(text)}
        for use in self.cites:
            if use.visible and use.deferred not in printed:
                use.visible = False
        self.citations.set_order(self.cited_keys())
        for deferred in self.deferred:
            if not deferred.visible:
                self._resolve(deferred, validate_only=True)
        for page in self.pages.values():
            page.output = self._finish(page, numbered[page.src])
            page.title = numbering.page_title(page.output)

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

        return PLACEHOLDER.sub(substitute, text)

    def _check_footnotes(self, page: PageRecord) -> None:
        """A footnote lives where it is used: its definition is seen by exactly the readers of its uses.

        Read from the source, so the rule is the same in every audience's build.
        """
        outside, regions = mdscan.split_redactions(page.template)
        places = [((), outside)] + [(region.owners, region.text) for region in regions]
        defined: dict[str, tuple[str, ...]] = {}
        used: list[tuple[str, tuple[str, ...]]] = []
        for owners, text in places:
            refs, defs = mdscan.footnote_labels(text)
            for label in defs:
                defined.setdefault(label, owners)
            used += [(label, owners) for label in refs]
        open_uses = {label for label, owners in used if not owners}
        for label, where in defined.items():
            if not where and label not in open_uses and any(label == u for u, _ in used):
                users = {owner for u, owners in used if u == label for owner in owners}
                advice = ("move its definition inside the redaction, so that it goes wherever the redaction goes"
                          if len(users) == 1 else
                          "it is used in redactions of different participants: give each redaction its own copy")
                raise ReportError(f"footnote [^{label}] is used only inside a redaction but defined outside it",
                                  page.path, _line_of(page.raw, f"[^{label}]:"), advice)
        for label, owners in used:
            where = defined.get(label)
            if where and not set(where) <= set(owners):
                context = "outside it" if not owners else f"in a redaction of '{owners[-1]}'"
                raise ReportError(f"footnote [^{label}] is defined inside a redaction of '{where[-1]}' but used {context}",
                                  page.path, _line_of(page.raw, f"[^{label}]:"),
                                  "define it where every reader of its uses can see it")

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
                redaction = self.hidden_targets[label]
                raise ReportError(
                    f"label '{label}' is inside a redaction owned by '{redaction.owner}' ({redaction.location}), "
                    f"which the {self.audience} report does not show",
                    suggestion=f"put this reference inside a redaction of '{redaction.owner}' too, or move the label out of the redaction")
            known = list(self.targets) + list(self.hidden_targets)
            raise ReportError(f"unknown label '{label}'", suggestion=did_you_mean(label, known, "labels"))
        if validate_only:
            return ""
        if target.number is None:
            target.title = self._plain_title(target.title)
        return f"[{target.text()}]({markdown_link(d.page, target.page, target.anchor)})"

    def _plain_title(self, title: str) -> str:
        """A heading's words for a reference: macros in it resolved, markup dropped."""
        def resolve(match: re.Match) -> str:
            deferred = self.deferred[int(match.group(1))]
            return "" if deferred.kind in ("ref", "bibliography", "statement", "register") else self._resolve(deferred)
        return numbering.plain_text(PLACEHOLDER.sub(resolve, title))

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
        return lambda r: markdown_link(page_src, r.page, r.anchor)

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

def markdown_link(from_page: str, to_page: str, anchor: str | None) -> str:
    """A Markdown link target from one docs page to another (MkDocs turns it into a URL)."""
    if to_page == from_page and anchor:
        return f"#{anchor}"
    href = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return f"{href}#{anchor}" if anchor else href


def _line_of(raw: str, needle: str) -> int | None:
    for number, line in enumerate(raw.split("\n"), start=1):
        if needle in line:
            return number
    return None


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
