"""Pure pieces of the engine, in process (the fast tier): caches, stamps, small helpers."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest

from report_engine import caches, stamps
from report_engine.formatting import letters
from report_engine.linking import relative_path
from report_engine.numbering import appendix_letter, find_label_line, label_lines
from report_engine.passages import normalise


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


def test_stamps_are_bound_to_content_and_audience(tmp_path):
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("<p>public</p>")
    stamps.write_stamp(tmp_path, site, "public")
    assert stamps.unstamped_reason(tmp_path, site, "public") is None
    assert "not for internal" in stamps.unstamped_reason(tmp_path, site, "internal")
    (site / "a" / "index.html").write_text("<p>public, edited</p>")
    assert "no passed leak audit" in stamps.unstamped_reason(tmp_path, site, "public")
    (site / "a" / "index.html").write_text("<p>public</p>")
    (site / "extra.txt").write_text("")                       # an added empty file changes the digest too
    assert stamps.unstamped_reason(tmp_path, site, "public") is not None


def test_folder_digest_separates_names_from_contents(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    (one / "ab").write_text("c")
    (two / "a").write_text("bc")
    assert stamps.folder_digest(one) != stamps.folder_digest(two)


@pytest.mark.parametrize("index, lower, upper", [(0, "a", "A"), (25, "z", "Z"), (26, "aa", "AA"), (701, "zz", "ZZ"),
                                                 (702, "aaa", "AAA")])
def test_letters(index, lower, upper):
    assert letters(index) == lower and letters(index, upper=True) == upper == appendix_letter(index)


@pytest.mark.parametrize("target, start", [("a.md", ""), ("b/c.md", ""), ("b/d/e.md", "b"), ("x/y.md", "b/d"),
                                           ("b/c/index.md", "b/c"), ("index.md", "q/r"), ("b/c.md", "b")])
def test_relative_path_matches_posixpath(target, start):
    assert relative_path(target, start) == posixpath.relpath(target, start or ".")


def test_label_lines_agree_with_the_slow_search():
    raw = "# Title {#top}\n\nText.\n\n## Method {#method .x}\n\n/// figure-caption\n    attrs: {id: fig-load}\n///\n"
    found = label_lines(raw)
    for label in ("top", "method", "fig-load"):
        assert found.get(label) == find_label_line(raw, label)


def test_normalise_folds_what_a_copy_may_change():
    assert normalise("“Quoted”\u00a0text — with\u200b a dash’s") == "\"quoted\" text - with a dash's"
    assert normalise("Plain ASCII   text") == "plain ascii text"


def test_engine_digest_is_stable_within_a_process():
    assert caches.engine_digest() == caches.engine_digest() and len(caches.engine_digest()) == 64
