"""Labels and their lines (numbering.py), in process; cross-references in a built site are in test_numbering.py."""

from __future__ import annotations

import pytest

from report_engine.numbering import find_label_line, label_lines

pytestmark = pytest.mark.unit


def test_label_lines_agree_with_the_slow_search():
    raw = "# Title {#top}\n\nText.\n\n## Method {#method .x}\n\n/// figure-caption\n    attrs: {id: fig-load}\n///\n"
    found = label_lines(raw)
    for label in ("top", "method", "fig-load"):
        assert found.get(label) == find_label_line(raw, label)
