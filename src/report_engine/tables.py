"""``data_table()``: a table of records from ``data/``, with CSV and JSON downloads of the same rows.

A table written as a Jinja loop in a page prints what it prints; the engine cannot tell where its
rows came from. ``data_table`` knows: it takes a list from the report's data (as this audience
sees it: another participant's private records are not in it), prints it as a Markdown table with
an optional caption (numbered like any table), and, with ``download="name"``, offers the same rows,
as printed, as ``downloads/name.csv`` and ``downloads/name.json``. A table inside a passage the
audience does not get offers nothing; the files are audited like every output.

Columns are ``[heading, field]`` or ``[heading, field, how]``, where ``how`` is one of

* ``"participant"``: the participant's name, or its pseudonym where the audience may not know it
  (as ``org(id)``); ``"pseudonym"``: its pseudonym unless the audience knows it (``org(id, anonymous=true)``);
* ``"capitalize"``; ``"label:PATH"``: the ``label`` of the item of the list at ``PATH`` whose ``id``
  is the value (``label:taxonomy.incident_categories``);
* nothing: the value as ``fact()`` prints it (numbers with separators), but dates as ISO 8601
  (``2026-02-18``: compact, sortable, never broken over two lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .errors import ReportError, did_you_mean
from .formatting import format_value
from .outputs import up_to_root

DOWNLOADS = "downloads"
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
HOWS = ("participant", "pseudonym", "capitalize", "label:")


@dataclass
class Column:
    heading: str
    field: str
    how: str = ""


@dataclass
class Download:
    name: str
    page: str                       # the page that offers it
    location: str                   # file:line of the macro
    csv: str
    json: str


def columns_of(spec: Any) -> list[Column]:
    example = 'columns=[["ID", "id"], ["Developer", "participant", "pseudonym"], ["Date", "date"]]'
    if isinstance(spec, Mapping):
        spec = [[heading, field] for heading, field in spec.items()]
    if not isinstance(spec, (list, tuple)) or not spec:
        raise ReportError("data_table needs columns: a list of [heading, field] or [heading, field, how]",
                          suggestion=f"write {example}")
    found = []
    for item in spec:
        if not isinstance(item, (list, tuple)) or len(item) not in (2, 3) or not all(isinstance(p, str) for p in item):
            raise ReportError(f"a data_table column is [heading, field] or [heading, field, how], got {item!r}",
                              suggestion=f"write {example}")
        how = item[2] if len(item) == 3 else ""
        if how and not (how in HOWS or (how.startswith("label:") and len(how) > 6)):
            raise ReportError(f"unknown column format {how!r} for '{item[0]}'",
                              suggestion="use participant, pseudonym, capitalize or label:PATH "
                                         "(e.g. label:taxonomy.incident_categories)")
        found.append(Column(item[0], item[1], how))
    return found


def rows_at(variables: Mapping[str, Any], source: str) -> list[Any]:
    """The list at a dotted path of the report's data, as the audience sees it."""
    if not isinstance(source, str) or not source:
        raise ReportError("data_table needs the data to show, as a dotted path", suggestion='write data_table("incidents", ...)')
    value: Any = variables
    walked: list[str] = []
    for part in source.split("."):
        if not isinstance(value, Mapping) or part not in value:
            options = [".".join(walked + [k]) for k in value] if isinstance(value, Mapping) else []
            raise ReportError(f"data_table: no data at '{source}'", suggestion=did_you_mean(
                ".".join(walked + [part]), options, "data paths"))
        value = value[part]
        walked.append(part)
    if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
        raise ReportError(f"data_table: '{source}' is not a list of records",
                          suggestion="point it at a list whose items have fields, such as incidents")
    return list(value)


def cell(row: Mapping[str, Any], column: Column, variables: Mapping[str, Any],
         participant_text: Callable[[str, bool], tuple[str, str]]) -> tuple[str, str]:
    """(what the page prints, the same as plain text) for one cell."""
    if column.field not in row:
        raise ReportError(f"data_table: a record has no field '{column.field}' (column '{column.heading}')",
                          suggestion=did_you_mean(column.field, list(row), "fields"))
    value = row[column.field]
    if column.how in ("participant", "pseudonym"):
        return participant_text(str(value), column.how == "pseudonym")
    if column.how.startswith("label:"):
        items = rows_at(variables, column.how[len("label:"):])
        match = next((item for item in items if item.get("id") == value), None)
        if match is None or "label" not in match:
            raise ReportError(f"data_table: no item with id {value!r} and a label in {column.how[6:]}",
                              suggestion=did_you_mean(str(value), [str(i.get("id")) for i in items], "ids"))
        text = str(match["label"])
        return text, text
    # a date in a table is ISO 8601: compact, sortable, kept on one line by the theme
    text = value.isoformat() if isinstance(value, dt.date) else format_value(value, column.field)
    if column.how == "capitalize":
        text = text[:1].upper() + text[1:]
    return text, text


def markdown_table(columns: list[Column], cells: list[list[str]]) -> str:
    def clean(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")
    lines = ["| " + " | ".join(clean(c.heading) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(clean(text) for text in row) + " |" for row in cells]
    return "\n".join(lines)


def caption_block(caption: str, anchor: str | None) -> str:
    attrs = f"    attrs: {{id: {anchor}}}\n" if anchor else ""
    return f"/// table-caption\n{attrs}{' '.join(caption.split())}\n///"


def download_files(columns: list[Column], plain: list[list[str]], source: str, source_file: str,
                   caption: str | None) -> tuple[str, str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.heading for c in columns])
    writer.writerows(plain)
    document = {"title": " ".join((caption or "").split()), "source": source_file, "data": source,
                "columns": [{"heading": c.heading, "field": c.field} for c in columns],
                "rows": [{c.field: text for c, text in zip(columns, row)} for row in plain]}
    return out.getvalue(), json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def download_links(name: str, page_url: str) -> str:
    """The links under a table, relative to its page (raw HTML: MkDocs does not check them)."""
    up = up_to_root(page_url)
    return (f'<p class="report-downloads report-screen-only">Download this table: '
            f'<a href="{up}{DOWNLOADS}/{name}.csv" download>CSV</a> · '
            f'<a href="{up}{DOWNLOADS}/{name}.json" download type="application/json">JSON</a></p>')


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ReportError(f"download name {name!r} cannot name a file", suggestion='use lowercase letters, digits '
                          'and hyphens, e.g. download="incidents"')
    return name
