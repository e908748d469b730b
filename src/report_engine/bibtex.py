"""Loading ``bibliography.bib`` into a :class:`BibDatabase`.

Why not just ``pybtex.database.parse_file``:

* authors need the *line* of every mistake, and of every entry (a missing
  field is reported at the entry); pybtex only gives lines for syntax errors;
* pybtex reports a repeated key through a global switch (``pybtex.errors``
  strict mode raises a line-less ``BibliographyDataError``, non-strict mode
  prints a warning and keeps the first entry); we want a located error either
  way, so we scan with pybtex's own low-level parser, note the line of each
  ``@type{key,`` and check duplicates (case-insensitively, as BibTeX does)
  ourselves. Errors pybtex reports through ``pybtex.errors.report_error``
  (bad names, repeated fields) are captured, so the global mode never matters;
* parsing is the slow part of a build that cites a lot, so the parsed entries
  are kept in the cache (:mod:`report_engine.caches`), keyed by the file's place
  and content; a new parse of a file supersedes the older ones.

:func:`report_bibtex` goes the other way: the report's own ``@techreport``
entry, for "Cite this report".
"""

from __future__ import annotations

import codecs
import datetime
import logging
import pathlib
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import latexcodec  # noqa: F401  (registers the "ulatex" codecs)

import pybtex
import pybtex.errors
from pybtex.database import Entry
from pybtex.database.input.bibtex import LowLevelParser, Parser
from pybtex.scanner import PrematureEOF, PybtexSyntaxError

from . import caches
from .caches import Store, digest
from .errors import ReportError
from .works import check_type

log = logging.getLogger("mkdocs.plugins.report.citations")

#: Bump when the pickled layout changes: old cache files are then ignored.
CACHE_VERSION = 1
SUFFIX = ".pickle"
INDEX_SUFFIX = ".keys.pickle"


@dataclass(frozen=True)
class ParseEntry:
    """Where a .bib file's parse is cached: ``bibtex-<where>-<content>.pickle`` in the cache root,
    ``where`` a digest of the file's place and ``content`` the entry key of its bytes. What is
    derived from the parse (citations.py's formatted entries) is cached under names that start
    with :attr:`key` too."""

    store: Store
    key: str

    @property
    def path(self) -> pathlib.Path | None:
        return self.store.path(self.key, SUFFIX)

    @property
    def family(self) -> str:
        """What the names of every parse of this same file (and all derived from one) start with."""
        return self.key.rsplit("-", 1)[0] + "-"


@dataclass(frozen=True)
class BibEntry:
    """One entry of the .bib file, with the line its ``@type{`` starts on."""

    key: str
    line: int
    entry: Entry


class BibDatabase:
    """Read-only, mapping-like view of a parsed .bib file.

    Keys keep the spelling of the .bib file; lookups are case-insensitive
    because BibTeX keys are (``Smith2024`` and ``smith2024`` are one entry).
    A database read from the cache knows its keys and lines at once and reads its
    entries only when one is asked for (``load``): a build whose passes and formatted
    references are remembered needs none of them. A database parsed ahead
    (:func:`load_bibtex` with ``later``) knows nothing until first asked: then it waits
    for :attr:`wait` (a helper parsing the file into the cache) and reads the parse.
    """

    def __init__(self, path: pathlib.Path, entries: list[BibEntry] | None, cache: ParseEntry | None = None,
                 since: tuple[str, frozenset[str]] | None = None, *,
                 index: list[tuple[str, int]] | None = None,
                 load: Callable[[], list[BibEntry]] | None = None,
                 resolve: Callable[[], "BibDatabase"] | None = None) -> None:
        self.path = path
        self.cache = cache  # where derived data (formatted entries) may be cached too
        # Parsed from an earlier parse (its cache key) and the keys (folded) that differ from it.
        self.since = since
        self._load = load
        self._resolve = resolve             # the parse this database stands for, until first asked
        self.wait: Callable[[], None] | None = None     # what to wait for before it is read
        self._entries: dict[str, BibEntry] | None = None
        self._inheriting: set[str] | None = None        # keys (folded) of entries with crossref or xdata
        self._reading = threading.Lock()
        if entries is not None:
            self._take(entries)
            index = [(item.key, item.line) for item in entries]
        self._index(index or [])

    def _index(self, index: list[tuple[str, int]]) -> None:
        self._lines = dict(index)
        self._keys = {key.lower(): key for key in reversed(self._lines)}      # the first of a spelling

    def _take(self, entries: list[BibEntry]) -> None:
        self._entries = {item.key: item for item in entries}

    @property
    def later(self) -> bool:
        """Whether the parse is still to be read (see the class)."""
        return self._resolve is not None

    def ready(self) -> "BibDatabase":
        """Read the parse now if it was left for later (a mistake in the file is raised here); itself."""
        resolve = self._resolve
        if resolve is not None:
            if self.wait is not None:
                self.wait()
            entries, index, load, since = resolve().state()
            self._resolve = None
            self._entries, self._load, self.since = entries, load, since
            self._index(index)
        return self

    def state(self) -> tuple[dict[str, BibEntry] | None, list[tuple[str, int]], Callable[[], list[BibEntry]] | None,
                             tuple[str, frozenset[str]] | None]:
        """What this database knows: its entries if read, its keys and lines, how it reads its
        entries, and what it was parsed from (see :meth:`ready`)."""
        self.ready()
        return self._entries, list(self._lines.items()), self._load, self.since

    def entries(self) -> list[BibEntry]:
        """Every entry, in file order (read now if it was not yet; read once, whichever thread asks
        first: the live preview reads them ahead while a rebuild may ask)."""
        self.ready()
        with self._reading:
            if self._entries is None:
                loaded = self._load() if self._load is not None else []
                if [(item.key, item.line) for item in loaded] != list(self._lines.items()):
                    raise ReportError("the bibliography's cached parse does not match its keys", str(self.path),
                                      None, "delete the .cache folder next to mkdocs.yml and build again")
                self._take(loaded)
        assert self._entries is not None
        return list(self._entries.values())

    def canonical(self, key: str) -> str:
        """The key as the .bib file spells it (KeyError when it has none)."""
        if self._resolve is not None:
            self.ready()
        if key in self._lines:
            return key
        return self._keys[key.lower()]

    def line(self, key: str) -> int:
        return self._lines[self.canonical(key)]

    def unchanged_since(self, parse: str, key: str) -> bool:
        """Whether what is derived from entry ``key`` of the earlier parse ``parse`` holds for this
        one: the entry is the same and inherits from no other (crossref, xdata)."""
        folded = key.lower()
        if self.since is None or self.since[0] != parse or folded in self.since[1] or folded not in self._keys:
            return False
        if self._inheriting is None:         # one look at every entry, for all the keys asked about
            self._inheriting = {item.key.lower() for item in self.entries()
                                if any(name.lower() in ("crossref", "xdata") for name in item.entry.fields)}
        return folded not in self._inheriting

    def keys(self) -> list[str]:
        """Keys in .bib file order."""
        self.ready()
        return list(self._lines)

    def __contains__(self, key: object) -> bool:
        self.ready()
        return isinstance(key, str) and key.lower() in self._keys

    def __getitem__(self, key: str) -> BibEntry:
        canonical = self.canonical(key)
        if self._entries is None:
            self.entries()
        assert self._entries is not None
        return self._entries[canonical]

    def __iter__(self) -> Iterator[str]:
        self.ready()
        return iter(self._lines)

    def __len__(self) -> int:
        self.ready()
        return len(self._lines)

    def __repr__(self) -> str:
        return f"BibDatabase({str(self.path)!r}, {'parse to read' if self.later else f'{len(self)} entries'})"


# The newest parse this process read (``mkdocs serve`` rebuilds after every edit, mostly of other files);
# keyed by its cache entry's path, which holds a digest of the .bib's bytes, with those bytes (an edit
# of a few entries parses only them: :func:`reparse`). Entries are never changed.
_LAST_PARSE: dict[str, Any] = {}


def load_bibtex(path: pathlib.Path, cache_dir: pathlib.Path | None, *, later: bool = False,
                write_later: bool = False) -> BibDatabase:
    """Parse ``path`` (or reuse the cached parse of identical content).

    A missing file gives an empty database: a report may cite nothing. With ``later``, a file whose
    parse is not cached is not parsed now: the database reads it when first asked (see
    :class:`BibDatabase`), which leaves the parse to a helper in the meantime
    (:meth:`report_engine.citations.ReferencesAhead.parse`).
    With ``write_later`` (the live preview), a new parse is kept in the cache once the preview is
    shown (:func:`report_engine.caches.later`), unless a later build has read another parse by
    then; this process holds it meanwhile.
    Raises :class:`ReportError` for anything wrong in the file (with ``later``, when first asked).
    """
    path = pathlib.Path(path)
    if not path.is_file():
        log.debug("no bibliography at %s", path)
        return BibDatabase(path, [])
    data = path.read_bytes()
    cache = _cache_entry(path, data, cache_dir)
    last: BibDatabase | None = _LAST_PARSE.get("database")
    if cache is not None and last is not None and _LAST_PARSE.get("key") == str(cache.path):
        return last                       # the same content, this process (a database is never changed)
    database = _read_cached(path, data, cache) if cache else None
    if database is None and later and cache is not None:
        return BibDatabase(path, None, cache, resolve=lambda: _parsed(path, data, cache, None))
    return _parsed(path, data, cache, database, write_later)


def hold_last_parse() -> None:
    """Read the entries of this process's last parse if the cache gave only its keys: the live
    preview's next save of the .bib reparses only what changed, from them (run when idle)."""
    last: BibDatabase | None = _LAST_PARSE.get("database")
    if last is not None:
        last.entries()


def _parsed(path: pathlib.Path, data: bytes, cache: ParseEntry | None, database: BibDatabase | None,
            write_later: bool = False) -> BibDatabase:
    """The database of ``data``: ``database`` when the cache gave one, else the cache's parse if it
    has one by now, else a parse (of only what changed since this process's last parse of the same
    file, see :func:`reparse`), kept in the cache."""
    last: BibDatabase | None = _LAST_PARSE.get("database")
    since = None
    if database is None and cache is not None:
        database = _read_cached(path, data, cache)
    if database is None:
        text = _decode(data, path)
        entries = None
        before_data = _LAST_PARSE.get("data")
        if last is not None and isinstance(before_data, bytes) and _LAST_PARSE.get("path") == str(path):
            before = last.entries()
            entries = reparse(before_data.decode("utf-8-sig"), before, text, str(path))
            if entries is not None and last.cache is not None:
                # An entry the reparse kept is the same object in both; any other was parsed, added or dropped.
                kept = {id(entry.entry) for entry in before} & {id(entry.entry) for entry in entries}
                changed = {entry.key.lower() for entry in [*before, *entries] if id(entry.entry) not in kept}
                since = (last.cache.key, frozenset(changed))
        if entries is None:
            entries = parse_bibtex(text, str(path))
        if cache and write_later:
            kept_entries = list(entries)

            def write() -> None:
                if _LAST_PARSE.get("key") == str(cache.path):     # not since replaced by another parse
                    _write_cache(cache, kept_entries)
            caches.later(write)
        elif cache:
            _write_cache(cache, entries)
        database = BibDatabase(path, entries, cache, since)
    if cache is not None:
        _LAST_PARSE.update(key=str(cache.path), database=database, data=data, path=str(path))
    return database


# -- parsing -------------------------------------------------------------------


class _Scanner(LowLevelParser):
    """pybtex's BibTeX scanner, remembering the line each ``@command`` starts on."""

    command_line = 1

    def parse_command(self) -> Any:
        self.command_line = self.lineno  # the scanner has just consumed the '@'
        return super().parse_command()


def _raise(error: Exception) -> None:
    raise error


def parse_bibtex(text: str, filename: str) -> list[BibEntry]:
    """Parse BibTeX source into entries; every problem becomes a ReportError."""
    builder = Parser()  # only for its @string macros and entry construction
    lines = text.split("\n")
    scanner = _Scanner(text, handle_error=_raise, filename=filename, macros=builder.macros)
    seen: dict[str, BibEntry] = {}
    try:
        for command, body in scanner:
            if command.lower() in ("string", "preamble"):
                continue
            key, fields = body
            line = scanner.command_line
            if "=" in key or "{" in key or '"' in key:
                raise ReportError(
                    f"BibTeX @{command} entry without a key (read '{key}' as its key)",
                    filename,
                    line,
                    f"start the entry with its key: @{command}{{some-key, ...",
                )
            first = seen.get(key.lower())
            if first is not None:
                raise _duplicate(key, first, filename, line)
            _check_head(lines, command, key, filename, line)
            check_type(command, key, filename, line)
            entry = _build_entry(builder, command, key, fields, filename, line)
            seen[key.lower()] = BibEntry(key, line, entry)
    except PybtexSyntaxError as error:
        raise _syntax_error(error, scanner, filename) from None
    return list(seen.values())


# Where an ``@command`` may start: at the start of a line (after blanks).
COMMAND_START = re.compile(r"^[ \t]*@", re.M)
MACROS = re.compile(r"@\s*string\b", re.I)


def _chunks(text: str) -> list[str]:
    """``text`` cut before every line that starts with ``@`` (the first piece may be a comment)."""
    starts = [0, *(match.start() for match in COMMAND_START.finditer(text) if match.start() > 0), len(text)]
    return [text[start:end] for start, end in zip(starts, starts[1:])]


def reparse(old: str, entries: list[BibEntry], new: str, filename: str) -> list[BibEntry] | None:
    """The parse of ``new``, from the parse of ``old`` (its ``entries``) and of the pieces that differ
    (an author saving one entry of thousands under ``mkdocs serve``); None when that cannot be done
    exactly: the file defines @string macros (a piece would read them), ``old`` has an ``@`` line
    that starts no entry, or the pieces that differ do not parse alone into one entry each (then
    :func:`parse_bibtex` says what is wrong, where, as it always does)."""
    if MACROS.search(old) or MACROS.search(new):
        return None
    before, after = _chunks(old), _chunks(new)
    lines = [1]
    for piece in before:
        lines.append(lines[-1] + piece.count("\n"))
    heads = [line for piece, line in zip(before, lines) if piece.lstrip(" \t").startswith("@")]
    if [entry.line for entry in entries] != heads:
        return None
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    tail = 0
    while tail < min(len(before), len(after)) - same and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    changed = after[same:len(after) - tail]
    first_line = lines[same]
    region = "".join(changed)
    try:
        # Blank lines ahead: the entries and any mistake are read at their lines in the file.
        fresh = parse_bibtex("\n" * (first_line - 1) + region, filename)
    except ReportError:
        return None
    if len(fresh) != sum(piece.lstrip(" \t").startswith("@") for piece in changed):
        return None
    shift = region.count("\n") - "".join(before[same:len(before) - tail]).count("\n")
    end_line = lines[len(before) - tail]
    kept = [entry for entry in entries if entry.line < first_line]
    moved = [BibEntry(entry.key, entry.line + shift, entry.entry) for entry in entries if entry.line >= end_line]
    merged = [*kept, *fresh, *moved]
    seen: set[str] = set()
    for entry in merged:
        if entry.key.lower() in seen:
            return None                 # a repeated key: the whole parse names both places
        seen.add(entry.key.lower())
    return merged


ENTRY_HEAD = re.compile(r"@\s*(\w+)\s*[{(]\s*([^\s,{}()=]*)\s*(\S?)")


def _check_head(lines: list[str], command: str, key: str, filename: str, line: int) -> None:
    """pybtex reads ``@article{key author = ...`` (no comma after the key) without a word: BibTeX does not."""
    rest = "\n".join(lines[line - 1:line + 3])
    match = ENTRY_HEAD.search(rest)
    if match and match.group(2) == key and match.group(3) not in (",", "}", ")", ""):
        raise ReportError(f"BibTeX entry '{key}' has no comma after its key", filename, line,
                          f"write @{command}{{{key}, and then the fields")


def _build_entry(
    builder: Parser, command: str, key: str, fields: list, filename: str, line: int
) -> Entry:
    """Let pybtex build the entry, turning what it reports into a located error."""
    with pybtex.errors.capture() as problems:  # collects instead of raising/printing
        builder.process_entry(command, key, fields)
    if problems:
        raise ReportError(
            f"invalid BibTeX entry '{key}': {problems[0]}",
            filename,
            line,
            "check the names (separated by 'and', at most two commas each) "
            "and that no field is given twice",
        )
    return builder.data.entries[key]


def _duplicate(key: str, first: BibEntry, filename: str, line: int) -> ReportError:
    same = "" if first.key == key else f" as '{first.key}' (BibTeX keys ignore case)"
    return ReportError(
        f"duplicate BibTeX key '{key}': already defined at line {first.line}{same}",
        filename,
        line,
        "delete the repeated entry or give it another key",
    )


def _syntax_error(error: PybtexSyntaxError, scanner: _Scanner, filename: str) -> ReportError:
    """Locate a pybtex syntax error at its line, naming the entry it is in."""
    key = scanner.current_entry_key
    where = f"entry '{key}'" if key else "the entry"
    where += f" starting at line {scanner.command_line}"
    if isinstance(error, PrematureEOF):
        return ReportError(
            f"malformed BibTeX: the file ends inside {where}",
            filename,
            scanner.command_line,
            "a closing brace '}' or quote '\"' is missing in that entry",
        )
    detail = error.args[0] if error.args else str(error)
    return ReportError(
        f"malformed BibTeX in {where}: {error.error_type}: {detail}",
        filename,
        error.lineno,
        "look for a missing comma between fields, an unbalanced brace or quote, "
        "or an undefined @string name",
    )


def _decode(data: bytes, path: pathlib.Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReportError(
            "the bibliography is not valid UTF-8", str(path), line, "save the file as UTF-8"
        ) from None


# -- disk cache ----------------------------------------------------------------


def _cache_entry(path: pathlib.Path, data: bytes, cache_dir: pathlib.Path | None) -> ParseEntry | None:
    """The parse's entry in the cache root ``cache_dir``; its content digest decides validity."""
    if cache_dir is None:
        return None
    store = Store(None, "", root=pathlib.Path(cache_dir))
    content = store.key("bibtex", str(CACHE_VERSION), pybtex.__version__, data)[:32]
    where = digest(str(path.resolve()))[:12]
    return ParseEntry(store, f"bibtex-{where}-{content}")


def _read_cache(cache: ParseEntry) -> list[BibEntry] | None:
    """The cached entries, or None if absent or unreadable (then we re-parse)."""
    payload = cache.store.read_pickle(cache.key, SUFFIX)
    if (
        not isinstance(payload, tuple)
        or len(payload) != 2
        or payload[0] != CACHE_VERSION
        or not all(isinstance(item, BibEntry) for item in payload[1])
    ):
        if payload is not None:
            log.debug("ignoring cache %s with an unexpected layout", cache.key)
        return None
    return list(payload[1])


def _read_cached(path: pathlib.Path, data: bytes, cache: ParseEntry) -> BibDatabase | None:
    """The database of the cached parse: its keys and lines now, its entries when one is asked for
    (from the cache, or parsed again from ``data`` if the cache has lost them since)."""
    index = cache.store.read_pickle(cache.key, INDEX_SUFFIX)
    if not (isinstance(index, tuple) and len(index) == 2 and index[0] == CACHE_VERSION
            and isinstance(index[1], list) and cache.store.has(cache.key, SUFFIX)):
        return None

    def load() -> list[BibEntry]:
        entries = _read_cache(cache)
        if entries is None:               # lost or damaged since: parsed again, and kept again
            entries = parse_bibtex(_decode(data, path), str(path))
            _write_cache(cache, entries)
        return entries
    return BibDatabase(path, None, cache, index=[(str(key), int(line)) for key, line in index[1]], load=load)


def _write_cache(cache: ParseEntry, entries: list[BibEntry]) -> None:
    """Write atomically, and drop the caches of older versions of the same file (and all derived
    from them); the keys and lines apart, read without the entries."""
    cache.store.supersede(cache.family, cache.key, SUFFIX)
    cache.store.write_pickle(cache.key, (CACHE_VERSION, entries), SUFFIX)
    cache.store.write_pickle(cache.key, (CACHE_VERSION, [(entry.key, entry.line) for entry in entries]), INDEX_SUFFIX)


# -- the report's own entry ------------------------------------------------------


def report_bibtex(report: Mapping[str, Any]) -> str:
    """The report as a ``@techreport`` entry, from the fields of data/report.yml.

    The key is the organisation folded to lowercase ASCII letters and digits,
    followed by the year ("ACME Research", 2025 -> ``acmeresearch2025``). Without
    ``authors`` the organisation is the (corporate, brace-protected) author.
    """
    title = _required(report, "title")
    organization = _required(report, "organization")
    published = _date(report.get("published"))
    authors = [_person_name(item) for item in report.get("authors") or []]
    fields = [
        ("author", " and ".join(_latex(name) for name in authors) or "{" + _latex(organization) + "}"),
        ("title", "{" + _latex(title) + "}"),
        ("institution", _latex(organization)),
        ("year", str(published.year)),
        ("month", _MONTHS[published.month - 1]),
    ]
    if report.get("canonical_url"):
        fields.append(("url", _unbraced(str(report["canonical_url"]))))
    label = report.get("edition_label") or (f"Edition {report['edition']}" if report.get("edition") else "")
    if label:
        fields.append(("note", _latex(str(label))))
    if report.get("doi"):
        fields.append(("doi", _unbraced(str(report["doi"]))))
    key = "".join(c for c in _ascii(organization).lower() if c.isalnum()) or "report"
    body = "".join(
        f"  {name} = {value},\n" if name == "month" else f"  {name} = {{{value}}},\n"
        for name, value in fields
    )
    return f"@techreport{{{key}{published.year},\n{body}}}\n"


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _required(report: Mapping[str, Any], name: str) -> str:
    value = report.get(name)
    if not value or not str(value).strip():
        raise ReportError(
            f"the report metadata has no '{name}'",
            suggestion=f"add '{name}: ...' to data/report.yml",
        )
    return str(value).strip()


def _date(value: object) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ReportError(
            f"the report's 'published' date is {value!r}, not a date",
            suggestion="write it as published: 2025-03-31",
        ) from None


def _person_name(item: object) -> str:
    """An author given as a string or as a mapping with a 'name'."""
    name = item.get("name") if isinstance(item, Mapping) else item
    if not name or not str(name).strip():
        raise ReportError(
            f"a report author without a name: {item!r}",
            suggestion="list authors as names, e.g. authors: [Jane Doe, John Roe]",
        )
    return str(name).strip()


def _unbraced(text: str) -> str:
    """Braces in metadata would unbalance the entry; they carry no meaning there."""
    return text.replace("{", "").replace("}", "")


def _latex(text: str) -> str:
    """Unicode text as a BibTeX value: specials escaped, non-ASCII kept (UTF-8)."""
    return str(codecs.encode(_unbraced(text), "ulatex+utf8"))   # latexcodec's text codec returns text


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
