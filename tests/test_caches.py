"""The cache layer (caches.py) and the helper contract (ahead.py), in process: no site is built."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from report_engine import ahead, caches, settings

pytestmark = pytest.mark.unit


# -- the store ------------------------------------------------------------------------------------


def test_a_store_lives_under_the_reports_cache_root(tmp_path):
    store = caches.Store(tmp_path, "pages")
    assert store.folder == tmp_path / ".cache" / "report-engine" / "pages"
    assert caches.Store(None, "x", root=tmp_path / "r").folder == tmp_path / "r" / "x"
    assert caches.Store(None, "", root=tmp_path / "r").folder == tmp_path / "r"


def test_writes_are_atomic_and_read_back(tmp_path, monkeypatch):
    store = caches.Store(tmp_path, "kind")
    key = store.key("input")
    store.write(key, b"entry", ".bin")
    assert store.has(key, ".bin") and store.read_bytes(key, ".bin") == b"entry"
    assert [p.name for p in store.folder.iterdir()] == [f"{key}.bin"], "no temporary file is left"

    def broken(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(caches.os, "replace", broken)
    store.write(key, b"a newer entry", ".bin")               # cannot be written: skipped, never half written
    monkeypatch.undo()
    assert store.read_bytes(key, ".bin") == b"entry"


def test_json_and_pickle_entries_and_damage(tmp_path):
    store = caches.Store(tmp_path, "kind")
    store.write("j", b'{"a": [1]}', ".json")
    store.write_pickle("p", {"b": (2,)})
    assert store.read_json("j") == {"a": [1]} and store.read_pickle("p") == {"b": (2,)}
    store.write("j", b"{not json", ".json")
    store.write("p", b"not a pickle", ".pickle")
    assert store.read_json("j") is None and store.read_pickle("p") is None      # damage only costs time
    assert store.read_bytes("missing") is None and not store.has("missing")


def test_keys_cover_their_parts_the_kind_and_the_engine(tmp_path, monkeypatch):
    store = caches.Store(tmp_path, "kind")
    assert store.key("a", "b") == store.key("a", "b")
    assert store.key("a", "b") != store.key("a", "c") != store.key("ab")
    assert store.key("a") != caches.Store(tmp_path, "other").key("a")
    written = store.key("input")
    store.write(written, b"made by this engine")
    monkeypatch.setattr(caches, "engine_digest", lambda: "another engine")
    other = store.key("input")
    assert other != written and store.read_bytes(other) is None, "an entry of another engine is never read"


def test_no_project_no_cache(tmp_path):
    store = caches.Store(None, "kind")
    store.write("k", b"x")
    assert store.path("k") is None and not store.has("k") and store.read_bytes("k") is None
    store.prune()


def test_pruning_keeps_the_most_recently_used(tmp_path):
    store = caches.Store(tmp_path, "kind", keep=3)
    for n in range(6):
        store.write(f"k{n}", b"x")
        os.utime(store.path(f"k{n}"), (time.time() - 100 + n, time.time() - 100 + n))
    assert store.read_bytes("k0") == b"x"                    # reading counts as use
    store.prune()
    assert store.names("*") == ["k0", "k4", "k5"]
    assert caches.KEEP_BY_KIND["jinja"] == caches.Store(tmp_path, "jinja").keep
    root = caches.Store(tmp_path, "")
    root.write("loose", b"x")
    root.prune(keep=0)
    assert root.has("loose"), "the root's files are superseded, never pruned by count"


def test_a_new_version_supersedes_the_old(tmp_path):
    store = caches.Store(tmp_path, "")
    store.write("bib-here-old", b"1", ".pickle")
    store.write("bib-there-old", b"2", ".pickle")
    store.write("bib-here-new", b"3", ".pickle")
    store.supersede("bib-here-", "bib-here-new", ".pickle")
    assert store.names("*") == ["bib-here-new.pickle", "bib-there-old.pickle"]


# -- the helper contract (ahead.py), tested here once ---------------------------------------------


@pytest.fixture
def helpers(monkeypatch):
    monkeypatch.delenv(settings.HELPERS_ENV, raising=False)
    if not ahead.available():
        pytest.skip("this machine cannot fork a helper onto another core")


def build(store: caches.Store, items: list[str]) -> list[str]:
    """A 'build' that uses an entry where one exists and makes any that is missing itself."""
    out = []
    for item in items:
        key = store.key(item)
        data = store.read_bytes(key)
        if data is None:
            data = item.upper().encode()
            store.write(key, data)
        out.append(data.decode())
    return out


def helper_for(store: caches.Store, items: list[str], pause: float = 0.0) -> ahead.Helper:
    def make(item: str) -> None:
        time.sleep(pause)
        store.write(store.key(item), item.upper().encode())

    return ahead.Helper("test", items, lambda item: store.has(store.key(item)), make)


def test_the_build_is_the_same_with_a_helper_a_stopped_one_and_none(tmp_path, helpers, monkeypatch):
    items = [f"item-{n}" for n in range(40)]
    results = {}

    finished = caches.Store(tmp_path / "finished", "kind")
    helper = helper_for(finished, items)
    assert helper.process is not None
    helper.process.join(timeout=30)
    helper.stop()
    assert not helper.refused and len(finished.names("*")) == len(items), "the helper made every entry"
    results["finished"] = build(finished, items)

    stopped = caches.Store(tmp_path / "stopped", "kind")
    helper = helper_for(stopped, items, pause=0.05)
    helper.stop()                                            # at once: whatever it missed, the build makes
    made = stopped.names("*")
    assert len(made) < len(items) and not [name for name in made if name.endswith(".tmp")]
    results["stopped"] = build(stopped, items)

    monkeypatch.setenv(settings.HELPERS_ENV, "0")
    none = caches.Store(tmp_path / "none", "kind")
    helper = helper_for(none, items)
    assert helper.process is None
    helper.stop()
    results["none"] = build(none, items)

    assert results["finished"] == results["stopped"] == results["none"] == [i.upper() for i in items]
    assert ahead.HELPERS_ENV == settings.HELPERS_ENV


@pytest.mark.parametrize("how", ["open", "write_atomic", "remove"])
def test_a_helper_may_write_only_into_the_cache(tmp_path, helpers, how):
    store = caches.Store(tmp_path / "project", "kind")
    outside = tmp_path / "outside.txt"
    if how == "remove":
        outside.write_text("the report's own file")

    def make(item: str) -> None:
        if how == "open":
            outside.write_text("a helper's text")
        elif how == "write_atomic":
            caches.write_atomic(outside, b"a helper's bytes")
        else:
            outside.unlink()
        store.write(store.key(item), b"never reached")

    helper = ahead.Helper("test", ["a", "b"], lambda item: False, make)
    assert helper.process is not None
    helper.process.join(timeout=30)
    helper.stop()
    assert helper.refused
    assert outside.exists() == (how == "remove") and (how != "remove" or outside.read_text() == "the report's own file")
    assert store.names("*") == [], "a refused helper stops at once"


def test_a_failing_helper_costs_nothing(tmp_path, helpers):
    def broken(item: str) -> None:
        raise RuntimeError("the helper broke")

    helper = ahead.Helper("test", ["a", "b"], lambda item: False, broken)
    assert helper.process is not None
    helper.process.join(timeout=30)
    assert helper.process.exitcode == 0
    helper.stop()
    assert not helper.refused


def test_clean_files_and_pass_memos_are_stores(tmp_path):
    memo = caches.PassMemo(tmp_path)
    memo.save("k", {"pages": [1]})
    assert memo.has("k") and memo.load("k") == {"pages": [1]} and memo.store.kind == "passes"
    clean = caches.CleanFiles(tmp_path, "context")
    clean.mark_clean("abc")
    clean.save()
    assert caches.CleanFiles(tmp_path, "context").is_clean("abc")
    assert clean.path == tmp_path / caches.CACHE_DIR / "audit" / "context.txt"
    assert Path(str(clean.marks)).name == "context.marks"
