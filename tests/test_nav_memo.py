"""Material's navigation rendered once per branch and view (report_engine.nav_memo): every page of
navigations of every shape Material draws is the same, byte for byte, with and without it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from mkdocs.commands.build import get_context
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.nav import get_navigation
from mkdocs.utils import get_relative_url

from report_engine import nav_memo

pytestmark = pytest.mark.unit

URLS = ["", "index.html", "a/", "a/b/", "a/b/c/", "a/bc/", "ab/", "x/y/", "x/", "v1.2/", "v1.2/notes/", "a/b.html",
        "a/c/d.html", "top.html"]


def test_a_view_fixes_every_relative_link_into_the_branch():
    """Two pages that see a branch the same way get the same relative link to each of its pages, as
    MkDocs works links out; and pages do share views (or the memo would never be used)."""
    shared = 0
    for size in (1, 2, 3):
        for branch in itertools.combinations(URLS[2:], size):
            branch_starts = nav_memo.starts(list(branch))
            views: dict[tuple, list[str]] = {}
            for page in URLS:
                views.setdefault(nav_memo.view(nav_memo.folder_of(page), branch_starts), []).append(page)
            for pages in views.values():
                shared += len(pages) > 1
                for target in branch:
                    links = {get_relative_url(target, page) for page in pages}
                    assert len(links) == 1, (branch, pages, target, links)
    assert shared > 100


PAGES = {
    "index.md": "# Home\n\nThe landing page.\n",
    "summary.md": "# Summary\n\n## Findings\n\nText.\n\n## Method\n\nText.\n",
    "sections/index.md": "# Sections\n\nThe sections.\n",
    "sections/one.md": "# One\n\n## A part\n\nText.\n",
    "sections/two.md": "# Two\n\nText.\n",
    "sections/deeper/three.md": "# Three\n\nText.\n",
    "appendices/alpha.md": "# Alpha\n\nText.\n",
    "appendices/beta.md": "# Beta\n\nText.\n",
    "appendices/v1.2/gamma.md": "# Gamma\n\nText.\n",
}
NAV = [
    "index.md",
    {"Summary": "summary.md"},
    {"Sections": ["sections/index.md", "sections/one.md", "sections/two.md",
                  {"Deeper": ["sections/deeper/three.md", {"Elsewhere": "https://example.org/"}]}]},
    {"Appendices": ["appendices/alpha.md", "appendices/beta.md", {"Versions": ["appendices/v1.2/gamma.md"]}]},
]
FEATURES = [[], ["navigation.sections"], ["navigation.tabs"], ["navigation.tabs", "navigation.sections"],
            ["navigation.indexes", "navigation.prune"], ["navigation.expand", "toc.integrate"],
            ["navigation.indexes", "navigation.sections", "navigation.expand"]]


def site(tmp_path: Path, features: list[str], directory_urls: bool = True, override: str | None = None,
         plugins: list | None = None, nav: list | None = None):
    root = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    for path, text in PAGES.items():
        (root / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / path).write_text(text, encoding="utf-8")
    theme: dict = {"name": "material", "features": features}
    if override is not None:
        (root / "overrides" / "partials").mkdir(parents=True)
        (root / "overrides" / "partials" / "nav-item.html").write_text(override, encoding="utf-8")
        theme["custom_dir"] = "overrides"
    settings = {"site_name": "Nav", "site_url": "https://example.org/r/", "theme": theme, "nav": nav or NAV,
                "use_directory_urls": directory_urls, "plugins": plugins or []}
    (root / "mkdocs.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    files = get_files(config)
    nav = get_navigation(files, config)
    pages = [file.page for file in files.documentation_pages()]
    for page in pages:
        page.read_source(config)
        page.render(config, files)
    return config, files, nav, pages


def written(config, files, nav, pages, env) -> dict[str, str]:
    """Every page as MkDocs' _build_page renders it (its template, the page marked active)."""
    out = {}
    for page in pages:
        page.active = True
        try:
            context = get_context(nav, files.documentation_pages(), config, page)
            out[page.file.src_uri] = env.get_template("main.html").render(context)
        finally:
            page.active = False
    return out


@pytest.mark.parametrize("features", FEATURES, ids=lambda features: "+".join(features) or "plain")
@pytest.mark.parametrize("directory_urls", [True, False], ids=["folders", "files"])
def test_every_page_is_the_same_with_the_memo(tmp_path, features, directory_urls):
    config, files, nav, pages = site(tmp_path, features, directory_urls)
    plain = written(config, files, nav, pages, config.theme.get_env())
    env = config.theme.get_env()
    assert nav_memo.install(env, config)
    routed = written(config, files, nav, pages, env)
    assert routed == plain
    assert env.globals[nav_memo.GLOBAL].reused > len(pages)
    assert "md-nav__link--active" in routed["sections/one.md"] and 'href="https://example.org/"' in routed["sections/deeper/three.md"]


@pytest.mark.parametrize("directory_urls", [True, False], ids=["folders", "files"])
def test_a_page_the_nav_lists_twice_is_drawn_as_current_in_both_places(tmp_path, directory_urls):
    """MkDocs makes one page object for a file listed twice and marks only its last place active:
    the branch of its first place holds the page being written though it is not active."""
    twice = [{"First": ["summary.md", "sections/one.md"]}, {"Again": ["summary.md"]}, "index.md", "sections/two.md",
             "appendices/alpha.md"]
    config, files, nav, pages = site(tmp_path, ["navigation.sections"], directory_urls, nav=twice)
    order = ["summary.md", "sections/two.md", "sections/one.md", "index.md", "appendices/alpha.md"]
    pages = sorted((page for page in pages if page.file.src_uri in order), key=lambda page: order.index(page.file.src_uri))
    plain = written(config, files, nav, pages, config.theme.get_env())
    env = config.theme.get_env()
    assert nav_memo.install(env, config)
    assert written(config, files, nav, pages, env) == plain
    assert plain["summary.md"].count('type="checkbox" id="__toc"') == 2


def test_a_forgotten_memo_renders_a_changed_title_afresh(tmp_path):
    """The preview renders with the last preview's environment: forget() drops what it rendered."""
    config, files, nav, pages = site(tmp_path, [])
    env = config.theme.get_env()
    assert nav_memo.install(env, config)
    written(config, files, nav, pages, env)
    beta = next(page for page in pages if page.file.src_uri == "appendices/beta.md")
    beta.title = "Beta, renamed"
    nav_memo.forget(env)
    assert "Beta, renamed" in written(config, files, nav, pages[:1], env)["index.md"]


def test_an_override_of_the_navigation_or_an_unknown_plugin_is_left_alone(tmp_path):
    override = '{% macro render(nav_item, path, level, parent) %}<li>{{ page.title }}</li>{% endmacro %}\n'
    config, files, nav, pages = site(tmp_path, [], override=override)
    env = config.theme.get_env()
    assert not nav_memo.install(env, config)
    assert nav_memo.GLOBAL not in env.globals

    class Watcher:
        def on_page_context(self, context, **kwargs):
            return context

    config, files, nav, pages = site(tmp_path, [])
    config.plugins.events["page_context"].append(Watcher().on_page_context)
    env = config.theme.get_env()
    assert not nav_memo.install(env, config)
    config.plugins.events["page_context"].pop()
    assert nav_memo.install(env, config)
    assert not nav_memo.install(env, config)        # never routed twice
