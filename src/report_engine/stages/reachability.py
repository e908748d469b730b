"""Stage three, reachability: publish what the audience's pages reach, and nothing else.

Every page is converted by now, so we know what each one links to. Pages the audience's text
does not reach (decided in pass two) and files under docs/ that no published page, stylesheet
or declaration reaches are taken out of the build (not written, indexed or listed in the
sitemap); each is named once in the log. Every file that stays and is copied as it is, from
docs/ or the report's ``overrides/``, is checked: no ``!private`` data, no link out of its
folder, no binary type the leak audit cannot read.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import posixpath
from pathlib import Path
from typing import Any

from .. import mdscan, outputs, published
from ..errors import ReportError
from ..session import Session
from ..settings import Settings
from ..sources import Location
from .withheld import hidden_texts

log = logging.getLogger("mkdocs.plugins.report")

# Files a site serves at its root for browsers, crawlers and hosts, which no page links to.
WELL_KNOWN_FILES = ("robots.txt", "favicon.ico", "CNAME", ".nojekyll", "humans.txt", "ads.txt", "security.txt",
                    ".well-known/security.txt")


@dataclasses.dataclass(frozen=True)
class Reach:
    """What the build publishes besides its pages, and what it leaves out."""

    theme_outputs: frozenset[str]        # site paths of the theme's own files (scripts, styles)
    media_files: tuple[str, ...]         # docs-relative files beside the pages, for the audit
    withheld_assets: tuple[tuple[str, Location], ...]    # files only withheld text names, and where
    binary_files: tuple[str, ...]        # binary_files: globs (published.py)


def reach(settings: Settings, session: Session, config: Any, files: Any, report: Any, report_file: str) -> Reach:
    """Take out of ``files`` what the audience's pages do not reach; check what stays."""
    docs_dir = settings.docs_dir
    ours = [f for f in files if f.abs_src_path and Path(os.path.abspath(f.abs_src_path)).is_relative_to(docs_dir)]
    # Only what installed packages ship (Material, the engine's theme folder) is the theme's; the
    # report's own overrides/ folder (scripts and styles extra_javascript and extra_css name) is
    # report content, audited as such, its words searched for names too.
    custom = Path(config.theme.custom_dir).resolve() if config.theme.custom_dir else None
    overrides = [f for f in files if f.abs_src_path and custom is not None and not f.is_documentation_page()
                 and Path(os.path.abspath(f.abs_src_path)).is_relative_to(custom)]
    report_files = {id(f) for f in [*ours, *overrides]}
    theme_outputs = frozenset(f.dest_uri for f in files if f.abs_src_path and id(f) not in report_files
                              and not f.is_documentation_page())
    binary = outputs.binary_files(report, report_file, [docs_dir, *([custom] if custom else [])])
    media = {f.src_uri: f for f in ours if not f.is_documentation_page()}
    reached, linked = reached_files(session, config, ours, media)
    hidden, sources = hidden_texts(session, settings.audience)
    # A file declared for publication (extra_files, often a glob) that only withheld text points at
    # goes with that text: the declaration is not a reason to publish a redaction's file.
    declared_only = {src: media[src].url for src in reached if src in session.declared_files and src not in linked}
    for src in sorted(outputs.withheld_assets(declared_only, hidden, set())):
        reached.discard(src)
        log.info(f"{src} is listed in extra_files, but only text the {settings.audience} build leaves out links to it")
    for src in sorted(reached):
        check_copied_file(settings, binary, Path(docs_dir, src), src)
    for file in overrides:
        check_copied_file(settings, binary, Path(str(file.abs_src_path)), file.src_uri, custom)
    named = outputs.withheld_assets({src: media[src].url for src in media if src not in reached}, hidden, set())
    withheld = tuple((src, sources[index]) for src, index in sorted(named.items()))
    named.update(outputs.withheld_assets({src: session.pages[src].url for src in session.withheld_pages},
                                         hidden, set()))
    docs = config.docs_dir.rstrip("/").rsplit("/", 1)[-1]
    for file in ours:
        src = file.src_uri
        if (src in media and src not in reached) or (file.is_documentation_page() and src in session.withheld_pages):
            files.remove(file)
            why = "only redacted text links to it" if src in named else "nothing it publishes links to it"
            log.info(f"{docs}/{src} is not in the {settings.audience} build: {why}")
    return Reach(theme_outputs, tuple(sorted(media)), withheld, tuple(binary))


def reached_files(session: Session, config: Any, ours: list[Any], media: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The files beside the pages that the published pages' HTML, the declarations and the
    stylesheets among them reach; and those the pages' HTML links to."""
    by_url: dict[str, str] = {}
    for src, file in media.items():
        by_url.setdefault(file.url, src)
        by_url.setdefault(src, src)
    linked: set[str] = set()               # what the published pages' HTML points at
    for file in ours if by_url else []:        # no files beside the pages: nothing to look for
        if file.is_documentation_page() and file.src_uri in session.reachable and file.page is not None:
            linked |= {by_url[p] for p in outputs.html_references(file.url, file.page.content or "") if p in by_url}
    declared = session.declared_files | theme_files(config)
    reached = linked | {src for src in media if src in declared}
    queue = [src for src in reached if src.endswith(".css")]
    while queue:                        # stylesheets bring the files their url() names
        css = media[queue.pop()]
        for url in mdscan.html_urls(Path(str(css.abs_src_path)).read_text(encoding="utf-8", errors="replace")):
            path = outputs.site_path(css.url, url)
            if path in by_url and by_url[path] not in reached:
                reached.add(by_url[path])
                if path.endswith(".css"):
                    queue.append(by_url[path])
    return reached, linked


def theme_files(config: Any) -> set[str]:
    """Files under docs/ that mkdocs.yml and the theme declare: styles, scripts, logo, favicon."""
    declared = [str(getattr(item, "path", item)) for item in [*config["extra_css"], *config["extra_javascript"]]]
    theme = config["theme"]
    declared += [str(theme[key]) for key in ("logo", "favicon") if key in theme and theme[key]]
    return {posixpath.normpath(path.lstrip("/")) for path in declared if "://" not in path} | set(WELL_KNOWN_FILES)


def check_copied_file(settings: Settings, binary: list[str], path: Path, src: str, root: Path | None = None) -> None:
    """Files MkDocs copies as they are (from docs/, or the theme overrides ``root``) must not bring
    non-public data with them, nor be of a type the leak audit cannot read whole."""
    root = root or settings.docs_dir
    project = settings.project_dir
    folder = os.path.relpath(root, project) if root.is_relative_to(project) else str(root)
    display = f"{Path(folder).as_posix()}/{src}"
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        raise ReportError(f"this file links to a file outside {Path(folder).as_posix()}/, which MkDocs would "
                          "publish as it is", display, None, "copy into docs/ only what may be published")
    if path.suffix in (".yml", ".yaml") and "!private" in path.read_text(encoding="utf-8", errors="replace"):
        raise ReportError("this data file holds !private values and would be published as it is",
                          display, None, "keep data in data/, outside docs/")
    if not published.declared_binary(src, binary) and not published.readable(path.read_bytes(), src):
        raise ReportError("a binary file of a type the leak audit cannot read would be published as it is",
                          display, None, "publish it as a type the audit reads (text, image, PDF, office "
                          "document, zip), or declare it in binary_files: in data/report.yml to have it "
                          "searched as bytes")
