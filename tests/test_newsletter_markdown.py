"""The newsletter's Markdown (newsletter_markdown.py), in process: what a post's HTML becomes as plain
Markdown; the newsletter of a built site is in test_newsletter.py."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from report_engine.newsletter_markdown import to_markdown

pytestmark = pytest.mark.unit


def test_superscripts_and_subscripts_are_plain_text() -> None:
    post = lxml_html.fragment_fromstring(
        "<div><p>About 10<sup>26</sup> FLOP of CO<sub>2</sub>, rank<sup>th</sup>, see<sup>[4]</sup>.</p></div>")
    assert to_markdown(post) == "About 10²⁶ FLOP of CO₂, rank^(th), see\\[4\\].\n"


def test_markdown_escapes_what_would_turn_into_syntax() -> None:
    post = lxml_html.fragment_fromstring(
        "<div><p>1. not a list, *not emphasis* and [not a link]</p>"
        "<p>Text <em>em </em>and <a href='https://x.example/a(b)'>link</a><sup>[1]</sup></p>"
        "<ul><li><p>One</p><ul><li>Nested</li></ul></li><li>Two</li></ul>"
        "<blockquote><p>Quoted</p></blockquote></div>")
    assert to_markdown(post) == (
        "1\\. not a list, \\*not emphasis\\* and \\[not a link\\]\n\n"
        "Text *em* and [link](https://x.example/a%28b%29)\\[1\\]\n\n"
        "- One\n\n  - Nested\n\n- Two\n\n"
        "> Quoted\n")
