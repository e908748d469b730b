"""Where a build is written and what it may contain.

Pure functions over paths and text, used by the adapter at the right moments
of the MkDocs build: the site directory for an audience, the staging folder a
build is written to before it replaces the previous site, the confidential
marking of non-public pages and the assets that only redacted text used.
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from pathlib import Path
from typing import Iterable
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
        raw = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader) or {}
    except (OSError, yaml.YAMLError):
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


def asset_path(page_src: str, url: str) -> str | None:
    """The docs-relative file a link in ``page_src`` points at, if it is local."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or url.startswith(("#", "/")):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_src), unquote(parts.path)))
    return None if joined.startswith("..") else joined


def local_targets(page_src: str, text: str) -> set[str]:
    """Docs-relative files that a page's Markdown links to."""
    return {path for url in mdscan.link_targets(text) if (path := asset_path(page_src, url))}


def hidden_only_assets(hidden: Iterable[tuple[str, str]], visible: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Files linked from redacted text that no text the audience gets links to.

    Maps each file to the index of the first hidden text linking to it, so a
    finding can name the redaction responsible.
    """
    seen = set().union(*(local_targets(src, text) for src, text in visible))
    found: dict[str, int] = {}
    for index, (src, text) in enumerate(hidden):
        for path in local_targets(src, text) - seen:
            found.setdefault(path, index)
    return found
