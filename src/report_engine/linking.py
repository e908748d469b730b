"""Pass two: once every page is rendered, link the report.

Numbers headings and captions across the report, resolves the placeholders
pass one left (references, citations, bibliographies, the redaction statement,
pseudonyms) and removes what the audience may not get (editors' notes,
footnotes used only in redacted text). Runs once, before MkDocs converts any
page; :func:`link` is called with the session pass one filled.
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import TYPE_CHECKING, Callable
from urllib.parse import unquote, urlsplit

from . import disclosures, mdscan, numbering, positions
from . import outputs
from .outputs import site_path
from .errors import ReportError, did_you_mean
from .conflicts import check_conflicts
from .records import PLACEHOLDER, AnonymousMention, Deferred, PageRecord, Relocated
from .redaction import (Redaction, mark_spans, open_text, register_markdown, statement_markdown,
                        strip_marks)
from .passages import normalise, word_pattern
from .sources import Location
from .footnotes import line_of as _line_of, place_footnotes
from .resolving import Resolver, markdown_link, relative_path, relative_url   # noqa: F401 (kept importable here)

if TYPE_CHECKING:
    from .session import Session

# A section heading (never the page's title), then, after blank lines only, a placeholder: a
# bibliography's heading, say.
HEADED_PLACEHOLDER = re.compile("^#{2,6}[ \t][^\n]*\n(?:[ \t]*\n)*(?=\x02(\\d+)\x03)", re.M)
# Pages published whether or not anything links to them: the home page and the error page.
ROOT_PAGES = ("index.md", "404.md")


def link(session: Session) -> None:
    """Pass two over ``session``, whose pass one rendered every page: each page gets its output and
    title, and the session what the audience's build publishes (reachable and withheld pages).

    The checks that change no output (a passage both redacted and open, and the pseudonyms typed
    by hand, which only the audit reads) are :func:`check`'s: a build runs them after this (the
    first on another core where a helper may run), a live preview after the browser has reloaded."""
    Linker(session).link()


def check(session: Session) -> None:
    """The checks :func:`link` leaves out; raises ReportError on a conflict."""
    Linker(session).checks()


def conflict_check(session: Session) -> None:
    """The first of :func:`check`'s checks alone (a build runs it beside the pages it writes)."""
    Linker(session).check_open_and_redacted()


def pseudonym_scan(session: Session) -> None:
    """The second of :func:`check`'s checks alone: pseudonyms typed by hand, for the audit."""
    Linker(session).find_typed_pseudonyms()


class Linker(Resolver):
    """The second pass, over one session's records."""

    def checks(self) -> None:
        self.check_open_and_redacted()
        self.find_typed_pseudonyms()

    def _exited_names(self) -> None:
        """A participant that left appears in open text nowhere: its name may stand only in references
        to its public works (citations resolve after this reads the text), never in prose."""
        for participant in self.s.data.participants.values():
            if not self.s.gone(participant.id):        # internal builds keep everything
                continue
            for name in participant.every_name():
                pattern = re.compile(word_pattern(normalise(name)))
                for page in self.s.pages.values():
                    if pattern.search(normalise(mdscan.plain_text(PLACEHOLDER.sub(" ", page.open)))):
                        line = next((number for number, text in enumerate(page.raw.split("\n"), start=1)
                                     if pattern.search(normalise(text))), None)
                        raise ReportError(f"'{participant.id}' left the assessment silently (exited: true), and "
                                          f"this page names it ({name}) in open text", page.path, line,
                                          f'mention it only inside {{% call redact("{participant.id}") %}}...'
                                          "{% endcall %}, or cite its published work as literature")

    def check_open_and_redacted(self) -> None:
        """A passage redacted in one place and open in another, in what the open text reaches."""
        self.s.open_reachable = self._reach({src: page.open for src, page in self.s.pages.items()})
        check_conflicts(self.s)

    def find_typed_pseudonyms(self) -> None:
        for page in self.s.pages.values():
            self._typed_pseudonyms(page)

    def link(self) -> None:
        """Pass two: number, resolve and clean every page."""
        positions.attribute(self.s)         # first: what pass one recorded, by where it landed
        nav = [(p.src, p.meta) for p in self.s.pages.values() if p.in_nav]
        others = [p.src for p in self.s.pages.values() if not p.in_nav]
        plans = numbering.plan_pages(nav, others)
        counters = numbering.Counters()
        numbered: dict[str, str] = {}
        for page in self.s.pages.values():
            # Editors' notes go before anything reads the text, heading ids and titles included.
            without_notes = mdscan.strip_comments(page.rendered)[0]
            text = page.rendered if self.s.audience.kind == "internal" else without_notes
            page.open = open_text(without_notes)
            text = strip_marks(place_footnotes(self.s, page, text))

            declared: dict[str, int] | None = None

            def locate(label: str, page: PageRecord = page) -> Location:
                nonlocal declared
                if declared is None:                 # one scan of the page for all its labels
                    declared = numbering.label_lines(page.raw)
                line = declared.get(label)
                return Location(page.path, line if line is not None else numbering.find_label_line(page.raw, label))
            result = numbering.number_page(text, plans[page.src], counters, locate)
            numbered[page.src] = result.text
            for target in result.targets:
                if target.label in self.s.targets:
                    raise numbering.duplicate_error(self.s.targets[target.label], target)
                self.s.targets[target.label] = target
        for block in self.s.hidden_blocks:
            page = self.s.pages[block.page]
            for label in numbering.hidden_labels(block.body):
                if label in self.s.targets or label in self.s.hidden_targets:
                    where = self.s.targets[label].location if label in self.s.targets else self.s.hidden_targets[label].location
                    raise ReportError(f"label '{label}' is defined twice", page.path,
                                      numbering.find_label_line(page.raw, label),
                                      f"it is also defined at {where}")
                self.s.hidden_targets[label] = block.redaction
        # Publish by reachability: the pages in nav and what their text links to, nothing else.
        self.s.reachable = self._reach(numbered)
        self.s.withheld_pages = set(self.s.pages) - self.s.reachable
        self._exited_names()
        # A citation whose placeholder went with an editor's note, or that stands on a page the
        # audience does not get, is not cited where readers look.
        printed = {int(i) for src, text in numbered.items() if src in self.s.reachable
                   for i in PLACEHOLDER.findall(text)}
        for use in self.s.cites:
            if use.visible and use.deferred not in printed:
                use.visible = False
        self.s.citations.set_order(self.s.cited_keys())
        for deferred in self.s.deferred:
            if not deferred.visible:
                self._resolve(deferred, validate_only=True)
        for page in self.s.pages.values():
            page.output = self._finish(page, numbered[page.src])
            page.title = numbering.page_title(page.output)

    def _typed_pseudonyms(self, page: PageRecord) -> None:
        """A pseudonym typed by hand is a mention too: the audit ties its claim to the real name."""
        for participant in self.s.data.participants.values():
            if not participant.pseudonym or self.s.audience.knows(participant.id):
                continue
            if participant.pseudonym not in page.output:       # most pages: one fast scan, no regex
                continue
            # The literal first (the regex engine then searches for it quickly); the character before
            # is checked by hand: a pseudonym inside a longer word or name is not a mention.
            for match in re.finditer(re.escape(participant.pseudonym) + r"(?![\w-])", page.output):
                before = page.output[match.start() - 1] if match.start() else " "
                if before.isalnum() or before in "_-":
                    continue
                self.s.anonymous.append(AnonymousMention(participant.id, Location(page.path),
                                                       page.output[max(0, match.start() - 400):match.start()],
                                                       page.output[match.end():match.end() + 400]))

    def _reach(self, texts: dict[str, str]) -> set[str]:
        """The pages reached from the nav (and the home page) through the links of ``texts``."""
        roots = [src for src, page in self.s.pages.items()
                 if page.in_nav or src in ROOT_PAGES or src in self.s.declared_files]
        by_url: dict[str, str] = {}
        for src, page in self.s.pages.items():
            for url in (page.url, page.url + "index.html", page.url.rstrip("/")):
                by_url.setdefault(url, src)
        reached: set[str] = set()
        queue = list(roots)
        while queue:
            src = queue.pop()
            if src in reached or src not in texts:
                continue
            reached.add(src)
            page = self.s.pages[src]
            # Which deferred output a placeholder stands for is no URL: read without its number, a page
            # reads as it did before a citation was added to an earlier page (markdown_urls remembers it).
            for url in mdscan.markdown_urls(PLACEHOLDER.sub("\x02\x03", texts[src])):
                target = resolve_link(src, page.url, url, self.s.pages, by_url)
                if target is not None:
                    queue.append(target)
            for index in PLACEHOLDER.findall(texts[src]):
                target = self._placeholder_page(self.s.deferred[int(index)])
                if target is not None:
                    queue.append(target)
        return reached

    def _placeholder_page(self, d: Deferred) -> str | None:
        """The page a macro's output will link to: a reference's target, a citation's bibliography."""
        if d.kind == "ref":
            target = self.s.targets.get(d.args[0])
            return target.page if target is not None else None
        if d.kind in ("cite", "citet") and self.s.bibliography_pages.get(d.page) != "page":
            report_pages = [src for src, scope in self.s.bibliography_pages.items() if scope == "report"]
            return report_pages[0] if report_pages else None
        return None

    def resolve_text(self, page_src: str, text: str) -> str:
        """A piece of pass one's text on a page, its placeholders resolved as on that page."""
        return self._finish(self.s.pages[page_src], strip_marks(text))

    def _finish(self, page: PageRecord, text: str) -> str:
        def unheaded(match: re.Match) -> str:
            """A bibliography with nothing to list for this audience takes its heading with it."""
            deferred = self.s.deferred[int(match.group(1))]
            keep = deferred.kind != "bibliography" or bool(self._bibliography_keys(deferred))
            return match.group(0) if keep else ""

        text = HEADED_PLACEHOLDER.sub(unheaded, text)

        def substitute(match: re.Match) -> str:
            deferred = self.s.deferred[int(match.group(1))]
            value = self._resolve(deferred)
            if deferred.kind == "org":
                mention = self.s.anonymous[deferred.args[1]]
                mention.before = match.string[max(0, match.start() - 400):match.start()]
                mention.after = match.string[match.end():match.end() + 400]
            return value

        return PLACEHOLDER.sub(substitute, text)


def resolve_link(page_src: str, page_url: str, url: str, pages: dict, by_url: dict[str, str]) -> str | None:
    """The page a link in page ``page_src`` points to: as a docs path (``other.md``) or a site URL (``other/``)."""
    parts = urlsplit(html.unescape(url.strip()))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    as_source = posixpath.normpath(path.lstrip("/") if path.startswith("/")
                                   else posixpath.join(posixpath.dirname(page_src), path))
    if as_source in pages:
        return as_source
    site = site_path(page_url, url)
    if site is None:
        return None
    return by_url.get(site) or by_url.get(site.rstrip("/"))


