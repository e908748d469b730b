"""Review packets: what a participant must decide on, to read offline and send back.

``python -m macros review --participant ID [--out DIR]`` writes one folder, and a
``.zip`` of it: ``index.html`` (every ``nonpublic`` item of the participant's in
report order, with its section, its text as the participant's private report
shows it, what the public would read under each decision, and the decision
recorded now) and ``decisions.yml`` (the same items in the shape of
``data/disclosures.yml``, to fill in and return). The packet is a private
output: it is written by a process that builds the participant's audience and
is audited for it (nothing of another participant's), and never under the
public site folder.

``python -m macros review --import FILE`` checks a returned file against the
report (unknown ids, another participant's items, unknown decisions or fields:
one error per line, and nothing is applied unless every line is valid), then
records the decisions in ``data/disclosures.yml`` with their date and source,
in place: ruamel.yaml keeps the author's comments, order and layout.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import disclosures, readthrough, settings
from .adapter import MkDocsException
from .data import load_yaml
from .errors import ReportError, did_you_mean
from .settings import AUDIENCE_ENV, DRAFT_ENV, SNAPSHOT_ENV, child_environment

ITEMS_ENV = settings.ITEMS_ENV          # set in the process that collects a participant's items
PACKETS = "review-packets"              # the default folder, beside mkdocs.yml
DECISIONS_FILE = "decisions.yml"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)        # a zip's members carry no build time: the same packet, the same bytes


@dataclass(frozen=True)
class Item:
    """One non-public item as a packet shows it."""

    item: str
    owner: str
    decision: str
    by: str
    date: str
    material: bool
    note: str
    replacement: str
    where: str                  # file:line of the block
    section: str                # "Page title › heading"
    text: str                   # the block's Markdown as the owner's private report prints it


# ---- collecting, in a build of the participant's audience ------------------------------------------

def collect(build: Any) -> list[Item]:
    """The items of the build's audience (a participant; internal: every item), in report order,
    one per id."""
    from .linking import Linker

    session = build.session
    owner = session.audience.participant
    linker = Linker(session)
    items: dict[str, Item] = {}
    for use in session.disclosures:
        if (owner is not None and use.owner != owner) or use.item in items:
            continue
        decision = use.decision
        page = session.pages.get(use.page)
        if page is None:                    # a private value in data/, with its id
            section, text = f"Data: {use.location}", use.body
        else:
            text = linker.resolve_text(page.src, use.body)
            section = section_of(page.title or page.src, page.output, text)
        items[use.item] = Item(use.item, use.owner, decision.decision, decision.by,
                               decision.date.isoformat() if decision.date else "", decision.material,
                               decision.note or "", decision.replacement or "", str(use.location), section, text)
    return list(items.values())


HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*(?:\{[^}]*\})?\s*#*\s*$")


def section_of(title: str, output: str, text: str) -> str:
    """The page's title and the last heading above the item, read from the page as this audience
    gets it (never a heading of another participant's redaction)."""
    start = text.strip()[:80]
    where = output.find(start) if start else -1
    heading = ""
    for line in (output[:where] if where >= 0 else "").split("\n"):
        match = HEADING.match(line)
        if match and len(match.group(1)) > 1:
            heading = match.group(2)
    return f"{title} › {heading}" if heading else title


def collect_main(out: str, config_file: str = "mkdocs.yml") -> int:
    """In a participant's build (``python -m report_engine review-items``, run by :func:`write_packet`):
    collect its items, write the packet to ``out``, audit it for the participant."""
    try:
        return _collect(out, config_file)
    except (MkDocsException, ReportError) as error:           # the build's own error, already located
        print(f"ERROR   -  {error}", file=sys.stderr)
        return 1


def _collect(out: str, config_file: str) -> int:
    from . import audit

    with readthrough.through_passes(config_file) as build:
        if build is None:
            print("ERROR   -  this build never ran the report engine", file=sys.stderr)
            return 1
        items = collect(build)
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        if build.session.audience.participant is None:          # every item and its owner, for --import
            (folder / "items.json").write_text(json.dumps([asdict(i) for i in items], ensure_ascii=False), "utf-8")
            return 0
        participant = build.data.participants[build.session.audience.participant]
        report = build.data.report
        (folder / "index.html").write_text(packet_html(items, participant, report), encoding="utf-8")
        (folder / DECISIONS_FILE).write_text(decisions_yaml(items, participant, report), encoding="utf-8")
        findings = audit.audit_site(folder, audit.fingerprints(build.session))
        if findings:
            error = audit.findings_error(findings, folder)
            for path in sorted(folder.iterdir()):
                path.unlink()
            folder.rmdir()
            print(f"ERROR   -  {error}", file=sys.stderr)
            return 1
        return 0


# ---- the packet ------------------------------------------------------------------------------------

STYLE = """body{font:17px/1.55 Georgia,'Charis SIL',serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem;line-height:1.25}h2{font-size:1.2rem;margin-top:2.5rem;border-top:1px solid #bbb;padding-top:1rem}
.meta{color:#444;font-size:.95rem}.text{border-left:4px solid #6b7b8c;padding:.2rem 1rem;background:#f5f6f7}
table{border-collapse:collapse;width:100%;font-size:.95rem}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
code{font-size:.9em}td p{margin:0 0 .4rem}"""


def markdown_html(text: str) -> str:
    import markdown

    return markdown.markdown(text, extensions=["tables", "footnotes", "attr_list", "md_in_html", "admonition"])


def readings(item: Item, name: str, pseudonym: str | None) -> list[tuple[str, str]]:
    """What the public would read under each decision, as HTML."""
    anonymised = (markdown_html(re.sub(re.escape(name), pseudonym, item.text)) if pseudonym else
                  "<p><em>Not possible: you have no pseudonym in this report. Ask the editors for one.</em></p>")
    redacted = []
    if item.replacement:
        redacted.append(f"<p>“{html.escape(item.replacement)}”</p>")
    if item.material:
        redacted.append(f"<p><strong>Material redaction.</strong> {html.escape(item.note or '')}</p>")
    return [("approved", markdown_html(item.text)),
            ("redacted", "".join(redacted) or "<p><em>Nothing: the passage is left out.</em></p>"),
            ("anonymised", anonymised),
            ("pending", "<p><em>Nothing, until you decide (as redacted).</em></p>")]


def packet_html(items: list[Item], participant: Any, report: Any) -> str:
    title = html.escape(str(report["title"]))
    label = html.escape(str(report["edition_label"]))
    who = html.escape(participant.name)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='robots' content='noindex'>"
             f"<title>Review packet for {who}: {title}</title><style>{STYLE}</style></head><body>",
             f"<h1>Review packet for {who}</h1>",
             f"<p class='meta'>{title}, {label} (edition {html.escape(str(report['edition']))}), from "
             f"{html.escape(str(report['organization']))}. Confidential: for {who} only.</p>",
             f"<p>This packet holds the {len(items)} non-public item(s) of yours that the report uses, in report "
             "order. For each, decide what the public report may carry: <strong>approved</strong> (published as "
             "shown), <strong>redacted</strong> (left out; you may ask for a replacement sentence, or mark it "
             "material, which shows a notice), <strong>anonymised</strong> (published, you named only by your "
             f"pseudonym) or <strong>pending</strong>. Write your decisions in <code>{DECISIONS_FILE}</code> and "
             "send that file back.</p>"]
    for number, item in enumerate(items, start=1):
        recorded = item.decision + (f", by {item.by}" if item.by else "") + (f", {item.date}" if item.date else "")
        parts.append(f"<section><h2>{number}. <code>{html.escape(item.item)}</code></h2>"
                     f"<p class='meta'>Section: {html.escape(item.section)}. Decision recorded now: "
                     f"<strong>{html.escape(recorded)}</strong>.</p>"
                     f"<p>As your private report shows it:</p><div class='text'>{markdown_html(item.text)}</div>"
                     "<table><thead><tr><th>decision</th><th>what the public reads</th></tr></thead><tbody>")
        for decision, shown in readings(item, participant.name, participant.pseudonym):
            parts.append(f"<tr><td>{decision}</td><td>{shown}</td></tr>")
        parts.append("</tbody></table></section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def decisions_yaml(items: list[Item], participant: Any, report: Any) -> str:
    lines = [f"# Decisions of {participant.name} on its non-public information in {report['title']},",
             f"# {report['edition_label']} (edition {report['edition']}). One entry per item (see index.html).",
             "# decision: approved, redacted, anonymised or pending. With redacted you may add",
             "# material: true and a note (a notice stands in its place), or a replacement sentence.",
             "# by: who decided; date: when (YYYY-MM-DD).", ""]
    for item in items:
        fields = [f"decision: {item.decision}", f"by: {json.dumps(item.by)}",
                  f"date: {item.date or 'null'}"]
        if item.decision == "redacted":
            if item.material:
                fields.append("material: true")
            if item.note:
                fields.append(f"note: {json.dumps(item.note)}")
            if item.replacement:
                fields.append(f"replacement: {json.dumps(item.replacement)}")
        lines.append(f"{item.item}: {{{', '.join(fields)}}}")
    return "\n".join(lines) + "\n"


def write_packet(project_dir: Path, participant: str, out: Path | None, site_dir: Path) -> Path:
    """Build the participant's audience in a process of its own, write its packet and zip it."""
    folder = (out or project_dir / PACKETS) / participant
    # Never where a build publishes or reads from: the public site, private builds, docs/ or overrides/.
    for refused in (site_dir, project_dir / "site-private", project_dir / "docs", project_dir / "overrides"):
        if folder.resolve().is_relative_to(refused.resolve()):
            raise ReportError(f"a review packet is private and may not be written under {refused.name}/, "
                              "which builds publish or read", "--out", None, f"write it elsewhere, e.g. --out {PACKETS}")
    if folder.exists():
        for path in sorted(folder.iterdir()):
            path.unlink()
    run_items(project_dir, f"participant:{participant}", folder)
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.name}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, path.read_bytes())
    return archive


# ---- importing a returned file ---------------------------------------------------------------------

def all_items(project_dir: Path) -> dict[str, str]:
    """Every item id the report uses, with its owner (read by an internal build's two passes)."""
    with tempfile.TemporaryDirectory() as scratch:
        run_items(project_dir, "internal", Path(scratch))
        return {entry["item"]: entry["owner"] for entry in json.loads((Path(scratch) / "items.json").read_text())}


def run_items(project_dir: Path, audience: str, out: Path) -> None:
    """:func:`collect_main` in a process of its own, building ``audience`` (a final build's passes: no
    draft, no changes page, whose comparison is not the packet's business)."""
    env = child_environment(drop=(DRAFT_ENV,),
                            **{AUDIENCE_ENV: audience, ITEMS_ENV: str(out), SNAPSHOT_ENV: os.devnull})
    proc = subprocess.run([sys.executable, "-m", "report_engine", "review-items"], cwd=project_dir, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("ERROR")]
        raise ReportError(lines[-1].split("-  ", 1)[-1] if lines else (proc.stdout + proc.stderr)[-2000:])


def check_returned(path: Path, display: str, items: dict[str, str], participants: dict[str, Any],
                   participant: str | None) -> tuple[dict[str, dict], list[str]]:
    """The decisions a returned file holds, and one error per bad line (file:line: message)."""
    try:
        entries = load_yaml(path, display)
    except ReportError as error:
        return {}, [str(error)]
    if entries is None or entries == {}:      # a packet with nothing to decide comes back as comments only
        return {}, []
    if not isinstance(entries, dict):
        return {}, [f"{display}:1: a decision file maps item ids to decisions"]
    owners = [items[str(k)] for k in entries if str(k) in items]
    owner = participant or (owners[0] if owners else None)        # the sender: the owner of its first item
    errors: list[str] = []
    decided: dict[str, dict] = {}
    for key, entry in entries.items():
        item, line = str(key), getattr(entries, "line_of", lambda _: None)(key)
        where = f"{display}:{line}"
        if item not in items:
            errors.append(f"{where}: unknown item '{item}' ({did_you_mean(item, items, 'items') or 'no items'})")
            continue
        if items[item] != owner:
            errors.append(f"{where}: item '{item}' belongs to '{items[item]}', not to '{owner}'")
        elif participants[owner].exited:
            errors.append(f"{where}: '{owner}' left the assessment (exited: true): its decisions no longer count")
        if not isinstance(entry, dict):
            errors.append(f"{where}: the decision for '{item}' is not a mapping")
            continue
        unknown = sorted(set(map(str, entry)) - disclosures.FIELDS)
        decision = str(entry.get("decision", ""))
        if unknown:
            errors.append(f"{where}: unknown field '{unknown[0]}' ({did_you_mean(unknown[0], disclosures.FIELDS, 'fields')})")
        elif decision not in disclosures.DECISIONS:
            errors.append(f"{where}: unknown decision '{decision}' ({did_you_mean(decision, disclosures.DECISIONS, 'decisions')})")
        elif not isinstance(entry.get("material", False), bool):
            errors.append(f"{where}: material takes true or false")
        elif decision != "redacted" and (entry.get("material") or entry.get("note") or entry.get("replacement")):
            errors.append(f"{where}: material, note and replacement go with a redacted item")
        elif decision == "anonymised" and owner is not None and not participants[owner].pseudonym:
            errors.append(f"{where}: '{owner}' has no pseudonym in data/report.yml, so '{item}' cannot be anonymised")
        elif entry.get("date") is not None and not isinstance(entry.get("date"), dt.date):
            errors.append(f"{where}: the date is not a date (write date: 2026-04-02)")
        elif items[item] == owner:
            decided[item] = dict(entry)
    return decided, errors


def apply(disclosures_file: Path, decided: dict[str, dict], source: str, today: dt.date) -> list[str]:
    """Record decisions in data/disclosures.yml in place, keeping comments and order (ruamel.yaml)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()                       # round trip: comments, order and flow style kept
    yaml.preserve_quotes = True
    yaml.width = 4096                   # an entry stays on its line
    document = yaml.load(disclosures_file.read_text(encoding="utf-8")) if disclosures_file.exists() else None
    if document is None:
        document = CommentedMap()
    changed = []
    for item, entry in decided.items():
        record = document.get(item)
        if not isinstance(record, dict):
            record = CommentedMap()
            record.fa.set_flow_style()
            document[item] = record
        for field in ("material", "note", "replacement"):
            if field in record and field not in entry:
                del record[field]
        record["decision"] = str(entry["decision"])
        for field in ("material", "note", "replacement"):
            if field in entry:
                record[field] = entry[field]
        record["by"] = str(entry.get("by") or "")
        record["date"] = entry.get("date") or today
        record["source"] = source
        changed.append(f"{item}: {entry['decision']}")
    disclosures_file.parent.mkdir(parents=True, exist_ok=True)
    with disclosures_file.open("w", encoding="utf-8") as stream:
        yaml.dump(document, stream)
    return changed


def today() -> dt.date:
    epoch = settings.environment().epoch
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date() if epoch else dt.date.today()


# ---- command line ----------------------------------------------------------------------------------

def add_parser(subparsers: Any) -> None:
    """``review`` for ``python -m macros``, and the hidden ``review-items`` it runs."""
    import argparse

    review = subparsers.add_parser("review", help="write a participant's review packet, or import its decisions")
    what = review.add_mutually_exclusive_group(required=True)
    what.add_argument("--participant", metavar="ID", help="write this participant's packet (a folder and a .zip)")
    what.add_argument("--import", dest="returned", metavar="FILE", type=Path,
                      help="record the decisions of a returned decisions.yml in data/disclosures.yml")
    review.add_argument("--out", type=Path, default=None, help=f"where packets go (default: {PACKETS}/)")
    review.add_argument("--from", dest="sender", metavar="ID", default=None,
                        help="with --import: the participant the file comes from (default: the owner of its items)")
    review.set_defaults(run=run)
    items = subparsers.add_parser("review-items", help=argparse.SUPPRESS)
    items.set_defaults(run=_run_items)


def run(args: Any) -> int:
    from .data import load_data
    from .outputs import configured_site_dir

    project = Path.cwd()
    try:
        data = load_data(project / "data", project)
        if args.participant:
            if args.participant not in data.participants:
                raise ReportError(f"unknown participant '{args.participant}'", "--participant", None,
                                  did_you_mean(args.participant, data.participants, "participant ids"))
            if data.participants[args.participant].exited:
                raise ReportError(f"participant '{args.participant}' left the assessment (exited: true)",
                                  "--participant", None, "a participant that left gets no packet")
            archive = write_packet(project, args.participant, args.out, configured_site_dir(project / "mkdocs.yml"))
            print(f"Review packet for {data.participants[args.participant].name}: {archive.with_suffix('')}/ "
                  f"and {archive}")
            return 0
        returned: Path = args.returned
        if not returned.is_file():
            raise ReportError(f"no such file: {returned}", "--import", None, "give the decisions.yml sent back")
        display = returned.as_posix()
        decided, errors = check_returned(returned, display, all_items(project), data.participants, args.sender)
        if errors:
            for error in errors:
                print(f"ERROR: {error}", file=sys.stderr)
            print(f"ERROR: nothing was recorded: {len(errors)} line(s) of {display} need correcting", file=sys.stderr)
            return 1
        target = project / "data" / f"{disclosures.FILE}.yml"
        for line in apply(target, decided, returned.name, today()):
            print(f"recorded {line}")
        return 0
    except ReportError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1


def _run_items(args: Any) -> int:
    out = settings.environment().review_items
    if not out:
        print(f"ERROR: review-items is run by the engine itself, with {ITEMS_ENV} set", file=sys.stderr)
        return 2
    return collect_main(out)
