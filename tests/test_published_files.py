"""Every published file is read whole, or cleaned, or refused (issue 23, principle 2).

Each file type gets a report that hides a secret where that type hides text (a PNG's compressed text
chunks, a JPEG's UTF-16 EXIF tags, a PDF's annotations and attachments, a workbook inside a .docx,
a UTF-16 CSV, an SVG's comments and editor attributes, a script in overrides/) and an honest
variant that must build. A leaking build either stops with one clean error, or builds with the
secret gone from every output in every encoding (images are cleaned on the way out). The fixture
files are made here with Pillow, pypdf and zipfile; none is committed. The readers are tested in
process, without a site build, in test_published.py.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageOps, PngImagePlugin
from pypdf import PdfWriter
from pypdf.annotations import Text
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           TextStringObject)

from conftest import REPORT_YML, assert_clean_failure
from report_engine import audit

SECRET = "Helios keeps a shadow cluster outside the monitored network"
HARMLESS = "Exported from the plotting library with default settings"
NAME = "Kestrel Systems"
REPORT_WITH_KESTREL = REPORT_YML + "  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer E, named: false}\n"
KESTREL_LINE = 12
REDACTION_LINE = 5

pytestmark = pytest.mark.site


# ---- fixture files ---------------------------------------------------------------------------

def picture(size=(16, 8), mode="RGB") -> Image.Image:
    image = Image.new(mode, size, (250, 20, 20))
    image.paste((20, 20, 250), (size[0] // 2, 0, size[0], size[1]))
    return image


def png(chunk: str | None = None, text: str = SECRET, icc: bytes | None = None, frames: int = 1) -> bytes:
    info = PngImagePlugin.PngInfo()
    if chunk == "tEXt":
        info.add_text("Comment", text)
    elif chunk == "zTXt":
        info.add_text("Comment", text, zip=True)
    elif chunk == "iTXt":
        info.add_itxt("Description", text, lang="en", tkey="Beschreibung", zip=True)
    out = io.BytesIO()
    options = {"pnginfo": info}
    if icc:
        options["icc_profile"] = icc
    if frames > 1:
        options.update(save_all=True, append_images=[picture().rotate(180)] * (frames - 1), duration=100)
    picture().save(out, "PNG", **options)
    return out.getvalue()


def jpeg(text: str | None = SECRET, orientation: int | None = None, icc: bytes | None = None,
         xmp: str | None = None) -> bytes:
    image = picture()
    exif = image.getexif()
    if text:
        exif[0x9C9C] = (text + "\0").encode("utf-16-le")           # XPComment
        exif[0x9C9D] = ("Field team\0").encode("utf-16-le")         # XPAuthor
    if orientation:
        exif[0x0112] = orientation
    options = {"quality": 95}
    if len(exif):
        options["exif"] = exif.tobytes()
    if xmp:
        options["xmp"] = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:description>{xmp}</dc:description></x:xmpmeta>'.encode()
    if icc:
        options["icc_profile"] = icc
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def pdf(annotation: str | None = None, attachment: bytes | None = None, attached_by_annotation: bytes | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if annotation:
        writer.add_annotation(0, Text(text=annotation, rect=(10, 10, 40, 40)))
    if attachment is not None:
        writer.add_attachment("notes.csv", attachment)
    if attached_by_annotation is not None:
        stream = DecodedStreamObject()
        stream.set_data(attached_by_annotation)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"),
                                 NameObject("/F"): TextStringObject("data.txt"),
                                 NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)})})
        annotation_object = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(30), FloatObject(30)]),
            NameObject("/FS"): writer._add_object(spec)})
        writer.add_annotation(0, annotation_object)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zipped(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def docx_with_workbook(cell: str) -> bytes:
    workbook = zipped({"[Content_Types].xml": "<Types/>",
                       "xl/sharedStrings.xml": f"<sst><si><t>{cell}</t></si></sst>"})
    return zipped({"[Content_Types].xml": "<Types/>",
                   "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>Chart data</w:t></w:r></w:p></w:body></w:document>",
                   "word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook})


SVG = ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- {comment} -->\n'
       '<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" '
       'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" sodipodi:docname="{docname}" '
       'inkscape:export-filename="{export}" width="10" height="10"><rect width="10" height="10"/></svg>\n')


# ---- building a report around a file --------------------------------------------------------

def write_report(report, files: dict[str, bytes], link: str = "", extra: str = "") -> None:
    """A public page with a redacted sentence, and open text that links ``link``."""
    report.write("data/report.yml", REPORT_WITH_KESTREL + extra)
    report.page("index.md", f"""
        # Summary

        Public text.

        {{% call redact("helios") %}}
        {SECRET}.
        {{% endcall %}}

        {link}
        """)
    for path, content in files.items():
        target = report.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def carried(data: bytes) -> str:
    """What a file holds, read independently of the engine: its bytes in several encodings, gzip
    unpacked, and for images what Pillow gives of their metadata."""
    pieces = [data.decode(codec, "replace") for codec in ("utf-8", "utf-16-le", "utf-16-be")]
    pieces += [data[1:].decode(codec, "replace") for codec in ("utf-16-le", "utf-16-be")]
    if data[:2] == b"\x1f\x8b":
        pieces.append(carried(gzip.decompress(data)))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            pieces += [str(v) for v in getattr(image, "text", {}).values()]
            pieces += [carried(v) if isinstance(v, bytes) else str(v) for v in image.info.values()]
            pieces += [carried(v) if isinstance(v, bytes) else str(v) for v in image.getexif().values()]
    except Exception:      # noqa: BLE001 - not an image
        pass
    return " ".join(" ".join(pieces).lower().split())


def assert_absent(site: Path, *secrets: str) -> None:
    for path in site.rglob("*"):
        if path.is_file():
            text = carried(path.read_bytes())
            for secret in secrets:
                assert secret.lower() not in text, f"{secret!r} in {path.relative_to(site)}"


def assert_leak_stopped(result, output: str, kind: str = "redacted text") -> None:
    assert_clean_failure(result, "docs/index.md", REDACTION_LINE, "leak audit failed", f"'{output}'", kind)


def assert_name_stopped(result, output: str) -> None:
    assert_clean_failure(result, "data/report.yml", KESTREL_LINE, "leak audit failed", f"'{output}'",
                         "never named")


# ---- images: cleaned on the way out, or read whole ------------------------------------------

@pytest.mark.parametrize("chunk", ["tEXt", "zTXt", "iTXt"])
def test_png_text_chunks_are_stripped(report, chunk):
    write_report(report, {"docs/figures/chart.png": png(chunk)}, "![Chart](figures/chart.png)")
    result = report.build()
    assert (result.site / "figures" / "chart.png").is_file()
    assert_absent(result.site, SECRET)
    assert (report.root / "docs/figures/chart.png").read_bytes() == png(chunk)       # docs/ untouched


def test_png_honest_and_clean_files_build(report):
    clean = png()
    write_report(report, {"docs/figures/clean.png": clean, "docs/figures/labelled.png": png("zTXt", HARMLESS)},
                 "![Clean](figures/clean.png) ![Labelled](figures/labelled.png)")
    result = report.build()
    assert (result.site / "figures" / "clean.png").read_bytes() == clean          # nothing to remove: as it was
    assert HARMLESS.lower() not in carried((result.site / "figures" / "labelled.png").read_bytes())


def test_animated_png_text_is_read_by_the_audit(report):
    """An animation is not rewritten; its compressed text is read, and the leak stops the build."""
    write_report(report, {"docs/figures/anim.png": png("zTXt", frames=2)}, "![Anim](figures/anim.png)")
    assert_leak_stopped(report.build(expect_ok=False), "figures/anim.png")
    write_report(report, {"docs/figures/anim.png": png("zTXt", HARMLESS, frames=2)}, "![Anim](figures/anim.png)")
    report.build()


def test_jpeg_exif_xp_tags_and_xmp_are_stripped(report):
    write_report(report, {"docs/photos/site.jpg": jpeg(SECRET, xmp=NAME),
                          "docs/photos/plain.jpg": jpeg(None)},
                 "![Site](photos/site.jpg) ![Plain](photos/plain.jpg)")
    result = report.build()
    assert_absent(result.site, SECRET, NAME)
    with Image.open(result.site / "photos" / "site.jpg") as image:
        assert not image.getexif() and "xmp" not in image.info
    assert (result.site / "photos" / "plain.jpg").read_bytes() == jpeg(None)


def test_webp_and_gif_metadata_are_stripped(report):
    webp, gif = io.BytesIO(), io.BytesIO()
    picture().save(webp, "WEBP", xmp=f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode(), exif=jpeg_exif(SECRET))
    picture().convert("P").save(gif, "GIF", comment=SECRET.encode())
    write_report(report, {"docs/figures/a.webp": webp.getvalue(), "docs/figures/b.gif": gif.getvalue()},
                 "![A](figures/a.webp) ![B](figures/b.gif)")
    result = report.build()
    assert_absent(result.site, SECRET)
    with Image.open(result.site / "figures" / "a.webp") as image:
        assert image.size == (16, 8) and "xmp" not in image.info and "exif" not in image.info


def jpeg_exif(text: str) -> bytes:
    exif = Image.Exif()
    exif[0x9C9F] = (text + "\0").encode("utf-16-le")           # XPSubject
    return exif.tobytes()


def test_animated_gif_comment_is_read_by_the_audit(report):
    gif = io.BytesIO()
    frames = [picture().convert("P"), picture().rotate(180).convert("P")]
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], comment=SECRET.encode("utf-16-le"), duration=100)
    write_report(report, {"docs/figures/anim.gif": gif.getvalue()}, "![Anim](figures/anim.gif)")
    assert_leak_stopped(report.build(expect_ok=False), "figures/anim.gif")


def test_cleaning_applies_orientation_keeps_the_colour_profile_and_is_reproducible(report):
    icc = srgb()
    photo = jpeg(SECRET, orientation=6, icc=icc)
    drawing = png("tEXt", icc=icc)
    write_report(report, {"docs/photos/turned.jpg": photo, "docs/figures/drawing.png": drawing},
                 "![Turned](photos/turned.jpg) ![Drawing](figures/drawing.png)")
    first = report.build()
    turned = (first.site / "photos" / "turned.jpg").read_bytes()
    cleaned_png = (first.site / "figures" / "drawing.png").read_bytes()
    with Image.open(io.BytesIO(turned)) as image, Image.open(io.BytesIO(photo)) as original:
        assert image.size == (8, 16)                                   # the rotation is in the pixels now
        assert not image.getexif()
        assert image.info.get("icc_profile") == icc
        upright = ImageOps.exif_transpose(original).convert("RGB")
        difference = [abs(a - b) for a, b in zip(image.convert("RGB").tobytes(), upright.tobytes())]
        assert sum(difference) / len(difference) < 10                  # the same picture, re-encoded (turned the
                                                                       # wrong way: over 100)
    with Image.open(io.BytesIO(cleaned_png)) as image, Image.open(io.BytesIO(drawing)) as original:
        assert image.tobytes() == original.tobytes() and image.mode == original.mode   # pixels unchanged
        assert image.info.get("icc_profile") == icc and not image.text
    assert (report.root / "docs/photos/turned.jpg").read_bytes() == photo
    second = report.build()
    assert (second.site / "photos" / "turned.jpg").read_bytes() == turned
    assert (second.site / "figures" / "drawing.png").read_bytes() == cleaned_png


# ---- SVG: read whole (comments, processing instructions, every attribute) ----------------------

def test_svg_comment_and_editor_attributes_naming_a_never_named_participant(report):
    svg = SVG.format(comment=f"drawn for {NAME}", docname="chart.svg", export="chart.png")
    write_report(report, {"docs/figures/chart.svg": svg.encode()}, "![Chart](figures/chart.svg)")
    assert_name_stopped(report.build(expect_ok=False), "figures/chart.svg")
    svg = SVG.format(comment="drawn in Inkscape", docname=f"{NAME} chart.svg", export=f"/home/ed/{NAME}.png")
    write_report(report, {"docs/figures/chart.svg": svg.encode()}, "![Chart](figures/chart.svg)")
    assert_name_stopped(report.build(expect_ok=False), "figures/chart.svg")


def test_svg_with_harmless_comment_and_editor_attributes_builds(report):
    svg = SVG.format(comment="drawn in Inkscape", docname="chart.svg", export="/home/ed/chart.png")
    write_report(report, {"docs/figures/chart.svg": svg.encode()}, "![Chart](figures/chart.svg)")
    result = report.build()
    assert (result.site / "figures" / "chart.svg").read_text() == svg              # read, not rewritten


# ---- PDF: annotations and attached files ------------------------------------------------------

@pytest.mark.parametrize("where", ["annotation", "attachment", "attachment-annotation"])
def test_pdf_annotations_and_attachments_are_read(report, where):
    content = {"annotation": {"annotation": SECRET},
               "attachment": {"attachment": f"when,what\n2026-03-01,{SECRET}\n".encode("utf-16")},
               "attachment-annotation": {"attached_by_annotation": SECRET.encode()}}[where]
    write_report(report, {"docs/files/brief.pdf": pdf(**content)}, "[Brief](files/brief.pdf)")
    assert_leak_stopped(report.build(expect_ok=False), "files/brief.pdf")


def test_pdf_with_harmless_annotation_and_attachment_builds(report):
    write_report(report, {"docs/files/brief.pdf": pdf(HARMLESS, HARMLESS.encode("utf-16"), b"a,b\n1,2\n")},
                 "[Brief](files/brief.pdf)")
    report.build()


# ---- archives inside archives ---------------------------------------------------------------

def test_workbook_embedded_in_a_docx_is_read(report):
    write_report(report, {"docs/files/brief.docx": docx_with_workbook(SECRET)}, "[Brief](files/brief.docx)")
    assert_leak_stopped(report.build(expect_ok=False), "files/brief.docx")
    write_report(report, {"docs/files/brief.docx": docx_with_workbook(HARMLESS)}, "[Brief](files/brief.docx)")
    report.build()


def test_unknown_file_inside_an_archive_is_refused_unless_declared(report):
    bundle = zipped({"README.txt": "Model weights.", "weights.bin": BLOB})
    write_report(report, {"docs/files/bundle.zip": bundle}, "[Bundle](files/bundle.zip)")
    assert_clean_failure(report.build(expect_ok=False), "files/bundle.zip", None,
                         "'files/bundle.zip!/weights.bin' is a binary file", "binary_files")
    write_report(report, {"docs/files/bundle.zip": bundle}, "[Bundle](files/bundle.zip)",
                 "binary_files: [files/bundle.zip]\n")
    report.build()


# ---- text in any encoding --------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(report, codec):
    write_report(report, {"docs/data/incidents.csv": f"date,summary\n2026-03-01,{SECRET}\n".encode(codec)},
                 "[Incidents](data/incidents.csv)")
    assert_leak_stopped(report.build(expect_ok=False), "data/incidents.csv")


def test_utf16_csv_without_secrets_builds(report):
    honest = f"date,summary\n2026-03-01,{HARMLESS}\n".encode("utf-16-le")
    write_report(report, {"docs/data/incidents.csv": honest}, "[Incidents](data/incidents.csv)")
    assert (report.build().site / "data" / "incidents.csv").read_bytes() == honest


# ---- the report's own overrides are report content -------------------------------------------

def test_overrides_script_naming_a_never_named_participant(report):
    report.config["extra_javascript"] = ["assets/extra.js"]
    write_report(report, {"overrides/assets/extra.js": f'const partners = ["{NAME}"];\n'.encode()})
    assert_name_stopped(report.build(expect_ok=False), "assets/extra.js")
    write_report(report, {"overrides/assets/extra.js": b'const partners = ["Developer E"];\n'})
    result = report.build()                      # Material's own bundles stay out of the name search
    assert (result.site / "assets" / "extra.js").is_file()


# ---- unknown binary files: refused, or declared and searched as bytes ---------------------------

BLOB = bytes(range(256)) * 8


def test_unknown_binary_is_refused(report):
    write_report(report, {"docs/figures/model.bin": BLOB}, "[Model](figures/model.bin)")
    assert_clean_failure(report.build(expect_ok=False), "docs/figures/model.bin", None,
                         "binary file of a type the leak audit cannot read", "binary_files")
    report.config["extra_javascript"] = ["assets/blob.dat"]
    write_report(report, {"overrides/assets/blob.dat": BLOB})
    assert_clean_failure(report.build(expect_ok=False), "overrides/assets/blob.dat", None, "binary_files")


def test_declared_binary_is_searched_as_bytes(report):
    declared = "binary_files: [figures/*.bin]\n"
    leaking = BLOB + b"\x01" + SECRET.encode("utf-16-le") + BLOB
    write_report(report, {"docs/figures/model.bin": leaking}, "[Model](figures/model.bin)", declared)
    assert_leak_stopped(report.build(expect_ok=False), "figures/model.bin")
    write_report(report, {"docs/figures/model.bin": BLOB + HARMLESS.encode("utf-16-be")},
                 "[Model](figures/model.bin)", declared)
    result = report.build()
    assert (result.site / "figures" / "model.bin").read_bytes() == BLOB + HARMLESS.encode("utf-16-be")


@pytest.mark.parametrize("value, line", [("binary_files: figures/model.bin\n", 13),
                                         ("binary_files: [3]\n", 13),
                                         ("binary_files:\n  - figures/*.bin\n  - models/*.onnx\n", 15)])
def test_malformed_binary_files_is_named(report, value, line):
    write_report(report, {"docs/figures/model.bin": BLOB}, "[Model](figures/model.bin)", value)
    assert_clean_failure(report.build(expect_ok=False), "data/report.yml", line, "binary_files")


# ---- the readers (tested in process in test_published.py); a PDF's parts are read by pdftotext ----

def read(name: str, data: bytes, binary: bool = False) -> str:
    return audit.read_output(Path(name), data=data, binary=binary, name=name)[1]


SECRET_TEXT = audit.normalise(SECRET)


def test_reader_pdf_annotation_and_attachments(tmp_path):
    for options in ({"annotation": SECRET}, {"attachment": zipped({"a.txt": SECRET})},
                    {"attached_by_annotation": SECRET.encode("utf-16")}):
        data = pdf(**options)
        target = tmp_path / "a.pdf"
        target.write_bytes(data)
        assert SECRET_TEXT in audit.read_output(target, data=data, name="a.pdf")[1], options
