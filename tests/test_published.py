"""Published files read and cleaned in process (published.py and the audit's readers), without a site
build; the fixture files are made in test_published_files.py, where reports built around them are."""

from __future__ import annotations

from pathlib import Path

import pytest

from report_engine import audit, published
from test_published_files import (BLOB, NAME, SECRET, SECRET_TEXT, SVG, docx_with_workbook, jpeg, png, read, srgb,
                                  zipped)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("chunk", ["tEXt", "zTXt", "iTXt"])
def test_reader_png_chunks(chunk):
    assert SECRET_TEXT in read("a.png", png(chunk))
    assert published.clean_image(png()) is None
    cleaned = published.clean_image(png(chunk))
    assert cleaned is not None and SECRET_TEXT not in read("a.png", cleaned)
    assert published.clean_image(png(chunk)) == cleaned                 # reproducible


def test_reader_jpeg_exif_xmp_and_icc_description():
    assert SECRET_TEXT in read("a.jpg", jpeg(SECRET))
    assert SECRET_TEXT in read("a.jpg", jpeg(None, xmp=SECRET))
    plain = "No copyright, use freely".encode("utf-16-be")           # the profile's copyright (mluc)
    described = srgb().replace(plain, "Kestrel Systems drew it.".encode("utf-16-be"))
    assert described != srgb()
    assert "kestrel systems" in read("a.jpg", jpeg(None, icc=described))


def test_reader_text_in_every_encoding():
    for codec in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "cp1252"):
        assert SECRET_TEXT in read("a.csv", f"a,b\n1,{SECRET} – café\n".encode(codec)), codec
    assert published.kind(BLOB) == "binary" and published.kind("plain".encode("utf-16-le")) == "text"


def test_reader_svg_every_part():
    svg = SVG.format(comment="c", docname=f"{NAME}.svg", export="x").replace("<rect", "<?note Quiet words?><rect")
    raw, content, readable = audit.read_output(Path("a.svg"), data=svg.encode("utf-16"))
    assert "kestrel systems" in readable and "quiet words" in readable


def test_reader_nested_archives_are_bounded():
    nested = docx_with_workbook(SECRET)
    assert SECRET_TEXT in read("a.docx", nested)
    for _ in range(published.MAX_DEPTH + 1):
        nested = zipped({"inner.zip": nested})
    with pytest.raises(published.Unreadable, match="nested"):
        read("deep.zip", nested)
    with pytest.raises(published.Unreadable, match="binary file"):
        read("a.zip", zipped({"model.bin": BLOB}))
    assert "model.bin" in read("a.zip", zipped({"model.bin": BLOB}), binary=True)


def test_reader_declared_binary_in_every_encoding():
    for codec in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
        for pad in (b"", b"\x01"):
            assert SECRET_TEXT in read("m.bin", BLOB + pad + SECRET.encode(codec) + BLOB, binary=True), codec
    with pytest.raises(published.Unreadable):
        read("m.bin", BLOB)


def test_binary_files_globs():
    assert published.declared_binary("figures/a.bin", ["figures/*.bin"])
    assert not published.declared_binary("figures/sub/a.bin", ["figures/*.bin"])
    assert published.declared_binary("figures/sub/a.bin", ["figures/**/*.bin"])
    assert published.declared_binary("a.bin", ["**/*.bin"])
