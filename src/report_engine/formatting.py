"""How values read in prose.

Facts come from YAML as dates, numbers, strings or lists; an author writes
``{{ fact("report.published") }}`` and expects "May 19, 2026". The key's name
carries the unit where YAML cannot: ``*_share`` is a fraction shown as a
percentage, ``*_pct`` is already a percentage.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")


def format_date(value: dt.date) -> str:
    """``2026-02-16`` as ``February 16, 2026``."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def format_number(value: int | float, digits: int | None = None) -> str:
    """Thousands separators; floats keep their meaningful decimals only."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if digits is not None:
        text = f"{value:,.{digits}f}"
    else:
        text = f"{Decimal(repr(value)):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_percent(value: float, digits: int | None = None) -> str:
    return f"{format_number(round(value, 1) if digits is None else value, digits)}%"


def format_value(value: Any, key: str = "") -> str:
    """Format a fact for prose; ``key`` is the last path segment."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return format_date(value.date())
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (int, float)):
        if key.endswith("_share"):
            return format_percent(value * 100)
        if key.endswith("_pct"):
            return format_percent(value)
        return format_number(value)
    if isinstance(value, (list, tuple)):
        items = [format_value(v, key) for v in value]
        if len(items) <= 2:
            return " and ".join(items)
        return ", ".join(items[:-1]) + " and " + items[-1]
    if isinstance(value, dict):
        if {"start", "end"} <= set(value):
            return f"{format_value(value['start'])} to {format_value(value['end'])}"
        if "name" in value:
            return str(value["name"])
    return str(value)


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_words(value: Any) -> str:
    """A whole number below ten as a word ("five"), as prose wants small counts; any other value as
    :func:`format_value` gives it. The ``words`` filter: ``{{ report.participants | length | words }}``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(NUMBER_WORDS):
        return NUMBER_WORDS[value]
    if isinstance(value, float) and value.is_integer() and 0 <= value < len(NUMBER_WORDS):
        return NUMBER_WORDS[int(value)]
    return format_value(value)


def letters(index: int, upper: bool = False) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'aa' (appendix letters, year suffixes)."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A" if upper else "a") + rest) + text
    return text
