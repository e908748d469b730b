"""The report's data: every ``data/NAME.yml`` is a namespace ``NAME``.

YAML is loaded with line numbers kept on every mapping and list, so that a
mistake found later (a missing field, an unknown participant) still names the
line. Values a participant owns are written ``!private {owner: ID, value: …}``
and load as :class:`Private`; who may see them is decided per audience
elsewhere (:mod:`report_engine.facts`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, cast

import yaml

from . import disclosures
from .errors import ReportError, did_you_mean
# The values the loader makes, and the walk over them, live in values.py; offered here too.
from .values import LineDict, LineList, Private, line_dict, line_list, names_any, private_values  # noqa: F401


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps lines and reads ``!private``."""

    source = ""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.source, result.line, result.key_lines = loader.source, node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise ReportError(f"duplicate key '{key}' in YAML", loader.source,
                              key_node.start_mark.line + 1,
                              f"it was first set on line {result.key_lines[key]}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(n, deep=True) for n in node.value)
    result.source, result.line = loader.source, node.start_mark.line + 1
    result.item_lines = [n.start_mark.line + 1 for n in node.value]
    return result


def _construct_private(loader: _Loader, node: yaml.Node) -> Private:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise ReportError("!private needs a mapping", loader.source, line,
                          "write !private {owner: PARTICIPANT_ID, value: ...}")
    spec = _construct_mapping(loader, node)
    if set(spec) not in ({"owner", "value"}, {"owner", "value", "id"}):
        raise ReportError(f"!private takes 'owner', 'value' and optionally 'id', got {sorted(spec)}",
                          loader.source, line, "write !private {owner: PARTICIPANT_ID, value: ...}")
    item = str(spec["id"]) if "id" in spec else None
    return Private(str(spec["owner"]), spec["value"], loader.source, line, item)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise ReportError(f"'{node.value}' is not a valid date ({error})", loader.source, node.start_mark.line + 1,
                          "check the day and month; quote it if it is meant as text") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("!private", _construct_private)


def yaml_error_line(error: yaml.MarkedYAMLError) -> int | None:
    """The 1-based line a YAML error points at: where an unclosed bracket opened, not the end of the text."""
    mark = error.problem_mark or error.context_mark
    if error.context_mark and "stream end" in str(error.problem):
        mark = error.context_mark
    return mark.line + 1 if mark else None


# The last parse of each data file in this process, pickled, with the text and name it was parsed
# from: `mkdocs serve` rebuilds after every save, mostly of other files, and loading a pickle costs
# a hundredth of parsing YAML with lines in Python. Each build gets objects of its own.
_PARSED: dict[str, tuple[str, str, bytes]] = {}


def load_yaml(path: Path, display: str) -> Any:
    """Parse one YAML file; malformed YAML fails with file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[:error.start].count(b"\n") + 1
        raise ReportError("this file is not UTF-8 text", display, line,
                          "save it as UTF-8 (most editors offer it under 'Save with encoding')") from None
    known = _PARSED.get(str(path))
    if known is not None and known[:2] == (text, display):
        return pickle.loads(known[2])
    value = _parse_yaml(text, display)
    try:
        _PARSED[str(path)] = (text, display, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):     # pragma: no cover - YAML makes plain values
        _PARSED.pop(str(path), None)
    return value


def _parse_yaml(text: str, display: str) -> Any:
    loader = _Loader(text)
    loader.source = display
    try:
        return loader.get_single_data()
    except ReportError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark_line = yaml_error_line(exc)
        problem = exc.problem or exc.context or "malformed YAML"
        raise ReportError(f"malformed YAML: {problem}", display, mark_line,
                          "check indentation and quoting on this line and the one above") from None
    except yaml.YAMLError as exc:
        raise ReportError(f"malformed YAML: {exc}", display) from None
    finally:
        loader.dispose()


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    pseudonym: str | None
    line: int | None
    named: bool = True          # False: never named in public; its pseudonym stands everywhere
    aliases: tuple[str, ...] = ()   # other names that identify it (a short name, a brand)
    exited: bool = False        # left silently: in no output but internal

    def every_name(self) -> tuple[str, ...]:
        """Every name that stands for it in text: its name, aliases, pseudonym and id."""
        return tuple(filter(None, (self.name, *self.aliases, self.pseudonym, self.id)))


@dataclass(frozen=True)
class Term:
    """A term listed under ``never_public:`` in data/report.yml: in no public output, in any form."""

    text: str
    line: int | None


@dataclass
class ReportData:
    """All namespaces, plus the typed view of ``report.yml`` the engine relies on."""

    namespaces: dict[str, Any]
    participants: dict[str, Participant] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    never_public: tuple[Term, ...] = ()
    # Private values that carry an id (``!private {owner, id, value}``), as written, whatever was decided.
    items: list[Private] = field(default_factory=list)

    @property
    def report(self) -> LineDict:
        return self.namespaces["report"]


REQUIRED_REPORT_FIELDS = ("title", "edition", "edition_label", "assessment_window",
                          "published", "organization", "canonical_url", "participants")


def load_data(data_dir: Path, project_dir: Path) -> ReportData:
    """Load every ``*.yml``/``*.yaml`` in ``data_dir`` and check ``report.yml``."""
    namespaces: dict[str, Any] = {}
    files: dict[str, str] = {}
    if data_dir.is_dir():
        for path in sorted(data_dir.iterdir()):
            if path.suffix not in (".yml", ".yaml") or not path.is_file():
                continue
            display = path.relative_to(project_dir).as_posix()
            name = path.stem
            if not name.isidentifier():
                raise ReportError(f"data file name '{path.name}' is not a valid namespace name", display, None,
                                  "use letters, digits and underscores, e.g. data/key_facts.yml")
            if name in namespaces:
                raise ReportError(f"namespace '{name}' is defined twice", display, None,
                                  f"it is also defined by {files[name]}")
            namespaces[name] = load_yaml(path, display)
            files[name] = display
    data = ReportData(namespaces=namespaces, files=files)
    data.participants = _check_report(data, data_dir, project_dir)
    data.never_public = _never_public(data.report, data.files.get("report", "data/report.yml"))
    decided = False
    for name, value in namespaces.items():
        for private in private_values(value):
            if private.owner not in data.participants:
                raise ReportError(f"!private value owned by unknown participant '{private.owner}'", private.source,
                                  private.line, did_you_mean(private.owner, data.participants, "participant ids"))
            decided = decided or private.item is not None
    if decided:
        _disclose(data)
    return data


def _check_report(data: ReportData, data_dir: Path, project_dir: Path) -> dict[str, Participant]:
    """Check ``report.yml``'s fields; its participants, typed."""
    display = data.files.get("report", (data_dir / "report.yml").relative_to(project_dir).as_posix())
    report = _report_mapping(data, display)
    _check_fields(report, display)
    participants: dict[str, Participant] = {}
    entries = report["participants"]
    if not isinstance(entries, list):
        raise ReportError("participants must be a list", display, report.line_of("participants"),
                          "write participants: [{id: helios, name: Helios Labs}]")
    for index, entry in enumerate(entries):
        line = entries.item_lines[index] if isinstance(entries, LineList) else None
        participant = _participant(entry, participants, display, line)
        participants[participant.id] = participant
    _check_sequence(participants, display)
    return participants


def _report_mapping(data: ReportData, display: str) -> LineDict:
    """``report.yml`` as a mapping with every required field, or why not."""
    report = data.namespaces.get("report")
    if report is None and "report" in data.files:
        raise ReportError("data/report.yml is empty", display, 1,
                          f"start it with the required fields: {', '.join(REQUIRED_REPORT_FIELDS)}")
    if report is None:
        raise ReportError("data/report.yml is missing", display, None,
                          "every report describes itself in data/report.yml (title, edition, participants...)")
    if not isinstance(report, dict):
        raise ReportError("data/report.yml is empty or not a mapping of fields", display, 1,
                          f"start it with the required fields: {', '.join(REQUIRED_REPORT_FIELDS)}")
    report = cast(LineDict, report)          # what the YAML loader makes of every mapping
    for name in REQUIRED_REPORT_FIELDS:
        if name not in report:
            raise ReportError(f"data/report.yml has no '{name}'", display, report.line,
                              f"add '{name}:' (required fields: {', '.join(REQUIRED_REPORT_FIELDS)})")
    return report


def _check_fields(report: LineDict, display: str) -> None:
    """The assessment window, the canonical URL, the mappings and the publication date."""
    window = report["assessment_window"]
    if not (isinstance(window, dict) and isinstance(window.get("start"), dt.date)
            and isinstance(window.get("end"), dt.date)):
        raise ReportError("assessment_window needs dates 'start' and 'end'", display,
                          report.line_of("assessment_window"),
                          "write assessment_window: {start: 2026-02-16, end: 2026-03-16}")
    url = str(report["canonical_url"])
    if not re.match(r"https?://[^/\s]+", url):
        raise ReportError(f"canonical_url must be an absolute http(s) address, got {url!r}", display,
                          report.line_of("canonical_url"), "write canonical_url: https://example.org/report/")
    if window["end"] < window["start"]:
        raise ReportError("assessment_window ends before it starts", display, report.line_of("assessment_window"),
                          "check the order of start and end")
    for name in ("redaction_statement", "citations"):
        if name in report and not isinstance(report[name], dict):
            raise ReportError(f"'{name}' must be a mapping", display, report.line_of(name),
                              "write redaction_statement: {standard: ..., qualified: ...}" if name == "redaction_statement"
                              else "write citations: {style: numeric}")
    if not isinstance(report["published"], dt.date):
        raise ReportError("published must be a date", display, report.line_of("published"),
                          "write published: 2026-05-19 (unquoted)")


PARTICIPANT_FIELDS = {"id", "name", "pseudonym", "named", "aliases", "exited"}


def _participant(entry: Any, participants: dict[str, Participant], display: str, line: int | None) -> Participant:
    """One entry of ``participants:``, checked against itself and the ``participants`` before it."""
    if not isinstance(entry, dict) or "id" not in entry or "name" not in entry:
        raise ReportError("each participant needs an 'id' and a 'name'", display, line,
                          "write - {id: helios, name: Helios Labs, pseudonym: Developer A}")
    pid = str(entry["id"])
    if pid in participants:
        raise ReportError(f"participant id '{pid}' is used twice", display, line)
    if not pid.replace("-", "").replace("_", "").isalnum():
        raise ReportError(f"participant id '{pid}' must be letters, digits, '-' or '_'", display, line)
    pseudonym = _pseudonym(entry, pid, participants, display, line)
    named = entry.get("named", True)
    if not isinstance(named, bool):
        raise ReportError(f"named takes true or false, got {named!r}", display, line,
                          "write named: false (no quotes) for a participant that is never named in public")
    if not named and pseudonym is None:
        raise ReportError(f"participant '{pid}' has named: false but no pseudonym", display, line,
                          f"add pseudonym: ... to '{pid}': it stands wherever the report mentions it")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ReportError(f"aliases of '{pid}' must be a list of names", display, line,
                          "write aliases: [Kestrel, KestrelAI]")
    exited = entry.get("exited", False)
    if not isinstance(exited, bool):
        raise ReportError(f"exited takes true or false, got {exited!r}", display, line,
                          "write exited: true (no quotes) for a participant that left")
    for key in sorted(set(map(str, entry)) - PARTICIPANT_FIELDS):
        # Other fields are the report's own; a misspelt 'named' or 'pseudonym' would name a participant.
        if difflib.get_close_matches(key, ["named", "pseudonym", "exited"], n=1, cutoff=0.7):
            raise ReportError(f"participant '{pid}' has an unknown field '{key}'", display, line,
                              did_you_mean(key, ["named", "pseudonym", "exited"], "fields"))
    return Participant(pid, str(entry["name"]), pseudonym, line, named, tuple(aliases), exited)


def _pseudonym(entry: dict, pid: str, participants: dict[str, Participant], display: str,
               line: int | None) -> str | None:
    """A participant's pseudonym: not its own name, not another's pseudonym."""
    pseudonym = str(entry["pseudonym"]) if entry.get("pseudonym") else None
    if pseudonym is not None and pseudonym == str(entry["name"]):
        raise ReportError(f"participant '{pid}' has its own name as pseudonym", display, line,
                          "a pseudonym must not reveal who it stands for")
    taken = [p.id for p in participants.values() if pseudonym and p.pseudonym == pseudonym]
    if taken:
        raise ReportError(f"pseudonym '{pseudonym}' is used for '{taken[0]}' and '{pid}'", display, line,
                          "give each participant its own pseudonym")
    return pseudonym


SEQUENCE = re.compile(r"^(?P<stem>.*?)(?P<mark>[A-Z]|\d+)$")


def _check_sequence(participants: dict[str, Participant], display: str) -> None:
    """Pseudonyms in a sequence (Developer A, B, C…) must not show a gap where one that left stood."""
    places: dict[str, tuple[str, int, bool]] = {}          # id -> (stem, place in the sequence, numeric)
    for p in participants.values():
        match = SEQUENCE.match(p.pseudonym or "")
        if match is not None:
            mark = match.group("mark")
            places[p.id] = (match.group("stem"), int(mark) if mark.isdigit() else ord(mark) - ord("A") + 1,
                            mark.isdigit())
    for gone in (p for p in participants.values() if p.exited and p.id in places):
        stem, number, numeric = places[gone.id]
        staying = sorted((places[p.id][1], p.id) for p in participants.values()
                         if not p.exited and p.id in places and places[p.id][0] == stem)
        if not any(place > number for place, _ in staying):
            continue

        def name(index: int) -> str:
            return f"{stem}{index if numeric else chr(ord('A') + index - 1)}"

        renames = [f"{pid}: {participants[pid].pseudonym} → {name(index)}"
                   for index, (_, pid) in enumerate(staying, start=1) if participants[pid].pseudonym != name(index)]
        raise ReportError(f"'{gone.id}' left (exited: true), and its pseudonym '{gone.pseudonym}' leaves a gap "
                          "in the sequence readers see", display, gone.line,
                          "rename the pseudonyms after it: " + ", ".join(renames) +
                          f"; and give '{gone.id}' one outside the sequence")


def _disclose(data: ReportData) -> None:
    """Private values whose owner approved them (by their id in data/disclosures.yml, ``approved`` or
    ``anonymised``) become ordinary data, for every audience; the others stay private (no decision,
    pending or redacted: fail closed), and so does everything of a participant that left."""
    decisions = disclosures.load(data.namespaces, data.files)

    def opened(value: Any) -> Any:
        if isinstance(value, Private):
            inner = opened(value.value)
            if value.item is not None:
                data.items.append(value)
                decision = decisions.get(value.item)
                if decision is not None and decision.decision == "anonymised":
                    raise ReportError(f"'{value.item}' is a data value, which cannot be anonymised: its text and "
                                      "fields may name its owner", data.files.get(disclosures.FILE, "data/disclosures.yml"),
                                      decision.line, "decide approved or redacted for it")
                gone = data.participants[value.owner].exited if value.owner in data.participants else False
                if decision is not None and decision.decision == "approved" and not gone:
                    return inner
            return Private(value.owner, inner, value.source, value.line, value.item)
        if isinstance(value, dict):
            return line_dict(((k, opened(v)) for k, v in value.items()), like=value)
        if isinstance(value, list):
            return line_list((opened(v) for v in value), like=value)
        return value

    data.namespaces = {name: opened(value) for name, value in data.namespaces.items()}


def _never_public(report: LineDict, display: str) -> tuple[Term, ...]:
    """``never_public:``: codenames, internal project names, people; checked here, searched for by the
    audit in every public output."""
    terms = report.get("never_public")
    if terms is None:
        return ()
    line = report.line_of("never_public")
    if not isinstance(terms, list):
        raise ReportError("never_public must be a list of terms", display, line,
                          "write never_public: [Nightingale, Project Zephyr]")
    lines = getattr(terms, "item_lines", [])
    found: list[Term] = []
    for index, term in enumerate(terms):
        where = lines[index] if index < len(lines) else line
        if not isinstance(term, (str, int)) or isinstance(term, bool) or not str(term).strip():
            raise ReportError(f"never_public: {term!r} is not a term", display, where,
                              "list each term as text, e.g. - Nightingale")
        if len(re.sub(r"[\W_]+", "", str(term))) < 3:
            raise ReportError(f"never_public: '{term}' is too short to search for without finding it in honest text",
                              display, where, "list the whole name or phrase, e.g. 'Project Nightingale'")
        found.append(Term(str(term).strip(), where))
    return tuple(found)


def with_public_names(namespaces: dict[str, Any], participants: dict[str, Participant],
                      knows: Any) -> dict[str, Any]:
    """The namespaces with each never-named participant's name replaced by its pseudonym
    for an audience that may not know it (``report.participants`` read in a loop or by fact())."""
    report = namespaces.get("report")
    hidden = {p.id: p.pseudonym for p in participants.values() if not p.named and not knows(p.id)}
    gone = {p.id for p in participants.values() if p.exited and not knows(p.id)}
    namespaces = without_exited(namespaces, gone)
    report = namespaces.get("report")
    if not (hidden or gone) or not isinstance(report, dict) or not isinstance(report.get("participants"), list):
        return namespaces
    report = cast(LineDict, report)
    entries = report["participants"]
    kept = [entry for entry in entries if str(entry.get("id")) not in gone]
    renamed = LineList(LineDict(entry, name=hidden[str(entry["id"])]) if str(entry.get("id")) in hidden
                       else entry for entry in kept)
    for new, old in zip(renamed, kept):
        if new is not old:
            new.source, new.line, new.key_lines = old.source, old.line, getattr(old, "key_lines", {})
    renamed.source, renamed.line = entries.source, entries.line
    lines = getattr(entries, "item_lines", [])
    renamed.item_lines = [line for line, entry in zip(lines, entries) if str(entry.get("id")) not in gone]
    copy = LineDict(report, participants=renamed)
    copy.source, copy.line, copy.key_lines = report.source, report.line, getattr(report, "key_lines", {})
    return {**namespaces, "report": copy}


def without_exited(namespaces: dict[str, Any], gone: set[str]) -> dict[str, Any]:
    """The data with everything that belongs to a participant that left taken out, for audiences that
    may not know it took part: a list item that is its id or holds its id anywhere (``participant:
    nova``, ``developer: {id: nova}``), and a mapping's entry keyed by its id."""
    if not gone:
        return namespaces

    def names_gone(item: Any) -> bool:
        return names_any(item, gone)

    def prune(value: Any) -> Any:
        if isinstance(value, list):
            kept = [(prune(item), line) for item, line in
                    zip(value, getattr(value, "item_lines", [None] * len(value))) if not names_gone(item)]
            return line_list((item for item, _ in kept), like=value, item_lines=[line for _, line in kept])
        if isinstance(value, dict):
            return line_dict(((k, prune(v)) for k, v in value.items()
                              if str(k) not in gone and not (isinstance(v, str) and v in gone)), like=value)
        if isinstance(value, str) and value in gone:
            return None
        return value

    return {name: value if name == "report" else prune(value) for name, value in namespaces.items()}


def records_of(namespaces: dict[str, Any], ids: AbstractSet[str]) -> set[str]:
    """The records (``namespace:id``, as the changes page keys them) that belong to any of ``ids``."""
    found: set[str] = set()
    for name, value in namespaces.items():
        lists = [value] if isinstance(value, list) else [v for v in value.values() if isinstance(v, list)] \
            if isinstance(value, dict) else []
        for items in lists:
            for item in items:
                inner = item.value if isinstance(item, Private) else item
                if isinstance(inner, dict) and "id" in inner and names_any(inner, ids):
                    found.add(f"{name}:{inner['id'] if not isinstance(inner['id'], Private) else inner['id'].value}")
    return found
