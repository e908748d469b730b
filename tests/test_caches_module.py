"""Caches (caches.py), in process: digests, files remembered as clean, pass memos, pruning."""

from __future__ import annotations

import pytest

from report_engine import caches

pytestmark = pytest.mark.unit


def test_digest_parts_never_run_into_each_other():
    assert caches.digest("ab", "c") != caches.digest("a", "bc")
    assert caches.digest("x") == caches.digest(b"x")


def test_clean_files_remember_only_this_audit(tmp_path):
    memo = caches.CleanFiles(tmp_path, "context-1")
    key = memo.key("index.html", "page", b"<p>hello</p>")
    assert not memo.is_clean(key)
    memo.mark_clean(key)
    memo.save()
    again = caches.CleanFiles(tmp_path, "context-1")
    assert again.is_clean(key)
    assert not again.is_clean(again.key("index.html", "page", b"<p>hello!</p>"))     # other bytes
    assert not caches.CleanFiles(tmp_path, "context-2").is_clean(key)                   # other fingerprints
    again.save()                              # nothing marked this time: the old file drops out
    assert not caches.CleanFiles(tmp_path, "context-1").is_clean(key)


def test_pass_memo_round_trip_and_damage(tmp_path):
    memo = caches.PassMemo(tmp_path)
    memo.save("k", {"pages": [1, 2]})
    assert memo.load("k") == {"pages": [1, 2]}
    (memo.folder / "k.pickle").write_bytes(b"not a pickle")
    assert memo.load("k") is None            # a damaged cache costs time, never a wrong build
    assert memo.load("missing") is None


def test_prune_keeps_the_newest(tmp_path):
    import os
    import time

    for n in range(12):
        path = tmp_path / f"{n}.txt"
        path.write_text(str(n))
        os.utime(path, (time.time() + n, time.time() + n))
    caches.prune(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["10.txt", "11.txt", "9.txt"]


def test_engine_digest_is_stable_within_a_process():
    assert caches.engine_digest() == caches.engine_digest() and len(caches.engine_digest()) == 64


def test_the_passes_texts_are_read_only_when_a_page_asks(tmp_path):
    from report_engine.records import PageRecord, StoredTexts

    memo = caches.PassMemo(tmp_path)
    memo.save_linked("k", {"pages": {"a.md": ("<p>out</p>", "A")}}, {"a.md": ("rendered", "open")})
    state, texts = memo.load_linked("k")
    assert state == {"pages": {"a.md": ("<p>out</p>", "A")}}
    read = []
    page = PageRecord("a.md", "docs/a.md", "a/", "---\ntitle: A\n---\nBody\n", "Body\n", 3, {}, True)
    page.read(page.raw, "Body\n")
    assert page.body == len("---\ntitle: A\n---\n") and page.template == "Body\n"
    page.stored = StoredTexts(lambda: read.append(1) or texts())
    assert read == []
    assert (page.rendered, page.open, read) == ("rendered", "open", [1])
    assert page.stored is None and page.rendered == "rendered" and read == [1]
    (tmp_path / caches.CACHE_DIR / "passes" / f"k{caches.PassMemo.TEXTS}").unlink()
    assert memo.load_linked("k") is None             # one without the other is no memo: the passes run


def test_a_template_that_is_not_the_end_of_its_source_is_kept_whole():
    from report_engine.records import PageRecord

    raw = "title: A\r\n\r\nBody\r\n"                 # MultiMarkdown meta: MkDocs reads the lines anew
    page = PageRecord("a.md", "docs/a.md", "a/", raw, "Body\n", 2, {"title": "A"}, True)
    page.read(raw, "Body\n")
    assert page.template == "Body\n" and page.body == "Body\n"
