"""Leak-audit stamps (stamps.py), in process: a stamp is bound to a site's content and its audience."""

from __future__ import annotations

import pytest

from report_engine import stamps

pytestmark = pytest.mark.unit


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
