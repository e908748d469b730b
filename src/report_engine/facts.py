"""Facts: dotted paths into the data, formatted for prose, guarded by owner.

``fact("report.assessment_window.start")`` walks the namespaces. A value
marked ``!private`` may only be used inside a redaction of its owner, whatever
the audience, so the same source fails the same way in every build. For Jinja
loops the namespaces are offered as an audience-specific view: private list
items the audience may not see are dropped (counts and tables follow), private
leaves are guarded.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from .errors import ReportError, did_you_mean
from .formatting import format_value, number_words
# The walkers over data live in values.py; offered here too, where callers found them.
from .values import Private, line_dict, private_values, scalar_leaves, text_leaves  # noqa: F401

# Given a private value, fails unless the current render position may use it; called with
# ``printed=True`` for a value being printed, it returns text to print before the value (an anchor
# by which pass two decides the use by where it lands: see positions.py).
OwnerCheck = Callable[..., Any]


def lookup(namespaces: dict[str, Any], path: str, check: OwnerCheck) -> tuple[Any, str]:
    """The value at ``path`` and its last key; unknown steps fail with nearby keys."""
    if not isinstance(path, str) or not path:
        raise ReportError(f"fact() needs a dotted path such as 'report.title', got {path!r}")
    parts = path.split(".")
    current: Any = namespaces
    walked: list[str] = []
    for part in parts:
        if isinstance(current, Private):
            check(current)
            current = current.value
        if isinstance(current, dict):
            if part not in current:
                prefix = ".".join(walked)
                options = [f"{prefix}.{k}" if prefix else str(k) for k in current]
                what = "namespaces" if not walked else f"keys under '{prefix}'"
                raise ReportError(f"unknown fact '{path}'", suggestion=did_you_mean(path if not walked else f"{prefix}.{part}", options, what))
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                raise ReportError(f"unknown fact '{path}': '{'.'.join(walked)}' has {len(current)} items",
                                  suggestion=f"use an index from 0 to {len(current) - 1}")
            current = current[index]
        else:
            raise ReportError(f"unknown fact '{path}': '{'.'.join(walked)}' has no field '{part}'",
                              suggestion=f"'{'.'.join(walked)}' is a {type(current).__name__}, not a mapping")
        walked.append(part)
    if isinstance(current, Private):
        check(current)
        current = current.value
    return current, parts[-1]


def fact_text(namespaces: dict[str, Any], path: str, check: OwnerCheck, words: bool = False) -> str:
    value, key = lookup(namespaces, path, check)
    if isinstance(value, dict) and not ({"start", "end"} <= set(value) or "name" in value):
        raise ReportError(f"fact '{path}' is a mapping, not a value",
                          suggestion=did_you_mean("", [f"{path}.{k}" for k in value], "facts under it"))
    value = _unguard(value, check)
    if words and isinstance(value, (int, float)) and not isinstance(value, bool) and not key.endswith(("_share", "_pct")):
        return number_words(value)
    return format_value(value, key)


def _unguard(value: Any, check: OwnerCheck) -> Any:
    if isinstance(value, Private):
        check(value)
        return _unguard(value.value, check)
    if isinstance(value, list):
        return [_unguard(v, check) for v in value]
    return value


class Guarded:
    """A private leaf seen from Jinja: any use checks the owner first."""

    __slots__ = ("_private", "_check")

    def __init__(self, private: Private, check: OwnerCheck) -> None:
        self._private = private
        self._check = check

    def _value(self) -> Any:
        self._check(self._private)
        return self._private.value

    def unwrap(self) -> Any:
        """The value, after the owner check (for code that needs it whole, e.g. to sort by it)."""
        return self._value()

    def __str__(self) -> str:
        token = self._check(self._private, printed=True)
        return token + format_value(self._private.value)

    def __html__(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return repr(self._value())

    def __format__(self, spec: str) -> str:
        return format(self._value(), spec)

    def __getattr__(self, name: str) -> Any:
        value = self._value()
        return value[name] if isinstance(value, dict) else getattr(value, name)

    def __getitem__(self, key: Any) -> Any:
        return self._value()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._value())

    def __len__(self) -> int:
        return len(self._value())

    def __bool__(self) -> bool:
        return bool(self._value())

    def __int__(self) -> int:
        return int(self._value())

    def __float__(self) -> float:
        return float(self._value())

    def __eq__(self, other: object) -> bool:
        return self._value() == other

    __hash__ = None  # type: ignore[assignment]


def audience_view(value: Any, can_see: Callable[[str], bool], check: OwnerCheck) -> Any:
    """What Jinja sees of ``value`` for one audience."""
    if isinstance(value, dict):
        return line_dict(((k, audience_view(v, can_see, check)) for k, v in value.items()), like=value)
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, Private):
                if can_see(item.owner):
                    items.append(audience_view(item.value, can_see, check))
            else:
                items.append(audience_view(item, can_see, check))
        return items
    if isinstance(value, Private):
        return Guarded(value, check)
    return value
