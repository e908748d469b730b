"""Markdown → HTML for a page, remembered by what the conversion reads (an adapter to MkDocs 1.6).

MkDocs converts every page's Markdown on every build, and on every save under ``mkdocs serve``:
at 300 pages this is about a third of a build. The conversion is a function of

* the page's final Markdown (after the engine and every other plugin are done with it);
* the page's own place (source path, address, whether it is excluded);
* the Markdown extensions and their settings, the versions of the packages that implement them,
  and MkDocs' link settings (``use_directory_urls``, ``validation``);
* the documentation files its links and images name: MkDocs looks each one up by path.

A page whose conversion matches an earlier one on all of these gets that conversion's HTML,
contents, title and anchors back. The first three make up the key; the looked-up files are
recorded during the conversion and compared with the current build's files before an entry is
used, so a link to a page that one audience has and another has not is resolved afresh. Pages
are shared this way between audiences, between builds, and across the rebuilds of a preview.

A conversion that logs anything (a broken link, a missing anchor) is never stored, so every build
says it again. The cache is on only when every extension is one known to read nothing but the page
(:data:`PURE_PREFIXES`); with any other extension the build converts every page itself.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .adapter import File, Files

from . import caches

log = logging.getLogger("mkdocs.plugins.report.render_cache")

# Extensions known to read nothing but the page's text and their settings. pymdownx.snippets
# (includes files) and pymdownx.b64 (embeds images) read files: the engine refuses them
# (inputs.py), and were one let through, a report using it would convert every page itself.
PURE_PREFIXES = ("markdown.extensions.", "pymdownx.", "material.extensions.")
PURE_SHORT = {"abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
              "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists",
              "smarty", "tables", "toc", "wikilinks"}
IMPURE = {"pymdownx.snippets", "pymdownx.b64"}
PACKAGES = ("mkdocs", "properdocs", "markdown", "pymdown-extensions", "mkdocs-material", "pygments")
MEMORY_LIMIT = 64 * 2**20      # bytes of conversions a preview keeps in memory across its rebuilds
_MEMORY: OrderedDict[str, bytes] = OrderedDict()
_HELD = [0]                    # bytes in _MEMORY


@dataclass
class Conversion:
    """What MkDocs' ``Page.render`` leaves on a page, and the file lookups it made."""
    lookups: dict[str, tuple[str, str, bool] | None]     # path -> (source, address, excluded) or none
    content: str
    toc: Any
    title: str | None                                    # none when the nav or front matter names the page
    anchors: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None   # by the linked file's source path


def pure(extension: Any) -> bool:
    if not isinstance(extension, str):
        return False                  # an Extension object: what it reads is unknown
    name = extension.split(":", 1)[0]
    if name in IMPURE:
        return False
    return name in PURE_SHORT or name.startswith(PURE_PREFIXES)


def stable(value: Any) -> str:
    """A representation of settings that is the same in every process (functions by name)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{stable(k)}:{stable(v)}" for k, v in sorted(value.items(), key=lambda i: str(i[0]))) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "[" + ",".join(stable(v) for v in items) + "]"
    if callable(value):
        return f"<{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}>"
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    text = repr(value)
    return text if " at 0x" not in text else f"<{type(value).__module__}.{type(value).__qualname__}>"


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    found = []
    for package in PACKAGES:
        try:
            found.append(f"{package}={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{package}=-")
    return ";".join(found)


def context_of(config: Any) -> str | None:
    """The settings every page's conversion depends on, as a digest; None when the cache must be off."""
    extensions = list(config["markdown_extensions"])
    if not all(pure(extension) for extension in extensions):
        return None
    return caches.digest("markdown", _versions(), stable(extensions), stable(config["mdx_configs"] or {}),
                         stable(config["use_directory_urls"]), stable(config["validation"]),
                         str(logging.getLogger("mkdocs").getEffectiveLevel()))    # what a conversion may say


class _Capture(logging.Handler):
    """Notes whether anything was logged at INFO or above while a page was converted."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.said = False

    def emit(self, record: logging.LogRecord) -> None:
        self.said = True


class _Recording(Files):
    """The build's files, noting every lookup by path (all a conversion asks of them)."""

    def __init__(self, files: Files) -> None:
        super().__init__(list(files))    # the same files: anything else asked of them is answered alike
        self.original = files
        self.lookups: dict[str, tuple[str, str, bool] | None] = {}

    def get_file_from_path(self, path: str) -> File | None:
        found = self.original.get_file_from_path(path)
        self.lookups[path] = _identity(found)
        return found


def _identity(file: Any) -> tuple[str, str, bool] | None:
    return None if file is None else (file.src_uri, file.url, bool(file.inclusion.is_excluded()))


class PageRenders:
    """Conversions of one build, read from and written to the ``pages`` cache (caches.py)."""

    def __init__(self, project_dir: Path, config: Any, serving: bool = False) -> None:
        self.store = caches.Store(project_dir, "pages")
        self.config = config
        self.serving = serving          # a preview's rebuilds read conversions from memory, not disk
        self.hits = 0
        self.misses = 0
        self.used: set[str] = set()
        self.stopped = False            # stop(): the build is over, its pages are converted afresh

    @functools.cached_property
    def context(self) -> str | None:
        """Read when the first page is converted: every plugin has settled the configuration by then."""
        return context_of(self.config)

    @property
    def on(self) -> bool:
        return not self.stopped and self.context is not None

    def attach(self, page: Any) -> None:
        """Have MkDocs' conversion of ``page`` go through the cache (it calls ``page.render`` next)."""
        if self.on:
            original = page.render
            page.render = lambda config, files: self.render(page, original, config, files)

    def stop(self, pages: Any) -> None:
        """No more conversions through the cache for this build, and MkDocs' own for ``pages`` again:
        the live preview renders pages of a finished build again, whose titles (set on the pages by
        then) would make a conversion it stored read as titled by the nav."""
        self.stopped = True
        for page in pages:
            vars(page).pop("render", None)

    def key(self, page: Any) -> str:
        file = page.file
        return self.store.key(str(self.context), file.src_uri, file.url, str(bool(file.inclusion.is_excluded())),
                              page.markdown or "")

    def known(self, page: Any) -> bool:
        """Whether a conversion of ``page`` as it now reads is remembered (its files not yet compared)."""
        key = self.key(page)
        return key in _MEMORY or self.store.has(key, ".pickle")

    def render(self, page: Any, original: Any, config: Any, files: Any) -> None:
        key = self.key(page)
        found = self._load(key)
        if found is not None and all(_identity(files.get_file_from_path(path)) == seen
                                     for path, seen in found.lookups.items()):
            page.content = found.content
            page.toc = found.toc
            if found.title is not None:
                page.title = found.title
            page.present_anchor_ids = found.anchors
            if found.links_to_anchors is not None:
                page.links_to_anchors = {files.get_file_from_path(source): anchors
                                         for source, anchors in found.links_to_anchors.items()}
            self.hits += 1
            self.used.add(key)
            return
        self.misses += 1
        # The title the conversion gives the page, where nothing outranks it: the nav's title (set on
        # the page itself) and the front matter's come first, and are read afresh every build.
        titled = "title" in vars(page) or "title" in (page.meta or {})
        recording = _Recording(files)
        capture = _Capture()
        watched = [logging.getLogger("mkdocs"), logging.getLogger("properdocs"), logging.getLogger()]
        for logger in watched:
            logger.addHandler(capture)
        try:
            original(config, recording)
        finally:
            for logger in watched:
                logger.removeHandler(capture)
        if capture.said:
            return                      # said something: every build must say it again
        links = page.links_to_anchors
        conversion = Conversion(recording.lookups, page.content, page.toc, None if titled else page.title,
                                set(page.present_anchor_ids or ()),
                                None if links is None else {f.src_uri: dict(a) for f, a in links.items()})
        data = pickle.dumps(conversion, protocol=pickle.HIGHEST_PROTOCOL)
        self._remember(key, data)
        self.store.write(key, data, ".pickle")
        self.used.add(key)

    def _load(self, key: str) -> Conversion | None:
        data = _MEMORY.get(key)
        if data is not None:
            _MEMORY.move_to_end(key)
        else:
            data = self.store.read_bytes(key, ".pickle")
            if data is None:
                return None
            self._remember(key, data)
        try:
            value = pickle.loads(data)      # a fresh copy each time: pages may change what they get
        except Exception as error:          # a damaged entry only costs time
            log.debug("ignoring cached conversion %s: %s", key, error)
            return None
        return value if isinstance(value, Conversion) else None

    def _remember(self, key: str, data: bytes) -> None:
        if not self.serving:            # one build reads each conversion once: nothing to keep
            return
        if key not in _MEMORY:
            _HELD[0] += len(data)
        _MEMORY[key] = data
        _MEMORY.move_to_end(key)
        while _HELD[0] > MEMORY_LIMIT and len(_MEMORY) > 1:
            _HELD[0] -= len(_MEMORY.popitem(last=False)[1])

    def finish(self) -> None:
        """Keep the most recently used conversions: a few builds' worth of every audience."""
        if not self.on:
            return
        log.debug("markdown conversions: %d from the cache, %d converted", self.hits, self.misses)
        if self.misses:
            self.store.prune(max(self.store.keep or caches.KEEP, 8 * len(self.used)))


_WARMED: set[str] = set()     # the extension settings warm() has imported in this process


def warm(config: Any) -> None:
    """Python-Markdown and this site's extensions imported, as a page's first conversion in a process
    imports them (0.2 s with pymdownx's blocks, whose patterns compile on import): run by the
    preview while the author reads, when every page so far came from the cache. Once per process
    and settings: a module is imported once."""
    settings = repr((config.markdown_extensions, config.mdx_configs))
    if settings in _WARMED:
        return
    import markdown

    markdown.Markdown(extensions=list(config.markdown_extensions), extension_configs=dict(config.mdx_configs or {}))
    _WARMED.add(settings)
