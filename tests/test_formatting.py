"""Values as prose and letters as labels (formatting.py), in process."""

from __future__ import annotations

import datetime as dt

import pytest

from report_engine.formatting import format_value, letters
from report_engine.numbering import appendix_letter

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("index, lower, upper", [(0, "a", "A"), (25, "z", "Z"), (26, "aa", "AA"), (701, "zz", "ZZ"),
                                                 (702, "aaa", "AAA")])
def test_letters(index, lower, upper):
    assert letters(index) == lower and letters(index, upper=True) == upper == appendix_letter(index)


@pytest.mark.parametrize("value, key, expected", [
    (dt.date(2026, 2, 16), "start", "February 16, 2026"),
    (1234567, "count", "1,234,567"),
    (1234.50, "amount", "1,234.5"),
    (0.412, "agent_share", "41.2%"),
    (0.5, "agent_share", "50%"),
    (37, "coverage_pct", "37%"),
    (["Helios", "Quill", "Ardent"], "names", "Helios, Quill and Ardent"),
    (["Helios", "Quill"], "names", "Helios and Quill"),
    ({"start": dt.date(2026, 2, 16), "end": dt.date(2026, 3, 16)}, "window", "February 16, 2026 to March 16, 2026"),
    (True, "flag", "yes"),
])
def test_values_read_as_prose(value, key, expected):
    assert format_value(value, key) == expected
