"""The CitationEngine behind the ``cite``, ``citet`` and ``bibliography`` macros.

One engine serves a whole build. It is told the report-wide order of first
citation (:meth:`CitationEngine.set_order`) before pages are rendered, because
two things depend on the whole report, not on the page being rendered: the
numbers of the numeric style, and the 2024a/2024b letters of the author-year
style. Each reference is formatted once per engine, however often it is cited.

HTML shapes (always one line, no block element, so a citation can sit in a
paragraph, a table cell, a heading or a footnote)::

    <span class="citation">(<a class="citation__ref" href="#ref-key" role="doc-biblioref"
      title="plain reference" data-citation-ref="escaped reference HTML">Müller, 2024</a>, p. 12)</span>

The ``title`` is the fallback when JavaScript is off; ``citations.js`` turns
``data-citation-ref`` into a Material-style tooltip. Text and attributes are
escaped against Markdown too (see :func:`citestyles.md_escape`).

Entry ids: ``ref-`` + the key folded to lowercase ASCII, every run of other
characters than ``a-z0-9`` replaced by ``-`` (``Müller:2024`` -> ``ref-muller-2024``).
Keys that fold to the same id get ``-2``, ``-3``... in .bib file order.
"""

from __future__ import annotations

import logging
import pathlib
import re
from typing import Any, Callable, Iterable, Mapping, Sequence, cast

from .bibtex import BibDatabase, ParseEntry, parse_bibtex, report_bibtex
from .citestyles import (
    STYLES,
    Formatted,
    Label,
    ReferenceFormatter,
    in_text_names,
    md_escape,
    sort_key,
    year_of,
    year_suffixes,
)
from . import ahead, caches
from .caches import digest
from .errors import ReportError, did_you_mean
from .text import ascii_folded, slugify
from .works import Work, make_work

#: Bump when the formatted layout changes: caches of other versions are then ignored.
FORMAT_VERSION = 3
#: A parent entry is listed on its own when cited directly or through this many cited children.
MIN_CROSSREFS = 2

log = logging.getLogger("mkdocs.plugins.report.citations")

Href = Callable[[str], "str | None"]

def html_id(key: str) -> str:
    """``ref-`` + the key as a lowercase ASCII slug (see the module docstring)."""
    return "ref-" + (slugify(key, fold=ascii_folded) or "entry")


# A quoted word in a page: a citation key where the bibliography has it (work ahead only).
QUOTED = re.compile(r"""["']([^"'\s]{1,200})["']""")
AHEAD_CHUNK = 100


class FormattedCache:
    """One style's formatted entries, kept in the cache next to the parse of the .bib they came from.

    Formatting (LaTeX decoding above all) is most of a citation's cost; under ``mkdocs serve`` the
    .bib rarely changes between rebuilds, so the result is kept under the parse's key (which covers
    the .bib's bytes and the engine), the style and :data:`FORMAT_VERSION`; a newer one supersedes
    the entries of older versions of the same .bib. What is derived from each entry besides
    (:meth:`derived`: its in-text names, year and sort key, its notes, its crossref parent) is kept
    in a file of its own and read at once; the formatted entries are read when one is first asked
    for (a build whose passes are remembered asks for none). A helper (:class:`ReferencesAhead`)
    writes its own files beside them, ``.ahead-<chunk>``, which the build takes in.
    """

    # The newest cache of this process, by suffix (style): a .bib saved again under `mkdocs serve`
    # keeps what was derived and formatted from the entries the save left as they were.
    latest: dict[str, "FormattedCache"] = {}

    def __init__(self, parse: ParseEntry | None, style: str, database: BibDatabase | None = None) -> None:
        self.parse = parse
        self.suffix = f".{style}_v{FORMAT_VERSION}.formatted.pickle"
        self.derived_suffix = f".{style}_v{FORMAT_VERSION}.derived.pickle"
        # What is derived from an entry, by ("\x00" + kind, key); formatted entries by (key, year label),
        # None until read.
        self._derived: dict[tuple[str, str], Any] = {}
        self._formatted: dict[tuple[str, str | None], Any] | None = None
        self.dirty: set[str] = set()         # the suffixes of the parts changed since read
        # A reference's text and HTML, escaped for its citations' attributes (CitationEngine._anchor).
        self.escaped: dict[tuple[str, str], tuple[str, str]] = {}
        previous = self.latest.get(self.suffix)
        if parse is not None and previous is not None and previous.parse is not None and \
                previous.parse.key == parse.key:
            # The same parse as this process's last build (`mkdocs serve`): what it read and made
            # stands, in memory (entries are only ever added, and each depends only on the parse).
            self._derived, self._formatted, self.escaped, self.dirty = previous.held()
            self.latest[self.suffix] = self
            return
        loaded = parse.store.read_pickle(parse.key, self.derived_suffix) if parse is not None else None
        if isinstance(loaded, dict):
            self._derived = loaded
        elif parse is not None and database is not None and self.suffix in self.latest:
            self._derived, self._formatted = self.latest[self.suffix].carried(database)
            self.dirty = {self.derived_suffix, self.suffix}
        if parse is not None:
            self.latest[self.suffix] = self

    def held(self) -> tuple[dict[Any, Any], dict[Any, Any] | None, dict[tuple[str, str], tuple[str, str]], set[str]]:
        """What this cache holds in memory (derived; formatted, None until read; escaped; what of it
        is not yet saved): for the next build of the same parse in this process."""
        return self._derived, self._formatted, self.escaped, self.dirty

    def carried(self, database: BibDatabase) -> tuple[dict[Any, Any], dict[Any, Any] | None]:
        """What of this cache holds for ``database``, parsed from this cache's parse: what was derived
        and formatted (when read) from the entries it left as they were."""
        if self.parse is None:
            return {}, None
        earlier = self.parse.key
        verdicts: dict[str, bool] = {}      # by .bib key: an entry has several parts here

        def unchanged(key: str) -> bool:
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = database.unchanged_since(earlier, key)
            return verdict

        def kept(entries: Mapping[Any, Any]) -> dict[Any, Any]:
            return {entry: value for entry, value in entries.items() if unchanged(self.entry_key(entry))}
        return kept(self._derived), (kept(self._formatted) if self._formatted is not None else None)

    @staticmethod
    def entry_key(entry: tuple[str, str | None]) -> str:
        """The .bib key an entry of this cache was made from (see :meth:`derived_key`)."""
        return str(entry[1]) if entry[0][:1] == "\x00" else entry[0]

    @property
    def formatted(self) -> dict[tuple[str, str | None], Any]:
        if self._formatted is None:
            loaded = self.parse.store.read_pickle(self.parse.key, self.suffix) if self.parse is not None else None
            self._formatted = loaded if isinstance(loaded, dict) else {}
        return self._formatted

    def get(self, key: str, year_label: str | None) -> Formatted | None:
        return self.formatted.get((key, year_label))

    @staticmethod
    def derived_key(kind: str, key: str) -> tuple[str, str]:
        return "\x00" + kind, key

    def derived(self, kind: str, key: str) -> Any:
        """What an earlier build derived from an entry: its ``info`` (in-text names, year, sort key),
        its ``notes`` (what it lacks) or its ``parent``."""
        return self._derived.get(self.derived_key(kind, key))

    def put_derived(self, kind: str, key: str, value: Any) -> None:
        self._derived[self.derived_key(kind, key)] = value
        self.dirty.add(self.derived_suffix)

    def take(self, entries: Mapping[tuple[str, str | None], Any]) -> None:
        """Entries made elsewhere (a helper, see :class:`ReferencesAhead`); what is known stays."""
        for entry, value in entries.items():
            derived = entry[0][:1] == "\x00"
            known: dict[Any, Any] = self._derived if derived else self.formatted
            if entry not in known:
                known[entry] = value
                self.dirty.add(self.derived_suffix if derived else self.suffix)

    def put(self, key: str, year_label: str | None, formatted: Formatted) -> None:
        self.formatted[(key, year_label)] = formatted
        self.dirty.add(self.suffix)

    def save(self, later: bool = False) -> None:
        """Write atomically; drop this style's caches of older versions of the same .bib. With
        ``later`` (the live preview), once the preview is shown (:func:`caches.later`), unless a
        later build has read another .bib by then."""
        parse = self.parse
        if parse is None:
            return
        for suffix, entries in ((self.derived_suffix, self._derived), (self.suffix, self._formatted)):
            if suffix in self.dirty and entries is not None:
                def write(suffix: str = suffix, entries: dict[Any, Any] = dict(entries)) -> None:
                    newest = self.latest.get(self.suffix)
                    if later and newest is not None and newest.parse is not None and newest.parse.key != parse.key:
                        return              # a later build read another .bib: its caches are not to be superseded
                    parse.store.supersede(parse.family, parse.key, suffix)
                    parse.store.write_pickle(parse.key, entries, suffix)
                caches.later(write) if later else write()
        self.dirty = set()

    # -- a helper's files ----------------------------------------------------------------

    def ahead_suffix(self, chunk: Sequence[str]) -> str:
        return f"{self.suffix}.ahead-{digest(*chunk)[:20]}"

    def has_ahead(self, chunk: Sequence[str]) -> bool:
        return self.parse is not None and self.parse.store.has(self.parse.key, self.ahead_suffix(chunk))

    def write_ahead(self, chunk: Sequence[str], found: Mapping[tuple[str, str | None], Any]) -> None:
        if self.parse is not None:
            self.parse.store.write_pickle(self.parse.key, dict(found), self.ahead_suffix(chunk))

    def take_ahead(self) -> None:
        """Take in every helper's file (what is already known stays as it is), and remove it."""
        if self.parse is None:
            return
        store, key = self.parse.store, self.parse.key
        for name in store.names(f"{key}{self.suffix}.ahead-*"):
            suffix = name[len(key):]
            loaded = store.read_pickle(key, suffix)
            if isinstance(loaded, dict):
                self.take(loaded)
            store.remove(key, suffix)


class ReferencesAhead:
    """Work ahead on another core (ahead.py) for one engine: deriving and formatting, into its
    style's cache, the entries the pages seem to cite (every quoted word that is a key) and the
    cache lacks, while the pages are rendered; where the .bib was left for later, parsing it first.
    The helper works until the build first needs what is derived from an entry (the engine then
    calls :meth:`take`). Whatever the helper has not done, the build does."""

    def __init__(self, database: BibDatabase, disk: FormattedCache,
                 derive: Callable[[str], Mapping[tuple[str, str | None], Any]]) -> None:
        self.database = database
        self.disk = disk
        self.derive = derive            # all a build derives from one entry, by cache entry
        self.helper: ahead.Helper | None = None       # at work, its work not yet taken

    def format(self, texts: Iterable[str]) -> ahead.Helper | None:
        """Start the helper on what ``texts`` quote, unless :meth:`parse` started one; the helper."""
        if self.helper is None and self.disk.parse is not None and ahead.available():
            chunks = self._chunks(texts)
            self.helper = ahead.Helper("references", chunks, self.disk.has_ahead, self._make) if chunks else None
        return self.helper

    def parse(self, docs_dir: pathlib.Path) -> None:
        """Where the database was left for later (:func:`report_engine.bibtex.load_bibtex`): a helper
        that first parses the .bib into the cache, then works as :meth:`format` does on the Markdown
        files under ``docs_dir``. The database waits for the parse when first asked."""
        if self.disk.parse is None or not self.database.later or not ahead.available():
            return
        database = self.database

        def plan() -> list[list[str]]:
            database.wait = None                 # in the helper: this is the parse to wait for
            database.ready()
            ahead.planned()                      # the build waits for the parse alone
            return self._chunks(path.read_text(encoding="utf-8", errors="replace")
                                for path in sorted(docs_dir.rglob("*.md")))

        self.helper = ahead.Helper("bibliography", plan, self.disk.has_ahead, self._make)
        database.wait = self.helper.wait_planned

    def _chunks(self, texts: Iterable[str]) -> list[list[str]]:
        """The entries the texts seem to cite (every quoted word that is a key) and the cache lacks."""
        quoted = {word.lower() for text in texts for word in QUOTED.findall(text)}
        keys = [key for key in self.database.keys() if key.lower() in quoted and
                (self.disk.derived("info", key) is None or self.disk.derived("parent", key) is None
                 or self.disk.get(key, None) is None)]
        return [keys[start:start + AHEAD_CHUNK] for start in range(0, len(keys), AHEAD_CHUNK)]

    def _make(self, chunk: list[str]) -> None:
        found: dict[tuple[str, str | None], Any] = {}
        for key in chunk:
            found.update(self.derive(key))
        self.disk.write_ahead(chunk, found)

    def take(self) -> None:
        """Stop the helper, if any, and take what it made (what is already known stays as it is)."""
        helper, self.helper = self.helper, None
        if helper is not None and self.disk.parse is not None:
            helper.stop()
            self.disk.take_ahead()

    def abandon(self) -> None:
        """A build that failed: the helper ends at once, its work left."""
        helper, self.helper = self.helper, None
        if helper is not None:
            helper.stop(now=True)


class CitationEngine:
    """Citations and reference lists for one build, in one style."""

    def __init__(self, database: BibDatabase, style: str = "author-year", max_names: int = 10) -> None:
        if style not in STYLES:
            raise ReportError(
                f"unknown citation style '{style}'",
                suggestion=did_you_mean(style, STYLES, "citation styles"),
            )
        self.database = database
        self.style = STYLES[style]
        self._formatter = ReferenceFormatter(style, max_names)
        self._works: dict[str, Work] = {}
        self._numbers: dict[str, int] = {}
        self._suffixes: dict[str, str] = {}
        self._info: dict[str, tuple[str, str, tuple]] = {}
        self._formatted: dict[str, tuple[str | None, Formatted]] = {}
        # Citations made, by kind, keys, locator and where they link: a report cites the same works on
        # page after page. Emptied whenever numbers or letters change (_refresh_suffixes).
        self._cited: dict[tuple[Any, ...], str] = {}
        self._ids: dict[str, str] | None = None
        self._disk = FormattedCache(database.cache, f"{style}_n{max_names}", database)
        # Work ahead on another core: started by the build, taken when first needed (_cache).
        self.ahead = ReferencesAhead(database, self._disk, self._derive_all)

    # -- keys and report-wide order ------------------------------------------------

    def check(self, keys: Sequence[str]) -> None:
        """Raise ReportError for the first unknown key."""
        for key in _as_list(keys):
            self._canonical(key)

    def set_order(self, keys_in_first_citation_order: Sequence[str]) -> None:
        """Fix numbers and a/b letters from every key the report cites, in order."""
        order = _unique(self._canonical(key) for key in _as_list(keys_in_first_citation_order))
        self._numbers = {key: number for number, key in enumerate(order, start=1)}
        self._refresh_suffixes()

    def _canonical(self, key: str) -> str:
        key = str(key).strip()
        try:
            return self.database.canonical(key)
        except KeyError:
            if len(self.database):
                hint = did_you_mean(key, self.database.keys(), "citation keys")
            else:
                hint = f"{self.database.path.name} is missing or has no entries: add the reference there"
            raise ReportError(f"unknown citation key '{key}'", suggestion=hint) from None

    def _enlist(self, key: str) -> None:
        """A key cited but missing from set_order: number it last (and re-letter)."""
        if key not in self._numbers:
            log.debug("citation key %s was not in the report-wide order", key)
            self._numbers[key] = len(self._numbers) + 1
            self._refresh_suffixes()

    def _refresh_suffixes(self) -> None:
        self._cited.clear()                 # numbers changed (the callers), and letters may
        if "year" not in self.style.needs:
            return
        cited = []
        for key in self._numbers:
            names, year, order = self._require(key)
            cited.append((key, names, year, order))
        self._suffixes = year_suffixes(cited)

    # -- labels and formatted references ---------------------------------------------

    def work(self, key: str) -> Work:
        """The entry behind ``key`` as a work (crossref and xdata inherited)."""
        canonical = self._canonical(key)
        if canonical not in self._works:
            self._works[canonical] = make_work(_entries(self.database), canonical)
        return self._works[canonical]

    def _require(self, key: str) -> tuple[str, str, tuple]:
        """(in-text names, year, sort key) of an entry: never missing, an entry renders with what it has."""
        if key not in self._info:
            info = self._cache.derived("info", key)
            if info is None:
                info = derive_info(self.work(key))
                self._cache.put_derived("info", key, info)
            self._info[key] = info
        return self._info[key]

    @property
    def _cache(self) -> FormattedCache:
        """What is derived and formatted, the helper's work (:attr:`ahead`) taken in first."""
        if self.ahead.helper is not None:
            self.ahead.take()
        return self._disk

    def _derive_all(self, key: str) -> dict[tuple[str, str | None], Any]:
        """Everything a build derives from one entry, by its place in the formatted cache."""
        work = self.work(key)
        return {FormattedCache.derived_key("info", key): derive_info(work),
                FormattedCache.derived_key("notes", key): tuple(work.notes),
                FormattedCache.derived_key("parent", key): work.parent or "",
                (key, None): self._formatter.format(work, None)}

    def _label(self, key: str) -> Label:
        self._enlist(key)
        names, year, order = self._require(key)
        return Label(key, self._numbers[key], names, year + self._suffixes.get(key, ""), order)

    def _reference(self, key: str) -> Formatted:
        """The formatted reference, made once (again only if its letter changed)."""
        suffix = self._suffixes.get(key)
        year_label = self._require(key)[1] + suffix if suffix else None
        cached = self._formatted.get(key)
        if cached is not None and cached[0] == year_label:
            return cached[1]
        formatted = self._cache.get(key, year_label)
        if formatted is None:
            formatted = self._formatter.format(self.work(key), year_label)
            self._cache.put(key, year_label, formatted)
        self._formatted[key] = (year_label, formatted)
        return formatted

    def save_cache(self, later: bool = False) -> None:
        """Keep this build's formatted entries for the next build of the same .bib (with ``later``,
        once the live preview is shown)."""
        self._cache.save(later)

    def notes(self, keys: Iterable[str] | None = None) -> list[tuple[str, int, list[str]]]:
        """(key, line, notes) of every incomplete entry among ``keys`` (default: the whole file)."""
        found = []
        for key in (self.database.keys() if keys is None else _unique(self._canonical(k) for k in keys)):
            notes = self._cache.derived("notes", key)
            if notes is None:
                notes = tuple(self.work(key).notes)
                self._cache.put_derived("notes", key, notes)
            if notes:
                found.append((key, self.database.line(key), list(notes)))
        return found

    def parent(self, key: str) -> str | None:
        """The crossref parent of ``key`` when the bibliography has it (remembered with what is derived
        from the entry: a warm build reads no entry)."""
        canonical = self._canonical(key)
        known = self._cache.derived("parent", canonical)        # "": none
        if known is None:
            known = self.work(canonical).parent or ""
            self._cache.put_derived("parent", canonical, known)
        return known or None

    def listed(self, keys: Iterable[str]) -> list[str]:
        """The entries a reference list shows for ``keys``: those keys, and each crossref parent
        cited by at least two of them (BibTeX's ``min-crossrefs``), after its first child."""
        keys = _unique(self._canonical(k) for k in keys)
        children: dict[str, int] = {}
        for key in keys:
            parent = self.parent(key)
            if parent is not None:
                children[self._canonical(parent)] = children.get(self._canonical(parent), 0) + 1
        shown = list(keys)
        for parent, count in children.items():
            if count >= MIN_CROSSREFS and parent not in shown:
                shown.append(parent)
        return shown

    # -- HTML ------------------------------------------------------------------------

    def _anchor(self, key: str, text: str, href: Href) -> str:
        reference = self._reference(key)
        target = href(key)
        link = f'href="{md_escape(target)}"' if target else 'tabindex="0"'
        escaped = self._disk.escaped.get((reference.text, reference.html))
        if escaped is None:
            escaped = self._disk.escaped[(reference.text, reference.html)] = (md_escape(reference.text),
                                                                             md_escape(reference.html))
        return (
            f'<a class="citation__ref" {link} role="doc-biblioref" '
            f'title="{escaped[0]}" data-citation-ref="{escaped[1]}">'
            f"{md_escape(text)}</a>"
        )

    def cite(self, keys: Sequence[str], loc: str | None, href: Href) -> str:
        """Parenthetical citation of one or more keys, sorted and deduplicated."""
        canonical = _unique(self._canonical(key) for key in _as_list(keys))
        if not canonical:
            raise ReportError("a citation needs at least one key", suggestion='write cite("key")')
        known = ("cite", tuple(canonical), loc, href)
        made = self._cited.get(known)
        if made is None:
            for key in canonical:           # every key numbered (and lettered) before any label is read
                self._enlist(key)
            style = self.style
            labels = style.cite_order([self._label(key) for key in canonical])
            links = style.sep.join(self._anchor(label.key, style.link_text(label), href) for label in labels)
            tail = md_escape(_locator(loc) + style.close)
            made = self._cited[known] = f'<span class="citation">{md_escape(style.open)}{links}{tail}</span>'
        return made

    def citet(self, key: str, loc: str | None, href: Href) -> str:
        """Textual citation: "Müller et al. (2024, p. 4)" or "Müller et al. [3]"."""
        known = ("citet", self._canonical(key), loc, href)
        made = self._cited.get(known)
        if made is None:
            label = self._label(known[1])
            text = self.style.textual(label, " ".join((loc or "").split()) or None)
            made = self._cited[known] = \
                f'<span class="citation citation--textual">{self._anchor(label.key, text, href)}</span>'
        return made

    def reference_list(self, keys: Iterable[str]) -> str:
        """The reference list of ``keys`` in style order; "" when there are none."""
        canonical = _unique(self._canonical(key) for key in _as_list(keys))
        if not canonical:
            return ""
        labels = self.style.list_order([self._label(key) for key in canonical])
        tag = self.style.list_tag
        items = "".join(self._list_item(label) for label in labels)
        return (
            f'<div class="bibliography"><{tag} class="bibliography__list '
            f'bibliography__list--{self.style.name}">{items}</{tag}></div>'
        )

    def _list_item(self, label: Label) -> str:
        marker = self.style.list_label(label)
        if marker is None:
            return f'<li id="{self.entry_id(label.key)}">{self._reference(label.key).html}</li>'
        return (
            f'<li id="{self.entry_id(label.key)}" value="{label.number}">'
            f'<span class="bibliography__label">{md_escape(marker)}</span> '
            f"{self._reference(label.key).html}</li>"
        )

    def entry_id(self, key: str) -> str:
        """The stable HTML id of an entry's reference-list item."""
        if self._ids is None:
            self._ids = entry_ids(self.database.keys())
        return self._ids[self._canonical(key)]

    def plain_reference(self, key: str) -> str:
        """The formatted reference as plain text."""
        return self._reference(self._canonical(key)).text

    def report_reference(self, report: Mapping) -> tuple[str, str]:
        """("Cite this report" HTML in the active style, the BibTeX entry)."""
        bibtex = report_bibtex(report)
        items = parse_bibtex(bibtex, "<report metadata>")
        own = BibDatabase(pathlib.Path("<report metadata>"), items)
        return self._formatter.format(make_work(_entries(own), items[0].key)).html, bibtex


def entry_ids(keys: Iterable[str]) -> dict[str, str]:
    """Each key's HTML id: its slug, numbered from 2 where an earlier key has the same slug."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for name in keys:
        base = candidate = html_id(name)
        number = 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        ids[name] = candidate
    return ids


def derive_info(work: Work) -> tuple[str, str, tuple]:
    """An entry's in-text names, year and sort key."""
    return in_text_names(work), year_of(work), sort_key(work)


def _entries(database: BibDatabase) -> Mapping[str, Any]:
    """The database as the mapping of keys to entries it is (it is no ``Mapping`` subclass)."""
    return cast("Mapping[str, Any]", database)


def _as_list(keys: Iterable[str] | str) -> list[str]:
    """A lone string is one key, not a sequence of one-letter keys."""
    return [keys] if isinstance(keys, str) else list(keys)


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _locator(loc: str | None) -> str:
    loc = " ".join((loc or "").split())
    return f", {loc}" if loc else ""
