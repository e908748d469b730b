"""The text machinery behind the leak guarantee, without a build: passages, marks, footnotes, notes."""

from __future__ import annotations

import re

import pytest

from report_engine import mdscan
from report_engine.passages import PassageSearch, corpus, normalise, slugify, text_passages, token_pattern, word_pattern
from report_engine.redaction import body_end, body_start, mark_spans, open_text, strip_marks

pytestmark = pytest.mark.unit


def test_passages_are_sentences_and_long_clauses_of_plain_text():
    found = text_passages("**Helios** moved [the fleet](x.md) to a separate segment, as the security team "
                          "had asked in the spring. We agree.")
    assert "helios moved the fleet to a separate segment, as the security team had asked in the spring" in found
    assert "as the security team had asked in the spring" in found      # a clause of six words or more
    assert "helios moved the fleet to a separate segment" in found
    assert "we agree" not in found                                       # too short to be evidence


def test_stock_phrases_are_not_passages():
    assert text_passages("During the assessment window, it rained.") == ["during the assessment window, it rained"]
    assert "during the assessment window" not in text_passages("During the assessment window, it rained.")


def test_passages_never_run_across_blocks_or_macro_output():
    found = text_passages("## Monitoring coverage of agents\nThe company estimated \x021\x03 of requests were agent-written.")
    assert not any("agents the company" in p for p in found)
    assert not any("estimated of" in p for p in found)


def test_table_cells_are_blocks_of_their_own():
    found = text_passages("| Helios moved the evaluation fleet in March | Quill kept its fleet where it was |")
    assert "helios moved the evaluation fleet in march" in found
    assert "quill kept its fleet where it was" in found


def test_search_finds_many_passages_in_one_pass():
    search = PassageSearch([("helios moved the fleet", "a"), ("quill kept its cluster", "b"), ("never there at all", "c")])
    text = normalise("As noted, (Helios moved the fleet in March) and Quill kept its cluster.")
    assert sorted(payload for _, payload in search.find(text)) == ["a", "b"]
    assert search.first(normalise("nothing here")) is None


def test_corpus_normalises_quotes_dashes_and_invisible_characters():
    assert "the company’s fleet" not in corpus(["The company\u200b’s fleet – moved"])
    assert "the company's fleet - moved" in corpus(["The company\u200b’s fleet – moved"])


def test_word_and_token_patterns():
    name = re.compile(word_pattern(normalise("Kestrel Systems")))
    assert name.search("report by kestrel systems, 2025")
    assert name.search("kestrel-systems")
    assert not name.search("kestrel systemsx")
    token = re.compile(token_pattern("kestrel"))
    assert token.search("ref-kestrel2025eval") and token.search("assets/kestrel-chart.svg")
    assert not token.search("kestrels") and not token.search("minikestrel")
    assert slugify("Kestrel Systems") == "kestrel-systems"


def test_marks_separate_open_text_from_redaction_bodies():
    text = f"Open one. {body_start(1)}Secret {body_start(2)}inner{body_end(2)} rest.{body_end(1)} Open two."
    assert open_text(text, " ; ") == "Open one.  ;  Open two."
    assert strip_marks(text) == "Open one. Secret inner rest. Open two."
    assert mark_spans(text) == [(10, len(text) - len(" Open two."))]


FOOTNOTES = """Intro[^a b] and [^c].

[^a b]: First line of a,
lazy continuation of a.

    An indented paragraph of a.

Plain paragraph.
[^c]: The definition of c.

```
[^d]: not a definition, code
```
"""


def test_footnote_definitions_have_python_markdowns_extent():
    found = {d.label: FOOTNOTES[d.start:d.end] for d in mdscan.footnote_definitions(FOOTNOTES)}
    assert set(found) == {"a b", "c"}
    assert found["a b"].endswith("    An indented paragraph of a.\n")
    assert "Plain paragraph" not in found["a b"]
    assert found["c"] == "[^c]: The definition of c.\n"
    assert sorted(mdscan.footnote_uses(FOOTNOTES)) == ["a b", "c"]


@pytest.mark.parametrize("text, fragment, offset", [
    ("Text.\n\n<!-- TODO(editor): check\n\nMore.\n", "never closed", 7),
    ("Text <!— note —> more.\n", "typographic dash", 5),
    ("Text <!– note –> more.\n", "typographic dash", 5),
    ("Text {#TODO check#} more.\n", "'{# ... #}'", 5),
    ("Text {# TODO check #} more.\n", "'{# ... #}'", 5),
    ("Text <!-- note —> more.\n", "'—>'", 5),
])
def test_malformed_notes_are_found_where_they_open(text, fragment, offset):
    mistake = mdscan.note_mistake(text)
    assert mistake is not None and fragment in mistake.message and mistake.offset == offset


@pytest.mark.parametrize("text", [
    "## Heading {#label}\n\nText <!-- a closed note --> and {## a Jinja comment ##}.\n",
    "```\n<!-- a comment in code is content\n```\n",
    "Inline `<!--` code.\n",
])
def test_honest_text_has_no_note_mistake(text):
    assert mdscan.note_mistake(text) is None


@pytest.mark.parametrize("text, reached", [
    ("!!! note\n    First paragraph.\n\n    Second one links [the annex](annex.md).\n", True),
    ("- item\n\n    continued item with [the annex](annex.md)\n", True),
    ("Text[^n].\n\n[^n]: A note.\n\n    Its second paragraph cites [the annex](annex.md).\n", True),
    ("=== \"Tab\"\n\n    Tab content with [the annex](annex.md).\n", True),
    ("Some prose.\n\n    [the annex](annex.md)\n", False),                  # indented code
    ('<div class="todo">\n[the annex](annex.md)\n</div>\n', False),         # a raw HTML block
    ('<div markdown>\n[the annex](annex.md)\n</div>\n', True),              # md_in_html
    ('[x](https://example.org "see [the annex](annex.md)")\n', False),     # a link title
])
def test_links_count_where_markdown_reads_them(text, reached):
    assert ("annex.md" in mdscan.markdown_urls(text)) is reached


def test_normalise_folds_what_a_copy_may_change():
    assert normalise("“Quoted”\u00a0text — with\u200b a dash’s") == "\"quoted\" text - with a dash's"
    assert normalise("Plain ASCII   text") == "plain ascii text"


def test_attribute_scan_finds_what_the_regex_finds():
    """mdscan.attribute_matches tries the attribute regexes only before an '=': on texts made of the
    pieces that decide a match (names in any case, the long s and Kelvin sign a case-folded regex
    reads as s and k, white space of every kind, quotes, '=' inside values and names run together),
    it finds exactly the matches of finditer, in order."""
    import random

    from report_engine import audit

    pieces = ["src", "SRC", "ſrc", "href", "HrEf", "data", "poster", "xsrc", "src-", "id", "ID", "name", "for",
              "aria-labelledby", "aria-describedby", "by", "=", "==", " ", "\u00a0", "\n", "\t", '"', "'", "v=1",
              "a", "<", ">", "url(", "Kelvin\u212a", "é"]
    rng = random.Random(26)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40))) for _ in range(20000)]
    texts += ['<a href="x">', "src = 'a' data=b poster=\"c\"", "id=a=b name =c", "=src=", "href=", "ſrc=x"]
    candidates = ["srcset", "SrcSet", "ſrcset", "xsrcset", "=", " ", "\n", '"', "'", "a b, c 2x", '="u 1x"', "='v'"]
    texts += ["".join(rng.choice(candidates) for _ in range(rng.randrange(1, 30))) for _ in range(10000)]
    for pattern, names in ((mdscan.URL_ATTRIBUTE, mdscan.URL_NAMES), (audit.ID_ATTRIBUTE, audit.ID_NAMES),
                           (mdscan.SRCSET, ("srcset",))):
        matched = 0
        for text in texts:
            expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
            assert [(m.span(), m.groups()) for m in mdscan.attribute_matches(pattern, names, text)] == expected, text
            matched += bool(expected)
        assert matched > 500
