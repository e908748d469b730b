"""Reading a PDF (pdf.py), in process: without poppler, pypdf reads it; a PDF no reader can open stops
the audit. The PDF of a built report is in test_pdf.py."""

from __future__ import annotations

import io

import pypdf
import pytest

pytestmark = pytest.mark.unit


def test_a_pdf_no_reader_can_open_stops_the_audit(monkeypatch, tmp_path):
    from report_engine import pdf

    path = tmp_path / "scan.pdf"
    data = b"%PDF-1.7\n1 0 obj << /Length 9 /Filter /FlateDecode >> stream\nx\x9c\x03\x00\x00\x00\x00\x01\nendstream\n"
    path.write_bytes(data)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)          # no pdftotext
    with pytest.raises(pdf.Unreadable) as caught:
        pdf.read_pdf(path, data)
    assert "scan.pdf" in str(caught.value) and "cannot read" in str(caught.value)
    # A PDF-looking file with no content streams is searched as it is.
    plain = tmp_path / "stub.pdf"
    plain.write_bytes(b"%PDF-1.4\n")
    assert "%PDF-1.4" in pdf.read_pdf(plain, b"%PDF-1.4\n")


def test_without_poppler_pypdf_reads_text_metadata_outline_and_links(monkeypatch, tmp_path):
    from report_engine import pdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": "Title \u2192 one", "/Custom": "custom \u2192 field"})
    writer.add_outline_item(title="Bookmark \u2192 two", page_number=0)
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "made.pdf"
    path.write_bytes(out.getvalue())
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    text = pdf.read_pdf(path, out.getvalue())
    for expected in ("Title \u2192 one", "custom \u2192 field", "Bookmark \u2192 two"):
        assert expected in text


def test_the_screens_furniture_is_dropped_and_a_page_left_with_only_its_title_is_not_printed(tmp_path):
    from report_engine import pdf

    def page(name: str, body: str) -> pdf.PdfPage:
        path = tmp_path / name
        path.write_text(f'<html><body><article class="md-content__inner md-typeset">{body}</article></body></html>',
                        encoding="utf-8")
        return pdf.PdfPage(name.removesuffix(".html") + "/", path)

    pages = [page("one.html", '<h1 id="one">One</h1><p>Text of one.</p>'
                              '<p class="report-downloads report-screen-only">Download this table</p>'
                              '<aside class="report-cite report-screen-only"><p>Cite this section</p></aside>'),
             page("empty.html", '<h1 id="empty">Changes</h1><p class="report-screen-only">Nothing to compare.</p>'),
             page("two.html", '<h1 id="two">Two</h1><figure><img src="x.png" alt="x"></figure>')]
    front = pdf.Front("Report", "", "March", "window", "Org", "May 1", "2026-05-01", "")
    document = pdf.assemble(tmp_path, pages, front)
    assert "Text of one" in document.html and 'alt="x"' in document.html
    for gone in ("Download this table", "Cite this section", "Changes", "Nothing to compare"):
        assert gone not in document.html, gone
    assert 'id="s2-two"' in document.html, "the pages printed are numbered without the one left out"
