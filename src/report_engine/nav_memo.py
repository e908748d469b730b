"""Material's site navigation, each branch rendered once for all the pages it looks the same from
(an adapter to Material's ``partials/nav.html`` and ``partials/nav-item.html``).

Material writes the whole navigation into every page: at 300 pages that is 90,000 calls of its
``render`` macro, about half of the time MkDocs spends writing pages. A branch of the
navigation that does not hold the page being written reads that page in one way only: its links
are relative to the page's folder. MkDocs works a relative link out (``get_relative_url``) from the
folder's depth and the part of the folder the link shares with it, and a link in the branch shares
with the folder exactly what the folder shares with the longest start of any link in the branch.
So a branch rendered for one page is the same, byte for byte, for every page whose folder has the
same depth and the same longest start in common with the branch; it is rendered once per such
view, within one build (:class:`Branches`).

Everything else the macro reads is the same for every page of a build: the branch's items (titles,
addresses, metadata: set before MkDocs writes any page), the theme's features, its language, its
configuration; and the macro's own arguments (the element ids' path, the level, whether the
parent is open), which are part of the key. Rendered as Material renders it, always:

* a branch holding the page (its items are marked active; and a page the nav lists twice is one
  object, marked active in its last place only, so the branch is looked for by the page itself);
* a branch with anything but MkDocs' own pages and sections in it (a link, a blog's view);
* a page with no address (Material's 404 page).

The routing is installed (:func:`install`) only where it can be exact:

* both templates are Material's own files (not a report's override of either) and hold the two
  calls that are routed (:data:`ROUTED`);
* every plugin that runs while pages are written (``page_context``, ``post_page`` and the
  template events) is one known to change no navigation item: the engine's own, mkdocs-macros,
  and the search plugins.

It lives in the theme's Jinja environment, made afresh by MkDocs for every build. The instant
preview renders pages with the last preview's environment and, for a page new to the site, a
newer build's navigation, reading each page's source (its title) just before it renders it: it
calls :func:`forget` before each page. ``tests/test_nav_memo.py`` renders
navigations of every shape Material draws with and without the routing and compares every page.
"""

from __future__ import annotations

import importlib.util
import posixpath
from pathlib import Path
from typing import Any, Callable

import jinja2

from .adapter import Page, Section, event_handlers

GLOBAL = "report_nav_branch"
# Each routed template: the call Material writes, and the same call through the memo.
ROUTED = {
    "partials/nav.html": ("{{ item.render(nav_item, path, 1) }}",
                          "{{ " + GLOBAL + "(item.render, page, nav_item, path, 1) }}"),
    "partials/nav-item.html": ('{{ render(item, path ~ "_" ~ loop.index, level + 1, nav_item) }}',
                               "{{ " + GLOBAL + '(render, page, item, path ~ "_" ~ loop.index, level + 1, nav_item) }}'),
}
# The events that run while MkDocs writes pages, and the plugins known to change no navigation item
# in them (top-level package; the search plugins by module).
WRITING_EVENTS = ("page_context", "post_page", "pre_template", "template_context", "post_template")
KNOWN_PACKAGES = {"report_engine", "mkdocs_macros"}
KNOWN_MODULES = {"material.plugins.search.plugin", "mkdocs.contrib.search", "properdocs.contrib.search"}

Folder = tuple[str, ...]


def parts(url: str) -> Folder:
    """A site path's parts, as ``posixpath.relpath`` reads them (normalised, empty parts dropped)."""
    return tuple(part for part in posixpath.normpath("/" + url).split("/") if part)


def folder_of(url: str) -> Folder:
    """The folder links on the page at ``url`` are relative to, as MkDocs' ``get_relative_url``
    takes it: the address itself, unless its last part names a file."""
    if url != ".":
        head, tail = posixpath.split(url)
        url = head if "." in tail else url
    return parts(url)


def starts(urls: list[str]) -> frozenset[Folder]:
    """Every start of every one of ``urls`` (the empty start included)."""
    return frozenset(path[:n] for url in urls for path in [parts(url)] for n in range(len(path) + 1))


def view(folder: Folder, branch_starts: frozenset[Folder]) -> tuple[int, Folder]:
    """How a page in ``folder`` sees a branch whose links start as ``branch_starts``: every relative
    link from it into the branch is fixed by these two (see the module's docstring)."""
    shared = next(folder[:n] for n in range(len(folder), -1, -1) if folder[:n] in branch_starts)
    return len(folder), shared


class Branches:
    """The branches rendered in one build, by item, the macro's arguments and the page's view."""

    def __init__(self) -> None:
        self.rendered: dict[tuple[Any, ...], Any] = {}
        # id(item) -> (the item, kept so its id is not reused; the starts of its links, or None
        # for a branch always rendered; the ids of its pages)
        self.links: dict[int, tuple[Any, frozenset[Folder] | None, frozenset[int]]] = {}
        self.page: Any = None                 # the last page asked about, and its folder
        self.folder: Folder = ()
        self.reused = 0                       # branches not rendered again (the tests read it)

    def forget(self) -> None:
        self.rendered.clear()
        self.links.clear()
        self.page, self.folder = None, ()

    def __call__(self, render: Callable[..., Any], page: Any, item: Any, path: str, level: int,
                 parent: Any = None) -> Any:
        """``render(item, path, level[, parent])``, as Material calls it, or the same branch rendered
        before for a page that sees it the same way."""
        arguments = (item, path, level) if parent is None else (item, path, level, parent)
        url = getattr(page, "url", None)
        _, branch_starts, pages = self._branch(item)
        if branch_starts is None or not isinstance(url, str) or item.active or id(page) in pages:
            return render(*arguments)
        if page is not self.page:
            self.page, self.folder = page, folder_of(url)
        key = (id(item), path, level, parent is not None and bool(parent.active), *view(self.folder, branch_starts))
        found = self.rendered.get(key)
        if found is None:
            found = self.rendered[key] = render(*arguments)
        else:
            self.reused += 1
        return found

    def _branch(self, item: Any) -> tuple[Any, frozenset[Folder] | None, frozenset[int]]:
        """The item, the starts of its branch's links (None: always rendered), its pages' ids."""
        known = self.links.get(id(item))
        if known is None:
            known = self.links[id(item)] = self._make_branch(item)
        return known

    def _make_branch(self, item: Any) -> tuple[Any, frozenset[Folder] | None, frozenset[int]]:
        if type(item) is Page:
            return item, starts([item.url]), frozenset({id(item)})
        if type(item) is not Section:
            return item, None, frozenset()
        found: frozenset[Folder] = frozenset()
        pages: frozenset[int] = frozenset()
        for child in item.children:
            _, child_starts, child_pages = self._branch(child)
            if child_starts is None:
                return item, None, frozenset()
            found, pages = found | child_starts, pages | child_pages
        return item, found, pages


class RoutingLoader(jinja2.BaseLoader):
    """The theme's loader, with Material's two navigation templates calling through the memo."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        if template in ROUTED:
            written, routed = ROUTED[template]
            source = source.replace(written, routed)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def material_templates() -> Path | None:
    spec = importlib.util.find_spec("material")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return (Path(locations[0]) / "templates").resolve() if locations else None


def routable(env: jinja2.Environment) -> bool:
    """Whether both navigation templates this environment loads are Material's own, with the calls."""
    own = material_templates()
    if own is None or env.loader is None or isinstance(env.loader, RoutingLoader):
        return False
    for template, (written, _) in ROUTED.items():
        try:
            source, filename, _uptodate = env.loader.get_source(env, template)
        except jinja2.TemplateNotFound:
            return False
        if filename is None or not Path(filename).resolve().is_relative_to(own) or written not in source:
            return False
    return True


def known_plugins(config: Any) -> bool:
    """Whether only plugins known to leave navigation items alone run while pages are written."""
    return all(module.split(".")[0] in KNOWN_PACKAGES or module in KNOWN_MODULES
               for module in event_handlers(config, WRITING_EVENTS))


def install(env: jinja2.Environment, config: Any) -> bool:
    """Route this build's navigation through a fresh memo, where it can be exact (see the module)."""
    if not (routable(env) and known_plugins(config)):
        return False
    env.loader = RoutingLoader(env.loader)       # type: ignore[arg-type]  # routable() checked it is set
    env.globals[GLOBAL] = Branches()
    return True


def forget(env: Any) -> None:
    """The memo of this environment, emptied: its pages are about to be rendered with another state."""
    branches = getattr(env, "globals", {}).get(GLOBAL)
    if isinstance(branches, Branches):
        branches.forget()
