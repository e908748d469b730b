"""Passages: the unit in which the engine compares text.

A passage is a sentence of six words or more, or a clause of eight words or more, of normalised text
(case, whitespace, quotes, dashes and invisible characters folded). The
conflict check and the leak audit both cut text into passages and search for
them: the conflict check in the report's open text, the audit in every output.

Why these sizes. A sentence of six words and 20 characters or more is specific
enough that finding it twice is evidence of a copy; shorter ones ("We agree.",
"See the appendix for details.", a heading such as "Monitoring and oversight")
recur in honest prose. Clauses catch a copy of part of a sentence; below eight
words they are stock phrases ("as described in the previous section", "during
the assessment window") that honest reports share between redacted and open
text. The false-alarm tests (tests/test_honest_reports.py and
tests/test_leak_guarantee.py) hold both bounds. Private data values are checked
from 12 characters whatever their words: short names are their point.
"""

from __future__ import annotations

import re
from typing import Generic, Iterable, Iterator, TypeVar

import ahocorasick

from .records import PLACEHOLDER
# Folding and slugs live in text.py; offered here too, where most callers found them.
from .text import normalise, plain_text, slugify  # noqa: F401

EDGE_PUNCTUATION = " .,;:!?\"'()[]{}<>*_`"
MIN_TEXT = 20          # a sentence shorter than this recurs in honest prose
MIN_NOTE = 12          # private data values: names and short phrases are the point
SENTENCE_WORDS = 6     # "See the appendix for details." and headings recur in honest reports
CLAUSE_WORDS = 8       # a clause shorter than this is a stock phrase ("as described in the previous section")
SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
CLAUSE = re.compile(r"\s*(?:[,;:()\[\]]|\s-\s|\s--\s)\s*")
BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|<|!!!|\?\?\?|///|\[\^[^\]]*\]:|\{%|\{\{)")
# Text kept in attributes rather than in prose: link titles, title/alt/aria-label in HTML and attr lists.
ATTRIBUTE_TEXT = re.compile(r"""(?:\b(?:title|alt|aria-label|summary)\s*=\s*|\]\(\s*<?[^)\s>]*>?\s+)"""
                            r"""(?P<q>["'])(?P<text>[^"'\n]*)(?P=q)""")
HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s")
SEPARATOR = " ; "


def segments(markdown: str) -> list[str]:
    """The plain text of each block of a Markdown text (paragraphs, headings, list items, table
    cells), macros' placeholders acting as breaks: a passage never runs across two blocks."""
    markdown = PLACEHOLDER.sub("\n\n", markdown)
    blocks: list[list[str]] = [[]]
    for line in markdown.split("\n"):
        stripped = line.strip()
        if not stripped:
            blocks.append([])
        elif stripped.startswith("|") or stripped.count("|") >= 2:
            blocks += [[cell] for cell in stripped.strip("|").split("|")] + [[]]
        elif HEADING_LINE.match(line):
            blocks += [[line], []]                 # a heading is a block of one line
        elif BLOCK_START.match(line):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    texts = [plain_text("\n".join(block)) for block in blocks if block]
    texts += [m.group("text") for m in ATTRIBUTE_TEXT.finditer(markdown)]       # titles, alt texts, labels
    return [text for text in texts if text.strip()]


def passages(texts: Iterable[str], minimum: int = MIN_TEXT, words: int = SENTENCE_WORDS) -> Iterator[str]:
    """Sentences of at least ``minimum`` characters and ``words`` words, clauses of at least eight words."""
    for text in texts:
        for sentence in SENTENCE.split(normalise(text)):
            sentence = sentence.strip(EDGE_PUNCTUATION)      # a copy may end in ',' or '}' instead
            if len(sentence) >= minimum and len(sentence.split()) >= words:
                yield sentence
            for clause in CLAUSE.split(sentence):
                clause = clause.strip(EDGE_PUNCTUATION)
                if clause != sentence and len(clause.split()) >= CLAUSE_WORDS and len(clause) >= MIN_TEXT:
                    yield clause


def text_passages(markdown: str, minimum: int = MIN_TEXT) -> list[str]:
    return list(passages(segments(markdown), minimum))


def corpus(markdowns: Iterable[str]) -> str:
    """Normalised plain text of Markdown texts, blocks kept apart."""
    return normalise(SEPARATOR.join(SEPARATOR.join(segments(text)) for text in markdowns))


T = TypeVar("T")


class PassageSearch(Generic[T]):
    """Many passages searched for in one pass over a text (an Aho-Corasick automaton).

    ``passage in text`` for each passage would read every output once per passage; the automaton
    reads it once, whatever the number of passages.
    """

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self.automaton = ahocorasick.Automaton()
        self.payloads: list[list[tuple[str, T]]] = []
        for passage, payload in items:
            if not passage:
                continue
            index = self.automaton.get(passage, None)
            if index is None:
                index = len(self.payloads)
                self.payloads.append([])
                self.automaton.add_word(passage, index)
            self.payloads[index].append((passage, payload))
        if self.payloads:
            self.automaton.make_automaton()

    def __bool__(self) -> bool:
        return bool(self.payloads)

    def find(self, text: str) -> Iterator[tuple[str, T]]:
        """Each (passage, payload) found in ``text`` (normalised), once, in the order they end."""
        if not self.payloads:
            return
        seen: set[int] = set()
        for _, index in self.automaton.iter(text):
            if index not in seen:
                seen.add(index)
                yield from self.payloads[index]

    def first(self, text: str) -> tuple[str, T] | None:
        return next(self.find(text), None)


def word_pattern(words: str) -> str:
    """A regex for case-folded words not inside other words: letters and digits are word
    characters, '-' and '_' are not (so ``kestrel`` is found in ``kestrel-chart.svg``). Between
    the words of a name any separator or none may stand: ``kestrel systems``, ``kestrel-systems``,
    ``kestrel.systems``, ``kestrel+systems`` (a URL's query), ``kestrelsystems``."""
    body = r"[\s_.+\-]*".join(re.escape(w) for w in re.split(r"[\s_+-]+", words) if w)
    return r"(?<![a-z0-9])" + body + r"(?![a-z0-9])"


def token_pattern(token: str) -> str:
    """A regex for an identifier inside names, ids and URLs: ``kestrel`` is found in
    ``kestrel2025eval`` and ``kestrel-chart``, not in ``kestrels``."""
    token = token.lower()
    before = "(?<![a-z])" if token[:1].isalpha() else "(?<![0-9])" if token[:1].isdigit() else ""
    after = "(?![a-z])" if token[-1:].isalpha() else "(?![0-9])" if token[-1:].isdigit() else ""
    return before + re.escape(token) + after
