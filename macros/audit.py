"""The leak audit: read back everything a build wrote.

Construction keeps non-public content out of a build; the audit checks that it
did. From the session it takes fingerprints of what this audience may not get
(redacted passages, private data, editors' notes, references used only in
redactions, withheld files, real names where pseudonyms stand), drops any that
the audience legitimately gets elsewhere, and searches every output
file (pages, search index, sitemap, feeds, newsletter, PDF text, assets and
file names) for the rest. Any hit fails the build.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import markdown
from lxml import etree, html as lxml_html

from . import mdscan
from .data import Private
from .errors import ReportError
from .facts import private_values, text_leaves
from .mdscan import split_redactions
from .outputs import named_as_target
from .records import PLACEHOLDER
from .sources import Location

HTML_COMMENT = re.compile(r"<!--(?!\[if)")     # conditional comments aside
FORMAT_CHARACTERS = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")   # Unicode category Cf: invisible, so a copy may carry them
EDGE_PUNCTUATION = " .,;:!?\"'()[]{}<>*_`"
MIN_TEXT = 20          # shorter passages match too much public text to be evidence
MIN_NOTE = 12          # private data values: names and short phrases are the point
SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
MARKDOWN_EXTENSIONS = ["extra", "admonition", "sane_lists"]
GENERATED = {"footnote-backref", "footnote-ref"}       # Python-Markdown's own link text and titles


@dataclass(frozen=True)
class Fingerprint:
    kind: str              # "redacted text", "editor's note", "private data", ...
    text: str              # normalised text, or a regex when ``pattern`` is set
    location: Location
    pattern: bool = False
    anchor: str = ""       # for a pattern: plain text every match contains (a cheap first test)


@dataclass(frozen=True)
class Finding:
    output: Path
    fingerprint: Fingerprint


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = FORMAT_CHARACTERS.sub("", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[‐-―−]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def markdown_text(source: str) -> list[str]:
    """Text segments (block texts, alt texts, URLs) of a Markdown fragment."""
    source = PLACEHOLDER.sub(" ; ", source)       # a macro's output splits a sentence into fingerprints
    try:
        rendered = markdown.markdown(source, extensions=MARKDOWN_EXTENSIONS)
        return html_segments(rendered)
    except Exception:  # pragma: no cover - fall back to the raw text
        return [source]


def html_segments(fragment: str) -> list[str]:
    if not fragment.strip():
        return []
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    segments = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.get("class") in GENERATED:
            continue
        if element.tag in ("p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption",
                           "dt", "dd", "blockquote", "caption", "pre", "div", "span", "mark"):
            segments.append("".join(element.itertext()))
        for attribute in ("alt", "title", "href", "src"):
            if element.get(attribute):
                segments.append(element.get(attribute))
    return segments


def sentences(segments: Iterable[str], minimum: int = MIN_TEXT) -> Iterator[str]:
    for segment in segments:
        for sentence in SENTENCE.split(normalise(segment)):
            sentence = sentence.strip(EDGE_PUNCTUATION)      # a copy may end in ',' or '}' instead
            if len(sentence) >= minimum:
                yield sentence


def fingerprints(session) -> list[Fingerprint]:
    """What this build's audience must not find anywhere in its outputs.

    Two kinds, each dropped where the audience legitimately gets the same text.
    Fingerprints of rendered text (redacted bodies, references, notes) are
    checked against the rendered text the audience gets, macros' output
    included. Fingerprints read from the source inside redactions are checked
    only against source the audience may read, so that a fault in rendering
    that put redacted text on a page cannot excuse itself.
    """
    can_see = session.audience.can_see
    source_allowed = public_source_text(session)
    rendered_allowed = source_allowed + " " + normalise(" ".join(
        " ".join(html_segments(page.html)) for page in session.pages.values()
        if page.src not in session.withheld_pages))
    rendered: list[Fingerprint] = []
    from_source: list[Fingerprint] = []
    for body in session.bodies:
        if not all(can_see(owner) for owner in body.owners):
            rendered += [Fingerprint("redacted text", text, body.redaction.location)
                         for text in sentences(markdown_text(body.body))]
    names = {path.rsplit("/", 1)[-1]: path for path in session.media_files}
    for page in session.pages.values():
        for region in split_redactions(page.template)[1]:
            if all(can_see(owner) for owner in region.owners):
                continue
            where = Location(page.path, page.offset + region.line)
            from_source += [Fingerprint("file named only in redacted text", normalise(name), where)
                            for name in names if named_as_target(name, region.text)]
            segments = [MARKUP.sub(" ", JINJA_ANY.sub(" ; ", region.text))]
            segments += [literal for literal in JINJA_STRING.findall(region.text) if " " in literal.strip()]
            from_source += [Fingerprint("redacted source text", text, where) for text in sentences(segments)]
    for private in private_values(session.data.namespaces):
        if not can_see(private.owner):
            where = Location(private.source, private.line)
            from_source += [Fingerprint("private data", text, where)
                            for leaf in text_leaves(private.value) for text in sentences([leaf], MIN_NOTE)]
    if session.audience.kind != "internal":
        for page in session.pages.values():
            rendered += [Fingerprint("editor's note", text, Location(page.path))
                         for note in mdscan.strip_comments(page.raw)[1] for text in sentences([note])]
    rendered += [Fingerprint("asset used only in redacted text", normalise(path.rsplit("/", 1)[-1]), where)
                 for path, where in session.withheld_assets]
    cited = set(session.cited_keys())
    for use in session.cites:
        if use.key not in cited and not use.visible:
            reference = normalise(session.citations.plain_reference(use.key)).strip(EDGE_PUNCTUATION)
            rendered.append(Fingerprint("reference cited only in redacted text", reference, use.location))
    unique: dict[tuple[str, str], Fingerprint] = {}
    for prints, allowed in ((rendered, rendered_allowed), (from_source, source_allowed)):
        for fp in prints:
            if fp.text not in allowed:
                unique.setdefault((fp.kind, fp.text), fp)
    unique.update({(fp.kind, fp.text): fp for fp in _anonymity(session)})
    return list(unique.values())


def _anonymity(session) -> Iterator[Fingerprint]:
    """A real name must not stand where a pseudonym does: the words around the mention, with the name."""
    for mention in session.anonymous:
        if session.audience.knows(mention.participant):
            continue
        name = session.data.participants[mention.participant].name
        after = mention.after.split()[:3]
        before = mention.before.split()[-3:]
        if after:
            yield Fingerprint("real name behind a pseudonym",
                              r"\b" + re.escape(normalise(name)) + r"\W+" + r"\W+".join(re.escape(normalise(w)) for w in after) + r"\b",
                              mention.location, pattern=True, anchor=normalise(name))
        if before:
            yield Fingerprint("real name behind a pseudonym",
                              r"\b" + r"\W+".join(re.escape(normalise(w)) for w in before) + r"\W+" + re.escape(normalise(name)) + r"\b",
                              mention.location, pattern=True, anchor=normalise(name))


JINJA_STRING = re.compile(r"""(?<=["'])([^"'\n{}]{%d,})(?=["'])""" % 20)
JINJA_ANY = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{##.*?##\}", re.S)
MARKUP = re.compile(r"<!--.*?-->|<[^>]+>|[*_`#>|]|\]\(|\[\^?|\]", re.S)


def public_source_text(session) -> str:
    """Normalised source an audience reads by the author's choice.

    The page source outside redactions and inside those it may see (text, the
    string arguments of macros such as replacements and notes, link and image
    targets), the report's public data except participants' real names, and
    the references its pages list.
    """
    can_see = session.audience.can_see
    pieces = []
    for page in session.pages.values():
        if page.src in session.withheld_pages:
            continue
        outside, regions = split_redactions(page.template)
        readable = "\n".join([outside] + [r.text for r in regions if all(can_see(o) for o in r.owners)])
        readable = mdscan.strip_comments(readable)[0]
        pieces.append(MARKUP.sub(" ", JINJA_ANY.sub(" ; ", readable)))
        pieces += JINJA_STRING.findall(readable)
        pieces += mdscan.link_targets(readable)
    public = _public_data(session.data.namespaces)
    # Participants' real names are data, not a choice to name them in the report.
    public["report"] = {k: v for k, v in public.get("report", {}).items() if k != "participants"}
    pieces.extend(text_leaves(public))
    # References the audience's pages list come from the .bib, not from any redaction.
    pieces += [session.citations.plain_reference(key) for key in session.cited_keys()]
    return normalise(" ".join(pieces))


def _public_data(value):
    if isinstance(value, Private):
        return None
    if isinstance(value, dict):
        return {k: _public_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public_data(v) for v in value]
    return value


# ---- reading outputs ---------------------------------------------------------------

def output_text(path: Path) -> str:
    """Everything a reader or crawler could get from one output file, as normalised text."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except OSError:
            pass
        suffix = Path(path.stem).suffix.lower()
    if suffix == ".pdf":
        return normalise(pdf_text(path, data))
    text = data.decode("utf-8", errors="replace")
    parts = [text]
    if suffix in (".html", ".htm", ".xml", ".svg"):
        parts.append(_markup_text(text, xml=suffix in (".xml", ".svg")))
    elif suffix == ".json":
        try:
            parts.extend(_markup_text(s) if "<" in s else s for s in _json_strings(json.loads(text)))
        except ValueError:
            pass
    return normalise(" ".join(parts))


def _markup_text(text: str, xml: bool = False) -> str:
    try:
        root = etree.fromstring(text.encode(), etree.XMLParser(recover=True)) if xml else lxml_html.fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return re.sub(r"<[^>]+>", " ", text)
    if root is None:
        return ""
    pieces = ["".join(root.itertext())]
    for element in root.iter():
        if isinstance(element.tag, str):
            pieces.extend(str(v) for v in element.attrib.values())
    return " ".join(pieces)


def _json_strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def pdf_text(path: Path, data: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool:
        result = subprocess.run([tool, "-q", str(path), "-"], capture_output=True, check=False)
        if result.returncode == 0:
            return result.stdout.decode("utf-8", errors="replace")
    return data.decode("latin-1")


def audit_site(site: Path, prints: list[Fingerprint], comments_allowed: bool = False,
               sources: dict[str, str] | None = None) -> list[Finding]:
    """Every place an output holds something its audience must not get.

    Besides the fingerprints, any HTML comment in a page is a finding unless
    the audience is internal: the theme writes none, so one can only be an
    editor's note that got through.
    """
    findings: list[Finding] = []
    if not site.exists():
        return findings
    if not comments_allowed:
        for path in sorted(site.rglob("*.htm*")):
            match = HTML_COMMENT.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                source = (sources or {}).get(path.relative_to(site).as_posix(), "docs/")
                findings.append(Finding(path, Fingerprint("editor's note (an HTML comment)", "", Location(source))))
    if not prints:
        return findings
    patterns = [(fp, re.compile(fp.text) if fp.pattern else None) for fp in prints]
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        relative = normalise(path.relative_to(site).as_posix())
        content = output_text(path)
        windows: dict[str, list[str]] = {}
        for fp, pattern in patterns:
            if pattern is None:
                hit = fp.text in content or fp.text in relative
            else:
                # Patterns match around their anchor (a name): search only next to its occurrences.
                if fp.anchor not in windows:
                    windows[fp.anchor] = _around(content, fp.anchor) + _around(relative, fp.anchor)
                hit = any(pattern.search(window) for window in windows[fp.anchor])
            if hit:
                findings.append(Finding(path, fp))
    return findings


def _around(text: str, anchor: str, reach: int = 300) -> list[str]:
    """The stretches of ``text`` within ``reach`` characters of each occurrence of ``anchor``."""
    found, start = [], text.find(anchor)
    while start != -1:
        found.append(text[max(0, start - reach):start + len(anchor) + reach])
        start = text.find(anchor, start + 1)
    return found


def findings_error(findings: list[Finding], site: Path) -> ReportError:
    first = findings[0]
    output = first.output.relative_to(site).as_posix() if site in first.output.parents else str(first.output)
    more = f"; {len(findings) - 1} more finding(s)" if len(findings) > 1 else ""
    return ReportError(f"leak audit failed: output '{output}' contains {first.fingerprint.kind}{more}",
                       first.fingerprint.location.file, first.fingerprint.location.line,
                       "nothing was published; remove the content from that output or from the source")
