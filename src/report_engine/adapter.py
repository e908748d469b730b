"""Every name the engine takes from MkDocs, in one place.

MkDocs 1.x is frozen (1.6.1 is its last release), and ProperDocs is a drop-in fork of it: the
engine uses only its public surface, and only through this module, so that what it depends on
can be read here. ``tests/test_layout.py`` checks that no other module imports ``mkdocs``.

What the engine touches, and where:

* the plugin API: ``BasePlugin``, ``event_priority``, the typed config options and
  ``base.Config`` (:mod:`report_engine.plugin`);
* ``MkDocsConfig``, read as a mapping and through its attributes; the stages edit it only in
  :mod:`report_engine.stages.configure`; ``load_config`` where a build runs in process
  (:mod:`report_engine.readthrough`, :mod:`report_engine.commands`);
* ``File.generated`` and ``Files`` (add, find, remove files) in the configure and reachability
  stages, ``File`` attributes (``src_uri``, ``url``, ``abs_src_path``, ``dest_path``, ``page``)
  where pages are read;
* ``Page`` attributes (``file``, ``title``, ``meta``, ``toc``, ``is_homepage``, ``update_date``,
  ``canonical_url``, ``content``), ``Page.read_source`` and ``Page.render`` (pages converted
  ahead, :mod:`report_engine.render_cache`), and ``AnchorLink`` for the landing page's contents;
* navigation objects (``is_page``, ``is_section``, ``children``); ``get_files``,
  ``set_exclusions`` and ``get_navigation`` to run a build as far as the passes
  (:mod:`report_engine.readthrough`: an earlier edition's snapshot, review packets);
* ``get_data`` (front matter, read as MkDocs reads it);
* the exceptions ``Abort``, ``BuildError``, ``PluginError`` (the plugin, the preview) and
  ``MkDocsException`` (review packets);
* ``mkdocs.commands.build.build`` (the audit command builds in process);
* ``File`` and ``Files`` as types (:mod:`report_engine.render_cache`);
* under ``mkdocs serve``: ``server.watch``, ``server.builder`` and ``server.root``;
* the logger of ``mkdocs build`` (:data:`BUILD_LOGGER`) and its "Building documentation to
  directory" line (:data:`BUILDING_MESSAGE`), which the plugin's log filter makes name the folder
  the site goes to rather than the staging folder it is written into (:mod:`report_engine.plugin`).
"""

from __future__ import annotations

from typing import Any

from mkdocs.commands.build import build as build_site
from mkdocs.config import base, load_config
from mkdocs.config import config_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError, MkDocsException, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils.meta import get_data

# The logger `mkdocs build` says where it writes on, and what it says.
BUILD_LOGGER = build_site.__module__
BUILDING_MESSAGE = "Building documentation to directory: "

__all__ = ["Abort", "AnchorLink", "BUILDING_MESSAGE", "BUILD_LOGGER", "BasePlugin", "BuildError", "File", "Files", "MkDocsConfig", "MkDocsException",
           "PluginError", "base", "build_site", "config_options", "event_priority", "front_matter", "generated_file",
           "get_files", "get_navigation", "load_config", "nav_pages", "set_exclusions"]


def front_matter(text: str) -> tuple[str, dict[str, Any]]:
    """A page's Markdown and its front matter, as MkDocs reads them (broken YAML reads as none)."""
    return get_data(text)


def generated_file(config: Any, src_uri: str, content: str | bytes) -> File:
    """A file the engine adds to the build (a register page, the report's BibTeX)."""
    return File.generated(config, src_uri, content=content)


def nav_pages(items: Any) -> list[tuple[Any, str]]:
    """The nav's pages in reading order, each with the title of the top-level section it is in
    ("Appendices"), or "" for a page at the top level (the PDF's contents, the social cards)."""
    found: list[tuple[Any, str]] = []

    def walk(children: Any, section: str) -> None:
        for child in children:
            if getattr(child, "is_page", False) and child.file is not None:
                found.append((child, section))
            elif getattr(child, "is_section", False):
                walk(child.children, section or str(child.title))

    walk(items, "")
    return found
