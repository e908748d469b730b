"""Work done ahead on another core (ahead.py): a helper fills caches, the build never depends on it.

In process (a helper is a forked process, never a command); builds with and without helpers are
compared in test_ahead_builds.py.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from report_engine import ahead, caches

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("helpers_on")]


def test_the_helper_works_from_the_end_and_stops_where_the_build_has_been(tmp_path):
    store = caches.Store(tmp_path, "test")               # a helper writes only through the cache layer
    items = [f"item-{n}" for n in range(10)]
    for name in items[:4]:                          # the build has made the first four
        store.write(name, b"build")
    helper = ahead.Helper("test", items, store.has, lambda name: store.write(name, b"helper"))
    assert helper.process is not None
    helper.process.join(timeout=30)
    helper.stop()
    made = {path.name: path.read_text() for path in store.folder.iterdir()}
    assert made == {**{name: "build" for name in items[:4]}, **{name: "helper" for name in items[4:]}}


def test_a_stopped_helper_finishes_the_item_in_hand_and_no_more(tmp_path):
    store = caches.Store(tmp_path, "test")

    def slow(name: str) -> None:
        time.sleep(0.3)
        store.write(name, b"helper")

    helper = ahead.Helper("test", [f"item-{n}" for n in range(50)], lambda name: False, slow)
    time.sleep(0.5)
    helper.stop()
    made = sorted(path.name for path in store.folder.iterdir())
    assert 1 <= len(made) < 50
    assert not [name for name in made if name.endswith(".tmp")]
    settled = len(made)
    time.sleep(0.6)
    assert len(list(store.folder.iterdir())) == settled, "nothing is written after stop()"


def test_no_helper_when_asked_for_none(monkeypatch, tmp_path):
    monkeypatch.setenv(ahead.HELPERS_ENV, "0")
    helper = ahead.Helper("test", ["a"], lambda name: False, lambda name: (tmp_path / name).write_text("x"))
    assert helper.process is None
    helper.stop()
    assert not list(tmp_path.iterdir())


def test_the_audit_finds_the_same_with_a_helper(tmp_path):
    """A helper audits from the last file back and marks clean files; every finding is still found, and
    the files remembered as clean are the same."""
    from report_engine import audit
    from report_engine.caches import CleanFiles
    from report_engine.sources import Location

    site = tmp_path / "site"
    secret = "helios trained its largest model in the iowa datacenter"
    for number in range(60):
        text = f"<p>Page {number} about oversight.</p>"
        if number in (0, 31, 59):                    # the first, one in the middle, the last
            text += "<p>Helios trained its largest model in the Iowa datacenter.</p>"
        (site / f"page-{number:02}").mkdir(parents=True)
        (site / f"page-{number:02}" / "index.html").write_text(f"<html><body>{text}</body></html>", encoding="utf-8")
    prints = [audit.Fingerprint("redacted text", secret, Location("docs/index.md", 3))]
    outcomes = []
    for helper in (True, False):
        memo = CleanFiles(tmp_path / f"project-{helper}", "context")
        found = audit.audit_site(site, prints, memo=memo, ahead_helper=helper)
        saved = set((tmp_path / f"project-{helper}" / ".cache/report-engine/audit/context.txt").read_text().split())
        outcomes.append((sorted(f.output.parent.name for f in found), len(saved)))
    assert outcomes[0] == outcomes[1] == (["page-00", "page-31", "page-59"], 57)
    assert not (tmp_path / "project-True" / ".cache/report-engine/audit/context.marks").exists()


@pytest.mark.parametrize("style", ["author-year", "numeric"])
def test_references_formatted_ahead_are_those_the_build_would_make(tmp_path, style):
    """A helper derives and formats the entries the pages quote while they render; the build takes
    them, and every reference list and citation reads as it would without the helper."""
    from report_engine.bibtex import load_bibtex
    from report_engine.citations import CitationEngine

    bib = tmp_path / "references.bib"
    shutil.copy(Path(__file__).parent / "bib" / "zotero.bib", bib)
    pages = []
    outcomes = []
    for helper in (True, False):
        cache = tmp_path / f"cache-{helper}"
        engine = CitationEngine(load_bibtex(bib, cache), style)
        keys = engine.database.keys()
        pages = [f'{{{{ cite("{key}") }}}} and {{{{ cite(["{keys[-1]}"]) }}}}' for key in keys[:12]]
        running = engine.ahead.format(pages) if helper else None
        if helper:
            assert running is not None and running.process is not None
            running.process.join(timeout=60)
        engine.ahead.take()
        listed = engine.listed(keys[:12] + keys[-1:])
        if helper:
            assert not engine._works, "the crossref parents come from the helper: the build derives no work"
        engine.set_order(keys[:12] + keys[-1:])
        cited = [engine.cite([key], None, lambda key: f"#{key}") for key in keys[:12] + keys[-1:]]
        outcomes.append((listed, cited, engine.reference_list(keys[:12] + keys[-1:]), engine.notes(keys[:12])))
        engine.save_cache()
        if helper:
            assert not list(cache.glob("*.ahead-*")), "the helper's files are taken and removed"
    assert outcomes[0] == outcomes[1]


def test_a_helper_may_work_out_its_list_in_its_own_process(tmp_path):
    """``items`` given as a function runs in the helper: the build waits for that part alone
    (wait_planned) and never for the items after it."""
    store = caches.Store(tmp_path, "test")

    def plan() -> list[str]:
        time.sleep(0.3)
        store.write("planned", b"yes")
        return [f"item-{n}" for n in range(3)]

    helper = ahead.Helper("test", plan, store.has, lambda name: store.write(name, b"helper"))
    assert helper.process is not None
    helper.wait_planned()
    assert store.has("planned"), "wait_planned returns only once the list is worked out"
    helper.process.join(timeout=30)
    helper.stop()
    assert sorted(path.name for path in store.folder.iterdir()) == ["item-0", "item-1", "item-2", "planned"]
    import threading

    def early() -> list[str]:
        ahead.planned()                             # what the build waits for is done; the rest is not
        time.sleep(30)
        return []

    for plan_of in (lambda: 1 / 0, early):          # a plan that fails ends the helper: no wait for ever
        helper = ahead.Helper("test", plan_of, store.has, lambda name: None)
        waiting = threading.Thread(target=helper.wait_planned)
        waiting.start()
        waiting.join(timeout=20)
        assert not waiting.is_alive(), "wait_planned returned"
        helper.stop(now=True)


def test_a_bibliography_left_for_later_is_parsed_by_the_helper(tmp_path, monkeypatch):
    """Cold: the .bib is parsed on another core while the build goes on, and the build reads the
    parse from the cache (it never parses); the database then equals a parse made in process, and
    what the helper formatted for the pages is taken in when the build first needs it."""
    from report_engine import bibtex
    from report_engine.citations import CitationEngine

    bib = tmp_path / "references.bib"
    shutil.copy(Path(__file__).parent / "bib" / "zotero.bib", bib)
    whole = bibtex.parse_bibtex(bib.read_text(encoding="utf-8"), str(bib))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(f'Text {{{{ cite("{whole[0].key}") }}}}.\n', encoding="utf-8")
    database = bibtex.load_bibtex(bib, tmp_path / "cache", later=True)
    assert database.later and "parse to read" in repr(database)
    engine = CitationEngine(database)
    engine.ahead.parse(docs)
    helper = engine.ahead.format([])
    assert helper is not None and helper.process is not None, "the helper that parses is the one that formats"

    def no_parse(*args, **kwargs):
        raise AssertionError("the build parsed the .bib itself")

    monkeypatch.setattr(bibtex, "parse_bibtex", no_parse)       # in the build's process only
    assert [(entry.key, entry.line) for entry in database.entries()] == [(entry.key, entry.line) for entry in whole]
    assert not database.later
    helper.process.join(timeout=60)
    assert engine.parent(whole[0].key) is None and not engine._works, "derived by the helper, taken in"
    assert not list((tmp_path / "cache").glob("*.ahead-*"))


def test_a_bibliography_left_for_later_raises_its_mistake_when_first_read(tmp_path):
    from report_engine import bibtex
    from report_engine.citations import CitationEngine
    from report_engine.errors import ReportError

    bib = tmp_path / "references.bib"
    bib.write_text("@misc{one, title = {One}, year = {2024}}\n\n@misc{one, title = {Again}, year = {2025}}\n",
                   encoding="utf-8")
    (tmp_path / "docs").mkdir()
    database = bibtex.load_bibtex(bib, tmp_path / "cache", later=True)
    CitationEngine(database).ahead.parse(tmp_path / "docs")
    with pytest.raises(ReportError) as caught:
        database.ready()
    assert (caught.value.file, caught.value.line) == (str(bib), 3)
    assert "one" in caught.value.message


def test_a_verdict_is_checked_on_another_core_once_started(tmp_path):
    """The check runs with the state as it was when forked, only once started, and its error reaches
    the build; a check that ends without a verdict (here: a write outside the cache, refused) is
    run again by the build itself; one never started is ended by stop()."""
    from report_engine.errors import ReportError

    store = caches.Store(tmp_path, "test")
    state = {"text": "as forked"}
    seen: list[str] = []

    def check() -> None:
        store.write("checked", state["text"].encode())
        raise ReportError("a conflict", "docs/index.md", 3, "redact both")

    verdict = ahead.Verdict("test", check, lambda: seen.append("inline"))
    state["text"] = "changed after the fork"
    time.sleep(0.3)
    assert not store.has("checked"), "nothing runs before start()"
    verdict.start()
    with pytest.raises(ReportError) as caught:
        verdict.verdict()
    assert (caught.value.message, caught.value.file, caught.value.line, caught.value.suggestion) == \
        ("a conflict", "docs/index.md", 3, "redact both")
    assert store.read_bytes("checked") == b"as forked" and not seen

    outside = tmp_path / "outside.txt"
    refused = ahead.Verdict("test", lambda: outside.write_text("no"), lambda: seen.append("inline"))
    refused.verdict()                               # starts it, and waits
    assert seen == ["inline"] and not outside.exists()

    never = ahead.Verdict("test", lambda: store.write("never", b"ran"), lambda: seen.append("ran inline"))
    assert never.process is not None
    process = never.process
    never.stop()
    assert not process.is_alive() and seen == ["inline"] and not store.has("never")

    passed = ahead.Verdict("test", lambda: None, lambda: seen.append("inline again"))
    error = ReportError("a later mistake", "docs/other.md", 9)
    assert passed.first(error) is error, "no conflict: the build stops on its own error"
    conflict = ahead.Verdict("test", check, lambda: seen.append("inline again"))
    assert conflict.first(error).message == "a conflict", "a conflict comes first, as in process"
    assert seen == ["inline"]


def test_the_audit_behind_the_writer_marks_only_whole_clean_files(tmp_path):
    """The helper audits each file once a later one is written (so it is whole), marks the clean
    ones, and stops when asked; the build's audit finds every leak, the last file included, and
    ends with the same clean files as an audit on its own."""
    from report_engine import audit
    from report_engine.caches import CleanFiles
    from report_engine.sources import Location

    site = tmp_path / "site"
    site.mkdir()
    secret = "helios trained its largest model in the iowa datacenter"
    prints = [audit.Fingerprint("redacted text", secret, Location("docs/index.md", 3))]
    targets = [site / f"page-{number:02}.html" for number in range(12)]

    def text(number: int) -> str:
        leak = "<p>Helios trained its largest model in the Iowa datacenter.</p>" if number in (4, 11) else ""
        return f"<html><body><p>Page {number} about oversight.</p>{leak}</body></html>"

    memo = CleanFiles(tmp_path / "project", "context")
    writer = ahead.Helper("test", [None], lambda item: False, lambda item: audit.audit_as_written(
        site, targets, ahead.stopping, prints, memo=CleanFiles(tmp_path / "project", "context")))
    assert writer.process is not None
    for number, path in enumerate(targets):
        path.write_text(text(number)[:20], encoding="utf-8")         # half written first
        time.sleep(0.05)
        path.write_text(text(number), encoding="utf-8")
    marks = memo.marks
    assert marks is not None
    for _ in range(600):                            # the helper may lag on a busy machine
        if marks.is_dir() and len(list(marks.iterdir())) >= 10:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    marked = sorted(path.name for path in marks.iterdir())
    assert len(marked) == 10, "every whole, clean file but the last (no file follows it) is marked"
    writer.stop()
    found = audit.audit_site(site, prints, memo=memo, ahead_helper=True)
    alone = audit.audit_site(site, prints, memo=CleanFiles(tmp_path / "alone", "context"))
    assert sorted(f.output.name for f in found) == sorted(f.output.name for f in alone) == \
        ["page-04.html", "page-11.html"]
    saved = (tmp_path / "project" / ".cache/report-engine/audit/context.txt").read_text().split()
    assert sorted(saved) == sorted((tmp_path / "alone" / ".cache/report-engine/audit/context.txt").read_text().split())


def test_helpers_forked_while_the_collector_is_paused_run_with_it(tmp_path):
    """The passes pause Python's cycle collector and fork helpers meanwhile: a helper, which may
    work for the rest of the build, collects again."""
    import gc

    store = caches.Store(tmp_path, "test")
    gc.disable()
    try:
        helper = ahead.Helper("test", ["item"], store.has,
                              lambda name: store.write(name, str(gc.isenabled()).encode()))
        verdict = ahead.Verdict("test", lambda: store.write("verdict", str(gc.isenabled()).encode()), lambda: None)
    finally:
        gc.enable()
    assert helper.process is not None
    helper.process.join(timeout=30)
    helper.stop()
    verdict.verdict()
    assert store.read_bytes("item") == b"True" and store.read_bytes("verdict") == b"True"
