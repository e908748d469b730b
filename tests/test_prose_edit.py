"""Which saves the live preview may patch instead of rebuilding, and what the patch gives."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from report_engine import prose_edit
from report_engine.prose_edit import Plain, patch
from report_engine.stages import preview

pytestmark = pytest.mark.unit

RAW = ("---\ntitle: Findings\n---\n# Findings {#sec-findings}\n\n"
       "The evaluators ran every task twice over the assessment window {{ cite(\"smith2024\") }}. "
       "Results held across both runs.\n\n"
       "A second paragraph says something else entirely, at some length.\n")
RENDERED = RAW.split("---\n", 2)[2].replace('{{ cite("smith2024") }}', "\x021\x03")
OUTPUT = RENDERED.replace("# Findings {#sec-findings}", "# 1 Findings {#sec-findings}").replace("\x021\x03", "[[1]](#ref)")
PLAIN = Plain(names=("helios", "helios labs"))


def edited(old: str, new: str) -> tuple[str, str] | None:
    assert old in RAW
    return patch(RAW, RAW.replace(old, new, 1), RENDERED, OUTPUT, 3, PLAIN)


def test_a_few_words_of_prose_patch_both_texts() -> None:
    texts = edited("Results held across", "Results clearly held across")
    assert texts is not None
    rendered, output = texts
    assert output == OUTPUT.replace("Results held", "Results clearly held")
    assert rendered == RENDERED.replace("Results held", "Results clearly held")


def test_a_sentence_deleted_and_a_paragraph_added() -> None:
    assert edited(" Results held across both runs.", "") is not None
    texts = edited("entirely, at some length.\n", "entirely, at some length.\n\nA new paragraph of plain text.\n")
    assert texts is not None and "A new paragraph of plain text." in texts[1]


def test_an_unchanged_save_gives_the_texts_back() -> None:
    assert patch(RAW, RAW, RENDERED, OUTPUT, 3, PLAIN) == (RENDERED, OUTPUT)


@pytest.mark.parametrize("old, new, why", [
    ("smith2024", "jones2023", "inside a template tag"),
    ("twice over", "twice {{ x }} over", "a template delimiter"),
    ("twice over", "twice {## note ##} over", "a template comment"),
    ("twice over", "twice [see](other.md) over", "a link"),
    ("twice over", "twice[^n] over", "a footnote"),
    ("twice over", "twice <b>over</b>", "HTML"),
    ("# Findings", "# Results", "a heading"),
    ("title: Findings", "title: Results", "the front matter"),
    ("something else", "something Helios Labs said", "a participant's name"),
    ("at some length.\n", "at some length.\n---\n", "a setext underline"),
    ("A second paragraph", "/// caption\nA second paragraph", "a caption block"),
])
def test_anything_but_running_text_is_rebuilt(old: str, new: str, why: str) -> None:
    assert edited(old, new) is None, why


def test_text_that_is_not_found_once_in_every_text_is_rebuilt() -> None:
    # a context around the change that stands once is enough ...
    twice = RAW + "\nThe evaluators ran every task twice over and over.\n"
    texts = patch(twice, twice.replace("ran every", "ran all", 1), RENDERED + twice[len(RAW):],
                  OUTPUT + twice[len(RAW):], 3, PLAIN)
    assert texts is not None and texts[1].count("ran all") == 1 and texts[1].count("ran every") == 1
    # ... but text a loop repeats stands twice in pass one's text, whatever the context
    line = "Each developer answered every question we asked of it.\n"
    raw = "# Loop\n\n{% for d in developers %}\n" + line + "{% endfor %}\n"
    rendered = "# Loop\n\n" + line * 2
    assert patch(raw, raw.replace("every question", "each question"), rendered, rendered, 0, PLAIN) is None
    # pass two moved or dropped it (a redaction, a condition): not in its output
    assert patch(RAW, RAW.replace("at some length", "at great length"), RENDERED,
                 OUTPUT.replace("A second paragraph says something else entirely, at some length.\n", ""),
                 3, PLAIN) is None


def test_text_inside_a_redaction_is_rebuilt() -> None:
    raw = "# Page\n\n{% call redact('helios') %}\nHidden words stand here in a long line.\n{% endcall %}\n"
    rendered = "# Page\n\n\x0e0\x0f\nHidden words stand here in a long line.\n\x0e/0\x0f\n"
    output = "# Page\n\nHidden words stand here in a long line.\n"     # an internal build keeps it
    assert patch(raw, raw.replace("stand here", "stood here"), rendered, output, 0, PLAIN) is None


def test_the_reports_own_delimiters_count() -> None:
    custom = Plain(delimiters=(("<<", ">>"), ("<%", "%>"), ("<#", "#>")))
    raw = "Words before <% if shown_in_this_build %>the changed words after it, at some length<% endif %>.\n"
    assert patch(raw, raw.replace("shown_in", "kept_in"), raw, raw, 0, custom) is None      # inside a tag
    assert patch(raw, raw.replace("changed", "<< x >>"), raw, raw, 0, custom) is None
    assert patch(raw, raw.replace("changed", "edited"), raw, raw, 0, custom) is not None   # text the tag shows
    assert prose_edit.STRUCTURAL.match("### Heading") and not prose_edit.STRUCTURAL.match("Plain text")


def test_a_newer_save_stops_the_rebuild_behind_the_preview() -> None:
    """The rebuild behind a page shown first stops at its next page when another save comes."""
    reached: list[str] = []

    def slow_rebuild() -> None:
        reached.append("started")
        while True:                     # a page at a time, as the engine's page events check
            preview.check_superseded()
            time.sleep(0.01)

    instant = preview.Instant(server=None, rebuild=slow_rebuild)
    instant.start_behind()
    time.sleep(0.1)
    behind = instant.behind
    assert behind is not None and behind.is_alive()
    started = time.perf_counter()
    instant.stop_behind()
    assert time.perf_counter() - started < 1
    assert not behind.is_alive() and reached == ["started"]
    assert not preview.SUPERSEDED.is_set()              # the next build runs to the end
    assert threading.active_count() >= 1


def test_stamps_leave_out_what_mkdocs_leaves_out(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / ".git").mkdir(parents=True)
    (docs / "page.md").write_text("# Page\n")
    (docs / ".page.md.swp").write_text("swap")
    (docs / ".git" / "index").write_text("x")
    (docs / "__pycache__").mkdir()
    (docs / "__pycache__" / "m.pyc").write_bytes(b"x")
    assert list(preview.stamps([docs])) == [(docs / "page.md").as_posix()]


def test_after_an_error_page_only_a_whole_rebuild_replaces_it(monkeypatch) -> None:
    """A rebuild that ended on the error page (shown on every page) is followed by a whole
    rebuild, never by one page shown from the last good preview beside error pages."""
    results = [False, True]
    calls: list[int] = []

    def rebuild() -> bool:
        calls.append(1)
        return results[len(calls) - 1]

    instant = preview.Instant(server=None, rebuild=rebuild)
    instant.full()
    assert instant.error_shown
    monkeypatch.setattr(preview, "HELD", [object()])     # a last good preview is held ...
    instant()                                              # ... and still the whole site is rebuilt
    assert len(calls) == 2 and not instant.error_shown


CONFIG = """site_name: A report
nav:
  - index.md
  - Sections:
      - section-1.md   # the first
  - references.md

theme:
  name: material
plugins:
  - search
"""


@pytest.mark.parametrize("after, only", [
    (CONFIG.replace("  - references.md", "  - section-2.md\n  - references.md"), True),     # a page added
    (CONFIG.replace("      - section-1.md   # the first\n", ""), True),                     # a page removed
    (CONFIG.replace("nav:\n  - index.md", "nav:\n- index.md").replace("\n  - Sections", "\n- Sections"), True),
    (CONFIG.replace("\ntheme:", "\n# a comment\n\ntheme:"), True),
    (CONFIG.replace("site_name: A report", "site_name: Another report"), False),
    (CONFIG.replace("  - search", "  - search\n  - tags"), False),
    (CONFIG.replace("\ntheme:", "\nnav_extra: 1\ntheme:"), False),    # a key that merely starts with "nav"
    (CONFIG.replace("  - references.md\n", "  - references.md\nvalidation:\n  nav:\n    omitted_files: warn\n"),
     False),                                                           # a nested "nav:" is no nav
])
def test_a_change_to_the_nav_alone_is_scoped(tmp_path: Path, after: str, only: bool) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text(after, encoding="utf-8")
    assert preview.nav_only(CONFIG, config) is only
    assert preview.nav_only(None, config) is False        # the last preview's text unknown: rebuilt whole


def test_a_server_told_of_writes_rebuilds_after_a_shorter_quiet(monkeypatch) -> None:
    from report_engine import adapter
    from report_engine.stages import preview

    class Server:
        build_delay = 0.1                  # MkDocs' own, made for polling

    monkeypatch.setattr(preview, "SERVER", [None])
    told = Server()
    monkeypatch.setattr(adapter, "use_events", lambda server: True)
    preview.serve_instantly(told, lambda: True)
    assert told.build_delay == preview.QUIET < 0.1
    polling = Server()
    monkeypatch.setattr(adapter, "use_events", lambda server: False)
    preview.serve_instantly(polling, lambda: True)
    assert polling.build_delay == 0.1


def test_the_preview_reads_ahead_only_while_the_author_reads(monkeypatch):
    """read_ahead imports the Markdown extensions at once, then waits preview.IDLE seconds before
    reading the bibliography's entries; a save in the meantime cancels that (its rebuild would
    otherwise wait for the unpickling)."""
    from types import SimpleNamespace

    from report_engine import bibtex, render_cache
    from report_engine.stages import preview as preview_module

    done: list[str] = []
    monkeypatch.setattr(preview_module, "IDLE", 0.01)
    monkeypatch.setattr(bibtex, "hold_last_parse", lambda: done.append("entries"))
    monkeypatch.setattr(render_cache, "warm", lambda config: done.append(f"markdown {config.markdown_extensions}"))
    config = SimpleNamespace(markdown_extensions=["toc"], mdx_configs={})
    saves = preview_module._SAVES[0]
    monkeypatch.setattr(preview_module.time, "sleep", lambda seconds: preview_module._SAVES.__setitem__(0, saves + 1))
    preview_module.read_ahead(saves, config)
    assert done == ["markdown ['toc']"]
    monkeypatch.setattr(preview_module.time, "sleep", lambda seconds: None)
    preview_module.read_ahead(preview_module._SAVES[0], config)
    assert done == ["markdown ['toc']", "markdown ['toc']", "entries"]


def test_warming_imports_the_sites_markdown_extensions():
    import sys
    from types import SimpleNamespace

    from report_engine import render_cache

    render_cache._WARMED.clear()
    sys.modules.pop("markdown.extensions.abbr", None)
    config = SimpleNamespace(markdown_extensions=["abbr", "pymdownx.blocks.caption"], mdx_configs={})
    render_cache.warm(config)
    assert "markdown.extensions.abbr" in sys.modules and "pymdownx.blocks.caption" in sys.modules
    sys.modules.pop("markdown.extensions.abbr")
    render_cache.warm(config)                       # once per process and settings
    assert "markdown.extensions.abbr" not in sys.modules
