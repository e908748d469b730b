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
