"""Participants' decisions on their non-public information (``data/disclosures.yml``).

An author marks a participant's non-public information where it is used,
``{% call nonpublic("helios", id="helios-cluster-gap") %}…{% endcall %}``, and
records what the participant decided under that id::

    helios-cluster-gap: {decision: approved, by: Dana Reyes (Helios Labs), date: 2026-04-02}
    helios-eval-suite: {decision: redacted, material: true, note: "…", by: …, date: …}
    quill-incident-4: {decision: anonymised, by: …, date: …}
    quill-roadmap: {decision: pending}

The engine fails closed: an id with no entry, ``pending``, or an id two owners
use is treated as redacted for every audience but its owner and internal, and
a final public build stops while any is left (:func:`pending_error`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from .errors import ReportError, did_you_mean
from .sources import Location

FILE = "disclosures"                     # data/disclosures.yml
DECISIONS = ("approved", "redacted", "anonymised", "pending")
FIELDS = {"decision", "by", "date", "material", "note", "replacement", "source"}


@dataclass(frozen=True)
class Decision:
    """What a participant decided for one item."""

    item: str
    decision: str                  # one of DECISIONS
    by: str = ""
    date: dt.date | None = None
    material: bool = False
    note: str | None = None
    replacement: str | None = None
    line: int | None = None


@dataclass
class Disclosure:
    """One ``nonpublic`` block as pass one met it."""

    item: str
    owner: str
    decision: Decision             # as applied: pending when none is recorded or two owners share the id
    location: Location
    page: str
    recorded: bool                 # the entry exists in data/disclosures.yml
    body: str = ""                 # the block's text after pass one (placeholders resolved by pass two's linker)


def load(namespaces: dict[str, Any], files: dict[str, str]) -> dict[str, Decision]:
    """The decisions in data/disclosures.yml, checked; mistakes stop with the file and line."""
    entries = namespaces.get(FILE)
    display = files.get(FILE, "data/disclosures.yml")
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        raise ReportError("data/disclosures.yml maps item ids to decisions", display, 1,
                          "write helios-cluster-gap: {decision: approved, by: Dana Reyes, date: 2026-04-02}")
    decisions: dict[str, Decision] = {}
    for item, entry in entries.items():
        line = entries.line_of(item) if hasattr(entries, "line_of") else None
        if not isinstance(entry, dict):
            raise ReportError(f"the decision for '{item}' is not a mapping", display, line,
                              f"write {item}: {{decision: approved, by: ..., date: ...}}")
        unknown = sorted(set(map(str, entry)) - FIELDS)
        if unknown:
            raise ReportError(f"'{item}' has an unknown field '{unknown[0]}'", display, line,
                              did_you_mean(unknown[0], FIELDS, "fields"))
        decision = str(entry.get("decision", ""))
        if decision not in DECISIONS:
            raise ReportError(f"'{item}' has no valid decision ({decision or 'none given'})", display, line,
                              did_you_mean(decision, DECISIONS, "decisions"))
        material = entry.get("material", False)
        if not isinstance(material, bool):
            raise ReportError(f"material takes true or false, got {material!r}", display, line,
                              "write material: true (no quotes)")
        if decision != "redacted" and (material or entry.get("note") or entry.get("replacement")):
            raise ReportError(f"'{item}' is {decision}: material, note and replacement belong to a redacted item",
                              display, line, "remove them, or write decision: redacted")
        date = entry.get("date")
        if date is not None and not isinstance(date, dt.date):
            raise ReportError(f"the date of '{item}' is not a date", display, line, "write date: 2026-04-02 (unquoted)")
        decisions[str(item)] = Decision(str(item), decision, str(entry.get("by") or ""), date, material,
                                        str(entry["note"]) if entry.get("note") else None,
                                        str(entry["replacement"]) if entry.get("replacement") else None, line)
    return decisions


def pending(uses: Iterable[Disclosure]) -> list[Disclosure]:
    """The blocks still awaiting a decision, one per item, in report order."""
    seen: dict[str, Disclosure] = {}
    for use in uses:
        if use.decision.decision == "pending":
            seen.setdefault(use.item, use)
    return list(seen.values())


def pending_error(uses: Iterable[Disclosure]) -> ReportError | None:
    """A final public build stops while anything awaits a decision: every pending id, its owner and place."""
    waiting = pending(uses)
    if not waiting:
        return None
    listed = "; ".join(f"{use.item} ({use.owner}, {use.location})" for use in waiting)
    first = waiting[0].location
    return ReportError(f"{len(waiting)} non-public item(s) await their participant's decision: {listed}",
                       first.file, first.line,
                       "record each decision in data/disclosures.yml (decision: approved, redacted or anonymised), "
                       "or build a courtesy draft (REPORT_DRAFT=1), which shows them redacted")


REGISTER_CSV = "disclosure-register.csv"
COLUMNS = ("item", "owner", "decision", "by", "date", "where", "page", "public reads")


def public_reading(use: Disclosure, pseudonym: str | None) -> str:
    """How the public reads an item, in words."""
    decision = use.decision
    if decision.decision == "approved":
        return "as written"
    if decision.decision == "anonymised":
        return f"as written, its owner as {pseudonym}"
    if decision.decision == "pending":
        return "nothing: redacted until the participant decides" + ("" if use.recorded else " (no entry)")
    parts = [f"“{decision.replacement}”"] if decision.replacement else []
    if decision.material:
        parts.append(f"a material-redaction notice ({decision.note or 'material'})")
    return " and ".join(parts) or "nothing"


def register_rows(uses: Iterable[Disclosure], pseudonyms: dict[str, str | None],
                  titles: dict[str, str]) -> list[dict[str, str]]:
    """One row per block, in report order."""
    return [{"item": use.item, "owner": use.owner, "decision": use.decision.decision, "by": use.decision.by,
             "date": use.decision.date.isoformat() if use.decision.date else "", "where": str(use.location),
             "page": titles.get(use.page, use.page), "public reads": public_reading(use, pseudonyms.get(use.owner))}
            for use in uses]


def register_markdown(rows: list[dict[str, str]], up: str = "") -> str:
    """The disclosure register's table, for the internal build."""
    if not rows:
        return "No non-public items are marked in this report."
    lines = ["| " + " | ".join(c.capitalize() for c in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [row[c].replace("|", "\\|").replace("\n", " ") for c in COLUMNS]
        cells[5] = "<code>" + cells[5].replace("/", "/<wbr>") + "</code>"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f'\n\nThe same as CSV: <a href="{up}{REGISTER_CSV}" download>{REGISTER_CSV}</a>.'


def register_csv(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
