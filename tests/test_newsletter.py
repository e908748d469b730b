"""The newsletter edition of the executive summary (issue 6): site/newsletter/.

One small report, built for real once for the module, exercises everything the
summary can hold (headings, emphasis, a list, a quote, three footnotes, two
citations and one in a footnote, a cross-reference, an image, a material
redaction, a pseudonym and the redaction statement); the three newsletter
files are parsed back and checked against the landing page MkDocs wrote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest
from lxml import html as lxml_html

from conftest import REPO, Report
from report_engine.audit import normalise

# Links go to the edition's permanent address: the root of a published site only redirects.
CANONICAL = "https://reports.example.org/test-report/2026-03/"
SECRET = "Helios runs an unmonitored research cluster for agent experiments"
NOTE = "Monitoring coverage at one developer was redacted at its request"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.site

BIB = r"""
@article{greenblatt2023,
  author  = {Greenblatt, Ryan and Shlegeris, Buck and Sachan, Kshitij and Roger, Fabien},
  title   = {{AI} Control: Improving Safety Despite Intentional Subversion},
  journal = {arXiv preprint},
  year    = {2023},
  doi     = {10.48550/arXiv.2312.06942},
  url     = {https://arxiv.org/abs/2312.06942},
}


@misc{shlegeris2022,
  author = {Shlegeris, Buck},
  title  = {The prototypical catastrophic {AI} action is getting root access to its datacenter},
  year   = {2022},
  url    = {https://www.alignmentforum.org/posts/BAzCGCys4BkzGDCWR/},
}


@techreport{doe2024,
  author      = {Doe, Jane},
  title       = {An Unlinked Technical Report},
  institution = {Example Lab},
  year        = {2024},
}
"""


def write_report(report: Report, statement: bool = True) -> None:
    report.write("bibliography.bib", BIB)
    report.page("index.md", f"""
        # Summary of findings {{#summary}}

        The assessment covered *internal agents* at **two developers** over four weeks.[^scope]

        ## Findings {{#findings}}

        Agents had the means described in {{{{ ref("means") }}}} {{{{ cite("greenblatt2023") }}}}.

        - Monitoring missed a share of agent actions on shared clusters.
        - Root access stayed the main concern, as {{{{ citet("shlegeris2022") }}}} argued.

        > Oversight that depends on humans reading logs does not scale with agent throughput.

        {{% call redact("helios", material=true, note="{NOTE}.") %}}
        {SECRET}.
        {{% endcall %}}

        {{{{ org("quill", anonymous=true) }}}} reviewed every agent pull request by hand.[^review]

        ![Assessment timeline](assets/timeline.svg)

        We will repeat the assessment later this year.[^sources]

        {"## Redactions {#redactions}" if statement else ""}

        {"{{ redaction_statement() }}" if statement else ""}

        [^scope]: The scope note covers agents used inside the developers only.
        [^review]: Review practice was confirmed in interviews with engineers.
        [^sources]: Our sources include {{{{ cite("doe2024") }}}} and the interviews.
        """)
    report.page("process.md", """
        # Process {#process}

        ## Means {#means}

        What agents could do.
        """)
    report.page("references.md", """
        # References {#references}

        {{ bibliography("report") }}
        """)
    report.write("docs/assets/timeline.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    report.nav("index.md", "process.md", "references.md")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The public site of the test report (one build for the module)."""
    report = Report(tmp_path_factory.mktemp("newsletter") / "report")
    write_report(report)
    return report.build().site


def files(site: Path) -> dict[str, str]:
    return {name: (site / "newsletter" / name).read_text(encoding="utf-8")
            for name in ("index.html", "email.html", "summary.md")}


def copy_region(site: Path) -> lxml_html.HtmlElement:
    root = lxml_html.fromstring(files(site)["index.html"])
    (region,) = root.xpath('//*[@id="newsletter-post"]')
    return region


def email_post(site: Path) -> lxml_html.HtmlElement:
    root = lxml_html.fromstring(files(site)["email.html"])
    (post,) = root.xpath('//div[contains(@class, "nl-post")]')
    return post


def markdown_post(site: Path) -> lxml_html.HtmlElement:
    """summary.md rendered by Python-Markdown, to read it the way an editor would."""
    return lxml_html.fragment_fromstring(markdown.markdown(files(site)["summary.md"]), create_parent="div")


def posts(site: Path) -> dict[str, lxml_html.HtmlElement]:
    return {"index.html": copy_region(site), "email.html": email_post(site), "summary.md": markdown_post(site)}


def landing_article(site: Path) -> lxml_html.HtmlElement:
    (article,) = lxml_html.fromstring((site / "index.html").read_text(encoding="utf-8")).xpath("//article")
    return article


def text(element: lxml_html.HtmlElement) -> str:
    return normalise(element.text_content())


# ---- the three files ---------------------------------------------------------------

def test_email_is_email_safe(built: Path) -> None:
    source = files(built)["email.html"]
    root = lxml_html.fromstring(source)
    assert not root.xpath("//script | //style | //link | //noscript")
    assert not re.search(r"<\s*(script|style|link)\b", source, re.IGNORECASE)
    assert "@import" not in source and "stylesheet" not in source
    assert root.xpath('//div[contains(@class, "nl-post")]')[0].get("style"), "styles are inlined"
    assert root.xpath("//h1")[0].get("style")


@pytest.mark.parametrize("name", ["index.html", "email.html", "summary.md"])
def test_every_link_and_image_is_absolute(built: Path, name: str) -> None:
    post = posts(built)[name]
    urls = post.xpath(".//a/@href") + post.xpath(".//img/@src")
    assert len(urls) >= 10
    assert all(re.match(r"https?://", url) for url in urls), [u for u in urls if not u.startswith("http")]
    if name == "summary.md":
        raw = files(built)[name]
        destinations = re.findall(r"\]\(([^)\s]*)", raw)
        assert len(destinations) == len(urls)
        assert all(d.startswith(("http://", "https://")) for d in destinations)
    if name == "email.html":
        document = lxml_html.fromstring(files(built)[name])
        every = document.xpath("//@href | //@src")
        assert all(str(u).startswith(("http://", "https://")) for u in every)


def test_cross_references_and_images_point_into_the_full_report(built: Path) -> None:
    for name, post in posts(built).items():
        links = {a.text_content(): a.get("href") for a in post.iter("a")}
        assert links["Section 1.1"] == CANONICAL + "process/#means", name
        (image,) = post.iter("img")
        assert image.get("src") == CANONICAL + "assets/timeline.svg", name
        assert image.get("alt") == "Assessment timeline", name


def test_citations_are_readable_links_to_the_work_or_the_reference(built: Path) -> None:
    article = landing_article(built)
    readable = [a.text_content() for a in article.xpath('.//a[contains(@class, "citation")]')]
    assert len(readable) == 3
    expected = {
        "greenblatt": "https://doi.org/10.48550/arXiv.2312.06942",      # its DOI, as the site prints it, not its url
        "shlegeris": "https://www.alignmentforum.org/posts/BAzCGCys4BkzGDCWR/",
        "doe": CANONICAL + "references/#ref-doe2024",
    }
    for name, post in posts(built).items():
        links = {a.text_content(): a.get("href") for a in post.iter("a")}
        for label in readable:
            key = next(k for k in expected if k in label.lower())
            assert links.get(label) == expected[key], (name, label, links)
        assert "data-citation" not in lxml_html.tostring(post, encoding="unicode")
    assert "(greenblatt et al., 2023)" in text(copy_region(built))


def test_footnotes_become_numbered_endnotes(built: Path) -> None:
    footnotes = landing_article(built).xpath('.//div[contains(@class, "footnote")]//li')
    assert len(footnotes) == 3
    for name, post in posts(built).items():
        if name == "summary.md":       # plain Markdown: the marker is the text [n], with no <sup>
            markers = re.findall(r"\[\d+\]", "".join(p.text_content() for p in post.iter("p", "li")))
            assert not list(post.iter("sup"))
        else:
            markers = [sup.text_content() for sup in post.iter("sup")]
        assert markers == ["[1]", "[2]", "[3]"], name
        assert not post.xpath('.//*[@id] | .//a[starts-with(@href, "#")]'), "nothing relies on in-page ids"
        (notes,) = [ol for ol in post.iter("ol") if "scope note" in text(ol)]
        items = notes.findall("li")
        assert len(items) == len(footnotes), name
        assert "scope note" in text(items[0]) and "interviews with engineers" in text(items[1])
        assert "doe, 2024" in text(items[2]), "the citation inside a footnote survives"
        heading = notes.getprevious()
        assert heading.tag.startswith("h") and heading.text_content() == "Notes"
    raw = files(built)["summary.md"]
    assert re.findall(r"\\\[(\d+)\\\]", raw) == ["1", "2", "3"]


def test_summary_md_is_plain_markdown_that_renders_alike_everywhere(built: Path) -> None:
    """No raw HTML in summary.md, and Python-Markdown and a CommonMark renderer (markdown-it-py,
    with GFM tables) read it as the same blocks with the same text and the same links."""
    from markdown_it import MarkdownIt

    raw = files(built)["summary.md"]
    commonmark = MarkdownIt("commonmark").enable("table")
    tokens = commonmark.parse(raw)
    inline = [child for token in tokens for child in (token.children or [])]
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")], "raw HTML in summary.md"
    assert "<sup>" not in raw and "</" not in raw

    def blocks(fragment: str) -> list[tuple[str, str, tuple[str, ...]]]:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        return [(element.tag, text(element), tuple(element.xpath(".//a/@href")))
                for element in root.xpath("./*")]

    python_markdown = blocks(markdown.markdown(raw, extensions=["tables"]))
    markdown_it = blocks(commonmark.render(raw))
    assert len(python_markdown) >= 8
    assert python_markdown == markdown_it


def test_opens_and_ends_with_the_canonical_link(built: Path) -> None:
    for name, post in posts(built).items():
        links = post.xpath(".//a/@href")
        assert links[0] == CANONICAL and links[-1] == CANONICAL, name
        first = post[0]
        assert "only the executive summary" in text(first), name
        assert "read the full report" in text(post[-1]), name
        assert post.xpath(".//h1")[0].text_content() == "Test Report", name
        assert "a report used by the tests" in text(post)
        # the post's own title block stands for the landing page's cover: nothing of it repeats
        assert text(post).count("a report used by the tests") == 1, name
        assert not post.xpath('.//*[contains(., "Assessment window") and not(contains(., "·"))]'), name
        assert "assessment window: february 16, 2026 to march 16, 2026" in text(post)


def test_the_summary_text_is_intact(built: Path) -> None:
    article = landing_article(built)
    for junk in article.xpath('.//a[contains(@class, "headerlink") or contains(@class, "footnote-backref")]'
                              ' | .//sup | .//section'):
        junk.drop_tree()
    blocks = [text(b) for b in article.xpath(".//p | .//li | .//h1 | .//h2 | .//blockquote")]
    blocks = [b for b in blocks if b]
    assert len(blocks) >= 10
    for name, post in posts(built).items():
        for sup in list(post.iter("sup")):
            sup.drop_tree()
        newsletter = text(post)
        for block in blocks:
            assert block in newsletter, (name, block)


def test_redaction_statement_ends_the_post_once(built: Path) -> None:
    for name, post in posts(built).items():
        body = text(post)
        assert body.count("no information redacted") + body.count("redacted at participants' requests") == 1, name
        headings = [h.text_content() for h in post.xpath(".//h1 | .//h2 | .//h3 | .//h4")]
        assert headings[-2:] == ["Redactions", "Notes"], (name, headings)      # the statement, then the notes
        (link,) = [a for a in post.iter("a") if NOTE.lower() in text(a)]
        assert link.get("href") == CANONICAL + "#material-redaction-1"


def test_public_redactions_and_pseudonyms(built: Path) -> None:
    assert SECRET not in (built / "index.html").read_text(encoding="utf-8")
    for name, source in files(built).items():
        assert SECRET.lower() not in normalise(source), name
        assert "unmonitored research cluster" not in source, name
        assert "Quill Research" not in source, name
        assert "Developer B reviewed every agent pull request" in source.replace("\n", " "), name
        assert "Material redaction." in source, name


def test_the_email_has_a_preheader(built: Path) -> None:
    email = (built / "newsletter" / "email.html").read_text(encoding="utf-8")
    body = email[email.index("<body"):]
    hidden = re.search(r'<div class="nl-preheader" style="display:none[^"]*">([^<]+)</div>', body)
    assert hidden and hidden.group(1).startswith("Test Report: ")
    assert body.index("nl-preheader") < body.index("<table")          # first in the message


def test_kept_out_of_search_and_sitemap(built: Path) -> None:
    assert (built / "newsletter" / "index.html").is_file()
    index = json.loads((built / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [doc["location"] for doc in index["docs"] if "newsletter" in doc["location"]]
    assert "newsletter" not in (built / "sitemap.xml").read_text(encoding="utf-8")


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = Report(tmp_path / "elsewhere")
    write_report(again)
    site = again.build().site
    for name in ("index.html", "email.html", "summary.md"):
        assert (site / "newsletter" / name).read_bytes() == (built / "newsletter" / name).read_bytes(), name


def test_statement_is_computed_when_the_page_lacks_it(report: Report) -> None:
    write_report(report, statement=False)
    site = report.build().site
    post = copy_region(site)
    headings = [h.text_content() for h in post.xpath(".//h3")]
    assert "Redaction summary statement" in headings
    assert headings[-1] in ("Redaction summary statement", "Notes")
    (link,) = [a for a in post.iter("a") if NOTE.lower() in text(a)]
    assert link.get("href") == CANONICAL + "#material-redaction-1"
    assert "summary.md" in {p.name for p in (site / "newsletter").iterdir()}


def test_only_public_builds_get_a_newsletter(report: Report) -> None:
    write_report(report)
    site = report.build("internal").site
    assert (site / "index.html").is_file()
    assert not (site / "newsletter").exists()


# ---- in a browser ------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_copy_page_renders_in_chromium(built: Path) -> None:
    from playwright.sync_api import sync_playwright

    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 1400})
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            page = context.new_page()
            outside: list[str] = []     # the post's image lives on the canonical host: never fetch it
            page.route(re.compile(r"^https?://"), lambda route: (outside.append(route.request.url), route.abort()))
            page.goto((built / "newsletter" / "index.html").as_uri())
            banner, post = page.locator(".nl-banner"), page.locator("#newsletter-post")
            assert banner.is_visible() and post.is_visible()
            assert "paste into your newsletter editor" in banner.inner_text()
            shown = post.inner_text()
            for fragment in ("This post holds only the executive summary", "Test Report", "Summary of findings",
                             "Developer B reviewed every agent pull request by hand.", "[1]", "[3]", "Notes",
                             "Read the full report"):
                assert fragment in shown, fragment
            assert "paste into your newsletter editor" not in shown, "the instructions stay outside the post"
            page.screenshot(path=str(artifacts / "newsletter.png"), full_page=True)
            assert outside == [CANONICAL + "assets/timeline.svg"], "the page loads nothing but the post's image"

            page.click("#nl-select")
            selected = page.evaluate("window.getSelection().toString()")
            assert "Summary of findings" in selected and "Read the full report" in selected
            assert "paste into your newsletter editor" not in selected
            assert page.locator("#nl-status").inner_text().startswith("Selected")

            page.click("#nl-copy")
            page.wait_for_function("document.getElementById('nl-status').textContent.startsWith('Copied')")
            copied = page.evaluate("""async () => {
                const out = {};
                for (const item of await navigator.clipboard.read())
                    for (const type of item.types) out[type] = await (await item.getType(type)).text();
                return out;
            }""")
            pasted = lxml_html.fragment_fromstring(copied["text/html"], create_parent="div")
            assert [sup.text_content() for sup in pasted.iter("sup")] == ["[1]", "[2]", "[3]"]
            assert all(href.startswith("https://") for href in pasted.xpath(".//a/@href"))
            assert "paste into your newsletter editor" not in copied["text/html"] + copied["text/plain"]
            assert "Developer B reviewed every agent pull request by hand." in copied["text/plain"]
        finally:
            browser.close()
    assert (artifacts / "newsletter.png").stat().st_size > 10_000


def test_a_report_without_a_landing_page_builds_without_a_newsletter(report):
    report.page("findings.md", "# Findings\n\nText.\n")
    result = report.build()
    assert (result.site / "findings" / "index.html").exists()
    assert not (result.site / "newsletter").exists()
