"""Passages: the unit in which the engine compares text.

A passage is a sentence, or a clause of six words or more, of normalised text
(case, whitespace, quotes, dashes and invisible characters folded). The
conflict check and the leak audit both cut text into passages and search for
them: the conflict check in the report's open text, the audit in every output.

Why these sizes. A sentence of 20 characters or more is specific enough that
finding it twice is evidence of a copy; shorter ones ("We agree.") recur in
honest prose. Clauses catch a copy of part of a sentence; below six words they
are stock phrases ("during the assessment window", "in the coming months")
that honest reports share between redacted and open text. The false-alarm
tests (tests/test_honest_reports.py) hold both bounds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Generic, Iterable, Iterator, TypeVar

from . import mdscan
from .records import PLACEHOLDER

FORMAT_CHARACTERS = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")   # Unicode category Cf: invisible, so a copy may carry them
EDGE_PUNCTUATION = " .,;:!?\"'()[]{}<>*_`"
MIN_TEXT = 20          # a sentence shorter than this recurs in honest prose
MIN_NOTE = 12          # private data values: names and short phrases are the point
CLAUSE_WORDS = 6       # a clause shorter than this is a stock phrase
SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
CLAUSE = re.compile(r"\s*(?:[,;:()\[\]]|\s-\s|\s--\s)\s*")
BLOCK_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>|<|!!!|\?\?\?|///|\[\^[^\]]*\]:|\{%|\{\{)")
SEPARATOR = " ; "


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = FORMAT_CHARACTERS.sub("", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[‐-―−]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


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
        elif BLOCK_START.match(line):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    texts = (mdscan.plain_text("\n".join(block)) for block in blocks if block)
    return [text for text in texts if text.strip()]


def passages(texts: Iterable[str], minimum: int = MIN_TEXT) -> Iterator[str]:
    """Sentences of at least ``minimum`` characters and clauses of at least six words."""
    for text in texts:
        for sentence in SENTENCE.split(normalise(text)):
            sentence = sentence.strip(EDGE_PUNCTUATION)      # a copy may end in ',' or '}' instead
            if len(sentence) >= minimum:
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
WORD = re.compile(r"\S+")


class PassageSearch(Generic[T]):
    """Many passages searched for in one pass over a text.

    Each passage is filed under its first two words; the text is read word by word and a passage
    is compared only where its first words stand. One pass per text, whatever the number of
    passages, where ``passage in text`` for each would read the text once per passage.
    """

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self.by_key: dict[str, list[tuple[str, T]]] = defaultdict(list)
        for passage, payload in items:
            words = passage.split(" ")
            self.by_key[" ".join(words[:2])].append((passage, payload))

    def __bool__(self) -> bool:
        return bool(self.by_key)

    def find(self, text: str) -> Iterator[tuple[str, T]]:
        """Each (passage, payload) found in ``text`` (normalised), once."""
        found: set[int] = set()
        words = [(m.start(), m.group()) for m in WORD.finditer(text)]
        for index, (start, word) in enumerate(words):
            stripped = word.lstrip(EDGE_PUNCTUATION)
            position = start + len(word) - len(stripped)
            candidates = self.by_key.get(stripped, ())          # one-word passages
            if index + 1 < len(words):
                following = text[position:words[index + 1][0] + len(words[index + 1][1])]
                two = self.by_key.get(following)
                if two is None:
                    second = words[index + 1][1]
                    two = self.by_key.get(stripped + " " + second.rstrip(EDGE_PUNCTUATION))
                candidates = [*candidates, *(two or ())]
            for passage, payload in candidates:
                if id(payload) not in found and text.startswith(passage, position):
                    found.add(id(payload))
                    yield passage, payload

    def first(self, text: str) -> tuple[str, T] | None:
        return next(self.find(text), None)
