"""The data's values, and one walk over them.

The YAML loader (:mod:`report_engine.data`) makes every mapping a :class:`LineDict` and every
list a :class:`LineList`, which remember their lines, and every ``!private`` value a
:class:`Private`. Code that reads the data whole (the checks on private values, the audit's
fingerprints, the conflict check) walks it with :func:`walk`; code that copies it keeps the lines
with :func:`line_dict` and :func:`line_list`.

This module is below both :mod:`report_engine.data` and :mod:`report_engine.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import AbstractSet, Any, Iterable, Iterator, NamedTuple

from .formatting import format_value


class LineDict(dict):
    """A mapping that remembers the YAML line of itself and of each key."""

    source: str = ""
    line: int | None = None
    key_lines: dict

    def line_of(self, key: str) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list):
    """A list that remembers the YAML line of itself and of each item."""

    source: str = ""
    line: int | None = None
    item_lines: list


@dataclass(frozen=True)
class Private:
    """A value owned by one participant: only its redactions may show it."""

    owner: str
    value: Any
    source: str
    line: int
    item: str | None = None        # its id in data/disclosures.yml, when the owner decides on it


def line_dict(items: Iterable[tuple[Any, Any]], like: Any) -> LineDict:
    """A mapping of ``items`` that remembers the lines of ``like`` (the mapping it copies)."""
    copy = LineDict(items)
    copy.source, copy.line = getattr(like, "source", ""), getattr(like, "line", None)
    copy.key_lines = getattr(like, "key_lines", {})
    return copy


def line_list(items: Iterable[Any], like: Any, item_lines: list | None = None) -> LineList:
    """A list of ``items`` that remembers the lines of ``like`` (the list it copies); its items'
    lines are ``item_lines`` when some were left out, else those of ``like``."""
    copy = LineList(items)
    copy.source, copy.line = getattr(like, "source", ""), getattr(like, "line", None)
    copy.item_lines = getattr(like, "item_lines", []) if item_lines is None else item_lines
    return copy


class Node(NamedTuple):
    """A value met on a walk through the data."""

    path: tuple[Any, ...]     # the keys and list indexes that lead to it from where the walk began
    value: Any
    in_mapping: bool          # held by a mapping under ``path[-1]`` (not a list item, not a private's content)


def walk(value: Any, path: tuple[Any, ...] = (), in_mapping: bool = False) -> Iterator[Node]:
    """Every value within ``value``, itself first, depth first in the data's order. A private
    value is met itself, then its content at the same path."""
    yield Node(path, value, in_mapping)
    if isinstance(value, Private):
        yield from walk(value.value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key), True)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, (Private, dict, list))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def private_values(value: Any) -> Iterator[Private]:
    """Every private value anywhere in the data (for checks and the audit)."""
    return (node.value for node in walk(value) if isinstance(node.value, Private))


def scalar_leaves(value: Any) -> Iterator[Any]:
    """Every scalar in a value (data, with its private values opened, or parsed JSON), None excepted."""
    return (node.value for node in walk(value) if _is_leaf(node.value) and node.value is not None)


def text_leaves(value: Any) -> Iterator[str]:
    """Every string (and formatted scalar) in a value, for audit fingerprints. A number a mapping
    holds is formatted as the report prints it under that key (``_share``, ``_pct``…)."""
    for node in walk(value):
        leaf = node.value
        if not _is_leaf(leaf) or leaf is None or isinstance(leaf, bool):
            continue
        if isinstance(leaf, str):
            yield leaf
        elif node.in_mapping and _is_number(leaf):
            yield format_value(leaf, str(node.path[-1]))
        else:
            yield format_value(leaf)


def names_any(item: Any, ids: AbstractSet[str]) -> bool:
    """Does a data item hold one of ``ids`` anywhere (as a value or a key, private values opened)?"""
    return any((node.in_mapping and str(node.path[-1]) in ids) or (isinstance(node.value, str) and node.value in ids)
               for node in walk(item))
