"""A PDF read back for the leak audit: everything a reader can get from it.

Poppler's tools and pypdf read the text, metadata, outline, link targets, annotations, forms,
JavaScript and attached files. This module knows nothing of the other file types: the caller
(:mod:`report_engine.published`) reads attached files and byte strings with its own readers.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import Unreadable

def read_pdf(path: Path, data: bytes, attached: Callable[[str, bytes], list[str]],
             bytes_texts: Callable[[bytes], list[str]]) -> str:
    """Everything a reader can get from a PDF: its text, metadata (document information and XMP),
    outline titles, link targets and the names of its destinations, and what a viewer shows beside
    the pages: annotations (comments, pop-ups, form fields), document JavaScript, and attached files,
    each read whole by ``attached`` (a workbook attached to a PDF is read as a workbook); strings
    and streams of bytes are read by ``bytes_texts``, in every encoding text hides in.

    Poppler (pdftotext; pdfinfo for the metadata and the links) runs beside pypdf, which reads the
    outline, and everything else too when poppler is not installed. A PDF that they cannot read is
    searched as raw bytes only when it holds no compressed content; otherwise it cannot be checked,
    and that stops the build."""
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as scratch:
        source = path
        if path.suffix.lower() != ".pdf" or not path.is_file():      # read from inside a .gz, say
            source = Path(scratch) / "copy.pdf"
            source.write_bytes(data)
        tools = [_poppler(["pdftotext", "-q", "-enc", "UTF-8", str(source), "-"]),
                 _poppler(["pdfinfo", "-enc", "UTF-8", "-custom", str(source)]),
                 _poppler(["pdfinfo", "-enc", "UTF-8", "-meta", str(source)]),
                 _poppler(["pdfinfo", "-url", str(source)]),
                 _poppler(["pdfinfo", "-dests", str(source)])]
        poppler = all(tool is not None for tool in tools)
        structure = _pypdf_parts(path, data, not poppler, attached, bytes_texts)
        outputs = [_finish(tool) for tool in tools]
    read_by_poppler = poppler and all(out is not None for out in outputs)
    if structure is not None and (read_by_poppler or not poppler):
        return "\n".join([*(out or "" for out in outputs), *structure])
    if b"stream" in data:
        what = "neither poppler nor pypdf could read it" if structure is None and not read_by_poppler \
            else "pypdf could not read its outline" if structure is None else "poppler could not read it"
        raise Unreadable(f"a PDF the audit cannot read: {what}", str(path), None,
                         "export it again as a standard PDF, or install poppler-utils")
    return "\n".join([*(out or "" for out in outputs), *(structure or []), data.decode("latin-1")])


def _poppler(command: list[str]) -> subprocess.Popen | None:
    tool = shutil.which(command[0])
    if tool is None:
        return None
    return subprocess.Popen([tool, *command[1:]], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _finish(process: subprocess.Popen | None) -> str | None:
    if process is None:
        return None
    out, _ = process.communicate()
    return out.decode("utf-8", errors="replace") if process.returncode == 0 else None


def _pypdf_parts(path: Path, data: bytes, everything: bool, attached: Callable[[str, bytes], list[str]],
                 bytes_texts: Callable[[bytes], list[str]]) -> list[str] | None:
    """The outline's titles, annotations, form fields, document JavaScript and attached files as
    pypdf reads them, and with ``everything`` (no poppler) the metadata, the text and the link
    targets too; None if pypdf cannot read the file."""
    try:
        import pypdf
        from pypdf.errors import PyPdfError
    except ImportError:                 # pragma: no cover - pypdf is in the requirements
        return None
    parts: list[str] = []
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):       # only a password opens it
            raise Unreadable("a PDF that needs a password cannot be checked", str(path), None,
                             "publish it without a password")
        root: Any = reader.trailer["/Root"]
        parts.extend(_outline_titles(root.get("/Outlines")))
        parts.extend(_hidden_parts(reader, root, attached, bytes_texts))
        if everything:
            parts.extend(str(value) for value in (reader.metadata or {}).values())
            xmp = reader.xmp_metadata
            if xmp is not None:
                parts.append(xmp.stream.get_data().decode("utf-8", errors="replace"))
            for page in reader.pages:
                parts.append(page.extract_text() or "")
                for annotation in page.get("/Annots") or []:
                    action = annotation.get_object().get("/A")
                    if action is not None and action.get_object().get("/URI"):
                        parts.append(str(action.get_object()["/URI"]))
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        return None
    return parts


# Keys of a PDF's objects that lead away from what an annotation or the document catalogue says
# (to the page, the fonts, the parent), not into it.
_NOT_FOLLOWED = frozenset({"/Parent", "/P", "/Resources", "/Font", "/Dest", "/D", "/Pages", "/StructParent",
                           "/StructTreeRoot", "/Outlines", "/Metadata", "/IRT", "/ColorSpace", "/XObject", "/Dests"})
_CATALOGUE_PARTS = ("/Names", "/AcroForm", "/OpenAction", "/AA", "/Collection", "/Threads", "/PageLabels")
_MAX_OBJECTS = 200_000


def _hidden_parts(reader: Any, root: Any, attached: Callable[[str, bytes], list[str]],
                  bytes_texts: Callable[[bytes], list[str]]) -> list[str]:
    """Every string in the pages' annotations (comments, pop-ups, form fields, file attachments, their
    appearance streams) and in the catalogue's name trees, forms and actions (attached files,
    JavaScript); every attached file read through ``attached``."""
    from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, StreamObject, TextStringObject

    parts: list[str] = []
    seen: set[int] = set()
    pending: list[tuple[Any, str]] = [(root.get(key), "") for key in _CATALOGUE_PARTS if root.get(key) is not None]
    for page in reader.pages:
        if page.get("/Annots") is not None:
            pending.append((page["/Annots"], ""))
    while pending and len(seen) < _MAX_OBJECTS:
        item, name = pending.pop()
        number = getattr(item, "idnum", None)
        if number is not None:
            if number in seen:
                continue
            seen.add(number)
        item = item.get_object()
        if isinstance(item, TextStringObject):
            parts.append(str(item))
        elif isinstance(item, ByteStringObject):
            parts += bytes_texts(bytes(item))
        elif isinstance(item, StreamObject):
            content = item.get_data()
            if item.get("/Type") == "/EmbeddedFile" or name:
                parts += attached(name or "attachment", content)
            elif item.get("/Subtype") != "/Image":           # appearance streams, JavaScript
                parts += bytes_texts(content)
            pending += [(value, "") for key, value in item.items() if key not in _NOT_FOLLOWED]
        elif isinstance(item, DictionaryObject) and item.get("/Type") not in ("/Page", "/Pages"):
            file_name = str(item.get("/UF") or item.get("/F") or "") if item.get("/EF") is not None else ""
            for key, value in item.items():
                if key == "/EF":
                    embedded = value.get_object()
                    pending += [(stream, file_name or "attachment") for stream in embedded.values()]
                elif key not in _NOT_FOLLOWED:
                    pending.append((value, ""))
        elif isinstance(item, ArrayObject):
            pending += [(value, "") for value in item]
    return parts


def _outline_titles(outlines: Any, limit: int = 1_000_000) -> Iterable[str]:
    """Every bookmark's title, read straight off the outline tree (no destination resolved)."""
    if outlines is None:
        return
    pending = [outlines.get_object().get("/First")]
    seen: set[int] = set()
    while pending and len(seen) < limit:
        node = pending.pop()
        while node is not None and len(seen) < limit:
            key = getattr(node, "idnum", None) or id(node)
            if key in seen:
                break
            seen.add(key)
            item = node.get_object()
            if item.get("/Title") is not None:
                yield str(item["/Title"])
            if item.get("/First") is not None:
                pending.append(item["/First"])
            node = item.get("/Next")
