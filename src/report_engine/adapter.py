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
* navigation objects (``is_page``, ``is_section``, ``children``, ``active``, ``url``), and the
  types ``Page`` and ``Section`` to tell MkDocs' own items from others' (Material's navigation
  rendered once per branch, :mod:`report_engine.nav_memo`); ``get_files``,
  ``set_exclusions`` and ``get_navigation`` to run a build as far as the passes
  (:mod:`report_engine.readthrough`: an earlier edition's snapshot, review packets);
* ``get_data`` (front matter, read as MkDocs reads it);
* the exceptions ``Abort``, ``BuildError``, ``PluginError`` (the plugin, the preview) and
  ``MkDocsException`` (review packets);
* ``mkdocs.commands.build.build`` (the audit command builds in process);
* ``File`` and ``Files`` as types (:mod:`report_engine.render_cache`);
* under ``mkdocs serve``: ``server.watch``, ``server.builder`` and ``server.root``; and, for the
  instant preview (:mod:`report_engine.stages.preview`), three things past the public surface,
  all of MkDocs 1.6.1's (frozen) serve: :func:`render_page` re-implements the dozen lines of
  ``_populate_page`` and ``_build_page`` with the public pieces they call (``get_context``, the
  plugins' page events, run one by one from ``config.plugins.events`` so that a search plugin's
  can be left out, ``Page.read_source``/``render``, ``write_file``); :func:`use_events`
  replaces the server's polling observer (its public ``observer`` attribute) with watchdog's
  event-driven one, re-registering the paths the server's ``_watched_paths`` holds; and
  :func:`hold_requests` and :func:`reload_browsers` move the server's ``_wanted_epoch`` and
  ``_visible_epoch`` under its ``_epoch_cond``, as its build loop does around a rebuild, so that
  no request sees the served folder while it is swapped and browsers reload a second time when
  the preview settles;
* the logger of ``mkdocs build`` (:data:`BUILD_LOGGER`) and its "Building documentation to
  directory" line (:data:`BUILDING_MESSAGE`), which the plugin's log filter makes name the folder
  the site goes to rather than the staging folder it is written into (:mod:`report_engine.plugin`).
"""

from __future__ import annotations

from typing import Any

import threading
import time
from pathlib import Path

from mkdocs.commands.build import build as build_site, get_context
from mkdocs.config import base, load_config
from mkdocs.config import config_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError, MkDocsException, PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Section, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import write_file
from mkdocs.utils.meta import get_data

# The logger `mkdocs build` says where it writes on, and what it says.
BUILD_LOGGER = build_site.__module__
BUILDING_MESSAGE = "Building documentation to directory: "

__all__ = ["Abort", "AnchorLink", "BUILDING_MESSAGE", "BUILD_LOGGER", "BasePlugin", "BuildError", "File", "Files", "MkDocsConfig", "MkDocsException",
           "Page", "PluginError", "Section", "base", "build_site", "config_options", "event_handlers", "event_priority", "front_matter", "generated_file",
           "get_files", "get_navigation", "hold_requests", "load_config", "nav_pages", "reload_browsers", "render_page", "set_exclusions",
           "use_events"]


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


def render_page(page: Any, config: Any, files: Any, nav: Any, env: Any, site: Path) -> Path:
    """One page built again as ``mkdocs serve`` builds it and written under ``site``; returns the file
    written. What MkDocs' ``_populate_page`` and ``_build_page`` do for a page in the preview (no
    ``--dirty``), every plugin's page events included but a search plugin's: its index is the next
    full build's to make (Material's search plugin lives across rebuilds, so an entry added here
    would stand in that build's index too)."""
    indexing = [plugin for name, plugin in config.plugins.items() if name.split("/")[-1] == "search"]

    def run(event: str, item: Any, **kwargs: Any) -> Any:
        for method in config.plugins.events[event]:
            if any(getattr(method, "__self__", None) is plugin for plugin in indexing):
                continue
            result = method(item, **kwargs)
            item = item if result is None else result
        return item

    config._current_page = page
    try:
        page = run("pre_page", page, config=config, files=files)
        page.read_source(config)
        page.markdown = run("page_markdown", page.markdown, page=page, config=config, files=files)
        page.render(config, files)
        page.content = run("page_content", page.content, page=page, config=config, files=files)
        page.active = True
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = run("page_context", context, page=page, config=config, nav=nav)
        output = run("post_page", template.render(context), page=page, config=config)
        target = site / page.file.dest_uri
        write_file(output.encode("utf-8", errors="xmlcharrefreplace"), str(target))
        return target
    finally:
        page.active = False
        config._current_page = None


def event_handlers(config: Any, events: tuple[str, ...]) -> set[str]:
    """The modules of the plugins (or hooks) that handle any of ``events`` in this build, read
    from ``config.plugins.events``: which plugins may change a page or the navigation there."""
    return {type(getattr(handler, "__self__", None)).__module__
            for event in events for handler in config.plugins.events.get(event, ())}


def use_events(server: Any) -> bool:
    """The server told of changes by the system (inotify, FSEvents, kqueue, Windows' API) instead of
    looking every half second; called before it starts watching. Only writes count: the system also
    reports files merely opened and read, which every build does. False where watchdog offers no
    such observer here (the server keeps polling)."""
    from watchdog import events
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    watched = getattr(server, "_watched_paths", None)
    refs = getattr(server, "_watch_refs", None)
    if Observer is PollingObserver or not isinstance(watched, dict) or not isinstance(refs, dict):
        return False
    if server.observer.is_alive():            # pragma: no cover - on_serve runs before the server starts
        return False
    written = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent, events.FileDeletedEvent,
               events.FileClosedEvent, events.DirCreatedEvent, events.DirMovedEvent, events.DirDeletedEvent]

    class WrittenOnly(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, event_handler: Any, path: str, *, recursive: bool = False,
                     event_filter: Any = None) -> Any:
            return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or written)

    paths = dict(watched)
    watched.clear()
    refs.clear()
    server.observer = WrittenOnly()
    for path, count in paths.items():
        for _ in range(count):
            server.watch(path)
    return True


def _timestamp() -> int:
    """A version of the served site, as MkDocs' livereload numbers them (milliseconds, monotonic)."""
    return round(time.monotonic() * 1000)


def hold_requests(server: Any) -> None:
    """The served folder is about to be replaced: requests wait until :func:`reload_browsers`, as
    they wait while the server's own build loop rebuilds."""
    condition: threading.Condition = server._epoch_cond
    with condition:
        server._wanted_epoch = _timestamp()


def reload_browsers(server: Any) -> None:
    """Browsers showing the preview reload now, as after a rebuild (``Reloading browsers``), and
    requests held by :func:`hold_requests` are answered."""
    condition: threading.Condition = server._epoch_cond
    with condition:
        server._wanted_epoch = server._visible_epoch = _timestamp()
        condition.notify_all()
