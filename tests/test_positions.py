"""Attribution by position (positions.py): what a macro records belongs where its output lands.

These in-process tests read the locator on hand-made texts; the end-to-end test, which runs the
wrapper pattern (a macro that runs its body before it opens ``redact``) through two editions and
reads the changes page of the public, a rival participant and the owner, is in test_changes_page.py.
"""

from __future__ import annotations

import pytest

from report_engine import positions
from report_engine.redaction import body_end, body_start

pytestmark = pytest.mark.unit

OWNERS = {1: "helios", 2: "quill"}


def locator(texts: dict, bodies=(), shown: dict | None = None) -> positions.Locator:
    return positions.Locator(texts, shown or {}, bodies, OWNERS.__getitem__)


def test_a_token_in_open_text_lands_on_its_page_with_no_owner():
    a = positions.anchor(1)
    where = locator({"index.md": f"Open {a}text."}).landing(a)
    assert where == positions.Landing("index.md", True, ())


def test_a_token_inside_shown_redactions_names_every_owner_around_it():
    a, b = positions.anchor(1), positions.anchor(2)
    text = f"{body_start(1)} helios {body_start(2)} both {a} {body_end(2)} {body_end(1)} after {b}"
    where = locator({"p.md": text})
    assert where.landing(a).owners == ("helios", "quill")
    assert where.landing(b).owners == ()


def test_a_token_in_an_editors_note_is_not_shown():
    a = positions.anchor(1)
    text = f"Open <!-- a note {a} --> text."
    assert not locator({"p.md": text}, shown={"p.md": "Open  text."}).landing(a).shown


def test_a_token_only_in_a_hidden_body_takes_the_owners_of_the_body_where_it_landed():
    inner, outer, fact = positions.anchor(1), positions.anchor(2), positions.anchor(3)
    # helios' body (redaction 1) is hidden; it landed inside quill's shown redaction 2
    page = f"{body_start(2)} quill {inner} {body_end(2)}"
    body = positions.Body(1, "helios", "p.md", f"secret {fact}", inner, ("helios",))
    where = locator({"p.md": page}, [body]).landing(fact)
    assert where == positions.Landing("p.md", False, ("quill", "helios"))
    assert locator({"p.md": page}, [body]).body_owners(body) == ("quill", "helios")


def test_fallback_tokens_are_read_in_order_and_a_lost_token_is_nowhere():
    lost, frame = positions.anchor(1), positions.anchor(2)
    where = locator({"p.md": f"{body_start(1)}{frame}{body_end(1)}"})
    assert where.landing(lost, frame).owners == ("helios",)
    assert where.landing(lost).nowhere


def test_anchored_text_compares_as_text_and_prints_with_its_anchor():
    text = positions.Anchored("5", positions.anchor(7))
    assert text == "5" and text + "%" == "5%" and int(text) == 5
    assert str(text) == "\x107\x115"
    assert positions.strip_anchors(f"a{text}b") == "a5b"
    assert positions.plain(text) == "5"


def test_after_indent_keeps_the_lines_and_indentation_macros_read():
    token = positions.anchor(1)
    assert positions.after_indent("\n    body\n", token) == f"\n    {token}body\n"
    assert positions.after_indent("inline", token) == f"{token}inline"
    assert positions.after_indent("  ", token) == f"  {token}"


def test_download_links_stand_in_place_of_a_shown_tables_anchor():
    token = positions.anchor(4)
    assert positions.strip_anchors(f"table\n\n{token}", {token: "LINKS"}) == "table\n\nLINKS"
    assert positions.strip_anchors(f"table\n\n{token}") == "table\n\n"
