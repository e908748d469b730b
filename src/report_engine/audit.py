"""The leak audit: read back everything a build wrote.

Construction keeps non-public content out of a build; the audit checks that it
did. From the session it takes fingerprints of what this audience may not get
(redacted passages, private data, editors' notes, references used only in
redactions, withheld files, real names where pseudonyms stand), drops any that
the audience legitimately gets elsewhere, and searches every output
file (pages, search index, sitemap, feeds, newsletter, PDF text, assets and
file names) for the rest. Any hit fails the build.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator
from urllib.parse import unquote, unquote_plus

from lxml import etree, html as lxml_html

from . import ahead, mdscan, published
from . import passages as passages_module
from .outputs import binary_patterns
from .caches import CleanFiles, digest, engine_digest
from .errors import ReportError
from .passages import (EDGE_PUNCTUATION, MIN_NOTE, PassageSearch, passages, text_passages, token_pattern,
                       word_pattern)
from .numbering import LABEL_DECLARATION
from .records import PLACEHOLDER
from .redaction import strip_marks
from .sources import Location
from .text import normalise, plain_text, slugify
from .values import Private, private_values, scalar_leaves, text_leaves

if TYPE_CHECKING:
    from .data import ReportData
    from .session import Session

TAG = re.compile(r"<[^>]*>")
TEXT_ATTRIBUTE = re.compile(r'\b(?:title|alt|aria-label|data-citation-ref)\s*=\s*"([^"]*)"')
HTML_COMMENT = mdscan.HTML_COMMENT_OR_UNCLOSED
THEME_COMMENT = mdscan.HTML_COMMENT
JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
CLAUSE_END = re.compile(r"[.!?;:,()\[\]\n]|\s[-–—]\s")
SENTENCE_END = re.compile(r"[.!?\n]")
LINKAGE_WORDS = 4       # words besides the name that make a claim rather than a mention
MIN_CELL = 3            # a private value shorter than this is no evidence in a table cell
TABLE_SUFFIXES = (".csv", ".tsv", ".json")


@dataclass(frozen=True)
class Fingerprint:
    kind: str              # "redacted text", "editor's note", "private data", ...
    text: str              # normalised text, or a regex when ``pattern`` is set
    location: Location
    pattern: bool = False
    where: str = "text"    # for a pattern: "text" (anywhere) or "names" (paths, URLs and id attributes)


@dataclass(frozen=True)
class Finding:
    output: Path
    fingerprint: Fingerprint


def fingerprints(session: Session) -> list[Fingerprint]:
    """What this build's audience must not find anywhere in its outputs.

    Everything comes from what the engine recorded while it built the report:
    every redaction's body and owners however ``redact`` was called, private
    data, editors' notes from the report's Markdown and partials, footnotes
    that went with redactions, pages and files left out, references cited only
    in redacted text, pseudonyms and never-named participants. A passage is
    dropped only where the audience gets it by declaration (data values as
    printed, replacements and notes, redactions it may read, the references
    it lists), never because it happens to be on a page: a redacted passage in
    open text is an author's mistake the build has already stopped on.
    """
    declared = allowed_text(session)
    found = _unexcused(_passage_prints(session, declared))
    found += _withheld_names(session)
    found += list(_cited_only_where_hidden(session, declared))
    found += list(_private_cells(session))
    linkage: dict[str, Fingerprint] = {}
    for fp in _linkage(session):                   # the first mention of a claim names its line
        linkage.setdefault(fp.text, fp)
    found += linkage.values()
    found += list(_never_named(session))
    found += list(_exited(session))
    if session.audience.is_public:
        found += list(never_public_prints(session.data, lambda pattern, where: _typed_at(session, pattern, where)))
    return found


def _passage_prints(session: Session, declared: str) -> list[tuple[Fingerprint, str]]:
    """Passages of what the audience does not get, each with the text that excuses it: what the
    audience gets by declaration (``declared``) or, for notes and pages left out, what it is published."""
    can_see = session.audience.can_see
    published = passages_module.corpus(session.pages[src].open for src in session.reachable) + " " + declared
    prints: list[tuple[Fingerprint, str]] = []

    def add(kind: str, texts: Iterable[str], where: Location, allowed: str) -> None:
        prints.extend((Fingerprint(kind, t, where), allowed) for t in texts)

    for body in session.bodies:
        if not all(can_see(owner) for owner in body.owners):
            add("redacted text", text_passages(strip_marks(body.body)), body.redaction.location, declared)
    for moved in session.relocated:
        if not all(can_see(owner) for owner in moved.owners):
            add("footnote used only in redacted text", text_passages(moved.text), moved.location, declared)
    for private in private_values(session.data.namespaces):
        if not can_see(private.owner):
            add("private data", passages(text_leaves(private.value), MIN_NOTE, words=1),
                Location(private.source, private.line), declared)
    if session.audience.kind != "internal":
        for path, source in note_sources(session):
            notes = mdscan.strip_comments(source)[1] + mdscan.comments_in_inline_code(source)
            add("editor's note", passages(notes), Location(path), published)
    for src in sorted(session.withheld_pages):
        page = session.pages[src]
        add("text of a page left out", text_passages(strip_marks(page.rendered)), Location(page.path), published)
    return prints


def _unexcused(prints: list[tuple[Fingerprint, str]]) -> list[Fingerprint]:
    """Each fingerprint once (by kind and text), unless the text that excuses it holds it."""
    found: list[Fingerprint] = []
    seen: set[tuple[str, str]] = set()
    for fp, allowed in prints:
        if (fp.kind, fp.text) not in seen and fp.text not in allowed:
            seen.add((fp.kind, fp.text))
            found.append(fp)
    return found


def _withheld_names(session: Session) -> list[Fingerprint]:
    """The file names of assets and pages left out."""
    found = [Fingerprint("file used only in text this audience does not get", normalise(path.rsplit("/", 1)[-1]), where)
             for path, where in session.withheld_assets]
    found += [Fingerprint("the file name of a page left out", normalise(src.rsplit("/", 1)[-1]),
                          Location(session.pages[src].path))
              for src in sorted(session.withheld_pages) if src.rsplit("/", 1)[-1] != "index.md"]
    return found


def _cited_only_where_hidden(session: Session, declared: str) -> Iterator[Fingerprint]:
    """References cited only in text this audience does not get, and listed nowhere it reads."""
    cited = set(session.listed_keys())
    for use in session.cites:
        if use.key not in cited and not use.visible:
            reference = normalise(session.citations.plain_reference(use.key)).strip(EDGE_PUNCTUATION)
            if reference not in declared:
                yield Fingerprint("reference cited only in text this audience does not get", reference, use.location)


def never_public_prints(data: ReportData, typed_at: Callable[[str, Location], Location | None] | None = None
                        ) -> Iterator[Fingerprint]:
    """The terms ``never_public:`` lists in data/report.yml, for every public output: in any case and
    spacing, in text, attributes, file names and URLs (decoded). ``typed_at(pattern, declared)``
    finds where the report's sources write one, for the message."""
    declared_in = data.files.get("report", "data/report.yml")
    for term in data.never_public:
        pattern = word_pattern(normalise(term.text))
        declared = Location(declared_in, term.line)
        where = (typed_at(pattern, declared) if typed_at else None) or declared
        yield Fingerprint(f"'{term.text}', which data/report.yml lists under never_public", pattern, where,
                          pattern=True)


def _cells(value: Any) -> Iterator[str]:
    """A value's leaves as a table or JSON file would hold them: text as it is, numbers as written
    and as the report prints them (dates are left out: a date recurs in honest tables)."""
    for leaf in scalar_leaves(value):
        if isinstance(leaf, str):
            yield leaf
        elif isinstance(leaf, (int, float)) and not isinstance(leaf, bool):
            yield str(leaf)
            yield from text_leaves(leaf)


def _private_cells(session: Session) -> Iterator[Fingerprint]:
    """Private values too short to search for in prose (a name, a figure: ``INC-11``, ``4096``), as whole
    cells of the tables and JSON files a build copies (a participant's raw export an ``extra_files``
    glob also matched). A value the audience reads elsewhere in the data is not one."""
    can_see = session.audience.can_see
    visible = {normalise(cell) for cell in _cells(_visible_data(session.namespaces, can_see))}
    seen: set[str] = set()
    for private in private_values(session.data.namespaces):
        if can_see(private.owner):
            continue
        for cell in _cells(private.value):
            text = normalise(cell)
            if (len(text) >= MIN_CELL and (any(c.isalpha() for c in text) or len(text.replace(".", "")) >= 4)
                    and text not in visible and text not in seen):
                seen.add(text)
                yield Fingerprint("private data (a table cell)", text, Location(private.source, private.line),
                                  where="cells")


def table_cells(raw: str, suffix: str) -> set[str]:
    """The cells of a CSV or TSV file, or the leaves of a JSON file, normalised."""
    if suffix == ".json":
        try:
            found = json.loads(raw)
        except ValueError:
            return set()
        return {normalise(str(leaf)) for leaf in scalar_leaves(found) if not isinstance(leaf, bool)}
    dialect = "excel-tab" if suffix == ".tsv" else "excel"
    return {normalise(cell) for row in csv.reader(io.StringIO(raw), dialect=dialect) for cell in row}


def allowed_text(session: Session) -> str:
    """What the audience gets by declaration: data it may see (as printed), replacements and
    notes, the bodies of redactions it may read, and the references its pages list."""
    can_see = session.audience.can_see
    pieces = list(text_leaves(_visible_data(session.namespaces, can_see)))
    for redaction in session.redactions:
        pieces += [redaction.replacement or "", redaction.note or ""]
    pieces += [strip_marks(body.body) for body in session.bodies if all(can_see(o) for o in body.owners)]
    pieces += [session.citations.plain_reference(key) for key in session.listed_keys()]
    return passages_module.corpus(pieces)


def note_sources(session: Session) -> list[tuple[str, str]]:
    """The report's Markdown as written, where editors' notes live: pages and the partials they include."""
    return [(page.path, page.raw) for page in session.pages.values()] + list(session.partials.items())


def _visible_data(value: Any, can_see: Callable[[str], bool]) -> Any:
    if isinstance(value, Private):
        return _visible_data(value.value, can_see) if can_see(value.owner) else None
    if isinstance(value, dict):
        return {k: _visible_data(v, can_see) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible_data(v, can_see) for v in value]
    return value


def _linkage(session: Session) -> Iterator[Fingerprint]:
    """A claim made under a pseudonym, repeated under the real name, ties the two together.

    The fingerprint is the clause around the pseudonym (the sentence, when the clause is too short
    to be a claim) with the real name in its place: repeating that is a leak, sharing a few words
    around the name ("Google told us that ...") is not.
    """
    for mention in session.anonymous:
        if session.audience.knows(mention.participant):
            continue
        name = normalise(session.data.participants[mention.participant].name)
        for boundary in (CLAUSE_END, SENTENCE_END):
            before = boundary.split(plain_text(PLACEHOLDER.sub("\n", mention.before)))[-1]
            after = boundary.split(plain_text(PLACEHOLDER.sub("\n", mention.after)))[0]
            words = (normalise(before) + " " + normalise(after)).split()
            if len(words) >= LINKAGE_WORDS:
                claim = " ".join([normalise(before), name, normalise(after)]).strip(EDGE_PUNCTUATION)
                yield Fingerprint("real name behind a pseudonym", normalise(claim), mention.location)
                break


def _never_named(session: Session) -> Iterator[Fingerprint]:
    """A participant with ``named: false``: its name nowhere, its id in no file name, URL or id."""
    for participant in session.data.participants.values():
        if participant.named or session.audience.knows(participant.id):
            continue
        declared = session.participant_location(participant.id)
        for alias in [participant.name, *participant.aliases]:
            name = normalise(alias)
            where = _typed_at(session, word_pattern(name), declared) or declared
            yield Fingerprint(f"the name of '{participant.id}', which is never named (named: false)",
                              word_pattern(name), where, pattern=True)
        for token in {participant.id.lower(), slugify(participant.name)}:
            pattern = token_pattern(token)
            yield Fingerprint(f"the id of '{participant.id}', which is never named (named: false), in a file name, URL or id",
                              pattern, _typed_at(session, pattern, declared, names=True) or declared, pattern=True,
                              where="names")
        # Printed as text too (a loop over records, a table column without a participant format).
        id_pattern = word_pattern(participant.id.lower())
        yield Fingerprint(f"the id of '{participant.id}', which is never named (named: false), printed as text",
                          id_pattern, _typed_at(session, id_pattern, declared) or declared, pattern=True)


def _exited(session: Session) -> Iterator[Fingerprint]:
    """A participant that left: its pseudonym and id nowhere, its name in no file name, URL or id (in
    text the build has already stopped on a mention; references to its public works may name it)."""
    for participant in session.data.participants.values():
        if not participant.exited or session.audience.knows(participant.id):
            continue
        declared = session.participant_location(participant.id)
        what = f"'{participant.id}', which left the assessment (exited: true)"
        # The id as a word in text, unless it is a word of the name, which references to the
        # participant's public works may print (then in file names, URLs and ids only).
        words = set(normalise(" ".join((participant.name, *participant.aliases))).split())
        for token in filter(None, (participant.pseudonym, participant.id)):
            pattern = word_pattern(normalise(token))
            where = "names" if token == participant.id and normalise(token) in words else "text"
            yield Fingerprint(f"the {'pseudonym' if token == participant.pseudonym else 'id'} of {what}", pattern,
                              _typed_at(session, pattern, declared) or declared, pattern=True, where=where)
        for alias in (participant.name, *participant.aliases):
            pattern = word_pattern(normalise(alias))
            yield Fingerprint(f"the name of {what}, in a file name, URL or id", pattern,
                              _typed_at(session, pattern, declared, names=True) or declared, pattern=True, where="names")


def _typed_at(session: Session, pattern: str, declared: Location, names: bool = False) -> Location | None:
    """Where the report's sources write a name, other than its declaration: first where it is
    published as written (open text, not a redaction's body or a Jinja expression; a value of
    mkdocs.yml; the theme's templates), then anywhere. With ``names``, only where a source makes an
    id, a file name or a URL of it: a published page's file name, a label, a heading, a link, a
    value of mkdocs.yml."""
    compiled = re.compile(pattern)
    sources = report_sources(session)
    if names:                      # a published page's own file name; data files name no output
        for page in (session.pages[src] for src in sorted(session.reachable) if src in session.pages):
            if compiled.search(normalise(page.path.rsplit("/", 1)[-1])):
                return Location(page.path)
        data_files = set(session.data.files.values())
        sources = [(path, text) for path, text in sources if path not in data_files]
    for published_only in ((True,) if names else (True, False)):
        for path, text in sources:
            for number, line in _source_lines(path, text, published_only):
                shown = _names_in(line) if names and published_only and not path.endswith(YAML_SUFFIXES) else line
                if compiled.search(normalise(shown)) and not (path == declared.file and number == declared.line):
                    return Location(path, number)
    return None


CONFIG_FILE = "mkdocs.yml"
YAML_SUFFIXES = (".yml", ".yaml")
# mkdocs.yml keys the engine sets from data/report.yml, whatever the file says (stages/configure.py).
CONFIG_REPLACED = re.compile(r"^(?:site_name|site_description|copyright)\s*:")
CUSTOM_DIR = re.compile(r"^\s*custom_dir\s*:\s*[\"']?([^\"'\s#]+)", re.M)


def report_sources(session: Session) -> list[tuple[str, str]]:
    """The report's sources as written, by path: pages, partials, mkdocs.yml and the theme's
    templates (``custom_dir``), data files."""
    sources = [(page.path, page.raw) for page in session.pages.values()] + list(session.partials.items())
    config = _read(Path(CONFIG_FILE))
    if config is not None:
        sources.append((CONFIG_FILE, config))
        custom = CUSTOM_DIR.search(config)
        folder = Path(custom.group(1)) if custom else None
        if folder is not None and folder.is_dir() and not folder.is_absolute():
            for template in sorted(folder.rglob("*.html")):
                sources.append((template.as_posix(), _read(template) or ""))
    for path in session.data.files.values():
        text = _read(Path(path))
        if text is not None:
            sources.append((path, text))
    return sources


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _source_lines(path: str, text: str, published_only: bool) -> Iterator[tuple[int, str]]:
    """A source's lines that can publish what they say: never a YAML comment or a key of mkdocs.yml
    the engine replaces; with ``published_only``, no redaction's body and no Jinja tag or expression."""
    yaml = path.endswith(YAML_SUFFIXES)
    hidden = set() if yaml or not published_only else _redacted_lines(text)
    for number, line in enumerate(text.split("\n"), start=1):
        if yaml and (line.lstrip().startswith("#") or (path == CONFIG_FILE and CONFIG_REPLACED.match(line))):
            continue
        if number not in hidden:
            yield number, (JINJA_EXPRESSION.sub(" ", line) if published_only and not yaml else line)


def _redacted_lines(text: str) -> set[int]:
    """The lines of ``{% call redact(...) %}`` blocks (a block left open runs to the end)."""
    hidden: set[int] = set()
    stack: list[tuple[bool, int]] = []
    for match in mdscan.JINJA_CALL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group(1) == "call":
            stack.append(("redact" in match.group(2), line))
        elif stack:
            redacting, start = stack.pop()
            if redacting:
                hidden.update(range(start, line + 1))
    last = text.count("\n") + 1
    for redacting, start in stack:
        if redacting:
            hidden.update(range(start, last + 1))
    return hidden


def _names_in(line: str) -> str:
    """What a line of Markdown makes an id, a file name or a URL of: labels (``{#id}``, ``id:``), a
    heading's words (its id when it has no label), links and HTML attributes."""
    found = [m.group(1) or m.group(2) for m in LABEL_DECLARATION.finditer(line)]
    heading = mdscan.HEADING.match(line)
    if heading:
        found.append(heading.group("text"))
    found += [m.group("url") for m in mdscan.LINK_TARGET.finditer(line)] + mdscan.html_urls(line)
    found += ["".join(m.groups(default="")) for m in mdscan.attribute_matches(ID_ATTRIBUTE, ID_NAMES, line)]
    return " ".join(found)


# ---- reading outputs ---------------------------------------------------------------

def read_output(path: Path, page: bool = False, data: bytes | None = None, binary: bool = False,
                name: str | None = None) -> tuple[str, str, str]:
    """One output file as written (decoded), everything a reader or crawler could get from it
    (normalised), and the part of that which is text rather than markup (normalised).

    Every file is read whole (see :mod:`published`): text in any Unicode encoding, images with
    their metadata, PDFs with their annotations and attachments, archives with every member,
    fonts with their names. ``binary``: a file the report declared in ``binary_files:`` (or the
    theme's own), searched as bytes where no reader knows it; any other file the audit cannot
    read raises :class:`published.Unreadable`. ``name`` is the file's path in the site, for errors."""
    data = path.read_bytes() if data is None else data
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix in (".gz", ".svgz"):
        inner = published.gunzip(data, published.Budget(where=name))
        if inner is not None:
            data = inner
            suffix = ".svg" if suffix == ".svgz" else Path(path.stem).suffix.lower()
    text: str | None
    if page:
        try:
            what, text = "text", data.decode("utf-8")
        except UnicodeDecodeError:
            what, text = published.sniff(data, name)
    else:
        what, text = published.sniff(data, name)
    if what == "pdf":
        text = normalise(published.read_pdf(name, data, binary, path=path))
        return "", text, text
    if what != "text" or text is None:
        raw = "\n".join(published.texts(name, data, binary=binary))
        return raw, normalise(raw), normalise(raw)
    readable = [text]
    if suffix in (".html", ".htm", ".xhtml", ".xml", ".svg"):
        xml = suffix in (".xml", ".svg")
        markup, attributes, comments = _markup_parts(text, xml=xml)
        if page:
            # A page MkDocs wrote: its text and every attribute are all it holds (its comments are
            # checked on their own), so the markup is not searched twice.
            readable_text = normalise(markup)
            return text, readable_text + " " + normalise(attributes), readable_text
        # A copied file: its comments and processing instructions are read too, and in SVG and XML
        # (editors' attributes such as sodipodi:docname) every attribute.
        readable = [markup, comments] + ([attributes] if xml else [])
    elif suffix == ".json":
        try:
            # The search index holds thousands of HTML fragments: tags dropped by a regex, not a parser each.
            strings = [leaf for leaf in scalar_leaves(json.loads(text)) if isinstance(leaf, str)]
            readable = [html.unescape(TAG.sub(" ", s)) if "<" in s or "&" in s else s for s in strings]
            readable += [html.unescape(m.group(1)) for s in strings if "<" in s for m in TEXT_ATTRIBUTE.finditer(s)]
        except ValueError:
            pass
    readable_text = normalise(" ".join(readable))
    return text, normalise(text) + " " + readable_text, readable_text


def _markup_parts(text: str, xml: bool = False) -> tuple[str, str, str]:
    """(text and text-bearing attributes, every other attribute value, comments and processing
    instructions) of HTML or XML, in one parse."""
    try:
        root = etree.fromstring(text.encode(), etree.XMLParser(recover=True, huge_tree=True, encoding="utf-8")) if xml \
            else lxml_html.fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return re.sub(r"<[^>]+>", " ", text), "", text
    if root is None:
        return "", "", text if xml else ""
    comments = [str(node.text or "") + " " + str(getattr(node, "target", "") or "")
                for node in [*root.itersiblings(preceding=True), *root.iter(etree.Comment, etree.ProcessingInstruction),
                             *root.itersiblings()]
                if not isinstance(node.tag, str)]
    styles = [" ".join(element.itertext()) for element in root.iter("style")]
    for element in list(root.iter("style")):
        element.drop_tree() if hasattr(element, "drop_tree") else element.getparent().remove(element)
    pieces = [" ".join(root.itertext())]
    others = styles
    for element in root.iter():
        if isinstance(element.tag, str):
            for key, value in element.attrib.items():
                (pieces if str(key).lower() in TEXT_ATTRIBUTES else others).append(str(value))
    return " ".join(pieces), " ".join(others), " ".join(comments)


READ_WHOLE = 1 << 20       # bytes: a larger output is hashed for the audit's memo a piece at a time


def audit_site(site: Path, prints: list[Fingerprint], comments_allowed: bool = False,
               sources: dict[str, str] | None = None, theme_comments: Iterable[re.Pattern] = (),
               theme_outputs: Iterable[str] = (), memo: CleanFiles | None = None,
               ahead_helper: bool = False, binary_files: Iterable[str] = ()) -> list[Finding]:
    """Every place an output holds something its audience must not get.

    Besides the fingerprints, an HTML comment in a page (``sources`` maps each
    page's output path to its source) is a finding unless the audience is
    internal or the theme's templates hold the same comment: editors' notes are
    removed from every other build, so one that got through is a leak. Comments
    in copied files (an HTML chart's ``<!-- Generated by ... -->``) are the
    file's own.

    With ``memo``, a file found clean under the same fingerprints and settings with the same
    path and bytes is not read again (see :class:`caches.CleanFiles`); with ``ahead_helper`` too,
    a helper on another core audits files from the last one back and marks those it finds clean.

    Every file is read whole (:func:`read_output`); one the audit cannot read stops it with
    :class:`published.Unreadable`, unless it is the theme's own or matches a glob of
    ``binary_files`` (then what no reader knows in it is searched as bytes).
    """
    if not site.exists():
        return []
    audit = _SiteAudit(site, prints, comments_allowed, sources or {}, list(theme_comments), set(theme_outputs),
                       memo, [published.glob_regex(pattern) for pattern in binary_files])
    paths = sorted(p for p in site.rglob("*") if p.is_file())
    helper = _ahead_helper(audit, paths) if memo is not None and ahead_helper else None
    findings: list[Finding] = []
    try:
        for path in paths:
            relative, data, key = audit.read(path)
            if memo is not None and key is not None and memo.is_clean(key):
                memo.mark_clean(key)
                continue
            if data is None:
                data, key = audit.read_whole(path, relative)
            found = audit.check(path, relative, data)
            findings += found
            if memo is not None and key is not None and not found:
                memo.mark_clean(key)
    finally:
        if helper is not None:
            helper.stop()
    if memo is not None:
        memo.save()
    return findings


def _ahead_helper(audit: _SiteAudit, paths: list[Path]) -> ahead.Helper:
    """Another core audits from the last file back and marks the clean ones (ahead.py); a file it
    has not marked clean, this audit reads itself, so a finding is always this process's own.
    done() reads the file for its key; make() takes that reading (reading a large file whole only then)."""
    memo = audit.memo
    assert memo is not None
    readings: dict[Path, tuple[str, bytes | None, str | None]] = {}

    def done(path: Path) -> bool:
        readings[path] = audit.read(path)
        return memo.is_clean(readings[path][2] or "")

    def make(path: Path) -> None:
        audit.check_ahead(path, *readings.pop(path))

    memo.sharing = True
    return ahead.Helper("audit", paths, done, make)


class _SiteAudit:
    """One audit's searches, made once from its fingerprints, and what it knows of the site's files."""

    def __init__(self, site: Path, prints: list[Fingerprint], comments_allowed: bool, sources: dict[str, str],
                 theme_comments: list[re.Pattern], theme_outputs: set[str], memo: CleanFiles | None,
                 declared_binary: list[re.Pattern]) -> None:
        self.site, self.prints, self.comments_allowed, self.sources = site, prints, comments_allowed, sources
        self.theme_comments, self.theme_outputs, self.memo = theme_comments, theme_outputs, memo
        self.declared_binary = declared_binary
        self.navs_seen = NavSeen()

    # The searches are made when the first file is checked: an audit whose every file its memo
    # knows clean (a warm build's) makes none.
    @functools.cached_property
    def search(self) -> PassageSearch:
        return PassageSearch((fp.text, fp) for fp in self.prints if not fp.pattern and fp.where != "cells")

    @functools.cached_property
    def words(self) -> PassageSearch:
        """The fingerprints of one word, searched in file names."""
        return PassageSearch((fp.text, fp) for fp in self.prints
                             if not fp.pattern and fp.where != "cells" and " " not in fp.text)

    @functools.cached_property
    def cells(self) -> dict[str, Fingerprint]:
        return {fp.text: fp for fp in self.prints if fp.where == "cells"}

    @functools.cached_property
    def patterns(self) -> list[tuple[Fingerprint, re.Pattern]]:
        return [(fp, re.compile(fp.text)) for fp in self.prints if fp.pattern]

    def binary(self, relative: str) -> bool:
        return relative in self.theme_outputs or any(p.fullmatch(relative) for p in self.declared_binary)

    def read(self, path: Path) -> tuple[str, bytes | None, str | None]:
        """The file's path in the site, its bytes (None for a file over :data:`READ_WHOLE`, whose key
        is hashed a piece at a time: a warm build finds most files clean and need not hold the
        largest, the search index, at all) and its memo key."""
        relative = path.relative_to(self.site).as_posix()
        if self.memo is None:
            return relative, None, None
        if path.stat().st_size > READ_WHOLE:
            return relative, None, self.memo.file_key(relative, self.role(relative), path)
        return (relative, *self.read_whole(path, relative))

    def check_ahead(self, path: Path, relative: str, data: bytes | None, key: str | None) -> None:
        """In a helper: check a file as :meth:`read` gave it, and mark it clean for the build's
        audit if it is (a finding is left for the build to make its own)."""
        if data is None:
            data, key = self.read_whole(path, relative)
        if key is not None and self.memo is not None and not self.check(path, relative, data):
            self.memo.mark_clean_ahead(key)

    def read_whole(self, path: Path, relative: str) -> tuple[bytes, str | None]:
        """The bytes of a file to check, and the memo key of exactly those bytes."""
        data = path.read_bytes()
        return data, (self.memo.key(relative, self.role(relative), data) if self.memo is not None else None)

    def role(self, relative: str) -> str:
        return ("page" if relative in self.sources else "file") + (
            " of the theme" if relative in self.theme_outputs else " declared binary" if self.binary(relative) else "")

    def check(self, path: Path, relative: str, data: bytes | None) -> list[Finding]:
        """What one output holds that its audience must not get."""
        page = relative in self.sources
        found: list[Finding] = []
        if not self.prints:                            # only the pages' comments to check
            if self.comments_allowed or not page:
                return found
            raw, content, readable = (path.read_bytes() if data is None else data).decode("utf-8", "replace"), "", ""
        else:
            if page and relative.endswith(".html"):
                data = repeated_nav_removed(path.read_bytes() if data is None else data, relative, self.navs_seen)
            raw, content, readable = read_output(path, page=page, data=data, binary=self.binary(relative),
                                                 name=relative)
        if not self.comments_allowed and page:
            for comment in HTML_COMMENT.finditer(raw):
                if not any(pattern.fullmatch(comment.group(0).strip()) for pattern in self.theme_comments):
                    found.append(Finding(path, Fingerprint("editor's note (an HTML comment)", "",
                                                           Location(self.sources[relative]))))
                    break
        return found + [Finding(path, fp) for fp in self._hits(path, relative, page, raw, content, readable)]

    def _hits(self, path: Path, relative: str, page: bool, raw: str, content: str, readable: str) -> list[Fingerprint]:
        """The fingerprints one output's text, name, cells and names match."""
        name = normalise(relative)
        hits = [fp for _, fp in self.search.find(content)]
        hits += [fp for _, fp in self.words.find(name) if fp not in hits]
        suffix = path.suffix.lower()
        if self.cells and not page and suffix in TABLE_SUFFIXES and relative not in self.theme_outputs:
            hits += [self.cells[cell] for cell in sorted(table_cells(raw, suffix) & set(self.cells))]
        names: str | None = None
        for fp, pattern in self.patterns:
            if names is None:
                names = name + " " + " ".join(output_names(raw, path.suffix.lower()))
            if fp.where == "names":
                hit = bool(pattern.search(names))
            elif relative in self.theme_outputs:
                continue                    # the theme's own scripts and styles: a word there names no one
            else:
                # Text, not markup: a participant called Meta is not named by a <meta> tag.
                hit = bool(pattern.search(readable) or pattern.search(names))
            if hit:
                hits.append(fp)
        return hits


NAV_START = b'<nav class="md-nav md-nav--primary"'
NAV_TAG = re.compile(rb"<(/?)nav\b")
NAV_OWN_TOC = b'<nav class="md-nav md-nav--secondary"'
HREF = re.compile(rb'href="([^"]*)"')
NAV_TEXT = re.compile(rb">\s*([^<\s][^<]*)<")
# Attribute values but those marking the page a navigation is on (the active item, open sections),
# which the theme makes and which are never report text.
NAV_ATTRIBUTE = re.compile(rb'\s(?!(?:class|href|aria-expanded)=)[\w:.-]+="[^"]*"')


def repeated_nav_removed(data: bytes, relative: str, seen: NavSeen) -> bytes:
    """The page without its site navigation when everything in it was read in an earlier page.

    Material repeats the whole navigation (every page title) in every page: two thirds of a long
    report's text. A navigation goes unread when its texts, the pages it links (relative hrefs keyed
    by the folder they resolve from) and its other attribute values all appeared in navigations this audit read
    in full; only the marking of the current page differs between them. The current page's own
    contents, which sit inside its item, stay and are read with the page."""
    start = data.find(NAV_START)
    end = _element_end(data, start) if start >= 0 else -1
    if end < 0:
        return data
    nav = data[start:end]
    own_start = nav.find(NAV_OWN_TOC)
    own_end = _element_end(nav, own_start) if own_start >= 0 else -1
    own = nav[own_start:own_end] if own_end >= 0 else b""
    shared = nav[:own_start] + nav[own_end:] if own_end >= 0 else nav
    texts = set(NAV_TEXT.findall(shared))
    # A relative link's target depends only on the folder it is read from, or, when it starts with
    # "../", on that folder's parent: keyed so, links of pages in sibling folders compare equal.
    folder = relative.rsplit("/", 1)[0] if "/" in relative else ""
    parent = folder.rsplit("/", 1)[0] if "/" in folder else ("" if folder else "\0root")
    links = {("\0self" if href in (b"./", b".", b"") else parent if href == b".." or href.startswith(b"../")
              else folder) + "\0" + href.decode("utf-8", "replace") for href in set(HREF.findall(shared))}
    attributes = set(NAV_ATTRIBUTE.findall(shared))
    if texts <= seen.texts and links <= seen.links and attributes <= seen.attributes:
        return data[:start] + own + data[end:]
    seen.texts |= texts
    seen.links |= links
    seen.attributes |= attributes
    return data


@dataclass
class NavSeen:
    """What the navigations read in full so far held."""

    texts: set[bytes] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    attributes: set[bytes] = field(default_factory=set)


def _element_end(data: bytes, start: int) -> int:
    """Where the <nav> opening at ``start`` closes (after its ``</nav>``), or -1."""
    depth = 0
    for match in NAV_TAG.finditer(data, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            close = data.find(b">", match.end())
            return close + 1 if close >= 0 else -1
    return -1


def audit_context(prints: Iterable[Fingerprint], comments_allowed: bool, theme_comments: Iterable[re.Pattern]) -> str:
    """What decides whether a given file is clean: the engine, what is searched for, the comment rules.
    (Where a fingerprint came from does not: a redaction moving down a line changes nothing.)"""
    searched = sorted(f"{fp.kind}\0{fp.text}\0{fp.pattern}\0{fp.where}" for fp in prints)
    return digest(engine_digest(), str(comments_allowed), *sorted(p.pattern for p in theme_comments), *searched)


# Attributes that carry text a reader or crawler gets (classes and the like do not).
TEXT_ATTRIBUTES = {"alt", "title", "aria-label", "aria-description", "content", "placeholder", "value", "label",
                   "href", "src", "srcset", "data", "poster", "action", "cite", "summary", "abbr",
                   "data-citation-ref", "data-md-color-scheme", "id", "name"}
ID_NAMES = ("id", "name", "for", "aria-labelledby", "aria-describedby")
ID_ATTRIBUTE = re.compile(r"""\b(?:id|name|for|aria-labelledby|aria-describedby)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
JSON_NAMES = re.compile(r'"(?:location|url|href|id)"\s*:\s*"([^"]*)"')
SITEMAP_LOC = re.compile(r"<loc>([^<]*)</loc>")


def output_names(raw: str, suffix: str) -> list[str]:
    """What an output names rather than says: URLs, id attributes, locations in the search index."""
    # Decoded as a browser would: entities, percent-encoding, and '+' for a space in a query.
    urls = [html.unescape(url) for url in mdscan.html_urls(raw)]
    found = [normalise(unquote(url)) for url in urls] + [normalise(unquote_plus(url)) for url in urls if "+" in url]
    found += [normalise("".join(m.groups(default=""))) for m in mdscan.attribute_matches(ID_ATTRIBUTE, ID_NAMES, raw)]
    if suffix == ".json":
        found += [normalise(m.group(1)) for m in JSON_NAMES.finditer(raw)]
    found += [normalise(m.group(1)) for m in SITEMAP_LOC.finditer(raw)]
    return found


def audit_build(site: Path, session: Session, theme_dirs: Iterable[str], project_dir: Path | None = None,
                prints: list[Fingerprint] | None = None, ahead_helper: bool = False) -> list[Finding]:
    """The audit of one build's output folder: its session's fingerprints, its pages' comments
    against the theme's own, the theme's files left out of the name search. With ``project_dir``,
    files found clean before (same bytes, same fingerprints) are not read again."""
    settings = build_audit_settings(session, theme_dirs, project_dir, prints)
    return audit_site(site, ahead_helper=ahead_helper, **settings)


def build_audit_settings(session: Session, theme_dirs: Iterable[str], project_dir: Path | None,
                         prints: list[Fingerprint] | None = None) -> dict[str, Any]:
    """:func:`audit_site`'s settings for one build (see :func:`audit_build`)."""
    sources = {(p.url + "index.html" if not p.url or p.url.endswith("/") else p.url): p.path
               for p in session.pages.values() if p.src in session.reachable}
    prints = fingerprints(session) if prints is None else prints
    comments_allowed = session.audience.kind == "internal"
    theme_comments = theme_comment_patterns(theme_dirs)
    memo = CleanFiles(project_dir, audit_context(prints, comments_allowed, theme_comments)) if project_dir else None
    return {"prints": prints, "comments_allowed": comments_allowed, "sources": sources,
            "theme_comments": theme_comments, "theme_outputs": session.theme_outputs, "memo": memo,
            "binary_files": binary_patterns(session.data.report)}


def audit_as_written(site: Path, targets: list[Path], stopping: Callable[[], bool], prints: list[Fingerprint],
                     comments_allowed: bool = False, sources: dict[str, str] | None = None,
                     theme_comments: Iterable[re.Pattern] = (), theme_outputs: Iterable[str] = (),
                     memo: CleanFiles | None = None, binary_files: Iterable[str] = ()) -> None:
    """On another core while MkDocs writes the site (ahead.py): audit ``targets``, the files in the
    order MkDocs writes them, each once a later one exists (so it is whole), and mark the clean ones
    for the build's own audit (:func:`audit_site`), which checks every other file itself; until
    ``stopping()``. A file changed after it was read has another key: it is audited again there."""
    if memo is None:
        return
    audit = _SiteAudit(site, prints, comments_allowed, sources or {}, list(theme_comments), set(theme_outputs),
                       memo, [published.glob_regex(pattern) for pattern in binary_files])
    for index, path in enumerate(targets[:-1]):
        later = targets[index + 1:index + 4]
        while not any(other.exists() for other in later):
            if stopping():
                return
            time.sleep(0.02)
        if stopping():
            return
        if not path.is_file():
            continue
        try:
            relative, data, key = audit.read(path)
            if key is not None and not memo.is_clean(key):
                audit.check_ahead(path, relative, data, key)
        except Exception:                  # noqa: BLE001 - a file it cannot audit here, the build audits
            continue


def theme_comment_patterns(theme_dirs: Iterable[str]) -> list[re.Pattern]:
    """Comments the theme's templates write, as patterns (a Jinja expression inside one matches anything)."""
    patterns: dict[str, re.Pattern] = {}
    for folder in theme_dirs:
        for template in Path(folder).rglob("*.html"):
            text = template.read_text(encoding="utf-8", errors="replace")
            for comment in THEME_COMMENT.finditer(text):
                pieces = JINJA_EXPRESSION.split(comment.group(0).strip())
                regex = ".*?".join(re.escape(piece) for piece in pieces)
                patterns.setdefault(regex, re.compile(regex, re.S))
    return list(patterns.values())


def findings_error(findings: list[Finding], site: Path) -> ReportError:
    first = findings[0]
    output = first.output.relative_to(site).as_posix() if site in first.output.parents else str(first.output)
    more = f"; {len(findings) - 1} more finding(s)" if len(findings) > 1 else ""
    return ReportError(f"leak audit failed: output '{output}' contains {first.fingerprint.kind}{more}",
                       first.fingerprint.location.file, first.fingerprint.location.line,
                       "nothing was published; remove the content from that output or from the source")
