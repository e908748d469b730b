"""Where a build is written and what it may contain.

Pure functions over paths and text, used by the adapter at the right moments
of the MkDocs build: the site directory for an audience, the staging folder a
build is written to before it replaces the previous site, the confidential
marking of non-public pages and the assets that only redacted text used, and
the engine's own pages outside the theme (not found, withdrawn, preview error).
"""

from __future__ import annotations

import copy
import functools
import html
import posixpath
import re
import shutil
from pathlib import Path
from typing import AbstractSet
from urllib.parse import unquote, urlsplit

import yaml

from . import mdscan
from .audience import Audience
from .errors import ReportError

PRIVATE_ROOT = "site-private"


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for plain settings, ignoring ``!!python/name`` and ``!ENV`` tags."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def mkdocs_settings(config_file: Path) -> dict:
    """The plain settings of mkdocs.yml as written (before any command-line override)."""
    try:
        text = config_file.read_text(encoding="utf-8")
    except OSError:
        return {}
    return copy.deepcopy(_settings_of(text))


@functools.lru_cache(maxsize=4)
def _settings_of(text: str) -> dict:
    """mkdocs.yml's text read (a preview's rebuilds read the same text again: 35 ms of YAML at 300
    pages); callers get copies."""
    try:
        raw = yaml.load(text, Loader=_LenientLoader) or {}
    except yaml.YAMLError:
        raw = {}
    return raw if isinstance(raw, dict) else {}


def configured_site_dir(config_file: Path) -> Path:
    """The public site directory as mkdocs.yml sets it (``site`` by default)."""
    return (config_file.parent / (mkdocs_settings(config_file).get("site_dir") or "site")).resolve()


def site_dir_for(audience: Audience, requested: Path, public: Path, project_dir: Path,
                 draft: bool = False) -> Path:
    """Non-public builds, and courtesy drafts of any audience, never write into the public site directory."""
    requested, public = requested.resolve(), public.resolve()
    if audience.is_public and not draft:
        return requested
    slug = f"draft-{audience.slug}" if draft else audience.slug
    what = f"courtesy draft of the {audience} report" if draft else f"{audience} build"
    if requested == public:
        return (project_dir / PRIVATE_ROOT / slug).resolve()
    if public in requested.parents:
        raise ReportError(f"a {what} may not be written inside the public site directory {public}",
                          "mkdocs build -d", None, f"build it to {project_dir / PRIVATE_ROOT / slug}")
    return requested


def staging_dir(final: Path) -> Path:
    return final.with_name(f".{final.name}.staging")


def promote(staging: Path, final: Path) -> None:
    """Replace ``final`` with the finished ``staging`` folder, keeping the old one until the swap."""
    previous = final.with_name(f".{final.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if final.exists():
        final.rename(previous)
    staging.rename(final)
    if previous.exists():
        shutil.rmtree(previous)


def discard(staging: Path) -> None:
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


HEAD_OPEN = re.compile(r"<head[^>]*>", re.I)
BODY_OPEN = re.compile(r"<body[^>]*>", re.I)
ROBOTS = re.compile(r"<meta[^>]+name=[\"']robots[\"'][^>]*>", re.I)


def mark_confidential(page_html: str, banner: str) -> str:
    """``noindex`` in the head and a banner at the top of the body, exactly once."""
    page_html = ROBOTS.sub("", page_html)
    meta = '<meta name="robots" content="noindex, nofollow, noarchive">'
    page_html = HEAD_OPEN.sub(lambda m: m.group(0) + meta, page_html, count=1)
    if "data-report-banner" not in page_html:
        block = f'<div class="report-banner" data-report-banner role="note">{html.escape(banner)}</div>'
        page_html = BODY_OPEN.sub(lambda m: m.group(0) + block, page_html, count=1)
    return page_html


REFERENCE_USE = re.compile(r"\]\[([^\]]+)\]|!\[([^\]]+)\](?![\[(])")


def site_path(page_url: str, url: str) -> str | None:
    """The site-relative path a URL in a page at ``page_url`` points to, if it is local."""
    parts = urlsplit(html.unescape(url.strip()))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return path.lstrip("/")
    base = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url) + "/"
    joined = posixpath.normpath(posixpath.join(base, path))
    return None if joined.startswith("..") else joined


def html_references(page_url: str, page_html: str) -> set[str]:
    """Every local path a page's HTML refers to: links, images, ``srcset``, object data, posters, CSS ``url()``."""
    return {path for url in set(mdscan.html_urls(page_html)) if (path := site_path(page_url, url))}


def declared_files(report: dict, docs_dir: Path, report_file: str) -> set[str]:
    """The files ``extra_files`` in data/report.yml publishes though no page links them (data a
    script fetches, a download announced elsewhere): docs-relative paths or glob patterns."""
    patterns = report.get("extra_files")
    if patterns is None:
        return set()
    line = report.line_of("extra_files") if hasattr(report, "line_of") else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ReportError("extra_files must be a list of paths under docs/", report_file, line,
                          "write extra_files: [data/chart.json, downloads/*.csv]")
    found: set[str] = set()
    for index, pattern in enumerate(patterns):
        where = patterns.item_lines[index] if hasattr(patterns, "item_lines") else line
        matches = [p for p in docs_dir.glob(pattern.lstrip("/")) if p.is_file()] if pattern.strip() else []
        if not matches:
            raise ReportError(f"extra_files: '{pattern}' matches no file under docs/", report_file, where,
                              "give a path relative to docs/, e.g. data/chart.json or downloads/*.csv")
        found |= {p.relative_to(docs_dir).as_posix() for p in matches}
    return found


def binary_patterns(report: dict, report_file: str | None = None) -> list[str]:
    """The globs of ``binary_files`` in data/report.yml: published files of types the leak audit
    cannot read whole, which it then searches as bytes (any other such file stops the build)."""
    patterns = report.get("binary_files")
    if patterns is None:
        return []
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p.strip() for p in patterns):
        line = report.line_of("binary_files") if hasattr(report, "line_of") else None
        raise ReportError("binary_files must be a list of paths or globs under docs/ or overrides/", report_file,
                          line, "write binary_files: [models/weights.bin, figures/*.fig]")
    return [p.strip().lstrip("/") for p in patterns]


def binary_files(report: dict, report_file: str, folders: list[Path]) -> list[str]:
    """``binary_files`` checked: each glob a string that matches a file under docs/ or the theme
    overrides (a stale declaration is named, as ``extra_files`` names one)."""
    patterns = binary_patterns(report, report_file)
    raw = report.get("binary_files")
    line = report.line_of("binary_files") if hasattr(report, "line_of") else None
    for index, pattern in enumerate(patterns):
        lines = getattr(raw, "item_lines", None)
        where = lines[index] if lines else line
        if not any(p.is_file() for folder in folders if folder.is_dir() for p in folder.glob(pattern)):
            raise ReportError(f"binary_files: '{pattern}' matches no file under docs/ or overrides/", report_file,
                              where, "give a path relative to docs/ (or overrides/), e.g. models/weights.bin")
    return patterns


def reference_targets(hidden: str, page_text: str) -> list[str]:
    """URLs of reference-style links and images used in ``hidden`` but defined anywhere on the page."""
    labels = {(a or b).lower() for a, b in REFERENCE_USE.findall(hidden)}
    return [m.group("url") for m in mdscan.REF_DEF.finditer(page_text)
            if m.group(0).split("]", 1)[0].strip().lstrip("[").lower() in labels]


TARGET_BEFORE = r"""(?:[/"'=(<]|\]:[ \t]*)"""     # a folder, a quote, '=', '(', '<' or a reference definition
TARGET_AFTER = r"""(?=$|[\s"')>#?,])"""


def named_as_target(name: str, text: str) -> bool:
    """Is ``name`` used as a link or file target in ``text`` (not just a word in a sentence)?"""
    pattern = re.compile(TARGET_BEFORE + re.escape(name) + TARGET_AFTER, re.M)
    return bool(pattern.search(text) or pattern.search(html.unescape(unquote(text))))


def withheld_assets(media: dict[str, str], hidden: list[str], visible: set[str]) -> dict[str, int]:
    """Files named in redacted text that no page the audience gets refers to.

    ``media`` maps each non-page file under docs/ to its URL; ``hidden`` holds
    the redacted texts (with the targets of their reference-style links);
    ``visible`` the paths the audience's pages refer to. Matching by file name
    catches every way Markdown or HTML can point at a file. Each withheld file
    maps to the first hidden text naming it, so a finding can name the
    redaction responsible.
    """
    found: dict[str, int] = {}
    for src, url in media.items():
        if url in visible or src in visible:
            continue
        for index, text in enumerate(hidden):
            if named_as_target(posixpath.basename(src), text):
                found[src] = index
                break
    return found


TABLE = re.compile(r"<table>.*?</table>", re.S)
WIDE_COLUMNS = 6          # a table with this many columns gets room (desktop) or turns into cards (phone)
PROSE_CELL = 50           # characters of text that make a cell a paragraph rather than a value


def wide_tables(page_html: str) -> str:
    """Wide tables marked for the theme: each cell labelled with its column (cards on a narrow
    screen), cells of running text given room to breathe. Other tables are left as they are."""
    if "<table>" not in page_html:
        return page_html

    def mark(match: re.Match) -> str:
        import lxml.html

        table = lxml.html.fragment_fromstring(match.group(0))
        heads = [" ".join(th.text_content().split()) for th in table.xpath("./thead/tr[1]/th")]
        if len(heads) < WIDE_COLUMNS:
            return match.group(0)
        table.set("data-report-wide", "")      # an attribute, not a class: Material styles tables without one
        for row in table.xpath("./tbody/tr"):
            for label, cell in zip(heads, row.xpath("./td")):
                if label:
                    cell.set("data-label", label)
                if len(" ".join(cell.text_content().split())) > PROSE_CELL:
                    cell.set("data-report-prose", "")
        # lxml's HTML 4 parser does not know <wbr> is empty: it closes it, and browsers ignore that.
        return lxml.html.tostring(table, encoding="unicode").replace("</wbr>", "")
    return TABLE.sub(mark, page_html)


def standalone_page(title: str, style: str, body: str) -> str:
    """A page of the engine's own, outside the theme (a not-found page, a withdrawal notice, the
    preview's error page): not indexed, nothing fetched beyond itself. ``title`` is text; ``style``
    is CSS; ``body`` is HTML ending with a newline."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="robots" content="noindex">\n'
            f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def up_to_root(page_url: str) -> str:
    """The relative path from a page's URL to the site's root ("../" per folder level)."""
    folder = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    return "../" * len([part for part in folder.split("/") if part])


def prune_nav(nav: list, paths: AbstractSet[str]) -> list:
    """``nav`` (as mkdocs.yml writes it) without the entries of ``paths``, and without sections left empty."""
    kept: list = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) and len(entry) == 1 else entry
        if isinstance(value, str) and value.lstrip("/") in paths:
            continue
        if isinstance(value, list):
            inner = prune_nav(value, paths)
            if not inner:
                continue
            entry = {next(iter(entry)): inner}
        kept.append(entry)
    return kept
