"""What a published file carries, read whole; and raster images cleaned on their way out.

The leak audit searches text. A file a build writes carries text in more places than its visible
content: an image's EXIF, XMP, text chunks and comments, a PDF's annotations and attachments, an
office document's embedded workbook, a CSV saved as UTF-16. This module gives the audit every text
of a file, read with the library for its type (Pillow, pypdf through :mod:`pdf`, ``zipfile``,
``gzip``, fontTools), archives inside archives to :data:`MAX_DEPTH` levels and :data:`MAX_EXPANDED`
bytes. A file of no type it knows is :class:`Unreadable` unless the report declares it in
``binary_files:`` (then it is searched as bytes, in every encoding).

Raster images are also cleaned before the audit runs (:func:`clean_image`): metadata no reader
sees (EXIF, XMP, IPTC, text chunks, comments) is removed from the copy in the site folder, the
EXIF orientation applied first and the ICC colour profile kept. The same input gives the same
bytes; an image with nothing to remove is left as it is.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from . import pdf_text
from .errors import ReportError, Unreadable

MAX_DEPTH = 4                   # an archive in an archive in an archive in an archive
MAX_EXPANDED = 512 * 2**20      # bytes one published file may unpack to, all its members together
MAX_FRAMES = 1000               # frames of an animated image whose metadata is read

IMAGE_SUFFIXES = frozenset({".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".tif", ".tiff",
                            ".bmp", ".ico", ".avif"})
FONT_MAGIC = (b"wOFF", b"wOF2", b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM",
               b"\x00\x00\x01\x00")
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]+")
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
MARKUP = re.compile(r"<[^>]+>")
MARKUP_SUFFIXES = frozenset({".xml", ".svg", ".html", ".htm", ".xhtml", ".rels", ".opf", ".ncx", ".rdf", ".vml"})




# ---- what kind of file -----------------------------------------------------------------------

def kind(data: bytes, name: str = "") -> str:
    """``pdf``, ``zip``, ``gzip``, ``image``, ``font``, ``text`` or ``binary``: decided by content
    (magic numbers, then whether it decodes as text), the name only telling broken images apart."""
    return sniff(data, name)[0]


def sniff(data: bytes, name: str = "") -> tuple[str, str | None]:
    """The file's kind (see :func:`kind`) and, for text, the text."""
    if data[:5] == b"%PDF-" or (b"%PDF-" in data[:1024] and Path(name).suffix.lower() == ".pdf"):
        return "pdf", None
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip", None
    if data[:2] == b"\x1f\x8b":
        return "gzip", None
    if _image_magic(data):
        return "image", None
    if data[:4] in FONT_MAGIC:
        return "font", None
    text = decode(data)
    if text is None:
        return ("image" if Path(name).suffix.lower() in IMAGE_SUFFIXES else "binary"), None
    return "text", text


def readable(data: bytes, name: str = "") -> bool:
    """Can the audit read this file whole (at its top level: an archive's members are read later)?"""
    what, _ = sniff(data, name)
    if what == "image" and not _image_magic(data):
        image = _open_image(data)
        if image is None:
            return False
        image.close()
    if what == "font":
        return font_texts(data) is not None
    return what != "binary"


def _image_magic(data: bytes) -> bool:
    return data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or data[4:12] in (
        b"ftypavif", b"ftypavis")


def decode(data: bytes) -> str | None:
    """Text in any Unicode encoding (a byte order mark; UTF-16 or UTF-32 without one, told by where
    its NUL bytes stand; else UTF-8, else Windows-1252 when it reads as text), or None: binary."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        wide = _wide_codec(data)
        if wide is None:
            return None
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            return None
        return text if len(CONTROL.findall(text[:65536])) <= len(text[:65536]) // 100 else None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    if len(CONTROL_BYTES.findall(sample)) > len(sample) // 100:
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _wide_codec(data: bytes) -> str | None:
    """UTF-32 or UTF-16 (either byte order) told by the NUL bytes of mostly-Latin text."""
    sample = data[:65536]
    if len(sample) >= 8 and len(sample) % 4 == 0:
        quarters = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
        if quarters[0] < 0.1 and min(quarters[1:]) > 0.9 and quarters[2] > 0.99:
            return "utf-32-le"
        if quarters[3] < 0.1 and min(quarters[:3]) > 0.9 and quarters[1] > 0.99:
            return "utf-32-be"
    if len(sample) >= 2 and len(sample) % 2 == 0:
        even, odd = (sample[i::2].count(0) / (len(sample) // 2) for i in range(2))
        if odd >= 0.5 and even <= 0.05:
            return "utf-16-le"
        if even >= 0.5 and odd <= 0.05:
            return "utf-16-be"
    return None


def bytes_texts(data: bytes) -> list[str]:
    """Bytes read in every encoding text hides in: UTF-8, UTF-16 (both byte orders, both alignments)
    and Latin-1, control characters as spaces (so words stay apart)."""
    pieces = [data.decode("utf-8", "replace")]
    if not data.isascii():
        pieces.append(data.decode("latin-1"))
    if b"\x00" in data:
        for codec in ("utf-16-le", "utf-16-be"):
            for start in (0, 1):
                chunk = data[start:]
                pieces.append(chunk[:len(chunk) - len(chunk) % 2].decode(codec, "replace"))
    return [CONTROL.sub(" ", piece) for piece in pieces]


# ---- reading a file whole --------------------------------------------------------------------

@dataclass
class Budget:
    """What one published file may still unpack to."""

    left: int = MAX_EXPANDED
    where: str = ""

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise Unreadable(f"'{self.where}' unpacks to more than {MAX_EXPANDED // 2**20} MB, more than the "
                             "leak audit reads", self.where, None, "publish the files it holds on their own, or fewer")


def texts(name: str, data: bytes, binary: bool = False, depth: int = 0, budget: Budget | None = None) -> list[str]:
    """Every text a file carries. ``binary``: the report declared it (``binary_files:``), so what
    no reader knows is searched as bytes rather than refused. ``name`` says where it is (an archive's
    member is ``archive.docx!/word/embeddings/book.xlsx``)."""
    budget = budget or Budget(where=name.split("!/", 1)[0])
    if depth > MAX_DEPTH:
        raise Unreadable(f"'{name}' holds archives nested more than {MAX_DEPTH} deep, more than the leak audit "
                         "reads", budget.where, None, "publish the files it holds on their own")
    what, text = sniff(data, name)
    if what == "pdf":
        return [read_pdf(name, data, binary, depth, budget)]
    if what == "zip":
        return zip_texts(name, data, binary, depth, budget)
    if what == "gzip":
        inner = gunzip(data, budget)
        if inner is not None:
            stem = name[:-3] if name.lower().endswith(".gz") else name
            return texts(stem, inner, binary, depth + 1, budget)
    elif what == "image":
        found = image_texts(data, name)
        if found is not None:
            return found
        if _image_magic(data):
            # An image's signature but nothing Pillow (or a browser) can show: what it holds is bytes.
            return bytes_texts(data)
    elif what == "font":
        found = font_texts(data)
        if found is not None:
            return found
    elif what == "text" and text is not None:
        if PurePosixPath(name).suffix.lower() in MARKUP_SUFFIXES or text.lstrip()[:1] == "<":
            return [text, MARKUP.sub(" ", text)]
        return [text]
    if binary:
        return bytes_texts(data)
    raise Unreadable(f"'{name}' is a binary file of a type the leak audit cannot read", budget.where, None,
                     "publish it in a type the audit reads (text, image, PDF, office document, zip), or declare it "
                     "in binary_files: in data/report.yml to have it searched as bytes")


def read_pdf(name: str, data: bytes, binary: bool = False, depth: int = 0, budget: Budget | None = None,
             path: Path | None = None) -> str:
    """A PDF's text, metadata, annotations and outline (:func:`pdf_text.read_pdf`), and its attached
    files read whole, each as its own kind."""
    budget = budget or Budget(where=name)

    def attached(member: str, content: bytes) -> list[str]:
        budget.take(len(content))
        return texts(f"{name}!/{member}", content, binary, depth + 1, budget)

    return pdf_text.read_pdf(path or Path(name), data, attached, bytes_texts)


def gunzip(data: bytes, budget: Budget | None = None) -> bytes | None:
    """A gzip file's content (None if it is not one), no more than the budget allows."""
    budget = budget or Budget()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            inner = unpacked.read(budget.left + 1)
    except (OSError, EOFError, zlib.error):
        return None
    budget.take(len(inner))
    return inner


def zip_texts(name: str, data: bytes, binary: bool = False, depth: int = 0, budget: Budget | None = None) -> list[str]:
    """Every member of a zip container (docx, xlsx, pptx, odt, epub, zip), read as its own kind:
    nested archives, images and PDFs too. Names and comments are text as well."""
    budget = budget or Budget(where=name)
    pieces: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pieces += bytes_texts(archive.comment) if archive.comment else []
            for info in archive.infolist():
                pieces.append(info.filename)
                if info.comment:
                    pieces += bytes_texts(info.comment)
                if info.is_dir():
                    continue
                if info.flag_bits & 0x1:
                    raise Unreadable(f"'{name}' holds a password-protected file ({info.filename}), which the leak "
                                     "audit cannot read", budget.where, None, "publish it without a password")
                budget.take(info.file_size)
                member = archive.read(info)
                pieces += texts(f"{name}!/{info.filename}", member, binary, depth + 1, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, zlib.error) as error:
        if binary:
            return bytes_texts(data)
        raise Unreadable(f"'{name}' is a zip archive the leak audit cannot read ({error})", budget.where, None,
                         "save it again as a standard zip file") from None
    return pieces


def font_texts(data: bytes) -> list[str] | None:
    """A font's name table (family, designer, description, licence: every record), or None."""
    try:
        from fontTools.ttLib import TTCollection, TTFont
        fonts = TTCollection(io.BytesIO(data)).fonts if data[:4] == b"ttcf" else [TTFont(io.BytesIO(data))]
        pieces: list[str] = []
        for font in fonts:
            if "name" in font:
                pieces += [record.toUnicode(errors="replace") for record in font["name"].names]
        return pieces
    except Exception:               # noqa: BLE001 - fontTools raises many types for a broken font
        return None


# ---- images ----------------------------------------------------------------------------------

# PNG chunks that hold pixels, colour or layout only; any other chunk is metadata (text, EXIF,
# time, private chunks).
PNG_PLAIN = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
                       b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT", b"cICP"})
# JPEG segments that hold the picture's colour and layout (JFIF, the ICC profile, Adobe's colour
# transform); any other application segment (EXIF, XMP, IPTC, Photoshop, Ducky...) is metadata.
JPEG_PLAIN = frozenset({("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe")})
# TIFF tags that describe the picture; any other tag (description, artist, software, XMP, IPTC,
# EXIF and GPS directories) is metadata.
TIFF_PLAIN = frozenset({254, 255, 256, 257, 258, 259, 262, 266, 273, 274, 277, 278, 279, 280, 281, 282, 283, 284,
                        296, 317, 320, 322, 323, 324, 325, 338, 339, 340, 341, 532, 34675})
INFO_PLAIN = ("transparency", "dpi", "icc_profile", "gamma", "duration", "loop", "background")
INFO_IGNORED = frozenset({"progressive", "progression", "jfif", "jfif_version", "jfif_unit", "jfif_density",
                          "adobe", "adobe_transform", "compression", "interlace", "aspect", "srgb", "chromaticity",
                          "version", "mode", "bbox", "mp"})
EXIF_IFDS = (0x8769, 0x8825, 0xA005)           # the Exif, GPS and interoperability directories


def _open_image(data: bytes) -> Any:
    from PIL import Image

    try:
        return Image.open(io.BytesIO(data))
    except Exception:               # noqa: BLE001 - Pillow raises many types for what is no image
        return None


def image_texts(data: bytes, name: str = "") -> list[str] | None:
    """Every text an image carries: text chunks (tEXt, zTXt, iTXt), EXIF (every directory, the Windows
    XP* tags in UTF-16), XMP, IPTC and other application segments, the ICC profile's descriptions,
    comments, in every frame; None when Pillow sees no image in it."""
    image = _open_image(data)
    if image is None:
        return None
    pieces: list[str] = []
    try:
        with image:
            if image.format == "PNG":
                chunks, trailing = png_chunks(data)
                if set(chunks) - PNG_PLAIN:
                    image.load()            # text after the pixels is read with them
                    for key, value in getattr(image, "text", {}).items():
                        pieces += [key, str(value), str(getattr(value, "tkey", "") or "")]
                if trailing or set(chunks) - PNG_PLAIN - {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}:
                    pieces += bytes_texts(data)         # private chunks, or data after the image's end
            for _, payload in getattr(image, "applist", []):
                pieces += bytes_texts(payload)
            for frame in range(min(getattr(image, "n_frames", 1), MAX_FRAMES)):
                if frame:
                    image.seek(frame)
                pieces += _value_texts(image.info)
                pieces += _exif_texts(image.getexif())
    except Unreadable:
        raise
    except Exception as error:      # noqa: BLE001 - a broken image: what it hides cannot be read
        raise Unreadable(f"'{name}' is an image whose metadata the leak audit cannot read ({error})",
                         name.split("!/", 1)[0], None, "export it again") from None
    return pieces


def png_chunks(data: bytes) -> tuple[list[bytes], bool]:
    """The kinds of chunk of a PNG, read with Pillow's chunk reader, and whether data follows its end."""
    from PIL import PngImagePlugin

    stream = PngImagePlugin.ChunkStream(io.BytesIO(data[8:]))
    found: list[bytes] = []
    try:
        while True:
            cid, _, length = stream.read()
            found.append(cid)
            assert stream.fp is not None
            stream.fp.seek(length + 4, 1)
            if cid == b"IEND":
                return found, bool(stream.fp.read(1))
    except (SyntaxError, OSError, ValueError):
        return found, True


def _exif_texts(exif: Any) -> list[str]:
    pieces: list[str] = []
    directories = [exif]
    for tag in EXIF_IFDS:
        try:
            directories.append(exif.get_ifd(tag))
        except Exception:           # noqa: BLE001 - a broken directory
            continue
    for directory in directories:
        for tag, value in directory.items():
            if tag not in EXIF_IFDS:
                pieces += _value_texts(value)
    return pieces


def _value_texts(value: Any, depth: int = 0) -> list[str]:
    """The texts inside a metadata value as Pillow gives it (strings, bytes, tuples of byte values,
    dictionaries): bytes in every encoding, since EXIF's XP* tags are UTF-16 and XMP may be."""
    if depth > 8:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)):
        return bytes_texts(bytes(value))
    if isinstance(value, dict):
        return [piece for key, item in value.items() if key not in INFO_IGNORED
                for piece in [*(_value_texts(key, depth + 1) if isinstance(key, str) else []),
                              *_value_texts(item, depth + 1)]]
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return bytes_texts(bytes(value))            # XPComment and kin, as some files store them
        return [piece for item in value for piece in _value_texts(item, depth + 1)]
    return []


def hidden_metadata(image: Any, data: bytes) -> bool:
    """Does the image carry metadata no reader sees (EXIF, XMP, IPTC, text chunks, comments)?"""
    if image.format == "PNG":
        chunks, trailing = png_chunks(data)
        return trailing or bool(set(chunks) - PNG_PLAIN)
    if image.format in ("JPEG", "MPO"):
        return any(not _plain_segment(marker, payload) for marker, payload in getattr(image, "applist", [])) \
            or "comment" in image.info or getattr(image, "n_frames", 1) > 1
    if image.format == "TIFF":
        return bool(set(getattr(image, "tag_v2", {}).keys()) - TIFF_PLAIN)
    if image.format in ("WEBP", "GIF"):
        return any(key in image.info for key in ("exif", "xmp", "comment", "extension", "XML:com.adobe.xmp"))
    return False


def _plain_segment(marker: str, payload: bytes) -> bool:
    return any(marker == plain and payload.startswith(tag) for plain, tag in JPEG_PLAIN)


CLEANED_FORMATS = frozenset({"PNG", "JPEG", "MPO", "WEBP", "GIF", "TIFF"})
TIFF_COMPRESSIONS = frozenset({"raw", "tiff_lzw", "tiff_adobe_deflate", "tiff_deflate", "packbits"})


def clean_image(data: bytes) -> bytes | None:
    """The image without metadata no reader sees, or None when there is none to remove (or it is
    not a still image Pillow writes: an animation keeps its metadata, which the audit reads).

    The EXIF orientation is applied to the pixels first, so the picture shows as before; the ICC
    profile, resolution and transparency stay. JPEGs keep their quantisation tables and chroma
    subsampling; WebPs are written lossless. Same bytes in, same bytes out (no time is written)."""
    from PIL import ImageOps, JpegImagePlugin

    image = _open_image(data)
    if image is None:
        return None
    with image:
        if image.format not in CLEANED_FORMATS or not hidden_metadata(image, data):
            return None
        if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
            return None
        kept = {key: image.info[key] for key in INFO_PLAIN if key in image.info and key not in ("gamma",)}
        fmt = "JPEG" if image.format == "MPO" else image.format
        options: dict[str, Any] = {}
        if fmt == "JPEG":
            options = {"qtables": image.quantization, "subsampling": JpegImagePlugin.get_sampling(image),
                       "progressive": bool(image.info.get("progressive")), "optimize": False}
            if options["subsampling"] == -1:
                del options["subsampling"]
        elif fmt == "WEBP":
            options = {"lossless": True, "exact": True, "method": 4}
        elif fmt == "TIFF":
            compression = image.info.get("compression", "raw")
            options = {"compression": compression if compression in TIFF_COMPRESSIONS else "tiff_adobe_deflate"}
        image.load()
        picture = ImageOps.exif_transpose(image)
        picture.info.clear()
        picture.info.update(kept)
        if "icc_profile" in kept:
            options["icc_profile"] = kept["icc_profile"]
        if "dpi" in kept and fmt != "GIF":
            options["dpi"] = kept["dpi"]
        if "transparency" in kept and fmt in ("PNG", "GIF"):
            options["transparency"] = kept["transparency"]
        out = io.BytesIO()
        picture.save(out, fmt, **options)
        return out.getvalue()


def clean_images(site: Path, skip: Iterable[str] = ()) -> list[str]:
    """Clean every raster image in the site folder but ``skip`` (the theme's own files); the
    site-relative paths of those rewritten."""
    skipped = set(skip)
    cleaned: list[str] = []
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        if relative in skipped or not path.is_file() or path.is_symlink():
            continue
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            with path.open("rb") as handle:
                if not _image_magic(handle.read(16)):
                    continue
        data = path.read_bytes()
        try:
            clean = clean_image(data)
        except Exception:           # noqa: BLE001 - Pillow cannot write it: the audit reads it as it is
            clean = None
        if clean is not None and clean != data:
            path.write_bytes(clean)
            cleaned.append(relative)
    return cleaned


# ---- binary_files: ---------------------------------------------------------------------------

def glob_regex(pattern: str) -> re.Pattern:
    """A ``binary_files:`` glob as a regex over site paths: ``*`` within a folder, ``**`` across."""
    pieces: list[str] = []
    index = 0
    pattern = pattern.strip().lstrip("/")
    while index < len(pattern):
        if pattern.startswith("**/", index):
            pieces.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            pieces.append(".*")
            index += 2
        elif pattern[index] == "*":
            pieces.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            pieces.append("[^/]")
            index += 1
        else:
            pieces.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(pieces))


def declared_binary(relative: str, patterns: Iterable[str]) -> bool:
    return any(glob_regex(pattern).fullmatch(relative) for pattern in patterns)
