"""Links between pages (linking.py), in process."""

from __future__ import annotations

import posixpath

import pytest

from report_engine.linking import relative_path

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("target, start", [("a.md", ""), ("b/c.md", ""), ("b/d/e.md", "b"), ("x/y.md", "b/d"),
                                           ("b/c/index.md", "b/c"), ("index.md", "q/r"), ("b/c.md", "b")])
def test_relative_path_matches_posixpath(target, start):
    assert relative_path(target, start) == posixpath.relpath(target, start or ".")
