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


def test_a_file_too_large_to_read_for_its_key_is_audited_all_the_same(tmp_path, monkeypatch):
    """An output over READ_WHOLE is hashed a piece at a time for the memo; its key is the one reading
    it whole gives, a leak in it is found, and once clean it is not checked again."""
    from report_engine import audit, caches
    from report_engine.sources import Location

    site = tmp_path / "site"
    site.mkdir()
    big = site / "search" / "index.json"
    big.parent.mkdir()
    filler = "lorem ipsum " * (audit.READ_WHOLE // 10)
    big.write_text(filler + "the secret merger with helios", encoding="utf-8")
    (site / "small.txt").write_text("nothing to see", encoding="utf-8")
    prints = [audit.Fingerprint("redacted text", "the secret merger with helios", Location("docs/a.md", 3))]
    memo = caches.CleanFiles(tmp_path, "context")
    assert memo.file_key("x", "file", big) == memo.key("x", "file", big.read_bytes())

    found = audit.audit_site(site, prints, memo=memo)
    assert [finding.output.name for finding in found] == ["index.json"]

    big.write_text(filler, encoding="utf-8")
    assert audit.audit_site(site, prints, memo=memo) == []
    checked = []
    real = audit._SiteAudit.check
    monkeypatch.setattr(audit._SiteAudit, "check", lambda self, *a: checked.append(a[1]) or real(self, *a))
    assert audit.audit_site(site, prints, memo=caches.CleanFiles(tmp_path, "context")) == []
    assert checked == []                       # both known clean: neither read to be checked
