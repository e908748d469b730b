"""The one home of plain text, slugs and the walk over data (text.py, values.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from report_engine import mdscan, numbering, passages
from report_engine.text import ascii_folded, normalise, plain_text, slugify
from report_engine.values import (LineDict, LineList, Private, line_dict, line_list, names_any, private_values,
                                  scalar_leaves, text_leaves, walk)

pytestmark = pytest.mark.unit


# ---- Markdown as plain text -----------------------------------------------------------------

def test_compare_reading_keeps_link_texts_and_lines():
    text = "See [the *annex*](annex.md){#a} and ![a chart](c.png)[^1].\n<b>Bold</b> `code`"
    assert plain_text(text) == "See  the  annex    and  a chart  .\n Bold   code "


def test_compare_reading_drops_reference_and_footnote_definitions():
    text = "Words [x][ref].\n\n[ref]: https://example.org\n[^1]: The note."
    assert " ".join(plain_text(text).split()) == "Words x . The note."


def test_heading_reading_is_one_line_of_words():
    heading = "The **snake_case** [rule](r.md) <span>now</span> <!-- note -->\x0212\x03 done"
    assert plain_text(heading, "heading") == "The snakecase rule now done"


def test_heading_reading_keeps_what_the_anchor_was_made_from():
    # An image keeps its '!' and alt text, a footnote marker its label: anchors made from them must not move.
    assert plain_text("A ![chart](c.png) [^2]", "heading") == "A !chart [^2]"


def test_prose_reading_drops_images_and_footnotes_and_keeps_underscores():
    text = "A ![chart](c.png) of snake_case [rules][r]{: .x} [^2] **now**  ok"
    assert plain_text(text, "prose") == "A  of snake_case rules  now  ok"


def test_old_names_are_the_shared_readings():
    sample = "**Intro** to [it](x.md) <!-- n -->"
    assert mdscan.plain_text(sample) == plain_text(sample)
    assert numbering.plain_text(sample) == plain_text(sample, "heading") == "Intro to it"
    assert passages.normalise is normalise and passages.slugify is slugify


def test_normalise_folds_case_space_quotes_dashes_and_invisible_characters():
    assert normalise("  The\u200b \u201cQuoted\u201d\u2014Text\u2019s\n") == "the \"quoted\"-text's"


# ---- slugs ----------------------------------------------------------------------------------

def test_slugify_default():
    assert slugify("Kestrel Systems, Ltd.") == "kestrel-systems-ltd"
    assert slugify("  --Weird__Name--  ") == "weird-name"
    assert slugify("Müller") == "m-ller"           # what normalise cannot fold becomes a separator
    assert slugify("!!!") == ""


def test_slugify_separator_and_fold():
    assert slugify("Kestrel Systems Ltd.", "", fold=str.lower) == "kestrelsystemsltd"
    assert slugify("Müller & Söhne", fold=ascii_folded) == "muller-sohne"
    assert ascii_folded("Ångström") == "angstrom"


# ---- the walk over data ---------------------------------------------------------------------

def _sample() -> LineDict:
    secret = Private("helios", {"count": 7, "name": "Project X"}, "data/x.yml", 3)
    return LineDict(report={"runs": [1, secret], "share_pct": 12.5, "flag": True, "none": None,
                            "day": dt.date(2026, 1, 2)})


def test_walk_visits_everything_in_order_with_paths():
    nodes = list(walk({"a": [5, Private("h", "s", "f", 1)]}))
    assert [(node.path, node.in_mapping) for node in nodes] == [
        ((), False), (("a",), True), (("a", 0), False), (("a", 1), False), (("a", 1), False)]
    assert nodes[-1].value == "s"


def test_private_values_include_nested_ones():
    inner = Private("k", "deep", "f", 2)
    outer = Private("h", [inner], "f", 1)
    assert list(private_values({"x": outer, "y": [inner]})) == [outer, inner, inner]


def test_scalar_leaves_open_private_values_and_skip_none():
    assert list(scalar_leaves(_sample())) == [1, 7, "Project X", 12.5, True, dt.date(2026, 1, 2)]


def test_text_leaves_format_numbers_by_their_key():
    # Booleans and None are no text; a number under a "_pct" key is printed as a percentage.
    assert list(text_leaves(_sample())) == ["1", "7", "Project X", "12.5%", "January 2, 2026"]


def test_text_leaves_key_applies_only_to_a_number_a_mapping_holds():
    assert list(text_leaves({"done_share": 0.5})) != list(text_leaves([0.5]))
    assert list(text_leaves({"done_share": Private("h", 0.5, "f", 1)})) == list(text_leaves([0.5]))


def test_names_any_finds_ids_as_values_and_keys():
    assert names_any({"developer": {"id": "nova"}}, {"nova"})
    assert names_any({"nova": 1}, {"nova"})
    assert names_any([Private("h", "nova", "f", 1)], {"nova"})
    assert not names_any({"developer": "supernova"}, {"nova"})


def test_copies_keep_the_lines_of_what_they_copy():
    original = LineDict(a=1)
    original.source, original.line, original.key_lines = "data/x.yml", 4, {"a": 5}
    copy = line_dict([("b", 2)], like=original)
    assert (copy, copy.source, copy.line, copy.line_of("a")) == ({"b": 2}, "data/x.yml", 4, 5)
    items = LineList([1, 2])
    items.source, items.line, items.item_lines = "data/y.yml", 7, [8, 9]
    assert line_list([2], like=items).item_lines == [8, 9]
    assert line_list([2], like=items, item_lines=[9]).item_lines == [9]


# ---- scans remembered across the preview's rebuilds ---------------------------------------------

def test_a_scan_is_remembered_for_the_next_build_however_many_texts_a_build_reads():
    calls: list[str] = []

    @mdscan.remembered
    def scan(text: str) -> int:
        calls.append(text)
        return len(text)

    try:
        texts = [f"page {n}" for n in range(5000)]     # more than any fixed bound would keep
        mdscan.turn()
        assert [scan(text) for text in texts] == [len(text) for text in texts]
        mdscan.turn()                                   # the next build reads the same pages
        assert [scan(text) for text in texts] == [len(text) for text in texts]
        assert len(calls) == 5000
        mdscan.turn()                                   # a build restored whole from its memo reads nothing:
        mdscan.turn()                                   # what the build before it read is kept
        assert [scan(text) for text in texts[:3]] == [len(text) for text in texts[:3]] and len(calls) == 5000
        mdscan.turn()                                   # a build that reads only the first page
        scan(texts[0])
        mdscan.turn()
        scan(texts[1])                                  # unread for two builds: scanned again
        scan(texts[0])
        assert calls[5000:] == [texts[1]]
        mdscan.forget()
        scan(texts[0])
        assert calls[-1] == texts[0] and len(calls) == 5002
    finally:
        mdscan._MEMOS.remove(scan)  # type: ignore[arg-type]


def test_footnotes_are_read_once_for_texts_that_differ_only_in_token_numbers(monkeypatch):
    read: list[str] = []
    scan = mdscan._footnote_uses.function

    def counting(text: str):
        read.append(text)
        return scan(text)
    monkeypatch.setattr(mdscan._footnote_uses, "function", counting)
    mdscan.forget()
    before = "Words[^a] \x0212\x03 and \x0e3\x0fhidden[^b]\x0e/3\x0f \x1040\x11.\n\n[^a]: A \x0213\x03 note[^c]."
    after = before.replace("\x0212\x03", "\x0214\x03").replace("\x0213\x03", "\x0215\x03").replace("3\x0f", "5\x0f")
    assert mdscan.footnote_uses(before) == mdscan.footnote_uses(after) == ["a", "b", "c"]
    assert len(read) == 1                     # an edit upstream renumbered the tokens: read once
    odd = "A label made by a macro[^n\x029\x03].\n"
    assert mdscan.footnote_uses(odd) == ["n\x029\x03"]            # kept exactly as written
    assert mdscan.footnote_uses(odd.replace("9", "8")) == ["n\x028\x03"]
