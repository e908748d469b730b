"""The example report in a real browser: Playwright drives Debian's Chromium over the published site.

The example is published twice (editions 2026-03 and 2026-06) into a local ``gh-pages`` branch,
as ``python -m macros publish`` does, and that tree is served over HTTP, so these tests see what
a reader would: the version selector, the search index, tooltips, the table on a phone, print.
axe-core (from the npm registry, installed by ``make test`` into ``tests/browser/``) checks every
page type in light and dark mode; a serious or critical violation fails. Screenshots of the main
page types at desktop and phone widths are written to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import tarfile
import io
import threading
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, copy_example
from test_editions import assert_published, commit, make_repository, publish, set_edition

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "browser"
EDITIONS = (("2026-03", "February to March 2026"), ("2026-06", "May to June 2026"))
LATEST = EDITIONS[-1][0]

pytestmark = [
    pytest.mark.site,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: npm ci --prefix tests/browser"),
]

# Every page type of the example: the landing page (cover), a findings section, the assessment
# (a material-redaction notice), an appendix (a redaction notice), the incident catalogue (the
# widest table), the references, the newsletter copy page and the not-found page.
PAGE_TYPES = {
    "landing": "",
    "findings": "key-facts/",
    "assessment": "assessment/",
    "appendix": "appendices/anthropic/",
    "incidents": "appendices/incidents/",
    "references": "references/",
    "process-details": "appendices/process-details/",
    "changes": "changes/",
    "newsletter": "newsletter/",
}
SCREENSHOTS = tuple(PAGE_TYPES)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# ---- the published example, served ----------------------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The gh-pages tree of the example after two publishes, on a local HTTP server: its root URL."""
    for name in ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION"):
        os.environ.pop(name, None)
    root = copy_example(tmp_path_factory.mktemp("browser") / "report")
    make_repository(root)
    assert_published(publish(root))
    facts = root / "data" / "facts.yml"              # a figure that changed: the second edition's changes page
    facts.write_text(facts.read_text(encoding="utf-8").replace("horizon_doubling_months: 7", "horizon_doubling_months: 6"),
                     encoding="utf-8")
    set_edition(root, *EDITIONS[1])
    commit(root, "Second edition")
    assert_published(publish(root))
    tree = tmp_path_factory.mktemp("gh-pages")
    archive = subprocess.run(["git", "archive", "gh-pages"], cwd=root, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    handler = functools.partial(Quiet, directory=str(tree))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:      # noqa: A002 - the signature is the library's
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def edition(served: str, path: str = "") -> str:
    return f"{served}{LATEST}/{path}"


def open_page(page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, url
    # a page of the report, or the newsletter's copy page (a page of its own, without Material)
    page.wait_for_selector("article.md-content__inner, #newsletter-post")


def is_report_page(page) -> bool:
    return page.locator("article.md-content__inner").count() == 1


# ---- accessibility ----------------------------------------------------------------------------

def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]})
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary)}))
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_accessibility_violations_on_any_page_type(browser, served, scheme, viewport):
    """Every page type, at a laptop's width and at a phone's (what a phone sees: tables that fit or
    scroll, the header's selector), in both colour schemes."""
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    try:
        page = context.new_page()
        found = {}
        for name, path in PAGE_TYPES.items():
            open_page(page, edition(served, path))
            if is_report_page(page):
                expected = "slate" if scheme == "dark" else "default"
                assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
            violations = axe_violations(page)
            if violations:
                found[name] = violations
        # the not-found page at the site's root, served for any unknown address
        page.goto(served + "no-such-page/")
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        if violations:
            found["404"] = violations
        assert not found, "\n".join(f"{name}: {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
                                    for name, vs in found.items() for v in vs)
    finally:
        context.close()


# ---- tooltips ---------------------------------------------------------------------------------

def active_tooltip(page) -> str:
    page.wait_for_selector(".md-tooltip2.md-tooltip2--active", state="visible", timeout=5000)
    return " ".join(page.locator(".md-tooltip2.md-tooltip2--active").last.inner_text().split())


def test_footnote_and_citation_tooltips_open_on_hover_and_on_keyboard_focus(page, served):
    open_page(page, edition(served, "assessment/"))
    citation = page.locator("a.citation__ref").first
    reference = " ".join(citation.get_attribute("data-citation-ref").split())
    citation.hover()
    text = active_tooltip(page)
    assert text and text[:30] in " ".join(page.evaluate(
        "(html) => { const d = document.createElement('div'); d.innerHTML = html; return d.textContent }",
        reference).split())
    page.mouse.move(5, 5)
    page.wait_for_selector(".md-tooltip2--citation.md-tooltip2--active", state="detached", timeout=5000)
    citation.focus()
    assert active_tooltip(page) == text, "the keyboard gets the same tooltip"

    open_page(page, edition(served, ""))
    footnote = page.locator("a.footnote-ref").first
    target = footnote.get_attribute("href")
    note = " ".join(page.locator(f"li[id='{target.lstrip('#')}']").inner_text().split()).rstrip("↩").strip()
    footnote.hover()
    assert note[:40] in active_tooltip(page)
    page.mouse.move(5, 5)
    page.wait_for_timeout(600)
    footnote.focus()
    assert note[:40] in active_tooltip(page)


# ---- navigation -------------------------------------------------------------------------------

def test_the_navigation_and_contents_reach_every_section_and_appendix(page, served):
    open_page(page, edition(served, ""))
    links = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]",
        "els => [...new Set(els.map(a => new URL(a.getAttribute('href'), location.href).href.split('#')[0]))]")
    wanted = {edition(served, path) for path in PAGE_TYPES.values() if path != "newsletter/"}
    wanted |= {edition(served, f"appendices/{name}/") for name in
               ("process-details", "google", "meta", "openai", "developer-e")}
    wanted.add(edition(served, "process/"))
    assert wanted <= set(links), sorted(wanted - set(links))
    for url in sorted(wanted):
        open_page(page, url)
        headings = page.eval_on_selector_all("article h2[id]", "els => els.map(e => e.id)")
        contents = page.eval_on_selector_all(
            "nav.md-nav--secondary a.md-nav__link[href^='#']", "els => els.map(a => a.getAttribute('href').slice(1))")
        assert set(headings) <= set(contents), (url, set(headings) - set(contents))
    # an appendix is reachable from the navigation by a click, not only by address
    open_page(page, edition(served, ""))
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Anthropic").first.click()
    page.wait_for_url("**/appendices/anthropic/")
    assert "Anthropic" in page.locator("article h1").inner_text()


# ---- search -----------------------------------------------------------------------------------

def search(page, words: str) -> tuple[int, str]:
    box = page.locator("input.md-search__input")
    if not box.is_visible():                  # on a narrow screen, behind the header's search button
        page.locator("label.md-header__button[for='__search']").click()
    box.click()
    box.fill("")
    box.type(words, delay=20)
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta'); "
        "return m && !/Initializing|Type to start/i.test(m.textContent) }", timeout=15000)
    page.wait_for_timeout(300)
    meta = page.locator(".md-search-result__meta").inner_text()
    return page.locator("li.md-search-result__item").count(), meta


def test_search_finds_a_public_phrase_and_nothing_redacted(page, served):
    open_page(page, edition(served, ""))
    found, _ = search(page, "convenience features")
    assert found >= 1
    titles = page.locator("li.md-search-result__item").all_inner_texts()
    assert any("Anthropic" in title for title in titles)
    # words found only in a passage redacted for the public (the search matches any word, so each
    # is one that no public passage has): the experiment-tracking service and the staff token
    redacted = (REPO / "docs/appendices/anthropic.md").read_text(encoding="utf-8")
    passage = redacted.split('{% call redact("anthropic") %}', 1)[1].split("{% endcall %}", 1)[0]
    for word in ("tracking", "token"):
        assert word in passage
        found, meta = search(page, word)
        assert found == 0 and "No matching" in meta, (word, meta)
    found, _ = search(page, "notebook")         # public too (the incident catalogue): found there only
    assert found >= 1


# ---- editions ---------------------------------------------------------------------------------

def test_the_version_selector_lists_both_editions_after_a_publish(page, served):
    open_page(page, edition(served, "key-facts/"))
    page.wait_for_selector(".md-version__current", timeout=10000)
    assert EDITIONS[1][1] in page.locator(".md-version__current").inner_text()
    page.locator(".md-version").hover()
    labels = page.locator(".md-version__list .md-version__link").all_inner_texts()
    assert any(EDITIONS[0][1] in label for label in labels) and any(EDITIONS[1][1] in label for label in labels)
    page.locator(".md-version__list .md-version__link", has_text=EDITIONS[0][1]).click()
    page.wait_for_url(f"**/{EDITIONS[0][0]}/key-facts/")
    # an earlier edition says so (once Material has read versions.json)
    page.locator("[data-report-outdated]").wait_for(state="visible", timeout=10000)
    open_page(page, edition(served, "key-facts/"))
    page.wait_for_selector(".md-version__current", timeout=10000)
    assert not page.locator("[data-report-outdated]").is_visible(), "the newest edition does not"
    open_page(page, served + "latest/")
    page.wait_for_url(f"**/{LATEST}/")


# ---- print and phone ----------------------------------------------------------------------------

def test_print_styles_show_the_report_without_the_site_chrome(page, served):
    open_page(page, edition(served, "appendices/incidents/"))
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary',
            '.md-footer', '.md-search'].map(s => { const e = document.querySelector(s);
            return !e || getComputedStyle(e).display === 'none' || e.getBoundingClientRect().height === 0 })""")
    assert all(hidden), hidden
    assert page.locator("article h1").is_visible()
    table = page.locator("article table").first
    assert table.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_no_page_scrolls_sideways_on_a_phone_and_wide_tables_become_cards(browser, served):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        for name, path in PAGE_TYPES.items():
            open_page(page, edition(served, path))
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow} px on a phone"
        open_page(page, edition(served, "appendices/incidents/"))
        cell = page.locator("table[data-report-wide] td[data-label]").first
        assert cell.evaluate("td => getComputedStyle(td).display") == "block", "a wide table reads as cards"
        dates = page.locator("table[data-report-wide] .report-date")
        if dates.count():
            box = dates.first.bounding_box()
            assert box is not None and box["height"] < 40, "a date does not break over two lines"
    finally:
        context.close()


def test_wide_tables_fit_on_a_laptop(page, served):
    open_page(page, edition(served, "appendices/incidents/"))
    table = page.locator("article table").first
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"]
    narrowest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('article table th')]
        .map(th => th.getBoundingClientRect().width))""")
    assert narrowest >= 60, f"a column is squeezed to {narrowest:.0f} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def visible_title_count(page, title: str) -> int:
    """How many visible elements on the first screen say the report's title (their own text)."""
    return page.evaluate("""(title) => [...document.querySelectorAll('body *')].filter(e => {
        const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim()
        if (own !== title) return false
        const box = e.getBoundingClientRect(), style = getComputedStyle(e)
        return box.width > 0 && box.height > 0 && box.top < innerHeight && box.bottom > 0
            && box.left < innerWidth && box.right > 0
            && style.visibility !== 'hidden' && style.opacity !== '0'
    }).length""", title)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_landing_page_has_a_cover_and_one_title_on_the_first_screen(browser, served, viewport):
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, edition(served, ""))
        cover = page.locator("[data-report-cover]")
        assert cover.is_visible()
        title = " ".join(cover.locator(".report-cover__title").inner_text().split())
        for fact in ("Edition", "Assessment window", "Published"):
            assert cover.get_by_text(fact, exact=True).is_visible()
        assert visible_title_count(page, title) == 1
        open_page(page, edition(served, "key-facts/"))
        assert page.locator("[data-report-cover]").count() == 0, "the cover is the landing page's alone"
    finally:
        context.close()


# ---- screenshots ------------------------------------------------------------------------------

def test_screenshots_of_the_main_page_types_at_desktop_and_phone_widths(browser, served):
    """Kept as test artefacts to be looked at; the test checks each is a real, non-blank picture."""
    from PIL import Image, ImageStat

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        try:
            page = context.new_page()
            for name in SCREENSHOTS:
                open_page(page, edition(served, PAGE_TYPES[name]))
                target = ARTIFACTS / f"{name}-{label}.png"
                page.screenshot(path=str(target))
                with Image.open(target) as image:
                    assert image.size == (viewport["width"], viewport["height"])
                    spread = ImageStat.Stat(image.convert("L")).stddev[0]
                    assert spread > 10, f"{target.name} looks blank"
            # the incident catalogue itself, the widest table, whole
            open_page(page, edition(served, PAGE_TYPES["incidents"]))
            page.add_style_tag(content=".md-header { position: static !important; }")   # not over the table
            table = page.locator("table[data-report-wide]").first
            table.screenshot(path=str(ARTIFACTS / f"incident-table-{label}.png"))
        finally:
            context.close()


# ---- reading: secondary text, captions, citations, the header ----------------------------------------

MEASURE = """(selector) => {
  function parse(c) { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
  function blend(top, under) { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255, 1];
    if (layers.length && layers[layers.length - 1][3] >= 1) base = layers.pop();
    for (let i = layers.length - 1; i >= 0; i--) base = blend(layers[i], base);
    return base;
  }
  function luminance(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
  const found = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement, style = getComputedStyle(el);
      if (!node.textContent.trim() || el.closest(".headerlink, sup") || !el.getClientRects().length
          || style.visibility === "hidden" || parseFloat(style.opacity) === 0) continue;
      const bg = background(el), fg = blend(parse(style.color), bg);
      const l1 = luminance(fg), l2 = luminance(bg);
      found.push({text: node.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize),
                  ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)});
    }
  }
  return found;
}"""

# Secondary text: where it stands, and a page that has it.
SECONDARY = {
    "footnotes": (".md-typeset .footnote", ""),
    "notes": (".md-typeset .admonition", ""),
    "captions": (".md-typeset figcaption", "key-facts/"),
    "section citation": (".report-cite--section", "key-facts/"),
    "BibTeX block": (".report-cite__bibtex", ""),
    "identity strip": (".report-strip", "key-facts/"),
}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_secondary_text_is_at_least_15_px_and_7_to_1_in_both_schemes(browser, served, scheme, viewport):
    """Footnotes, notes, tooltips, captions and citations beside an 18 px body: 15 px at least (14 px
    on a phone), and a contrast of 7:1 against what is behind them, read from computed styles."""
    smallest = 15 if viewport is DESKTOP else 14
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    try:
        page = context.new_page()
        found: dict[str, list[dict]] = {}
        for what, (selector, path) in SECONDARY.items():
            open_page(page, edition(served, path))
            found[what] = page.evaluate(MEASURE, selector)
            if what == "footnotes":           # a footnote's tooltip, opened on the reference
                page.locator("sup a.footnote-ref").first.hover()
                page.wait_for_selector(".md-tooltip2--active", state="visible", timeout=5000)
                found["tooltips"] = page.evaluate(MEASURE, ".md-tooltip2--active .md-tooltip2__inner")
        for what, measured in found.items():
            assert measured, f"no {what} measured"
            if what == "identity strip":
                assert min(m["size"] for m in measured) >= 14, (what, measured)
            else:
                small = [m for m in measured if m["size"] < smallest]
                assert not small, f"{what} under {smallest} px: {small[:3]}"
            faint = [m for m in measured if m["ratio"] < 7]
            assert not faint, f"{what} under 7:1 in the {scheme} scheme: {faint[:3]}"
    finally:
        context.close()


def test_captions_one_convention_tables_above_figures_below(page, served):
    """A table's caption stands above it, a figure's below; both upright and left-aligned, at the same
    size, as in the PDF (print/pdf.css)."""
    styles = []
    for path in ("key-facts/", "process/", "appendices/incidents/"):
        open_page(page, edition(served, path))
        styles += page.evaluate("""() => [...document.querySelectorAll('article figure')].map(f => {
            const caption = f.querySelector(':scope > figcaption'), body = f.querySelector('table, img, svg')
            const c = caption.getBoundingClientRect(), b = body.getBoundingClientRect(), s = getComputedStyle(caption)
            return {kind: body.tagName === 'TABLE' ? 'table' : 'figure', above: c.bottom <= b.top + 1,
                    below: c.top >= b.bottom - 1, italic: s.fontStyle, align: s.textAlign, size: s.fontSize,
                    left: Math.abs(c.left - f.getBoundingClientRect().left)}})""")
    kinds = {style["kind"] for style in styles}
    assert kinds == {"table", "figure"}, styles
    for style in styles:
        assert style["above"] if style["kind"] == "table" else style["below"], style
        assert style["italic"] == "normal" and style["align"] in ("left", "start") and style["left"] < 2, style
    assert len({style["size"] for style in styles}) == 1, styles


def test_citations_one_convention_for_authors(page, served):
    """"Cite this section" names the authors as "How to cite" does (the reference list's style). That
    the newsletter and feed link a work's DOI as the site does is in test_newsletter.py."""
    open_page(page, edition(served, ""))
    whole = " ".join(page.locator(".report-cite__reference").inner_text().split())
    open_page(page, edition(served, "key-facts/"))
    section = " ".join(page.locator(".report-cite--section").inner_text().split())
    lead = whole.split(" (")[0]
    assert lead and section.startswith(f"Cite this section: {lead} ("), (whole, section)
    styles = page.evaluate("""() => [document.querySelector('.report-cite--section'), document.querySelector('.footnote')]
        .filter(Boolean).map(e => getComputedStyle(e).fontSize)""")
    assert len(set(styles)) == 1, styles


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_headings_and_the_header_at_both_widths(browser, served, viewport):
    """A heading's ¶ adds no line; the edition selector's caret stays clear of the colour-scheme
    toggle; the selector's name reads as words."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        for path in ("process/", "key-facts/", "appendices/anthropic/"):
            open_page(page, edition(served, path))
            grown = page.evaluate("""() => [...document.querySelectorAll('.md-typeset :is(h1, h2, h3, h4)')]
                .filter(h => h.querySelector('.headerlink')).filter(h => {
                    const link = h.querySelector('.headerlink'), high = h.getBoundingClientRect().height
                    link.style.display = 'none'; const without = h.getBoundingClientRect().height; link.style.display = ''
                    return high > without + 1 }).map(h => h.textContent.trim())""")
            assert not grown, f"a heading's ¶ takes a line of its own: {grown}"
        page.wait_for_selector(".md-version__current", timeout=10000)
        name = page.locator(".md-version__current").get_attribute("aria-label") or ""
        assert name.startswith(EDITIONS[1][1] + " latest") and name.endswith(", choose an edition"), name
        current = page.locator(".md-version__current").bounding_box()
        toggle = page.locator("form[data-md-component='palette'] label:visible, .md-header__option").first.bounding_box()
        assert current and toggle and current["x"] + current["width"] <= toggle["x"], (current, toggle)
    finally:
        context.close()


def test_no_console_errors_or_failed_requests_on_any_page_type(browser, served):
    """A published edition logs nothing to the console: no feed link taken for a translation (whose
    sitemap.xml Material would fetch from another origin), no missing file."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        page.on("requestfailed", lambda request: problems.append(f"failed {request.url}"))
        for name, path in PAGE_TYPES.items():
            open_page(page, edition(served, path))
            page.wait_for_timeout(300)                 # the version selector's and other late fetches
        assert not problems, problems
        feeds = page.eval_on_selector_all("link[rel=alternate]", "links => links.map(l => l.href)")
        assert feeds == [], f"Material fetches a sitemap.xml beside each of these: {feeds}"
    finally:
        context.close()


FIGURE_LABELS = r"""async () => {
  const found = []
  for (const img of document.querySelectorAll("article figure img[src$='.svg']")) {
    const text = await (await fetch(img.src)).text()
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement
    const viewBox = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number)
    const width = viewBox.length === 4 ? viewBox[2] : parseFloat(svg.getAttribute("width"))
    const sizes = [...text.matchAll(/font-size\s*[:=]\s*"?([\d.]+)/g)].map(m => parseFloat(m[1]))
    const scale = img.getBoundingClientRect().width / width
    found.push({src: img.src.split("/").pop(), smallest: Math.min(...sizes) * scale, drawn: img.getBoundingClientRect().width})
  }
  return found
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_figure_labels_are_readable_at_both_widths(browser, served, viewport):
    """The smallest label of each drawing as drawn: its font size in the SVG times the scale the page
    draws it at. On a phone a drawing keeps its own width in a frame the reader scrolls (report.css)."""
    smallest = 15 if viewport is DESKTOP else 14
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        measured = []
        for path in ("key-facts/", "process/"):
            open_page(page, edition(served, path))
            measured += page.evaluate(FIGURE_LABELS)
        assert len(measured) >= 2, measured
        small = [m for m in measured if m["smallest"] < smallest - 0.01]
        assert not small, f"figure labels under {smallest} px: {small}"
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1, "the page itself never scrolls sideways"
    finally:
        context.close()
