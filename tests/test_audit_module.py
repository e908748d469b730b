"""The audit's pure helpers, in process: which repeated navigations it may skip, and why not others."""

from __future__ import annotations

import pytest

from report_engine.audit import NavSeen, repeated_nav_removed

pytestmark = pytest.mark.unit


def page(items: list[tuple[str, str]], active: str, toc: str = "") -> bytes:
    """A page with Material's primary navigation: (href, title) items, one of them active."""
    links = []
    for href, title in items:
        if title == active:
            links.append(f'<li class="md-nav__item md-nav__item--active"><input class="md-toggle" type="checkbox" '
                         f'id="__toc" checked><a href="./" class="md-nav__link md-nav__link--active">{title}</a>'
                         f'<nav class="md-nav md-nav--secondary" aria-label="Table of contents">{toc}</nav></li>')
        else:
            links.append(f'<li class="md-nav__item"><a href="{href}" class="md-nav__link">{title}</a></li>')
    nav = ('<nav class="md-nav md-nav--primary" aria-label="Navigation"><ul class="md-nav__list">'
           + "".join(links) + "</ul></nav>")
    return f"<html><body><div>{nav}</div><article>{active} text</article></body></html>".encode()


ITEMS = [("../one/", "One"), ("../two/", "Two"), ("../three/", "Three")]


def test_a_navigation_read_in_full_is_not_read_again():
    seen = NavSeen()
    first = page(ITEMS, "One")
    assert repeated_nav_removed(first, "one/index.html", seen) == first
    assert repeated_nav_removed(page(ITEMS, "Two"), "two/index.html", seen) == page(ITEMS, "Two")  # links One: new
    third = repeated_nav_removed(page(ITEMS, "Three", toc="<a href='#part'>Part of three</a>"), "three/index.html", seen)
    assert b"md-nav--primary" not in third and b"Three text" in third
    assert b"Part of three" in third                    # the page's own contents stay


def test_a_new_title_or_a_different_target_is_read():
    seen = NavSeen()
    repeated_nav_removed(page(ITEMS, "One"), "one/index.html", seen)
    repeated_nav_removed(page(ITEMS, "Two"), "two/index.html", seen)
    leaked = page(ITEMS + [("../four/", "Kestrel Systems notes")], "Three")
    assert repeated_nav_removed(leaked, "three/index.html", seen) == leaked
    # The same relative link read from another folder's parent names another page: read it.
    elsewhere = page(ITEMS, "One")
    assert repeated_nav_removed(elsewhere, "appendices/one/index.html", seen) == elsewhere


def test_a_page_without_the_navigation_is_unchanged():
    data = b"<html><body><p>No navigation here.</p></body></html>"
    assert repeated_nav_removed(data, "x/index.html", NavSeen()) == data
