"""What changed since the last edition, for the audience at hand.

Every build of a report kept in git gets a page, ``changes.md`` ("Changes since the last
edition"), comparing this edition with the previous one still standing: publishing tags each
edition's source commit ``edition-<id>``, withdrawing one (``publish --retract``) tags the same
commit ``withdrawn-<id>``, and the previous edition is the newest ``edition-`` tag older than the
edition being built that has no ``withdrawn-`` tag (nor is marked withdrawn in a local
``gh-pages`` branch's ``versions.json``): :func:`gitrepo.previous_edition`. A withdrawn edition is
never the baseline: what only it printed is never repeated ("No longer printed … (was …)"). When
no earlier edition stands, there is nothing to compare with. The previous edition's sources are
taken from git into a temporary folder and read by the same engine for the same audience, as far
as the two passes that render every page, in a process of its own
(:func:`snapshots.previous_snapshot`). Both editions are reduced to a :class:`Snapshot` of what
that audience reads (:func:`take_snapshot`):

* the facts printed in its pages (``fact()``), with the page of their first use; a fact used
  only inside a passage the audience does not get is not in its snapshot;
* the records of ``data/`` lists whose items have an ``id`` field (the incident catalogue),
  matched between editions by that field, never by finding the id in the text: a record is in
  the snapshot when the audience may read it in the data (a ``!private`` record, or one whose
  ``id`` is private, only for its owner and ``internal``), whatever the pages happen to print
  (an integer id ``6`` in "July 6" is not a record). ``data/report.yml`` describes the report,
  not records: its participants are never listed;
* its pages and their headings (titles without their numbers).

So the comparison only ever holds what both builds printed for that audience: the public page
never shows that a redacted passage or a private record changed, and the page is audited like
every other output. A previous snapshot is cached by the previous commit, the audience and the
engine.

This module is pure: snapshots as values, their comparison (:func:`compare`, :func:`withhold`)
and the page's Markdown (:func:`markdown`). Git is :mod:`report_engine.gitrepo`'s, and reading an
edition is :mod:`report_engine.snapshots`'.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from . import passages, settings
from .text import plain_text
from .values import Private
from .gitrepo import (PUBLISHED_BRANCHES, TAG_PREFIX, WITHDRAWN_PREFIX, in_git, previous_edition,  # noqa: F401
                      standing_editions, tag_commit, withdrawn_before, withdrawn_editions)

if TYPE_CHECKING:
    from .session import Session

PAGE = "changes.md"
SCREEN_ONLY = "report-screen-only"          # the class of what the PDF leaves out (pdf.SCREEN_ONLY)
TITLE = "Changes since the last edition"
SNAPSHOT_ENV = settings.SNAPSHOT_ENV        # set in the process that reads a previous edition
NOT_RECORDS = ("report",)                   # data/report.yml describes the report: no records there
# A number the engine puts before a title ("3 ", "3.2 ", "A.1 ", "Appendix A: "): a capital letter
# alone is a word ("A section"), never a number, unless "Appendix" or its kin stands before it.
NUMBER = re.compile(r"^(?:(?:Appendix|Annex|Section|Chapter)\s+[A-Z\d]+(?:\.\d+)*[.:]?|[A-Z]+(?:\.\d+)+[.:]?"
                    r"|\d+(?:\.\d+)*[.:]?)\s+(?=\S)")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
ABBREVIATION = re.compile(r"(?:\b(?:et al|e\.g|i\.e|cf|vs|pp?|Figs?|No|Sec|Eq|ca|approx)|(?<![\w.])[A-Z])\.$")
BLOCK = re.compile(r"^\s*///\s*[\w-]+(?:\s*\|\s*(.*?))?\s*$")      # /// table-caption | its title
BLOCK_END = re.compile(r"^\s*///\s*$")
BLOCK_ATTRS = re.compile(r"^\s*(?:attrs|open|type):\s*.*$")
ADMONITION = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+[\w-]+)*\s*(?:\"(.*)\")?\s*$")
LABELS = "figure_labels"                    # in data/report.yml: fact() path -> the figure's name
HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*(?:\{[^}]*#([\w:-]+)[^}]*\})?\s*#*\s*$")



@dataclass
class Snapshot:
    edition: str
    label: str
    facts: dict[str, dict[str, str]] = field(default_factory=dict)     # path -> printed, sentence, page
    records: dict[str, dict[str, str]] = field(default_factory=dict)   # "namespace:id" -> page ("" if unprinted)
    withheld_records: list[str] = field(default_factory=list)          # "namespace:id" this audience may not read
    pages: list[dict[str, Any]] = field(default_factory=list)          # src, title, headings [[id, text]]
    sentences: dict[str, list[str]] = field(default_factory=dict)      # page -> its sentences, in order

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Snapshot":
        return cls(**json.loads(text))


# ---- what an audience reads -----------------------------------------------------------------------

def take_snapshot(session: Session, namespaces: Mapping[str, Any], edition: str, label: str) -> Snapshot:
    """The snapshot of a build whose two passes are done (``session.pages`` holds each page's output)."""
    pages = [record for record in session.pages.values() if record.in_nav and record.src != PAGE]
    texts = {record.src: plain(unblocked(record.output)) for record in pages}
    sources = {record.src: str(getattr(record, "template", "") or "") for record in pages}
    labels = figure_labels(namespaces)
    snapshot = Snapshot(edition, label)
    for path, (src, printed) in sorted(session.fact_uses.items()):
        if src not in texts:
            continue
        snapshot.facts[path] = {"printed": printed, "sentence": sentence_for(sources[src], texts[src], path, printed),
                                "page": src}
        if labels.get(path):
            snapshot.facts[path]["label"] = labels[path]
    can_see = session.audience.can_see
    for namespace, value in sorted(namespaces.items()):
        if namespace in NOT_RECORDS:
            continue
        for record_id, readable in _records(value, can_see):
            key = f"{namespace}:{record_id}"
            if not readable:                         # kept apart, so its removal is never shown either
                snapshot.withheld_records.append(key)
                continue
            snapshot.records[key] = {"page": _page_printing(texts, record_id)}
    snapshot.withheld_records = sorted(set(snapshot.withheld_records) - set(snapshot.records))
    for record in pages:
        headings = []
        for line in record.output.splitlines():
            match = HEADING.match(line)
            if match and len(match.group(1)) >= 2:
                text = unnumbered(plain(match.group(2)))
                headings.append([match.group(3) or re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-"), text])
        snapshot.pages.append({"src": record.src, "title": unnumbered(plain(record.title or record.src)),
                               "headings": headings})
        snapshot.sentences[record.src] = sentences(record.output)
    return snapshot


def _records(value: Any, can_see: Callable[[str], bool]) -> Iterator[tuple[str, bool]]:
    """(id, may this audience read it) for each record of a data file: an item with an ``id`` field
    in a top-level list, or in a list under a top-level key. A ``!private`` list, item or id is
    readable only by its owner (and ``internal``); the decision is the data's, never the text's."""
    def open_(item: Any, readable: bool) -> tuple[Any, bool]:
        while isinstance(item, Private):
            readable = readable and can_see(item.owner)
            item = item.value
        return item, readable

    value, readable = open_(value, True)
    if isinstance(value, list):
        lists = [(value, readable)]
    elif isinstance(value, dict):
        lists = [(items, readable and visible) for items, visible in
                 (open_(v, True) for v in value.values()) if isinstance(items, list)]
    else:
        lists = []
    for items, listed in lists:
        for item in items:
            item, shown = open_(item, listed)
            if not isinstance(item, dict) or "id" not in item:
                continue
            record_id, shown = open_(item["id"], shown)
            if isinstance(record_id, bool) or not isinstance(record_id, (str, int)) or not str(record_id).strip():
                continue
            yield str(record_id).strip(), shown


def _page_printing(texts: Mapping[str, str], record_id: str) -> str:
    """The page to link a record to: the first that prints its id in a table row, else anywhere,
    else none. Only the link depends on this; whether the record is listed does not."""
    printed = re.compile(rf"(?<![\w-]){re.escape(record_id)}(?![\w-])")
    for wanted in (lambda line: line.lstrip().startswith("|"), lambda line: True):
        for src, text in texts.items():
            if any(printed.search(line) for line in text.splitlines() if wanted(line)):
                return src
    return ""


def figure_labels(namespaces: Mapping[str, Any]) -> dict[str, str]:
    """The names an author gives figures for the changes page: ``figure_labels:`` in
    ``data/report.yml``, a mapping of the path ``fact()`` is called with to a label."""
    report = namespaces.get("report")
    found = report.get(LABELS) if isinstance(report, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {str(path): " ".join(str(text).split()) for path, text in found.items()
            if isinstance(text, (str, int, float)) and not isinstance(text, bool)}


def unblocked(markdown: str) -> str:
    """Markdown without the syntax of blocks (``/// table-caption``, its ``attrs:`` line, ``///``)
    and admonitions' markers: what is left reads as the page prints it."""
    if "///" not in markdown and "!!!" not in markdown and "???" not in markdown:
        return markdown
    out: list[str] = []
    opened = False
    for line in markdown.splitlines():
        block = BLOCK.match(line)
        if block:
            out.append(block.group(1) or "")
            opened = True
            continue
        if BLOCK_END.match(line):
            out.append("")
            opened = False
            continue
        if opened and BLOCK_ATTRS.match(line):
            continue
        opened = False
        admonition = ADMONITION.match(line)
        out.append(admonition.group(1) or "" if admonition else line)
    return "\n".join(out)


def sentences(markdown: str) -> list[str]:
    """A page's prose as a reader reads it, sentence by sentence, block by block (headings apart:
    they are compared as sections)."""
    markdown = unblocked(markdown)
    prose = "\n".join("" if HEADING.match(line) else line for line in markdown.splitlines())
    found: list[str] = []
    for block in passages.segments(prose):
        found += split_sentences(" ".join(plain(block).split()))
    return found


def plain(markdown: str) -> str:
    """Markdown as the words a reader sees: no links' targets, footnote markers, attributes or tags."""
    return plain_text(markdown, "prose")


def unnumbered(title: str) -> str:
    return NUMBER.sub("", " ".join(title.split()))


def sentence_for(source: str, text: str, path: str, printed: str) -> str:
    """The sentence (or table row) of ``text`` that prints the figure: the one whose words around the
    value are those around the ``fact()`` call in the page's source. A figure printed by a macro or
    a loop has no such words: then the one sentence that prints the value as a word, or none (a
    sentence that merely holds the same number is not the figure's)."""
    if not printed.strip():
        return ""
    call = re.compile(r"\{\{-?\s*fact\(\s*(['\"])" + re.escape(path) + r"\1[^}]*\}\}")
    candidates = _flat_sentences(text)
    for match in call.finditer(source):
        before = _words(_context(source[:match.start()], before=True))[-3:]
        after = _words(_context(source[match.end():], before=False))[:3]
        if not before and not after:
            continue
        needle = " " + " ".join(before + _words(printed) + after) + " "
        found = [sentence for sentence in candidates if needle in " " + " ".join(_words(sentence)) + " "]
        if found:
            return found[0]
    word = re.compile(rf"(?<![\w.,]){re.escape(printed.strip())}(?![\w]|[.,]\d)")
    found = [sentence for sentence in candidates if word.search(sentence)]
    return found[0] if len(found) == 1 else ""


def split_sentences(text: str) -> list[str]:
    """Sentences of one line of prose; "et al.", "e.g." and initials end none."""
    found: list[str] = []
    for piece in SENTENCE_BREAK.split(text):
        if found and ABBREVIATION.search(found[-1]):
            found[-1] += " " + piece
        elif piece.strip():
            found.append(piece.strip())
    return [sentence.strip() for sentence in found if sentence.strip()]


def _context(source: str, before: bool) -> str:
    """The literal text beside a macro call, up to the next macro, tag or paragraph break."""
    parts = re.split(r"\{\{.*?\}\}|\{%.*?%\}|\n\s*\n|\|", source, flags=re.S)
    text = parts[-1] if before else parts[0]
    return plain(text)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _flat_sentences(text: str) -> list[str]:
    """Every sentence and table row of a page's plain text, on one line each."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        prose: list[str] = []
        for line in paragraph.splitlines():
            if line.lstrip().startswith("|"):
                cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", cell) for cell in cells if cell):
                    found.append(" · ".join(cell for cell in cells if cell))
            else:
                prose.append(line)
        flat = " ".join(" ".join(prose).split()).lstrip("#>-*0123456789. ")
        found += split_sentences(flat)
    return found


def sentence_with(text: str, printed: str) -> str:
    """The sentence (or table row) in which a value is printed."""
    for paragraph in re.split(r"\n\s*\n", text):
        if printed not in paragraph:
            continue
        for line in paragraph.splitlines():
            if line.lstrip().startswith("|") and printed in line:
                return " · ".join(cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip())
        flat = " ".join(paragraph.split()).lstrip("#>-*0123456789. ")
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])", flat):
            if printed in sentence:
                return sentence.strip()
    return ""


# ---- the comparison -----------------------------------------------------------------------------

@dataclass
class Changes:
    previous: str
    previous_label: str
    changed: list[tuple[str, str, str, str, str]] = field(default_factory=list)   # path, old, new, sentence, page
    added_facts: list[tuple[str, str, str, str]] = field(default_factory=list)    # path, new, sentence, page
    removed_facts: list[tuple[str, str, str]] = field(default_factory=list)       # path, old, sentence
    added_records: list[tuple[str, str]] = field(default_factory=list)            # namespace:id, page
    removed_records: list[str] = field(default_factory=list)
    added_pages: list[tuple[str, str]] = field(default_factory=list)              # src, title
    removed_pages: list[str] = field(default_factory=list)                        # title
    retitled: list[tuple[str, str, str]] = field(default_factory=list)            # src, old, new
    added_headings: list[tuple[str, str, str]] = field(default_factory=list)      # src, id, text
    removed_headings: list[tuple[str, str]] = field(default_factory=list)         # page title, text
    titles: dict[str, str] = field(default_factory=dict)                          # src -> title, this edition
    labels: dict[str, str] = field(default_factory=dict)                          # fact path -> its author's label

    def empty(self) -> bool:
        return not any(value for value in (getattr(self, f.name) for f in dataclasses.fields(self))
                       if isinstance(value, list))


def compare(old: Snapshot, new: Snapshot) -> Changes:
    """What changed from ``old`` to ``new``, both snapshots of the same audience."""
    labels = {path: fact["label"] for snapshot in (old, new) for path, fact in snapshot.facts.items()
              if fact.get("label")}
    changes = Changes(old.edition, old.label, titles={page["src"]: page["title"] for page in new.pages},
                      labels=labels)
    for path, now in new.facts.items():
        before = old.facts.get(path)
        if before is None:
            changes.added_facts.append((path, now["printed"], now["sentence"], now["page"]))
        elif before["printed"] != now["printed"]:
            changes.changed.append((path, before["printed"], now["printed"], now["sentence"], now["page"]))
    for path, before in old.facts.items():
        if path not in new.facts:
            changes.removed_facts.append((path, before["printed"], before["sentence"]))
    # Records are matched by their id fields. One this audience may no longer read (made private) is
    # not "removed": saying so would tell that it was redacted.
    changes.added_records = [(key, value["page"]) for key, value in new.records.items() if key not in old.records]
    withheld = set(new.withheld_records)
    changes.removed_records = [key for key in old.records if key not in new.records and key not in withheld]
    before_pages = {page["src"]: page for page in old.pages}
    now_pages = {page["src"]: page for page in new.pages}
    for src, page in now_pages.items():
        previous = before_pages.get(src)
        if previous is None:
            changes.added_pages.append((src, page["title"]))
            continue
        if previous["title"] != page["title"]:
            changes.retitled.append((src, previous["title"], page["title"]))
        was = {hid: text for hid, text in previous["headings"]}
        now = {hid: text for hid, text in page["headings"]}
        for hid, text in page["headings"]:
            if hid not in was:
                changes.added_headings.append((src, hid, text))
            elif was[hid] != text:
                changes.retitled.append((f"{src}#{hid}", was[hid], text))
        for hid, text in previous["headings"]:
            if hid not in now:
                changes.removed_headings.append((page["title"], text))
    changes.removed_pages = [page["title"] for src, page in before_pages.items() if src not in now_pages]
    return changes


def withhold(changes: Changes, withheld: Iterable[str], hidden_facts: Iterable[str] = ()) -> Changes:
    """Leave out what the previous edition printed that this audience may no longer read.

    A passage public in the last edition may be redacted in this one (a participant asked): the
    old sentence of a dropped figure is never shown, and a dropped section, an old title or an old
    value is left out when its words are in a passage, a note or a private value this audience
    does not get now, and a figure no longer printed is left out when it is now printed only in
    such a passage. Left out without a word: saying so would tell that a redaction changed."""
    text = " " + " ".join(" ".join(plain(part).lower().split()) for part in withheld) + " "
    redacted_facts = set(hidden_facts)

    def hidden(words: str) -> bool:
        words = " ".join(plain(words).lower().split())
        return bool(words) and (len(words) >= 4 or not words.isdigit()) and f"{words}" in text
    return dataclasses.replace(
        changes,
        changed=[item for item in changes.changed if not hidden(item[1])],
        removed_facts=[(path, old, "") for path, old, _ in changes.removed_facts
                       if not hidden(old) and path not in redacted_facts],
        removed_records=[key for key in changes.removed_records if not hidden(key.split(":", 1)[1])],
        removed_pages=[title for title in changes.removed_pages if not hidden(title)],
        retitled=[item for item in changes.retitled if not hidden(item[1])],
        removed_headings=[item for item in changes.removed_headings if not hidden(item[1])])


def markdown(changes: Changes | None, previous_url: str = "", note: str = "", withdrawn: bool = False) -> str:
    """The page's body (after its title), in Markdown; links to pages are relative to the docs root.

    With no ``changes``: a first edition, or (``withdrawn``, see :func:`withdrawn_before`) one whose
    earlier editions were all withdrawn, which is compared with nothing."""
    if changes is None:
        if note:
            return f"The earlier edition could not be compared: {escape(note)}.\n"
        if withdrawn:
            return screen_only("No earlier edition of the report is standing (a withdrawn edition is not compared "
                               "with): there is no earlier edition to compare this one with.")
        return screen_only("This is the first edition of the report: there is no earlier edition to compare it with.")
    label = escape(changes.previous_label)
    where = f"[{label}]({previous_url})" if previous_url else label
    out = [f"This page compares this edition with the previous one, *{where}* (edition {escape(changes.previous)}): "
           "the figures printed in the report, the records of its data and its sections and headings.\n"]
    if changes.empty():
        return screen_only(out[0].strip() + " Nothing that this comparison follows has changed.")
    for section in (_figures_changed, _figures_added_or_dropped, _records_added_or_removed, _sections):
        out += section(changes)
    return "\n".join(out)


def screen_only(paragraph: str) -> str:
    """A paragraph the site shows and the PDF leaves out (with it, a page that says only this)."""
    return f"{paragraph}\n{{: .{SCREEN_ONLY} }}\n"


def _page_link(changes: Changes, page: str) -> str:
    return f"[{escape(changes.titles.get(page, page))}]({page})"


def _named(changes: Changes, path: str, page: str) -> str:
    """A figure named by its author's label, else by its page ("a figure on Key facts"). Never its
    data path."""
    label = changes.labels.get(path, "")
    if label:
        return escape(label) + (f" ({_page_link(changes, page)})" if page else "")
    return f"a figure on {_page_link(changes, page)}" if page else "a figure"


def _figures_changed(changes: Changes) -> list[str]:
    if not changes.changed:
        return []
    out = ["## Figures that changed\n"]
    for path, old, new, sentence, page in changes.changed:
        value = f"was {escape(old)}, now **{escape(new)}**"
        if changes.labels.get(path):
            line = f"{_named(changes, path, page)}: {value}" + (f". “{escape(sentence)}”" if sentence else ".")
        elif sentence:
            line = f"“{escape(sentence)}” ({_page_link(changes, page)}): {value}."
        else:
            line = f"{_capital(_named(changes, path, page))}: {value}."
        out.append(f"- {line}")
    return out + [""]


def _figures_added_or_dropped(changes: Changes) -> list[str]:
    if not (changes.added_facts or changes.removed_facts):
        return []
    out = ["## Figures added or dropped\n"]
    for path, new, sentence, page in changes.added_facts:
        if changes.labels.get(path):
            line = f"{_named(changes, path, page)}: **{escape(new)}**" + (f". “{escape(sentence)}”" if sentence else ".")
        elif sentence:
            line = f"“{escape(sentence)}” ({_page_link(changes, page)})"
        else:
            line = f"{_named(changes, path, page)}: **{escape(new)}**."
        out.append(f"- New: {line}")
    for path, old, sentence in changes.removed_facts:
        named = escape(changes.labels[path]) if changes.labels.get(path) else (
            f"“{escape(sentence)}”" if sentence else "a figure of the previous edition")
        out.append(f"- No longer printed: {named} (was {escape(old)}).")
    return out + [""]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _records_added_or_removed(changes: Changes) -> list[str]:
    if not (changes.added_records or changes.removed_records):
        return []
    out = ["## Records added or removed\n"]
    for key, page in changes.added_records:
        _, record = key.split(":", 1)
        out.append(f"- Added: {escape(record)}" + (f" ({_page_link(changes, page)})" if page else ""))
    for key in changes.removed_records:
        _, record = key.split(":", 1)
        out.append(f"- Removed: {escape(record)}")
    return out + [""]


def _sections(changes: Changes) -> list[str]:
    if not (changes.added_pages or changes.removed_pages or changes.retitled or changes.added_headings
            or changes.removed_headings):
        return []
    out = ["## Sections added, removed or retitled\n"]
    out += [f"- New: [{escape(title)}]({src})" for src, title in changes.added_pages]
    out += [f"- Removed: {escape(title)}" for title in changes.removed_pages]
    out += [f"- Retitled: {escape(old)} → [{escape(new)}]({where})" for where, old, new in changes.retitled]
    out += [f"- New section: [{escape(text)}]({src}#{hid})" for src, hid, text in changes.added_headings]
    out += [f"- Removed section: {escape(text)} (from {escape(page_title)})"
            for page_title, text in changes.removed_headings]
    return out + [""]


def escape(text: str) -> str:
    """Text shown as it is in Markdown: its special characters escaped."""
    text = re.sub(r"([\\`*_\[\]#{}|])", r"\\\1", " ".join(str(text).split()))
    return text.replace("&", "&amp;").replace("<", "&lt;")

