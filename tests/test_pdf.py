"""The whole report as one PDF: typeset from the audience's site, read back with pdftotext and pypdf."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
import yaml

from conftest import Report, copy_example

PDF_NAME = "frontier-risk-report-2026-03.pdf"

pytestmark = pytest.mark.site


# ---- reading a PDF ---------------------------------------------------------------------------

def page_texts(pdf: Path) -> list[str]:
    """Each page's text (pdftotext, reading order), hyphenation at line ends undone, spaces collapsed."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    pages = out.decode("utf-8").split("\f")[:-1]
    return [flat(page) for page in pages]


def header_lines(pdf: Path) -> list[str]:
    """The first line of each page as laid out (the running header)."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    firsts = []
    for page in out.split("\f")[:-1]:
        lines = [line for line in page.splitlines() if line.strip()]
        firsts.append(" ".join(lines[0].split()) if lines else "")
    return firsts


def flat(text: str) -> str:
    text = re.sub(r"(\w)[-\u2010]\n(\w)", r"\1\2", text)
    return " ".join(text.replace("\u00ad", "").split())


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page number from 1) for every bookmark, in order."""
    reader = pypdf.PdfReader(str(pdf))
    found: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    walk(reader.outline, 0)
    return found


def site_text(html_file: Path) -> str:
    html = html_file.read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    return flat(re.sub(r"<[^>]+>", " ", article).replace("&amp;", "&").replace("&#39;", "'"))


# ---- the example report ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return copy_example(tmp_path_factory.mktemp("pdf-example") / "report")


def run_pdf(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("REPORT_AUDIENCE", None)
    env.pop("REPORT_PDF", None)
    return subprocess.run([sys.executable, "-m", "macros", "pdf", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def example_pdf(example) -> Path:
    proc = run_pdf(example)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"site/{PDF_NAME}" in proc.stdout, proc.stdout
    return example / "site" / PDF_NAME


def nav_pages(root: Path) -> list[str]:
    """The nav's Markdown files the public build publishes, in reading order (the appendix of the
    participant that left the assessment is in the nav, and in the internal build only)."""
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(items):
        for item in items:
            value = list(item.values())[0] if isinstance(item, dict) else item
            if isinstance(value, list):
                walk(value)
            else:
                found.append(value)
    walk(config["nav"])
    published = [src for src in found if (root / "site" / ("index.html" if src == "index.md" else src[:-3] + "/index.html")).exists()]
    assert [src for src in found if src not in published] == ["appendices/developer-f.md"]
    return published


def page_title(root: Path, src: str) -> str:
    html_file = root / "site" / ("index.html" if src == "index.md" else src[:-3] + "/index.html")
    html = html_file.read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    return flat(re.sub(r"<[^>]+>", "", h1.split('<a class="headerlink"')[0]).replace("&amp;", "&"))


def test_title_page_names_the_report_edition_window_organisation_date_and_statement(example, example_pdf):
    report = yaml.safe_load((example / "data" / "report.yml").read_text(encoding="utf-8"))
    first = page_texts(example_pdf)[0]
    for expected in (report["title"], report["subtitle"], report["edition_label"], report["organization"],
                     "Assessment window: February 16, 2026 to March 16, 2026", "Published May 19, 2026"):
        assert flat(expected) in first, (expected, first)
    # The public example has a material redaction: the qualified statement's first sentence.
    assert flat(report["redaction_statement"]["qualified"]).split(".")[0] in first


def test_outline_and_contents_list_every_section_and_appendix_in_order_at_the_right_pages(example, example_pdf):
    titles = [page_title(example, src) for src in nav_pages(example)]
    marks = outline(example_pdf)
    texts = page_texts(example_pdf)
    # Each page's title is a bookmark, in nav order; the appendices sit under their nav section.
    tops = [(depth, title, page) for depth, title, page in marks if title in titles]
    assert [title for _, title, _ in tops] == titles
    assert ("Appendices" in [title for _, title, _ in marks])
    assert all(depth == 1 for depth, title, _ in tops if title.startswith("Appendix"))
    contents = " ".join(text for text in texts[1:4] if "Contents" in text)
    for _, title, page in tops:
        assert title in texts[page - 1], (title, page)                   # the bookmark's page holds it
        assert re.search(re.escape(title) + r"[ .]*" + str(page) + r"\b", contents), (title, page)
    # Sub-sections are bookmarks one level down, on the page that holds them.
    subs = [(title, page) for depth, title, page in marks if re.match(r"(\d+|[A-G])\.\d+ ", title)]
    assert len(subs) > 10
    for title, page in subs:
        assert title in texts[page - 1], (title, page)


def test_running_headers_name_the_section_and_footers_number_the_page(example, example_pdf):
    texts = page_texts(example_pdf)
    heads = header_lines(example_pdf)
    titles = [page_title(example, src) for src in nav_pages(example)]
    marks = [(title, page) for _, title, page in outline(example_pdf) if title in titles]
    starts = {page for _, page in marks}
    checked = 0
    for (title, start), (_, end) in zip(marks, marks[1:] + [("", len(texts) + 1)]):
        for page in range(start + 1, end):
            if page not in starts:
                assert title[:30] in heads[page - 1], (page, title, heads[page - 1])
                checked += 1
    assert checked >= 3
    for number, text in enumerate(texts[1:], start=2):
        assert text.endswith(str(number)), (number, text[-60:])          # the folio closes each page


def test_footnotes_are_on_the_page_of_their_marker(example, example_pdf):
    texts = page_texts(example_pdf)
    checked = 0
    for html_file in sorted((example / "site").rglob("index.html")):
        html = html_file.read_text(encoding="utf-8")
        if 'class="footnote"' not in html:
            continue
        for note_id, body in re.findall(r'<li id="fn:([^"]+)">\s*<p>(.*?)</p>', html, re.S):
            body_words = flat(re.sub(r"<[^>]+>", "", body.split("&#160;<a")[0]))[:50]
            before = html.split(f'<sup id="fnref:{note_id}">', 1)[0]
            words = flat(re.sub(r"<[^>]+>", " ", before[-400:])).split()[-3:]
            note_pages = [i for i, text in enumerate(texts) if body_words in text]
            call_pages = [i for i, text in enumerate(texts) if " ".join(words) in text]
            assert note_pages, body_words
            assert set(note_pages) & set(call_pages), (note_id, body_words, words)
            checked += 1
    assert checked >= 2


def test_references_are_listed_as_in_the_site(example, example_pdf):
    listed = re.findall(r'<li id="ref-[^"]+">(.*?)</li>',
                        (example / "site" / "references" / "index.html").read_text(encoding="utf-8"), re.S)
    assert listed
    text = " ".join(page_texts(example_pdf))
    for entry in listed:
        assert flat(re.sub(r"<[^>]+>", "", entry).replace("&amp;", "&"))[:40] in text


def test_cross_references_are_links_that_give_the_right_page(example, example_pdf):
    texts = page_texts(example_pdf)
    found = 0
    for text in texts:
        for kind, number, page in re.findall(r"\b(Section|Appendix|Table|Figure) ([A-Z0-9.]+), page (\d+)", text):
            target = texts[int(page) - 1]
            if kind == "Section":
                assert re.search(rf"(^|\s){re.escape(number)} \w", target), (kind, number, page)
            elif kind == "Appendix":
                assert (f"Appendix {number}" in target if "." not in number
                        else re.search(rf"(^|\s){re.escape(number)} \w", target)), (kind, number, page)
            else:
                assert f"{kind} {number}." in target, (kind, number, page)
            found += 1
    assert found >= 10
    reader = pypdf.PdfReader(str(example_pdf))
    internal = 0
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if "/Dest" in annotation or ("/A" in annotation and annotation["/A"].get("/S") == "/GoTo"):
                internal += 1
    assert internal >= found


def test_metadata_language_and_tags(example, example_pdf):
    reader = pypdf.PdfReader(str(example_pdf))
    report = yaml.safe_load((example / "data" / "report.yml").read_text(encoding="utf-8"))
    meta = reader.metadata
    assert meta.title == report["title"]
    assert report["organization"] in meta.author
    assert meta.subject == report["subtitle"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    # Figures carry their alt text into the tags.
    alts: list[str] = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure" and node.get("/Alt"):
                alts.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)
    walk(root["/StructTreeRoot"])
    written = {alt for html_file in (example / "site").rglob("index.html")
               for alt in re.findall(r'<img alt="([^"]+)"', html_file.read_text(encoding="utf-8"))}
    assert written and set(alts) == written


def test_every_page_links_the_pdf_and_how_to_cite_offers_it(example, example_pdf):
    site = example / "site"
    pages = [page for page in sorted(site.rglob("*.html"))
             if "report-strip" in (text := page.read_text(encoding="utf-8")) or "data-report-cover" in text]
    assert len(pages) >= 10
    for html_file in pages:
        html = html_file.read_text(encoding="utf-8")
        links = re.findall(r'href="([^"]*' + re.escape(PDF_NAME) + ')"', html)
        assert links, html_file
        for link in links:
            if link.startswith("/"):              # 404.html: absolute paths under the site's address
                assert link == "/frontier-risk-report/" + PDF_NAME
            else:
                assert (html_file.parent / link).resolve() == example_pdf.resolve()
    assert "report-cite__pdf" in (site / "index.html").read_text(encoding="utf-8")


def test_public_pdf_passes_the_audit_and_a_private_copy_in_its_place_does_not(example, example_pdf):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    audit = [sys.executable, "-m", "macros", "audit", "site"]
    ok = subprocess.run(audit, cwd=example, env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    proc = run_pdf(example, "--audience", "internal")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    internal = example / "site-private" / "internal" / "frontier-risk-report-2026-03-internal.pdf"
    assert internal.is_file()
    scratch = example.parent / "upload"
    shutil.copytree(example / "site", scratch)
    shutil.copy(internal, scratch / PDF_NAME)                      # the wrong file, under the right name
    leak = subprocess.run([sys.executable, "-m", "macros", "audit", str(scratch)], cwd=example, env=env,
                          capture_output=True, text=True, timeout=300)
    assert leak.returncode == 1, leak.stdout + leak.stderr
    assert f"LEAK  {PDF_NAME}" in leak.stdout


# ---- small reports ---------------------------------------------------------------------------

SECRET = "Helios ran forty thousand agents on the night shift"


def write_redacted(report: Report) -> None:
    """Redacted text, a participant never named in public, a footnote and a cross-reference."""
    report.write("data/report.yml", (report.root / "data" / "report.yml").read_text()    # participants end the file
                 + "  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer E, named: false}\n"
                 + "keywords: [AI safety, rogue deployment]\nauthors: [{name: Ada Analyst}, Ben Reviewer]\n")
    report.page("index.md", f"""
        # Summary

        Public opening paragraph about the assessment.[^scope]

        [^scope]: The scope of the exercise, as agreed.

        {{% call redact("helios") %}}
        {SECRET}.
        {{% endcall %}}

        {{{{ org("kestrel") }}}} shared logs. See {{{{ ref("findings") }}}}.
        """)
    report.page("findings.md", "# Findings {#findings}\n\nThe findings, in public.\n")
    report.nav("index.md", "findings.md")


def build_pdf(report: Report, audience: str | None = None, draft: bool = False) -> Path:
    (report.root / "mkdocs.yml").write_text(yaml.safe_dump(report.config, sort_keys=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "REPORT_DRAFT")}
    env.update({"NO_MKDOCS_2_WARNING": "1", "REPORT_PDF": "1"})
    if audience:
        env["REPORT_AUDIENCE"] = audience
    if draft:
        env["REPORT_DRAFT"] = "2026-05-12"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=report.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    slug = (audience or "public").replace(":", "-")
    folder = report.root / ("site-private/" + ("draft-" if draft else "") + slug
                            if draft or audience not in (None, "public") else "site")
    found = sorted(folder.glob("*.pdf"))
    assert len(found) == 1, list(folder.iterdir())
    return found[0]


def test_each_audience_gets_its_own_pdf_marked_for_its_reader(report):
    write_redacted(report)
    public = build_pdf(report)
    assert public.name == "test-report-2026-03.pdf"
    text = " ".join(page_texts(public))
    assert SECRET not in text and "Kestrel" not in text and "kestrel" not in text.lower()
    assert "Developer E shared logs" in text
    assert "Confidential" not in text
    raw = public.read_bytes()
    assert b"Kestrel" not in raw and b"kestrel" not in raw
    meta = pypdf.PdfReader(str(public)).metadata
    assert meta["/Keywords"] == "AI safety, rogue deployment"
    assert "Ada Analyst" in meta.author and "Ben Reviewer" in meta.author and "Example Research" in meta.author

    helios = build_pdf(report, "participant:helios")
    assert helios.name == "test-report-2026-03-participant-helios.pdf"
    assert SECRET in " ".join(page_texts(helios))
    for head in header_lines(helios):
        assert "CONFIDENTIAL: HELIOS LABS ONLY" in head, head
    internal = build_pdf(report, "internal")
    assert "Kestrel Systems shared logs" in " ".join(page_texts(internal))
    for head in header_lines(internal):
        assert "CONFIDENTIAL: INTERNAL" in head, head
    draft = build_pdf(report, draft=True)
    assert draft.name.endswith("-draft.pdf")
    for head in header_lines(draft):
        assert "COURTESY DRAFT" in head and "MAY 12, 2026" in head, head
    assert SECRET not in " ".join(page_texts(draft))


def test_a_plain_build_has_no_pdf_and_no_link_to_one(report):
    write_redacted(report)
    result = report.build()
    assert not list(result.site.rglob("*.pdf"))
    assert ".pdf" not in result.page()


def test_the_same_source_gives_the_same_pdf_bytes_cold_warm_or_with_stale_page_numbers(report):
    """Page numbers remembered from the last PDF save a layout; wrong ones are found and corrected."""
    import json

    write_redacted(report)
    cache = report.root / ".cache" / "report-engine"
    first = build_pdf(report).read_bytes()
    remembered = cache / "pdf-pages-public.json"
    numbers = json.loads(remembered.read_text())
    assert numbers and all(isinstance(v, int) for v in numbers.values())
    shutil.rmtree(report.root / "site")
    assert build_pdf(report).read_bytes() == first                      # warm
    remembered.write_text(json.dumps({k: v + 3 for k, v in numbers.items()}))
    assert build_pdf(report).read_bytes() == first                      # stale numbers, corrected
    assert json.loads(remembered.read_text()) == numbers
    shutil.rmtree(cache)
    assert build_pdf(report).read_bytes() == first                      # cold again


def test_a_footnote_and_a_cross_reference_in_the_pdf(report):
    write_redacted(report)
    texts = page_texts(build_pdf(report))
    summary = next(i for i, text in enumerate(texts) if "Public opening paragraph" in text)
    assert "The scope of the exercise, as agreed." in texts[summary]
    match = re.search(r"See Section 1, page (\d+)", texts[summary])
    assert match and "Findings" in texts[int(match.group(1)) - 1]


def test_build_all_makes_every_audiences_pdf(report):
    write_redacted(report)
    (report.root / "mkdocs.yml").write_text(yaml.safe_dump(report.config, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("REPORT_AUDIENCE", None)
    proc = subprocess.run([sys.executable, "-m", "macros", "build-all", "--pdf"], cwd=report.root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (report.root / "site" / "test-report-2026-03.pdf").is_file()
    for slug in ("participant-helios", "participant-quill", "internal"):
        assert (report.root / "site-private" / slug / f"test-report-2026-03-{slug}.pdf").is_file()


def test_serve_never_builds_the_pdf(report):
    from test_serve import Server

    write_redacted(report)
    report.build()
    os.environ["REPORT_PDF"] = "1"
    try:
        server = Server(report.root)
    finally:
        del os.environ["REPORT_PDF"]
    try:
        server.wait_for(lambda: "Public opening paragraph" in server.get(), "the preview")
        assert ".pdf" not in server.get()
    finally:
        server.stop()
    assert not list(report.root.rglob("*.pdf"))


# ---- the audit reads PDFs, and fails closed ----------------------------------------------------

def tiny_pdf(title: str = "", bookmark: str = "") -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    if title:
        writer.add_metadata({"/Title": title})
    if bookmark:
        writer.add_outline_item(title=bookmark, page_number=0)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("where", ["metadata", "outline"])
def test_the_audit_reads_pdf_metadata_and_outline(report, where):
    write_redacted(report)
    result = report.build()
    # An arrow outside PDFDocEncoding makes pypdf write the string as UTF-16: not findable in the raw bytes.
    hidden = SECRET + " \u2192 noted"
    data = tiny_pdf(title=hidden) if where == "metadata" else tiny_pdf(bookmark=hidden)
    assert SECRET.encode() not in data
    (result.site / "appendix.pdf").write_bytes(data)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "macros", "audit", "site"], cwd=report.root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "LEAK  appendix.pdf" in proc.stdout


def test_a_missing_font_or_library_is_one_line_with_the_install_command(monkeypatch):
    from report_engine import pdf
    from report_engine.errors import ReportError

    with pytest.raises(ReportError) as caught:
        pdf.check_fonts(["No Such Typeface 42"])
    assert "apt-get install fonts-sil-charis" in str(caught.value)

    import builtins
    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", broken)
    with pytest.raises(ReportError) as caught:
        pdf._weasyprint()
    message = str(caught.value)
    assert "apt-get install libpango-1.0-0" in message and "\n" not in message


def test_a_failed_typesetting_leaves_no_file(monkeypatch, tmp_path):
    from report_engine import pdf

    class Broken:
        def __init__(self, *args, **kwargs):
            pass

        def render(self, *args, **kwargs):
            class Rendered:
                pages = []

                def write_pdf(self, target, **kwargs):
                    Path(target).write_bytes(b"%PDF-1.7 half")
                    raise RuntimeError("disk full")
            return Rendered()

    import weasyprint
    monkeypatch.setattr(weasyprint, "HTML", Broken)
    target = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError):
        pdf.render(pdf.Document("<html></html>"), target, [], tmp_path)
    assert list(tmp_path.iterdir()) == []
