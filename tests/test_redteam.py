"""Red team: private content planted where a careless author would put it.

Each case builds one small report and asserts the leak guarantee (issue 9):
nothing non-public reaches a public output (HTML pages, search index, sitemap,
newsletter files, copied assets, file names and paths in the site folder).
For every case one of these holds (``assert_no_leak``):

(a) the build exits 0 and the planted secret is in no file of the site folder
    (read as text, gzip files unpacked; compared case-insensitively after
    collapsing whitespace, with and without HTML tags) and in no relative path; or
(b) the build exits non-zero with one clear error: no traceback, and the last
    ``ERROR`` line names a file of the report (``docs/…``, ``data/…``,
    ``partials/…``, ``bibliography.bib`` or ``mkdocs.yml``).

Where the specification decides the outcome, the case says so: ``build`` (exit 0
and absent) or ``fail`` (outcome b, naming the locations given).

Categories (one parametrized test each):

* unreached files: pages and files under ``docs/`` that nothing reaches are not
  written (left out without an error);
* held-back pages: pages reachable only through redacted text leak nothing (text,
  citations, headings, images, file names, titles);
* conflicting declarations: a sentence redacted in one place and open in another
  stops the build, naming both places;
* participants with ``named: false``: name and id absent from every output, file
  name, URL, id attribute and nav title;
* pseudonym linkage: a claim made under the pseudonym repeated under the name;
* malformed editors' notes stop the build with file and line; well-formed ones
  reach no build but internal;
* footnotes defined outside the redaction that alone uses them go with it;
* ``!private`` data printed through loops, filters and whole namespaces;
* the audit reads what the engine recorded (``redact`` called indirectly);
* baseline redactions (headings, images, link targets, citations, titles);
* deploys: ``mkdocs gh-deploy`` and ``publish`` without the engine are refused.
"""

from __future__ import annotations

import copy
import gzip
import html
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import REPORT_YML, Result

pytestmark = [pytest.mark.site, pytest.mark.redteam]

# ---- planted strings ------------------------------------------------------------------------

TOKENS = {
    "§S": "Nightingale cluster quota was 4096 GPUs",                                         # a secret
    "§T": "Helios moved the evaluation fleet to a separate network segment in March",        # a redacted sentence
    "§N": "Helios asked us to hold the Iowa example until legal review",                     # an editor's note
    "§F": "Zephyrine footnote reports the sandbox escape rate",                              # a footnote
    "§G": "told us that jobs started indirectly by scripts were not always attributed to the agent",
}
S, T, N, F = (TOKENS[k] for k in ("§S", "§T", "§N", "§F"))
GOOGLE_CLAIM = "Google " + TOKENS["§G"]
K = "Kestrel Systems"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

PUBLIC_INDEX = "# Summary\n\nPublic text about the assessment.\n"

PARTICIPANTS_YML = REPORT_YML + (
    "  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer E, named: false}\n"   # line 12
    "  - {id: google, name: Google, pseudonym: Developer A}\n")

BIB_OPEN = "@misc{open2024, author = {Open, Olga}, title = {A Public Paper on Agents}, year = {2024}}\n"
REFERENCES = "# References\n\n{{ bibliography(scope=\"report\") }}\n"


def fill(text: str) -> str:
    for token, value in TOKENS.items():
        text = text.replace(token, value)
    return text


# ---- reading a site back ----------------------------------------------------------------------


def site_files(site: Path):
    """(relative path, text) of every file under the site folder; gzip files unpacked."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            try:
                data = gzip.decompress(data)
            except OSError:
                pass
        yield path.relative_to(site).as_posix(), data.decode("utf-8", errors="replace")


def flat(text: str) -> str:
    return " ".join(html.unescape(text).lower().split())


def untagged(text: str) -> str:
    return flat(re.sub(r"<[^>]*>", " ", html.unescape(text)))


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def site_text(site: Path) -> str:
    return "\n".join(flat(text) for _, text in site_files(site))


def name_pattern(name: str) -> re.Pattern:
    parts = [re.escape(p) for p in name.lower().split()]
    return re.compile(r"(?<![a-z0-9])" + r"[\W_]+".join(parts) + r"(?![a-z0-9])")


URL_OR_ID = re.compile(r"""\b(?:id|href|src|srcset|data|poster|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
                       r"""|<loc>([^<]*)</loc>|"location"\s*:\s*"([^"]*)\"""", re.I)


def find_leaks(site: Path, secrets=(), names=(), ids=()) -> list[str]:
    """Where each secret, name or id shows in the site folder (empty: nothing found)."""
    found = []
    if not site.exists():
        return found
    for rel, text in site_files(site):
        variants = (flat(text), untagged(text))
        for secret in secrets:
            needle = flat(secret)
            if any(needle in v for v in variants) or needle in rel.lower() or \
                    (len(words(needle)) > 3 and f" {words(needle)} " in f" {words(rel)} "):
                found.append(f"{secret!r} in {rel}")
        for name in names:
            pattern = name_pattern(name)
            if any(pattern.search(v) for v in variants) or pattern.search(words(rel)):
                found.append(f"name {name!r} in {rel}")
        for ident in ids:
            if ident.lower() in rel.lower():
                found.append(f"id {ident!r} in the file name {rel}")
            for match in URL_OR_ID.finditer(text):
                value = next(g for g in match.groups() if g is not None)
                if ident.lower() in value.lower():
                    found.append(f"id {ident!r} in {rel}: {match.group(0)[:120]}")
    return found


# ---- the guarantee ------------------------------------------------------------------------------

REPORT_FILE = re.compile(r"""(?:^|[\s'"(`])((?:docs|data|partials)/[^\s:'"`]+|bibliography\.bib|mkdocs\.yml|[\w./-]+\.ya?ml)(?::\d+)?(?::|[\s'"`),]|$)""")


def last_error(result: Result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert errors, "the build failed without an ERROR line:\n" + result.output[-3000:]
    return errors[-1]


def assert_clean_error(result: Result, *where: str) -> str:
    """Outcome (b): non-zero exit, no traceback, the last ERROR line names a report file (and each ``where`` regex)."""
    assert result.returncode != 0, "expected the build to fail:\n" + result.output[-3000:]
    assert "Traceback" not in result.output, result.output[-6000:]
    message = last_error(result)
    assert REPORT_FILE.search(message), f"the error names no file of the report: {message}"
    for pattern in where:
        assert re.search(pattern, message), f"the error does not name {pattern}: {message}"
    return message


def assert_built_without(result: Result, *secrets: str, names=(), ids=()) -> None:
    """Outcome (a): exit 0 and no trace of any secret, name or id in the site folder."""
    assert result.returncode == 0, "expected the build to pass:\n" + result.output[-3000:]
    assert (result.site / "index.html").exists(), f"no site was written at {result.site}"
    leaks = find_leaks(result.site, secrets, names, ids)
    assert not leaks, "leaked: " + "; ".join(leaks[:10])


def assert_no_leak(result: Result, *secrets: str, names=(), ids=()) -> str:
    """(a) or (b); returns which held: 'built' or 'failed'."""
    if result.returncode == 0:
        assert_built_without(result, *secrets, names=names, ids=ids)
        return "built"
    assert_clean_error(result)
    leaks = find_leaks(result.site, secrets, names, ids)        # a failed build keeps no leaking site either
    assert not leaks, "a failed build left: " + "; ".join(leaks[:10])
    return "failed"


def at(*locations: str) -> str:
    """A regex accepting any of ``file:line`` (not followed by another digit)."""
    return "(?:" + "|".join(re.escape(loc) + r"(?!\d)" for loc in locations) + ")"


# ---- planting ----------------------------------------------------------------------------------


def merged(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def plant(report, files: dict, *, yml: str | None = None, nav=("index.md",), config: dict | None = None) -> None:
    """Write the files (tokens like §S filled in), the report description, nav and config changes."""
    if yml is not None:
        report.write("data/report.yml", yml)
    for path, content in {"docs/index.md": PUBLIC_INDEX, **files}.items():
        if isinstance(content, bytes):
            target = report.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        else:
            report.write(path, fill(content))
    report.nav(*nav)
    report.config = merged(report.config, config or {})


@dataclass(frozen=True)
class Spec:
    files: dict
    secrets: tuple = ()
    expect: str = "either"          # either | build | fail
    nav: tuple = ("index.md",)
    audience: str | None = None
    where: tuple = ()               # regexes the failure must name (expect="fail")
    names: tuple = ()
    ids: tuple = ()
    config: dict = field(default_factory=dict)
    yml: str | None = None
    present: tuple = ()             # text a passing build must show
    owner_sees: str | None = None   # an audience whose build must show the first secret


def case(id: str, files: dict, *secrets: str, **options) -> pytest.param:
    for key in ("nav", "where", "names", "ids", "present"):
        if key in options:
            options[key] = tuple(options[key])
    return pytest.param(Spec(files, tuple(fill(s) for s in secrets), **options), id=id)


def run(report, spec: Spec) -> None:
    plant(report, spec.files, yml=spec.yml, nav=spec.nav, config=spec.config)
    result = report.build(spec.audience, expect_ok=False)
    if spec.expect == "fail":
        assert_clean_error(result, *spec.where)
        return
    if spec.expect == "build":
        assert_built_without(result, *spec.secrets, names=spec.names, ids=spec.ids)
    else:
        assert_no_leak(result, *spec.secrets, names=spec.names, ids=spec.ids)
    if result.returncode == 0:
        text = site_text(result.site)
        for fragment in spec.present:
            assert flat(fragment) in text, f"{fragment!r} is missing from the site"
    if spec.owner_sees:
        owner = report.build(spec.owner_sees, expect_ok=False)
        assert owner.returncode == 0, owner.output[-3000:]
        assert flat(spec.secrets[0]) in site_text(owner.site), f"{spec.owner_sees} does not see its own text"


# ---- 1. unreached files -----------------------------------------------------------------------

HELIOS_NOTES = "# Helios notes\n\n§S.\n"

UNREACHED = [
    case("orphan-page", {"docs/openai-notes.md": "# OpenAI notes\n\n§S.\n"}, S, "openai-notes", expect="build"),
    case("orphan-page-in-a-folder", {"docs/drafts/helios-plan.md": "# Helios plan\n\n§S.\n"},
         S, "helios-plan", expect="build"),
    case("orphan-appendix-beside-a-nav-appendix",
         {"docs/appendices/process.md": "# Process details\n\nPublic appendix text.\n",
          "docs/appendices/helios-draft.md": "# Helios draft\n\n§S.\n"},
         S, "helios-draft", nav=["index.md", "appendices/process.md"], expect="build"),
    case("yml-bak", {"docs/data/facts.yml.bak": "note: §S\n"}, S, "facts.yml.bak", expect="build"),
    case("docx", {"docs/draft.docx": b"PK\x03\x04" + S.encode() + b"\x00\x00"}, S, "draft.docx", expect="build"),
    case("txt-with-private-name", {"docs/notes-openai.txt": "§S\n"}, S, "notes-openai", expect="build"),
    case("svg-with-xml-comment", {"docs/assets/diagram.svg":
                                  '<svg xmlns="http://www.w3.org/2000/svg"><!-- §S --><rect width="1" height="1"/></svg>\n'},
         S, "diagram.svg", expect="build"),
    case("html-file", {"docs/scratch.html": "<html><body><p>§S</p></body></html>\n"}, S, "scratch.html", expect="build"),
    case("csv-file", {"docs/downloads/helios-usage.csv": "note\n§S\n"}, S, "helios-usage", expect="build"),
    case("png-file", {"docs/assets/helios-roadmap.png": PNG}, "helios-roadmap", expect="build"),
    case("readme-beside-index", {"docs/README.md": "# Readme\n\n§S.\n"}, S, expect="build"),
    case("editor-backup-file", {"docs/index.md~": PUBLIC_INDEX + "\n§S.\n"}, S, "index.md~", expect="build"),
    case("merge-leftover", {"docs/findings.md.orig": "# Findings\n\n§S.\n"}, S, "findings.md.orig", expect="build"),
    case("data-copy-under-docs", {"docs/downloads/facts.yml": "note: §S\n"}, S, expect="build"),
    case("orphan-chain", {"docs/orphan-a.md": "# A\n\n§S.\n\nSee [B](orphan-b.md).\n",
                          "docs/orphan-b.md": "# B\n\nZephyrine orphan page text for B.\n"},
         S, "Zephyrine orphan page text", "orphan-a", "orphan-b", expect="build"),
    case("linked-only-from-an-editors-note",
         {"docs/index.md": PUBLIC_INDEX + "\n<!-- TODO(editor): link [the notes](helios-notes.md) once cleared -->\n",
          "docs/helios-notes.md": HELIOS_NOTES}, S, "helios-notes", expect="build"),
    case("linked-only-from-a-jinja-comment",
         {"docs/index.md": PUBLIC_INDEX + "\n{## link [the notes](helios-notes.md) later ##}\n",
          "docs/helios-notes.md": HELIOS_NOTES}, S, "helios-notes", expect="build"),
    case("linked-only-inside-a-code-block",                 # the name shows as code: leaving out or refusing are both fine
         {"docs/index.md": PUBLIC_INDEX + "\n```markdown\n[the notes](helios-notes.md)\n```\n",
          "docs/helios-notes.md": HELIOS_NOTES}, S),
    case("unused-stylesheet", {"docs/assets/old.css": "/* §S */\nbody { color: black; }\n"}, S, "old.css", expect="build"),
    case("unused-script", {"docs/assets/draft.js": "// §S\n"}, S, "draft.js", expect="build"),
    case("image-reached-only-from-an-unused-stylesheet",
         {"docs/assets/old.css": "body { background: url(helios-bg.png); }\n", "docs/assets/helios-bg.png": PNG},
         "helios-bg", "old.css", expect="build"),
    case("image-reached-only-from-an-orphan-page",
         {"docs/orphan.md": "# Orphan\n\n![fig](assets/orphan-fig.png)\n", "docs/assets/orphan-fig.png": PNG},
         "orphan-fig", expect="build"),
]


@pytest.mark.parametrize("spec", UNREACHED)
def test_unreached_files_are_not_published(report, spec):
    run(report, spec)


# ---- 2. held-back pages -----------------------------------------------------------------------

HELD_INDEX = """\
# Summary

Public text about the assessment.

{% call redact("helios") %}
Details are in [the Helios annex](helios-annex.md).
{% endcall %}
"""
ANNEX = "# Helios annex\n\n§S.\n"


def held(index: str = HELD_INDEX, annex: str = ANNEX, **more) -> dict:
    return {"docs/index.md": index, "docs/helios-annex.md": annex, **more}


def held_link(link: str) -> str:
    return HELD_INDEX.replace("[the Helios annex](helios-annex.md)", link)


HELD_BACK = [
    case("annex-text", held(), S, "helios-annex", "Helios annex", expect="build", owner_sees="participant:helios"),
    case("annex-citation-in-report-bibliography",
         held(HELD_INDEX + "\nA public claim {{ cite('open2024') }}.\n",
              "# Helios annex\n\nAs the ledger shows {{ cite('vance2025ledger') }}.\n",
              **{"docs/references.md": REFERENCES,
                 "bibliography.bib": BIB_OPEN + "@misc{vance2025ledger, author = {Zarathustrova, Orla}, "
                                                "title = {Nightingale Quota Ledger}, year = {2025}}\n"}),
         "Nightingale Quota Ledger", "vance2025ledger", "Zarathustrova", nav=["index.md", "references.md"], expect="build"),
    case("annex-heading-referenced-from-redacted-text",
         held(HELD_INDEX.replace("{% endcall %}", "See {{ ref('quota') }}.\n{% endcall %}"),
              "# Helios annex\n\n## Nightingale quota negotiations {#quota}\n\nText.\n"),
         "Nightingale quota negotiations", "helios-annex", expect="build"),
    case("annex-heading", held(annex="# Helios annex\n\n## Nightingale quota negotiations\n\nText.\n"),
         "Nightingale quota negotiations", expect="build"),
    case("annex-image", held(annex="# Helios annex\n\n![chart](assets/annex-chart.png)\n",
                             **{"docs/assets/annex-chart.png": PNG}), "annex-chart", expect="build"),
    case("annex-material-redaction-in-the-statement",
         held(HELD_INDEX + "\n{{ redaction_statement() }}\n",
              "# Helios annex\n\nText.\n\n{% call redact('helios', material=true, "
              "note='Nightingale scheduling details were withheld.') %}\nDetail.\n{% endcall %}\n"),
         "helios-annex", "Nightingale scheduling details"),
    case("annex-title", held(annex="---\ntitle: Nightingale Annex Title\n---\n# Nightingale Annex Title\n\nText.\n"),
         "Nightingale Annex Title", expect="build"),
    case("annex-footnote", held(annex="# Helios annex\n\nText[^q].\n\n[^q]: §F.\n"), F, expect="build"),
    case("annex-reference-style-link-defined-in-open-text",
         held(held_link("[the Helios annex][annex]") + "\n[annex]: helios-annex.md\n"), S, "helios-annex",
         expect="build"),
    case("annex-raw-html-link", held(held_link('<a href="helios-annex/">the Helios annex</a>')), S, "helios-annex",
         expect="build"),
    case("annex-iframe", held(held_link('<iframe src="helios-annex/"></iframe>')), S, "helios-annex", expect="build"),
    case("annex-directory-url", held(held_link("[the Helios annex](helios-annex/)")), S, "helios-annex",
         expect="build"),
    case("annex-with-anchor", held(held_link("[the Helios annex](helios-annex.md#details)")), S, "helios-annex",
         expect="build"),
    case("annex-chain", held(annex="# Helios annex\n\n§S.\n\nSee [more](helios-annex-2.md).\n",
                             **{"docs/helios-annex-2.md": "# More\n\nZephyrine second annex text.\n"}),
         S, "Zephyrine second annex text", "helios-annex", expect="build"),
    case("annex-linked-from-a-footnote-used-only-in-a-redaction",
         held("# Summary\n\nPublic text.\n\n{% call redact('helios') %}\nHelios detail[^h].\n{% endcall %}\n\n"
              "[^h]: See [the annex](helios-annex.md).\n"), S, "helios-annex", expect="build"),
    case("annex-linked-from-a-partial-inside-a-redaction",
         held("# Summary\n\nPublic text.\n\n{% call redact('helios') %}\n{% include 'helios.md' %}\n{% endcall %}\n",
              **{"partials/helios.md": "See [the annex](helios-annex.md).\n"}), S, "helios-annex", expect="build"),
    case("annex-for-another-participant", held(), S, "helios-annex", audience="participant:quill", expect="build"),
]


@pytest.mark.parametrize("spec", HELD_BACK)
def test_held_back_pages_leak_nothing(report, spec):
    run(report, spec)


# ---- 3. conflicting declarations ----------------------------------------------------------------

REDACTED_T = '# Summary\n\n{% call redact("helios") %}\n§T.\n{% endcall %}\n\n'      # lines 3-5
T_AT = at("docs/index.md:3", "docs/index.md:4")


def conflict(id: str, files: dict, open_at: str, *, redacted_at: str = T_AT, **options) -> pytest.param:
    return case(id, files, expect="fail", where=[redacted_at, open_at], **options)


CONFLICTS = [
    conflict("same-page-redacted-then-open", {"docs/index.md": REDACTED_T + "§T.\n"}, at("docs/index.md:7")),
    conflict("same-page-open-then-inline-redaction",
             {"docs/index.md": "# Summary\n\n§T.\n\nLater: {% call redact('helios') %}§T.{% endcall %}\n"},
             at("docs/index.md:3"), redacted_at=at("docs/index.md:5")),
    conflict("two-pages", {"docs/findings.md": "# Findings\n\n{% call redact('helios') %}\n§T.\n{% endcall %}\n",
                           "docs/process.md": "# Process\n\n§T.\n"},
             at("docs/process.md:3"), redacted_at=at("docs/findings.md:3", "docs/findings.md:4"),
             nav=["index.md", "findings.md", "process.md"]),
    conflict("open-in-a-public-partial",
             {"docs/index.md": REDACTED_T + "{% include 'recap.md' %}\n", "partials/recap.md": "Recap.\n\n§T.\n"},
             at("partials/recap.md:3", "docs/index.md:7")),
    conflict("redacted-in-a-partial",
             {"docs/index.md": "# Summary\n\n{% call redact('helios') %}\n{% include 'helios.md' %}\n{% endcall %}\n\n§T.\n",
              "partials/helios.md": "§T.\n"},
             at("docs/index.md:7"), redacted_at=at("partials/helios.md:1", "docs/index.md:3", "docs/index.md:4")),
    conflict("open-in-a-public-footnote", {"docs/index.md": REDACTED_T + "A public claim[^p].\n\n[^p]: §T.\n"},
             at("docs/index.md:9")),
    conflict("open-in-a-table-cell", {"docs/index.md": REDACTED_T + "| Finding |\n|---|\n| §T. |\n"},
             at("docs/index.md:9")),
    conflict("open-in-a-heading", {"docs/index.md": REDACTED_T + "## " + TOKENS["§T"] + "\n"}, at("docs/index.md:7")),
    conflict("open-in-a-list-item", {"docs/index.md": REDACTED_T + "- §T.\n- Another item.\n"}, at("docs/index.md:7")),
    conflict("open-in-a-blockquote", {"docs/index.md": REDACTED_T + "> §T.\n"}, at("docs/index.md:7")),
    conflict("open-in-an-admonition", {"docs/index.md": REDACTED_T + "!!! note\n    §T.\n"},
             at("docs/index.md:7", "docs/index.md:8"), config={"markdown_extensions": ["admonition"]}),
    conflict("open-on-a-notes-page-linked-publicly",
             {"docs/index.md": REDACTED_T + "See [the notes](notes.md).\n", "docs/notes.md": "# Notes\n\n§T.\n"},
             at("docs/notes.md:3")),
    conflict("open-text-wrapped-differently",
             {"docs/index.md": REDACTED_T + "Helios moved the evaluation fleet to a separate\nnetwork segment in March.\n"},
             at("docs/index.md:7", "docs/index.md:8")),
    conflict("redacted-in-a-material-redaction",
             {"docs/index.md": '# Summary\n\n{% call redact("helios", material=true, note="Network details were withheld.") %}\n'
                               "§T.\n{% endcall %}\n\n§T.\n"}, at("docs/index.md:7")),
    conflict("open-in-another-owners-replacement",
             {"docs/index.md": REDACTED_T + "{% call redact('quill', replacement='§T.') %}"
                                            "Quill detail that only Quill may read here.{% endcall %}\n"},
             at("docs/index.md:7")),
    conflict("inline-fragment-repeated-openly",
             {"docs/index.md": "# Summary\n\nThe fleet {% call redact('helios') %}was moved to a separate network "
                               "segment in March{% endcall %}.\n\nElsewhere: it was moved to a separate network segment in March.\n"},
             at("docs/index.md:5"), redacted_at=at("docs/index.md:3")),
    case("open-as-a-clause-of-a-longer-sentence",
         {"docs/index.md": REDACTED_T + "As we noted, helios moved the evaluation fleet to a separate network segment "
                                        "in March, and nothing changed afterwards.\n"}, T),
    case("open-in-image-alt-text", {"docs/index.md": REDACTED_T + "![§T](assets/chart.png)\n",
                                    "docs/assets/chart.png": PNG}, T),
    case("open-in-link-text", {"docs/index.md": REDACTED_T + "[§T](https://example.org/)\n"}, T),
    case("open-in-page-description",
         {"docs/index.md": REDACTED_T, "docs/process.md": "---\ndescription: §T.\n---\n# Process\n\nText.\n"}, T,
         nav=["index.md", "process.md"]),
]


@pytest.mark.parametrize("spec", CONFLICTS)
def test_conflicting_declarations_stop_the_build(report, spec):
    run(report, spec)


# ---- 4. participants that are never named -------------------------------------------------------

BIB_KESTREL_AUTHOR = "@misc{eval2025, author = {{Kestrel Systems}}, title = {Evaluation Notes on Agent Quotas}, year = {2025}}\n"
CITE_OPENLY = "# Summary\n\nPrior work exists {{ cite('eval2025') }}.\n\n{{ bibliography() }}\n"
# The name in LaTeX math: references print it in Unicode's script letters (latex.py), which the
# audit and the citation check read as the letters they are.
BIB_KESTREL_MATH = ("@misc{eval2025, author = {Vance, Orla}, title = {Scheduler Quota Notes on "
                    "{$\\mathcal{Kestrel}$} {$\\mathcal{Systems}$}}, year = {2025}}\n")


def kestrel(id: str, files: dict, *secrets: str, **options) -> pytest.param:
    options.setdefault("yml", PARTICIPANTS_YML)
    return case(id, files, *secrets, names=[K], ids=["kestrel"], **options)


def index(body: str) -> dict:
    return {"docs/index.md": "# Summary\n\n" + body + "\n"}


NAMED_FALSE = [
    kestrel("typed-in-open-text", index("We also assessed Kestrel Systems in March.")),
    kestrel("typed-lowercase", index("We also assessed kestrel systems in March.")),
    kestrel("typed-across-a-line-break", index("We also assessed Kestrel\nSystems in March.")),
    kestrel("typed-uppercase-in-a-heading", index("## KESTREL SYSTEMS results\n\nText.")),
    kestrel("org-without-anonymous", index("We also assessed {{ org('kestrel') }} in March."),
            expect="build", present=["Developer E"]),
    kestrel("org-without-anonymous-for-another-participant", index("We also assessed {{ org('kestrel') }} in March."),
            audience="participant:helios", expect="build", present=["Developer E"]),
    kestrel("org-in-a-heading-and-link-text",
            index("## Results for {{ org('kestrel') }}\n\nSee [{{ org('kestrel') }}](#results-for-developer-e)."),
            expect="build"),
    kestrel("data-file-printed-in-a-loop",
            {**index("{% for i in incidents %}\n| {{ i.id }} | {{ i.developer }} |\n{% endfor %}"),
             "data/incidents.yml": "- {id: INC-1, developer: Kestrel Systems, summary: Restarted a job}\n"}),
    kestrel("participants-loop-printing-names",
            index("{% for p in report.participants %}\n- {{ p.name }}\n{% endfor %}")),
    kestrel("participants-names-joined", index("{{ report.participants | map(attribute='name') | join(', ') }}")),
    kestrel("fact-of-a-data-value", {**index("The lead developer was {{ fact('facts.lead_developer') }}."),
                                     "data/facts.yml": "lead_developer: Kestrel Systems\n"}),
    kestrel("bib-author-cited-openly", {"docs/index.md": CITE_OPENLY, "bibliography.bib": BIB_KESTREL_AUTHOR},
            expect="fail"),
    kestrel("bib-title-cited-openly", {"docs/index.md": CITE_OPENLY, "bibliography.bib":
                                       "@misc{eval2025, author = {Vance, Orla}, title = {An Audit of Kestrel Systems "
                                       "Agents}, year = {2025}}\n"}, expect="fail"),
    kestrel("bib-institution-cited-openly", {"docs/index.md": CITE_OPENLY, "bibliography.bib":
                                             "@techreport{eval2025, author = {Vance, Orla}, title = {Agent Audit}, "
                                             "institution = {Kestrel Systems}, year = {2025}}\n"}, expect="fail"),
    kestrel("bib-title-in-math-letters-cited-openly", {"docs/index.md": CITE_OPENLY, "bibliography.bib":
                                                      BIB_KESTREL_MATH}, expect="fail"),
    kestrel("bib-title-in-math-letters-cited-only-inside-its-redaction",
            {**index("Open claim {{ cite('open2024') }}.\n\n{% call redact('kestrel') %}\n"
                     "Internal detail {{ cite('eval2025') }}.\n{% endcall %}"),
             "docs/references.md": REFERENCES, "bibliography.bib": BIB_OPEN + BIB_KESTREL_MATH},
            "Scheduler Quota Notes", nav=["index.md", "references.md"], expect="build"),
    kestrel("bib-author-through-crossref",
            {"docs/index.md": CITE_OPENLY.replace("eval2025", "handbook2025ch3"), "bibliography.bib":
             "@inbook{handbook2025ch3, crossref = {handbook2025}, title = {Quotas and Schedulers}, chapter = {3}}\n"
             "@book{handbook2025, author = {{Kestrel Systems}}, title = {Agent Operations Handbook}, year = {2025}, "
             "publisher = {Self}}\n"}, expect="fail"),
    kestrel("bib-cited-only-inside-its-redaction",
            {**index("Open claim {{ cite('open2024') }}.\n\n{% call redact('kestrel') %}\n"
                     "Internal detail {{ cite('eval2025') }}.\n{% endcall %}"),
             "docs/references.md": REFERENCES, "bibliography.bib": BIB_OPEN + BIB_KESTREL_AUTHOR},
            "Evaluation Notes on Agent Quotas", nav=["index.md", "references.md"], expect="build"),
    kestrel("citation-key-holding-the-id",
            {**index("Prior work exists {{ cite('kestrel2025eval') }}.\n\n{{ bibliography() }}"),
             "bibliography.bib": "@misc{kestrel2025eval, author = {Vance, Orla}, title = {Agent Audit}, year = {2025}}\n"}),
    kestrel("image-file-name", {**index("![Chart](assets/kestrel-chart.svg)"),
                                "docs/assets/kestrel-chart.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n'}),
    kestrel("image-file-name-inside-its-redaction",
            {**index("{% call redact('kestrel') %}\n![Chart](assets/kestrel-chart.svg)\n{% endcall %}"),
             "docs/assets/kestrel-chart.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n'}, expect="build"),
    kestrel("appendix-file-name", {"docs/appendices/kestrel.md": "# Developer E\n\nPublic appendix text.\n"},
            nav=["index.md", "appendices/kestrel.md"]),
    kestrel("linked-page-file-name", {**index("See [the notes](kestrel-notes.md)."),
                                      "docs/kestrel-notes.md": "# Notes on Developer E\n\nText.\n"}),
    kestrel("heading-id", index("## Results {#kestrel-results}\n\nText.")),
    kestrel("nav-title", {"docs/appendices/dev-e.md": "# Developer E\n\nText.\n"},
            nav=["index.md", {K: "appendices/dev-e.md"}]),
    kestrel("page-title-in-front-matter",
            {"docs/process.md": "---\ntitle: Notes on Kestrel Systems\n---\n# Notes\n\nText.\n"},
            nav=["index.md", "process.md"]),
    kestrel("report-subtitle", {}, yml=PARTICIPANTS_YML.replace("subtitle: A report used by the tests",
                                                                 "subtitle: An assessment of Kestrel Systems agents")),
    kestrel("image-alt-text", {**index("![Kestrel Systems chart](assets/chart.png)"), "docs/assets/chart.png": PNG}),
    kestrel("external-url", index("See [their site](https://kestrel-systems.example.com/).")),
    kestrel("public-footnote", index("A claim[^k].\n\n[^k]: As Kestrel Systems told us.")),
    kestrel("another-redactions-replacement",
            index("{% call redact('helios', replacement='Kestrel Systems declined to comment.') %}\n"
                  "Helios detail.\n{% endcall %}")),
    kestrel("typed-inside-its-own-redaction",
            index("Public text.\n\n{% call redact('kestrel') %}\nKestrel Systems told us about its scheduler.\n{% endcall %}"),
            expect="build"),
    kestrel("figure-caption", {**index("![Chart](assets/chart.png)\n\n/// figure-caption\nQuota use at Kestrel Systems.\n///"),
                               "docs/assets/chart.png": PNG}),
    kestrel("code-span", index("The scheduler is called `Kestrel Systems scheduler`.")),
    case("named-false-without-a-pseudonym", {},
         yml=PARTICIPANTS_YML.replace("name: Kestrel Systems, pseudonym: Developer E, named: false",
                                      "name: Kestrel Systems, named: false"),
         expect="fail", where=[at("data/report.yml:12")]),
]


@pytest.mark.parametrize("spec", NAMED_FALSE)
def test_participants_that_are_never_named(report, spec):
    run(report, spec)


# ---- 5. pseudonym linkage ---------------------------------------------------------------------

ANON_CLAIM = "{{ org('google', anonymous=true) }} §G.\n"
PROCESS = ["index.md", "process.md"]


def linkage(id: str, files: dict, **options) -> pytest.param:
    return case(id, files, GOOGLE_CLAIM, yml=PARTICIPANTS_YML, **options)


PSEUDONYMS = [
    linkage("same-claim-same-page", index(ANON_CLAIM + "\nIn a later call, Google §G.")),
    linkage("same-claim-other-page", {**index(ANON_CLAIM), "docs/process.md": "# Process\n\nGoogle §G.\n"}, nav=PROCESS),
    linkage("same-claim-through-org-without-anonymous",
            {**index(ANON_CLAIM), "docs/process.md": "# Process\n\n{{ org('google') }} §G.\n"}, nav=PROCESS),
    linkage("same-claim-in-a-public-footnote", index(ANON_CLAIM + "\nA later call[^g].\n\n[^g]: Google §G.")),
    linkage("same-claim-wrapped-over-lines",
            index(ANON_CLAIM + "\nGoogle told us that jobs started indirectly\nby scripts were not always attributed "
                               "to the agent.")),
    linkage("same-claim-with-the-pseudonym-typed",
            {**index("Developer A §G."), "docs/process.md": "# Process\n\nGoogle §G.\n"}, nav=PROCESS),
    linkage("same-claim-on-a-linked-notes-page",
            {**index(ANON_CLAIM + "\nSee [the notes](notes.md)."), "docs/notes.md": "# Notes\n\nGoogle §G.\n"}),
]


@pytest.mark.parametrize("spec", PSEUDONYMS)
def test_a_claim_under_the_pseudonym_is_not_repeated_under_the_name(report, spec):
    run(report, spec)


# ---- 6. editors' notes --------------------------------------------------------------------------

NOTE_PAGE = "# Summary\n\nPublic text.\n\n{}\n\nMore public text.\n"          # the note on line 5
MALFORMED = {
    "unclosed": "<!-- TODO(editor): §N.",
    "em-dash": "<!— §N —>",
    "en-dash": "<!– §N –>",
    "jinja-comment-without-spaces": "{#TODO §N#}",
    "jinja-comment-with-spaces": "{# TODO §N #}",
    "half-autocorrected-close": "<!-- §N —>",
}

MALFORMED_NOTES = [
    *(case(f"{name}-in-a-page", {"docs/index.md": NOTE_PAGE.format(note)}, expect="fail",
           where=[at("docs/index.md:5")]) for name, note in MALFORMED.items()),
    *(case(f"{name}-in-an-included-partial",
           {"docs/index.md": NOTE_PAGE.format('{% include "note.md" %}'),
            "partials/note.md": "Shared public paragraph.\n\n" + note + "\n"},
           expect="fail", where=[at("partials/note.md:3", "docs/index.md:5")])
      for name, note in MALFORMED.items() if name != "half-autocorrected-close"),
    case("unclosed-inside-a-redaction",
         {"docs/index.md": "# Summary\n\n{% call redact('helios') %}\nHelios detail that is private.\n"
                           "<!-- TODO(editor): §N.\n{% endcall %}\n\nMore public text.\n"},
         expect="fail", where=[at("docs/index.md:5")]),
    case("unclosed-at-the-end-of-the-file", {"docs/index.md": "# Summary\n\nPublic text.\n\n<!-- TODO §N"},
         expect="fail", where=[at("docs/index.md:5")]),
]


@pytest.mark.parametrize("spec", MALFORMED_NOTES)
def test_malformed_editors_notes_stop_the_build(report, spec):
    run(report, spec)


def note(id: str, body: str, **options) -> pytest.param:
    files = {"docs/index.md": NOTE_PAGE.format(body), **options.pop("files", {})}
    return case(id, files, N, expect="build", **options)


EDITORS_NOTES = [
    note("paragraph", "<!-- TODO(editor): §N. -->"),
    note("multi-line", "<!-- TODO(editor):\n§N.\n-->"),
    note("mid-sentence", "Public <!-- §N --> sentence."),
    note("inside-a-redaction-for-its-owner", "{% call redact('helios') %}\nHelios text.\n<!-- §N -->\n{% endcall %}",
         audience="participant:helios"),
    note("in-a-public-partial", "{% include 'p.md' %}", files={"partials/p.md": "Partial text.\n\n<!-- §N -->\n"}),
    note("in-a-table-cell", "| A | B |\n|---|---|\n| 1 <!-- §N --> | 2 |"),
    note("in-a-list-item", "- item <!-- §N -->\n- second item"),
    note("in-a-footnote-definition", "Claim[^c].\n\n[^c]: Footnote text <!-- §N -->."),
    note("in-an-admonition", "!!! note\n    Text <!-- §N -->.", config={"markdown_extensions": ["admonition"]}),
    note("in-an-html-block", '<div markdown="1">\nText <!-- §N -->.\n</div>'),
    note("with-a-macro-inside", "<!-- §N {{ fact('report.title') }} -->"),
    note("with-double-dashes-inside", "<!-- §N -- check again -->"),
    note("for-another-participant", "<!-- §N -->", audience="participant:quill"),
    note("on-a-notes-page-linked-publicly", "See [the notes](notes.md).",
         files={"docs/notes.md": "# Notes\n\nNotes text.\n\n<!-- §N -->\n"}),
]


@pytest.mark.parametrize("spec", EDITORS_NOTES)
def test_editors_notes_reach_no_build_but_internal(report, spec):
    run(report, spec)
    assert flat(N) in site_text(report.build("internal").site)


# ---- 7. footnotes go where they are used ----------------------------------------------------------

USED_BY_HELIOS = "{% call redact('helios') %}\nHelios detail with a note[^a].\n{% endcall %}\n"

FOOTNOTES = [
    pytest.param({"docs/index.md": "# Summary\n\n[^a]: §F.\n\nPublic text.\n\n" + USED_BY_HELIOS}, ("helios",),
                 id="defined-at-the-start"),
    pytest.param({"docs/index.md": "# Summary\n\nPublic text.\n\n[^a]: §F.\n\nMore public text.\n\n" + USED_BY_HELIOS},
                 ("helios",), id="defined-in-the-middle"),
    pytest.param({"docs/index.md": "# Summary\n\nPublic text.\n\n" + USED_BY_HELIOS + "\nMore public text.\n\n[^a]: §F.\n"},
                 ("helios",), id="defined-at-the-end"),
    pytest.param({"docs/index.md": "# Summary\n\n" + USED_BY_HELIOS + "\n{% include 'notes.md' %}\n",
                  "partials/notes.md": "[^a]: §F.\n"}, ("helios",), id="defined-in-an-included-partial"),
    pytest.param({"docs/index.md": "# Summary\n\n" + USED_BY_HELIOS.replace("[^a]", "[^my note]") + "\n[^my note]: §F.\n"},
                 ("helios",), id="label-with-spaces"),
    pytest.param({"docs/index.md": "# Summary\n\n" + USED_BY_HELIOS.replace("[^a]", "[^my note]")
                                   + "\n{% include 'notes.md' %}\n",
                  "partials/notes.md": "[^my note]: §F.\n"}, ("helios",), id="label-with-spaces-in-a-partial"),
    pytest.param({"docs/index.md": "# Summary\n\nPublic text.\n\n" + USED_BY_HELIOS
                                   + "\n{% call redact('quill') %}\nQuill detail with the same note[^a].\n{% endcall %}\n"
                                   + "\n[^a]: §F.\n"}, ("helios", "quill"), id="used-in-two-owners-redactions"),
    pytest.param({"docs/index.md": "# Summary\n\n" + USED_BY_HELIOS
                                   + "\n[^a]: A first paragraph of the note.\n\n    §F in a second paragraph.\n"},
                 ("helios",), id="multi-paragraph-definition"),
    pytest.param({"docs/index.md": "# Summary\n\nPublic sentence {% call redact('helios') %}with a private aside[^a]"
                                   "{% endcall %}.\n\n[^a]: §F.\n"}, ("helios",), id="used-in-an-inline-redaction"),
]


@pytest.mark.parametrize("files, owners", FOOTNOTES)
def test_footnotes_go_with_the_redactions_that_use_them(report, files, owners):
    plant(report, files)
    assert_built_without(report.build(None, expect_ok=False), F)
    for audience in [f"participant:{owner}" for owner in owners] + ["internal"]:
        result = report.build(audience, expect_ok=False)
        assert result.returncode == 0, result.output[-3000:]
        assert flat(F) in site_text(result.site), f"{audience} does not get the footnote"


# ---- 8. !private data -----------------------------------------------------------------------------

LEDGER = "ledger: !private {owner: helios, value: {nightingale_quota: 4096, zephyr_codename: Zephyrine-77}}\n"
TEAM = "team:\n  lead: Open Person\n  codename: !private {owner: helios, value: Zephyrine-77}\n"


def private(id: str, body: str, facts: str = LEDGER) -> pytest.param:
    return case(id, {**index(body), "data/facts.yml": facts}, "nightingale_quota", "zephyr_codename", "Zephyrine-77")


PRIVATE_DATA = [
    private("items-loop", "{% for k, v in facts.ledger.items() %}\n- {{ k }}: {{ v }}\n{% endfor %}"),
    private("keys-loop", "{% for k in facts.ledger %}{{ k }} {% endfor %}"),
    private("dictsort", "{{ facts.ledger | dictsort }}"),
    private("tojson", "{{ facts.ledger | tojson }}"),
    private("list-filter", "{{ facts.ledger | list }}"),
    private("keys-joined", "{{ facts.ledger.keys() | join(', ') }}"),
    private("values-listed", "{{ facts.ledger.values() | list }}"),
    private("string-filter", "{{ facts.ledger | string }}"),
    private("items-filter", "{{ facts.ledger | items | list }}"),
    private("attribute-access", "{{ facts.ledger.zephyr_codename }}"),
    private("whole-namespace", "{{ facts }}"),
    private("whole-namespace-tojson", "{{ facts | tojson }}"),
    private("inside-a-public-mapping-printed-whole", "{{ facts.team }}", TEAM),
    private("inside-a-public-mapping-looped", "{% for k, v in facts.team.items() %}{{ k }}={{ v }} {% endfor %}", TEAM),
    private("private-list-item-looped", "{% for m in facts.models %}\n- {{ m.name }}\n{% endfor %}",
            "models:\n  - {name: Open model}\n  - !private {owner: helios, value: {name: Zephyrine-77 model}}\n"),
]


@pytest.mark.parametrize("spec", PRIVATE_DATA)
def test_private_data_does_not_print_outside_its_redaction(report, spec):
    run(report, spec)


# ---- 9. the audit reads what the engine recorded ----------------------------------------------------

# Jinja itself cannot reach the outer caller() from inside a call block ("No caller defined"), so a
# wrapper written that way may fail cleanly; the working way takes the body first.
CALLER_WRAPPER = "{% macro private(owner) %}{% call redact(owner) %}{{ caller() }}{% endcall %}{% endmacro %}"
WRAPPER = "{% macro private(owner) %}{% set body = caller() %}{% call redact(owner) %}{{ body }}{% endcall %}{% endmacro %}"
INDIRECT = {
    "owner-keyword": ('{% call redact(owner="helios") %}', "{% endcall %}", {}),
    "owner-from-a-variable": ('{% set who = "helios" %}{% call redact(who) %}', "{% endcall %}", {}),
    "wrapper-macro-on-the-page": (WRAPPER + '{% call private("helios") %}', "{% endcall %}", {}),
    "wrapper-macro-from-a-partial": ('{% from "wrap.md" import private %}{% call private("helios") %}', "{% endcall %}",
                                     {"partials/wrap.md": WRAPPER + "\n"}),
    "owner-concatenated": ('{% call redact("hel" ~ "ios") %}', "{% endcall %}", {}),
    "owner-from-data": ("{% call redact(report.participants[0].id) %}", "{% endcall %}", {}),
}
SPACING = {
    "whitespace-control": ('{%- call redact("helios") -%}', "{%- endcall -%}", {}),
    "single-quotes-and-spaces": ("{% call redact( 'helios' ) %}", "{% endcall %}", {}),
}

RECORDED = [
    *(case(f"hidden-{name}", {"docs/index.md": f"# Summary\n\nPublic text.\n\n{start}\n§S.\n{end}\n", **more},
           S, expect="build", owner_sees="participant:helios")
      for name, (start, end, more) in {**INDIRECT, **SPACING}.items()),
    *(case(f"conflict-{name}", {"docs/index.md": f"# Summary\n\n§T.\n\n{start}\n§T.\n{end}\n", **more},
           expect="fail", where=[at("docs/index.md:3")])
      for name, (start, end, more) in INDIRECT.items()),
    case("hidden-wrapper-macro-calling-caller-inside-the-call",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n" + CALLER_WRAPPER + '{% call private("helios") %}\n§S.\n'
                           "{% endcall %}\n"}, S),
]


@pytest.mark.parametrize("spec", RECORDED)
def test_the_audit_reads_what_the_engine_recorded(report, spec):
    run(report, spec)


# ---- 10. baseline redactions ------------------------------------------------------------------------

BASELINE = [
    case("redacted-paragraph-on-the-landing-page", index("Public text.\n\n{% call redact('helios') %}\n§S.\n{% endcall %}"),
         S, expect="build"),
    case("redacted-heading", index("{% call redact('helios') %}\n## Nightingale quota negotiations\n\nDetail.\n{% endcall %}"),
         "Nightingale quota negotiations", expect="build"),
    case("redacted-image", {**index("{% call redact('helios') %}\n![x](assets/helios-only.png)\n{% endcall %}"),
                            "docs/assets/helios-only.png": PNG}, "helios-only", expect="build"),
    case("redacted-link-target",
         index("{% call redact('helios') %}\nSee [the dashboard](https://internal.example/nightingale-dashboard).\n{% endcall %}"),
         "nightingale-dashboard", expect="build"),
    case("redacted-citation",
         {**index("Open claim {{ cite('open2024') }}.\n\n{% call redact('helios') %}\nSee {{ cite('vance2025ledger') }}.\n"
                  "{% endcall %}"), "docs/references.md": REFERENCES,
          "bibliography.bib": BIB_OPEN + "@misc{vance2025ledger, author = {Vance, Orla}, title = {Nightingale Quota Ledger}, "
                                         "year = {2025}}\n"},
         "Nightingale Quota Ledger", "vance2025ledger", nav=["index.md", "references.md"], expect="build"),
    case("redacted-part-of-a-page-title",
         {"docs/process.md": "# Findings {% call redact('helios') %}on the Nightingale cluster quota{% endcall %}\n\nText.\n"},
         "Nightingale cluster quota", nav=["index.md", "process.md"], expect="build"),
]


@pytest.mark.parametrize("spec", BASELINE)
def test_redacted_content_stays_out(report, spec):
    run(report, spec)


# ---- 11. attribution by position --------------------------------------------------------------------

# What a macro records belongs where its output lands, whatever order Jinja ran it in: a body a
# wrapper runs before it opens redact (WRAPPER), or a {% set %} block printed inside a redaction.
# Each family has honest variants that must build and show the owner its text.
ROWS = ("rows:\n  - {id: R-01, note: Public row note}\n"
        "quota: !private {owner: helios, value: Nightingale cluster quota was 4096 GPUs}\n"
        "flag: !private {owner: helios, value: true}\n")
TABLE_CALL = 'data_table("ledger.rows", columns=[["ID", "id"], ["Note", "note"]], download="helios-rows")'


def wrapped(id: str, body: str, *secrets: str, more: dict | None = None, **options) -> pytest.param:
    """``body`` inside the wrapper for helios, on the landing page, with the ledger data."""
    files = {"docs/index.md": "# Summary\n\n" + WRAPPER + "\n\nPublic text about the assessment.\n\n"
                              '{% call private("helios") %}\n' + body + "\n{% endcall %}\n",
             "data/ledger.yml": ROWS, **(more or {})}
    return case(id, files, *secrets, **options)


POSITIONS = [
    # downloads go with the table, for the public and for a rival participant
    wrapped("download-in-a-wrapper", "{{ " + TABLE_CALL + " }}", "helios-rows", expect="build",
            owner_sees="participant:helios"),
    wrapped("download-in-a-wrapper-rival", "{{ " + TABLE_CALL + " }}", "helios-rows", expect="build",
            audience="participant:quill"),
    wrapped("download-in-a-wrapper-from-a-partial", '{% include "table.md" %}', "helios-rows", expect="build",
            more={"partials/table.md": "{{ " + TABLE_CALL + " }}\n"}, owner_sees="participant:helios"),
    case("download-in-a-set-block-printed-in-a-redaction",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{% set t %}{{ " + TABLE_CALL + " }}{% endset %}"
                           '{% call redact("helios") %}\n{{ t }}\n{% endcall %}\n', "data/ledger.yml": ROWS},
         "helios-rows", expect="build", owner_sees="participant:helios"),
    case("download-whose-table-is-never-printed",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{% set t = " + TABLE_CALL + " %}\n", "data/ledger.yml": ROWS},
         "helios-rows", expect="fail", where=[at("docs/index.md:5")]),
    case("download-whose-table-a-filter-cuts",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{{ (" + TABLE_CALL + ")|truncate(20) }}\n",
          "data/ledger.yml": ROWS}, "helios-rows", expect="fail", where=[at("docs/index.md:5")]),
    case("download-in-the-open-honest",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{{ " + TABLE_CALL + " }}\n", "data/ledger.yml": ROWS},
         expect="build", present=["Public row note", "Download this table"]),
    # private values printed, tested or looked up inside the wrapper build, and only the owner reads them
    wrapped("private-fact-in-a-wrapper", 'The quota: {{ fact("ledger.quota") }}.', S, expect="build",
            owner_sees="participant:helios"),
    wrapped("private-variable-in-a-wrapper", "The quota: {{ ledger.quota }}.", S, expect="build",
            owner_sees="participant:helios"),
    wrapped("private-value-filtered-in-a-wrapper", "The quota: {{ ledger.quota|upper }}.", S.upper(), expect="build"),
    wrapped("private-value-tested-in-a-wrapper", "{% if ledger.flag %}§S.{% endif %}", S, expect="build",
            owner_sees="participant:helios"),
    wrapped("private-value-in-a-wrapper-rival", 'The quota: {{ fact("ledger.quota") }}.', S, expect="build",
            audience="participant:quill"),
    case("private-value-in-a-set-block-printed-in-a-redaction",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{% set q %}{{ ledger.quota }}{% endset %}"
                           '{% call redact("helios") %}\nThe quota: {{ q }}.\n{% endcall %}\n', "data/ledger.yml": ROWS},
         S, expect="build", owner_sees="participant:helios"),
    case("private-value-in-a-set-block-printed-openly",
         {"docs/index.md": "# Summary\n\nPublic text.\n\n{% set q %}{{ ledger.quota }}{% endset %}"
                           '{% call redact("helios") %}\nA detail.\n{% endcall %}\n\nThe quota: {{ q }}.\n',
          "data/ledger.yml": ROWS}, S, expect="fail", where=[at("docs/index.md:5")]),
    case("private-value-in-a-wrapper-that-does-not-redact",
         {"docs/index.md": "# Summary\n\n{% macro box() %}<div markdown>{{ caller() }}</div>{% endmacro %}\n\n"
                           '{% call box() %}\nThe quota: {{ fact("ledger.quota") }}.\n{% endcall %}\n',
          "data/ledger.yml": ROWS}, S, expect="fail", where=[at("docs/index.md:6")]),
    case("private-value-tested-in-a-wrapper-that-does-not-redact",
         {"docs/index.md": "# Summary\n\n{% macro box() %}<div markdown>{{ caller() }}</div>{% endmacro %}\n\n"
                           "{% call box() %}\n{% if ledger.flag %}Flag set.{% endif %}\n{% endcall %}\n",
          "data/ledger.yml": ROWS}, "Flag set", expect="fail", where=[at("docs/index.md:6")]),
    case("private-value-in-a-wrapper-for-another-owner",
         {"docs/index.md": "# Summary\n\n" + WRAPPER + '\n\n{% call private("quill") %}\nThe quota: '
                           '{{ fact("ledger.quota") }}.\n{% endcall %}\n', "data/ledger.yml": ROWS},
         S, expect="fail", where=[at("docs/index.md:6")]),
    case("private-value-in-a-body-the-wrapper-drops",
         {"docs/index.md": "# Summary\n\n{% macro drop() %}{% set body = caller() %}Nothing.{% endmacro %}\n\n"
                           "{% call drop() %}\n{% if ledger.flag %}yes{% endif %}\n{% endcall %}\n",
          "data/ledger.yml": ROWS}, expect="fail", where=[at("docs/index.md:6")]),
    # what a body assigns or nests is judged where it lands
    case("namespace-assignment-in-a-wrapper",
         {"docs/index.md": "# Summary\n\n" + WRAPPER + '\n{% set ns = namespace(t="") %}\n'
                           '{% call private("helios") %}\n{% set ns.t = "§S" %}A detail.\n{% endcall %}\n\n{{ ns.t }}\n'},
         S, expect="fail", where=[at("docs/index.md:6")]),
    case("namespace-assignment-in-a-call-block-that-stays-open-honest",
         {"docs/index.md": "# Summary\n\n{% macro box() %}<div markdown>{{ caller() }}</div>{% endmacro %}\n"
                           '{% set ns = namespace(n=0) %}\n{% call box() %}\n{% for i in range(3) %}'
                           "{% set ns.n = ns.n + 1 %}{% endfor %}Counted.\n{% endcall %}\n\nCount: {{ ns.n }}.\n"},
         expect="build", present=["Count: 3."]),
    case("material-redaction-inside-a-wrapper",
         {"docs/index.md": "# Summary\n\n" + WRAPPER + '\n\n{% call private("helios") %}\n'
                           '{% call redact("quill", material=true, note="A quill detail") %}\n§S.\n{% endcall %}\n'
                           "{% endcall %}\n"}, S, expect="fail", where=[at("docs/index.md:6")]),
    # text, headings, footnotes, images and citations inside the wrapper go with the redaction
    wrapped("heading-and-label-in-a-wrapper", "## Nightingale quota talks {#quota-talks}\n\n§T.", T,
            "Nightingale quota talks", "quota-talks", expect="build", owner_sees="participant:helios"),
    wrapped("footnote-in-a-wrapper", "A detail[^q].\n\n[^q]: §F.", F, expect="build", owner_sees="participant:helios"),
    wrapped("image-in-a-wrapper", "![Chart](assets/helios-chart.png)", "helios-chart", expect="build",
            more={"docs/assets/helios-chart.png": PNG}),
    wrapped("citation-in-a-wrapper", "See {{ cite('vance2025ledger') }}.", "Nightingale Quota Ledger",
            "vance2025ledger", expect="build", nav=["index.md", "references.md"],
            more={"docs/references.md": REFERENCES, "bibliography.bib": BIB_OPEN +
                  "@misc{vance2025ledger, author = {Vance, Orla}, title = {Nightingale Quota Ledger}, year = {2025}}\n"}),
    kestrel("never-named-reference-in-its-own-wrapper",
            {"docs/index.md": "# Summary\n\n" + WRAPPER + "\n\nOpen claim {{ cite('open2024') }}.\n\n"
                              '{% call private("kestrel") %}\nInternal detail {{ cite(\'eval2025\') }}.\n{% endcall %}\n',
             "docs/references.md": REFERENCES, "bibliography.bib": BIB_OPEN + BIB_KESTREL_AUTHOR},
            "Evaluation Notes on Agent Quotas", nav=["index.md", "references.md"], expect="build"),
    kestrel("never-named-reference-in-another-wrapper",
            {"docs/index.md": "# Summary\n\n" + WRAPPER + "\n\n"
                              '{% call private("helios") %}\nInternal detail {{ cite(\'eval2025\') }}.\n{% endcall %}\n',
             "bibliography.bib": BIB_KESTREL_AUTHOR}, expect="fail", where=[at("docs/index.md:6")]),
    kestrel("never-named-org-in-its-own-wrapper",
            {"docs/index.md": "# Summary\n\n" + WRAPPER + '\n\n{% call private("kestrel") %}\n'
                              "{{ org('kestrel') }} moved §T.\n{% endcall %}\n"}, T, expect="build"),
    wrapped("nested-wrappers-for-two-owners",
            '{% call private("quill") %}\nBoth: {{ fact("ledger.quota") }}.\n{% endcall %}', S, expect="build"),
    wrapped("caller-run-twice", "§T.", T, expect="build",
            more={"docs/index.md": "# Summary\n\n{% macro twice(owner) %}{% set a = caller() %}{% set b = caller() %}"
                                   "{% call redact(owner) %}{{ a }}{{ b }}{% endcall %}{% endmacro %}\n\n"
                                   'Public text.\n\n{% call twice("helios") %}\n§T. {{ fact("ledger.quota") }}\n'
                                   "{% endcall %}\n"}),
]


@pytest.mark.parametrize("spec", POSITIONS)
def test_what_a_macro_records_goes_where_its_output_lands(report, spec):
    run(report, spec)


# ---- 12. short secrets, ids and inputs that bypass the engine ----------------------------------------

# A codename of a few words, redacted in one place and typed in another, is below the passage size
# the conflict check and the audit compare (passages.py): never_public: is the author's tool for it.
NEVER_YML = REPORT_YML + "never_public:\n  - Nightjar\n  - Project Zephyr\n"


def never(id: str, files: dict, *secrets: str, **options) -> pytest.param:
    options.setdefault("yml", NEVER_YML)
    return case(id, files, *secrets, **options)


SHORT_SECRETS = [
    never("codename-typed-in-open-text", index("We studied the Nightjar cluster."), "Nightjar", expect="fail",
          where=[at("docs/index.md:3")]),
    never("codename-redacted-here-and-typed-there",
          index("{% call redact('helios') %}\nThe Nightjar cluster.\n{% endcall %}\n\nAgain, Nightjar."),
          "Nightjar", expect="fail"),
    never("codename-uppercase-in-a-heading", index("## NIGHTJAR results\n\nText."), "Nightjar", expect="fail"),
    never("two-word-term-hyphenated", index("The project-zephyr team."), "Project Zephyr", expect="fail"),
    never("two-word-term-without-a-space", index("The ProjectZephyr team."), "Project Zephyr", expect="fail"),
    never("codename-in-a-url-query", index("See [results](https://example.org/search?q=Project+Zephyr)."),
          "Project Zephyr", expect="fail"),
    never("codename-percent-encoded-in-a-link", index("See [results](https://example.org/Project%20Zephyr/)."),
          "Project Zephyr", expect="fail"),
    never("codename-in-an-image-alt", {**index("![Nightjar chart](assets/chart.png)"), "docs/assets/chart.png": PNG},
          "Nightjar", expect="fail"),
    never("codename-in-a-file-name", {**index("![Chart](assets/nightjar.png)"), "docs/assets/nightjar.png": PNG},
          "Nightjar", expect="fail"),
    never("codename-in-a-data-value", {**index("The cluster was {{ fact('facts.cluster') }}."),
                                       "data/facts.yml": "cluster: Nightjar\n"}, "Nightjar", expect="fail"),
    never("codename-in-a-download", {"docs/index.md": "# Summary\n\n{{ data_table('facts.rows', columns=[['Name', 'name']], "
                                                      "download='rows') }}\n",
                                     "data/facts.yml": "rows:\n  - {name: Nightjar}\n"}, "Nightjar", expect="fail"),
    never("codename-in-a-page-title", {"docs/process.md": "# The Nightjar process\n\nText.\n"}, "Nightjar",
          nav=["index.md", "process.md"], expect="fail"),
    never("codename-only-inside-redactions-honest",
          index("Public text.\n\n{% call redact('helios') %}\nThe Nightjar cluster ran hot.\n{% endcall %}"),
          "Nightjar", expect="build", owner_sees="participant:helios"),
    never("a-word-that-contains-the-codename-honest", index("Nightjars sing at night."), expect="build",
          present=["Nightjars sing"]),
    case("never-public-malformed", {}, yml=REPORT_YML + "never_public: Nightjar\n", expect="fail",
         where=[at("data/report.yml:12")]),
    case("never-public-too-short", {}, yml=REPORT_YML + "never_public:\n  - Zx\n", expect="fail",
         where=[at("data/report.yml:13")]),
]


@pytest.mark.parametrize("spec", SHORT_SECRETS)
def test_terms_that_must_never_be_public(report, spec):
    run(report, spec)


KESTREL_ROWS = "rows:\n  - {id: R-1, participant: kestrel, note: Restarted a job}\n  - {id: R-2, participant: helios, note: Audited}\n"

IDS_AND_INPUTS = [
    kestrel("never-named-id-in-a-table-column-without-a-format",
            {"docs/index.md": "# Summary\n\n{{ data_table('log.rows', columns=[['ID', 'id'], ['Who', 'participant']]) }}\n",
             "data/log.yml": KESTREL_ROWS}, expect="fail", where=[at("docs/index.md:3")]),
    kestrel("never-named-id-in-a-table-column-formatted-honest",
            {"docs/index.md": "# Summary\n\n{{ data_table('log.rows', columns=[['ID', 'id'], "
                              "['Who', 'participant', 'participant']]) }}\n", "data/log.yml": KESTREL_ROWS},
            expect="build", present=["Developer E"]),
    kestrel("never-named-id-printed-in-a-loop",
            {"docs/index.md": "# Summary\n\n{% for r in log.rows %}\n- {{ r.participant }}: {{ r.note }}\n{% endfor %}\n",
             "data/log.yml": KESTREL_ROWS}, expect="fail"),
    kestrel("name-in-a-url-query-with-plus", index("See [their page](https://example.org/find?q=Kestrel+Systems)."),
            expect="fail"),
    kestrel("name-in-a-url-with-entities", index('See <a href="https://example.org/Kestrel&#32;Systems/">it</a>.'),
            expect="fail"),
    case("extra-files-glob-also-publishes-a-raw-export",
         {**index("See the [public data](data/public.csv)."), "docs/data/public.csv": "id,value\nA-1,12\n",
          "docs/data/helios-export.csv": "id,quota\nHX-9,4096\n",
          "data/ledger.yml": "quota: !private {owner: helios, value: 4096}\ncode: !private {owner: helios, value: HX-9}\n"},
         "HX-9", yml=REPORT_YML + "extra_files: [data/*.csv]\n", expect="fail", where=[at("data/ledger.yml:1", "data/ledger.yml:2")]),
    case("extra-files-glob-also-publishes-a-raw-export-as-json",
         {**index("Text."), "docs/data/helios-export.json": '{"rows": [{"id": "HX-9", "quota": 4096}]}\n',
          "data/ledger.yml": "code: !private {owner: helios, value: HX-9}\n"},
         "HX-9", yml=REPORT_YML + "extra_files: [data/*.json]\n", expect="fail", where=[at("data/ledger.yml:1")]),
    case("extra-files-glob-public-data-honest",
         {**index("See the [public data](data/public.csv)."), "docs/data/public.csv": "id,value\nA-1,12\nB-2,4096\n",
          "data/ledger.yml": "quota: !private {owner: helios, value: 4096}\ncode: !private {owner: helios, value: HX-9}\n"
                             "public_quota: 4096\n"},
         yml=REPORT_YML + "extra_files: [data/*.csv]\n", expect="build", present=["public data"]),
    case("snippets-extension", {"docs/index.md": "# Summary\n\nPublic text.\n\n--8<-- \"partials/helios.md\"\n",
                                "partials/helios.md": "{% call redact('helios') %}\n§S.\n{% endcall %}\n"},
         S, config={"markdown_extensions": ["pymdownx.snippets"]}, expect="fail", where=[at("mkdocs.yml")]),
    case("snippets-extension-with-settings", {"docs/index.md": "# Summary\n\n--8<-- \"notes.txt\"\n",
                                              "notes.txt": "§S.\n"},
         S, config={"markdown_extensions": [{"pymdownx.snippets": {"base_path": ["."]}}]}, expect="fail",
         where=[at("mkdocs.yml")]),
    case("b64-extension", {"docs/index.md": "# Summary\n\n![x](assets/a.png)\n", "docs/assets/a.png": PNG},
         config={"markdown_extensions": ["pymdownx.b64"]}, expect="fail", where=[at("mkdocs.yml")]),
    case("include-yaml-with-private-values",
         {"docs/index.md": "# Summary\n\n{{ extra_data.quota }}\n",
          "extra.yml": "quota: !private {owner: helios, value: §S}\n"},
         S, config={"plugins": ["search", "report", {"macros": {"module_name": "macros", "on_error_fail": True,
                                                                "include_yaml": [{"extra_data": "extra.yml"}]}}]},
         expect="fail", where=[at("extra.yml:1")]),
    case("include-yaml-malformed",
         {"docs/index.md": "# Summary\n\nText.\n", "extra.yml": "quota: [1, 2\n"},
         config={"plugins": ["search", "report", {"macros": {"module_name": "macros", "on_error_fail": True,
                                                             "include_yaml": [{"extra_data": "extra.yml"}]}}]},
         expect="fail", where=[r"extra\.yml:\d"]),
    case("include-yaml-plain-honest",
         {"docs/index.md": "# Summary\n\nThe team had {{ extra_data.size }} people.\n", "extra.yml": "size: 12\n"},
         config={"plugins": ["search", {"macros": {"module_name": "macros", "on_error_fail": True,
                                                   "include_yaml": [{"extra_data": "extra.yml"}]}}]},
         expect="build", present=["The team had 12 people."]),
]


@pytest.mark.parametrize("spec", IDS_AND_INPUTS)
def test_ids_and_inputs_that_bypass_the_engine(report, spec):
    run(report, spec)


# ---- 13. the disclosure process: pending, anonymised and exited participants -------------------------

EXIT_YML = REPORT_YML + "  - {id: nova, name: Nova Dynamics, pseudonym: Developer C, exited: true}\n"
NOVA = "Nova Dynamics"
NOVA_LOG = "rows:\n  - {id: REC-771, participant: nova, note: Restarted a job after the quota limit}\n" \
           "  - {id: R-2, participant: helios, note: Audited the logs}\n"
DECISIONS = "quill-roadmap: {decision: approved, by: Sam Lee, date: 2026-04-04}\n"


def exited(id: str, files: dict, *secrets: str, **options) -> pytest.param:
    options.setdefault("yml", EXIT_YML)
    return case(id, files, *secrets, NOVA, "Developer C", **options)


def block(owner: str, item: str, body: str) -> str:
    return f'{{% call nonpublic("{owner}", id="{item}") %}}\n{body}\n{{% endcall %}}'


DISCLOSURE = [
    exited("exited-org-in-open-text", index("We thank {{ org('nova') }}."), expect="fail",
           where=[at("docs/index.md:3")]),
    exited("exited-org-in-open-text-rival", index("We thank {{ org('nova') }}."), expect="fail",
           audience="participant:helios"),
    exited("exited-name-typed", index("We thank Nova Dynamics for its time."), expect="fail", where=[at("docs/index.md:3")]),
    exited("exited-pseudonym-typed", index("Developer C left the assessment early."), expect="fail"),
    exited("exited-id-in-a-heading-label", index("## Results {#nova-results}\n\nText.")),
    exited("exited-id-in-a-file-name", {**index("![Chart](assets/nova-chart.png)"), "docs/assets/nova-chart.png": PNG}),
    exited("exited-record-in-a-loop", {**index("{% for r in log.rows %}\n- {{ r.id }}: {{ r.note }}\n{% endfor %}"),
                                       "data/log.yml": NOVA_LOG}, "Restarted a job", "REC-771", expect="build",
           present=["Audited the logs"]),
    exited("exited-record-in-a-table-and-its-download",
           {**index("{{ data_table('log.rows', columns=[['ID', 'id'], ['Who', 'participant', 'participant'], "
                    "['Note', 'note']], download='log') }}"), "data/log.yml": NOVA_LOG},
           "Restarted a job", "REC-771", expect="build", present=["Audited the logs"]),
    exited("exited-participant-count-and-list",
           index("We assessed {{ report.participants|length }} developers: "
                 "{{ report.participants|map(attribute='name')|join(', ') }}."),
           expect="build", present=["We assessed 2 developers: Helios Labs, Quill Research."]),
    exited("exited-material-redaction-leaves-no-notice",
           index("{% call redact('nova', material=true, note='Scheduler details were withheld') %}\n§S.\n{% endcall %}"
                 "\n\n{{ redaction_statement() }}"), S, "Scheduler details were withheld", "material-redaction",
           expect="build", present=["Except where explicitly noted"]),
    exited("exited-replacement-is-silent",
           index("{% call redact('nova', replacement='One developer declined to comment.') %}\n§S.\n{% endcall %}"),
           S, "declined to comment", expect="build"),
    exited("exited-nonpublic-approved-before-it-left",
           {**index(block("nova", "nova-gap", "§T.")), "data/disclosures.yml": "nova-gap: {decision: approved}\n"},
           T, expect="build"),
    exited("exited-appendix", {"docs/appendices/nova.md": "# Developer C\n\n{% call redact('nova') %}\n§T.\n{% endcall %}\n",
                               "docs/appendices/helios.md": "# Helios Labs\n\nPublic appendix.\n"},
           T, "appendices/nova", nav=["index.md", {"Appendices": ["appendices/nova.md", "appendices/helios.md"]}],
           expect="build"),
    exited("exited-citation-only-in-its-redaction",
           {**index("Open claim {{ cite('open2024') }}.\n\n{% call redact('nova') %}\nSee {{ cite('nova2025') }}.\n"
                    "{% endcall %}"), "docs/references.md": REFERENCES,
            "bibliography.bib": BIB_OPEN + "@misc{nova2025, author = {Vance, Orla}, title = {Scheduler Ledger Notes}, "
                                           "year = {2025}}\n"},
           "Scheduler Ledger Notes", nav=["index.md", "references.md"], expect="build"),
    case("exited-public-work-cited-as-literature-honest",
         {**index("Prior work exists {{ cite('novapaper') }}.\n\n{{ bibliography() }}"),
          "bibliography.bib": "@misc{novapaper, author = {{Nova Dynamics}}, title = {Agents at Scale}, year = {2024}}\n"},
         yml=EXIT_YML, expect="build", present=["Agents at Scale"]),
    exited("exited-own-build-refused", {}, audience="participant:nova", expect="fail"),
    case("exited-pseudonym-leaves-a-gap", {},
         yml=REPORT_YML.replace("{id: helios, name: Helios Labs}", "{id: helios, name: Helios Labs, pseudonym: Developer A}")
         + "  - {id: nova, name: Nova Dynamics, pseudonym: Developer C, exited: true}\n"
           "  - {id: orion, name: Orion AI, pseudonym: Developer D}\n", expect="fail", where=[at("data/report.yml:12")]),
    # pending: fail closed, and the final public build stops
    case("pending-decision-stops-the-final-build",
         {**index(block("quill", "quill-roadmap", "§T.")), "data/disclosures.yml": "quill-roadmap: {decision: pending}\n"},
         T, expect="fail", where=[at("docs/index.md:3")]),
    case("no-entry-stops-the-final-build", index(block("quill", "quill-roadmap", "§T.")), T, expect="fail",
         where=[at("docs/index.md:3")]),
    case("pending-in-a-rival-build", {**index(block("quill", "quill-roadmap", "## Roadmap heading\n\n§T.\n\n"
                                                    "![x](assets/quill-roadmap.png)")),
                                      "docs/assets/quill-roadmap.png": PNG},
         T, "Roadmap heading", "quill-roadmap.png", audience="participant:helios", expect="build"),
    case("pending-in-the-owners-build-honest", index(block("quill", "quill-roadmap", "§T.")),
         audience="participant:quill", expect="build", present=[T]),
    case("approved-honest", {**index(block("quill", "quill-roadmap", "§T.")), "data/disclosures.yml": DECISIONS},
         expect="build", present=[T]),
    case("one-id-two-owners", {**index(block("quill", "quill-roadmap", "Open Quill text.") + "\n\n"
                                       + block("helios", "quill-roadmap", "§T.")), "data/disclosures.yml": DECISIONS},
         T, expect="fail"),
    # anonymised: the owner by pseudonym only
    case("anonymised-honest", {**index(block("quill", "quill-inc", "{{ org('quill') }} §G.")),
                               "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"},
         "Quill Research", expect="build", present=["Developer B " + TOKENS["§G"]]),
    case("anonymised-owner-named-in-its-text", {**index(block("quill", "quill-inc", "Quill Research §G.")),
                                                "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"},
         "Quill Research", expect="fail", where=[at("docs/index.md:3")]),
    case("anonymised-owner-named-in-a-link", {**index(block("quill", "quill-inc", "{{ org('quill') }} §G "
                                                            "([source](https://example.org/quill-research/)).")),
                                              "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"},
         "Quill Research", expect="fail"),
    case("anonymised-without-a-pseudonym", {**index(block("helios", "helios-inc", "§G.")),
                                            "data/disclosures.yml": "helios-inc: {decision: anonymised}\n"},
         expect="fail", where=[at("data/disclosures.yml:1")]),
    # found by a red-team pass over the first version
    case("anonymised-owner-named-in-a-footnote-defined-outside",
         {**index(block("quill", "quill-inc", "Monitoring at the lab missed agent jobs[^src].")
                  + "\n\n[^src]: As Quill Research engineers told us in March."),
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="fail"),
    case("anonymised-owner-named-percent-encoded-in-a-link",
         {**index(block("quill", "quill-inc", 'Monitoring at <a href="https://x.example/Quill%20Research">the lab</a> '
                                              "missed agent jobs.")),
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="fail"),
    case("anonymised-owner-named-through-an-entity",
         {**index(block("quill", "quill-inc", "Monitoring at Q&#117;ill Research missed agent jobs.")),
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="fail"),
    case("anonymised-owner-named-with-emphasis",
         {**index(block("quill", "quill-inc", "Monitoring at **Quill** Research missed agent jobs.")),
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="fail"),
    case("anonymised-cites-the-owners-own-work",
         {**index(block("quill", "quill-inc", "Monitoring missed agent jobs {{ cite('qr2025') }}.") + "\n\n{{ bibliography() }}"),
          "bibliography.bib": "@techreport{qr2025, author = {{Quill Research}}, title = {Agent monitoring at scale}, "
                              "institution = {Quill Research}, year = {2025}}\n",
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="fail"),
    case("anonymised-table-download-by-pseudonym",
         {**index(block("quill", "quill-inc", "Jobs.\n\n{{ data_table('jobs.rows', columns=[['Job', 'id'], "
                                              "['Dev', 'participant', 'participant']], download='lab-jobs') }}")),
          "data/jobs.yml": "rows:\n  - {id: J-1, participant: quill}\n  - {id: J-2, participant: helios}\n",
          "data/disclosures.yml": "quill-inc: {decision: anonymised}\n"}, "Quill Research", expect="build",
         present=["Developer B"]),
    case("anonymised-data-value", {**index("Quota: {{ fact('facts.quota') }}."),
                                   "data/facts.yml": "quota: !private {owner: quill, id: q-quota, value: Quill Research quota 4096}\n",
                                   "data/disclosures.yml": "q-quota: {decision: anonymised}\n"},
         "Quill Research quota", expect="fail", where=[at("data/disclosures.yml:1")]),
    case("one-id-two-owners-in-a-draft",
         {**index(block("helios", "dup", "Helios text about the pangolin thing in the cluster.") + "\n\n"
                  + block("quill", "dup", "Quill text about the armadillo thing.")),
          "data/disclosures.yml": "dup: {decision: approved}\n"}, "pangolin", audience="participant:quill", expect="fail"),
    exited("exited-keyed-by-its-id", {**index("{% for k, v in devs.bydev.items() %}\n- {{ k }}: {{ v.score }}\n{% endfor %}"),
                                      "data/devs.yml": "bydev:\n  helios: {score: 3}\n  nova: {score: 9, comment: dugong}\n"},
           "dugong", expect="build", present=["helios: 3"]),
    exited("exited-in-a-list-of-ids", {**index("Partners: {{ devs.partners | join(', ') }}."),
                                       "data/devs.yml": "partners: [helios, nova]\n"}, expect="build",
           present=["Partners: helios."]),
    exited("exited-in-a-nested-record", {**index("{% for r in devs.rows %}\n- {{ r.id }} {{ r.result }}\n{% endfor %}"),
                                         "data/devs.yml": "rows:\n  - {id: R-3, developer: {id: nova}, result: dugong}\n"
                                                          "  - {id: R-4, developer: {id: helios}, result: fine}\n"},
           "dugong", expect="build", present=["R-4 fine"]),
    exited("exited-id-typed-as-a-word", index("The nova cluster evaluation ran in March."), expect="fail",
           where=[at("docs/index.md:3")]),
    case("nested-redaction-of-the-same-owner-honest",
         index(block("quill", "q-two", "Quill second item mentions the quokka.\n{% call redact('quill') %}"
                                       "Inner quasar text.{% endcall %}")), "quokka", "quasar",
         audience="participant:helios", expect="build"),
    case("nested-redaction-of-the-same-owner-owner-build-honest",
         index(block("quill", "q-two", "Quill second item mentions the quokka.\n{% call redact('quill') %}"
                                       "Inner quasar text.{% endcall %}")),
         audience="participant:quill", expect="build", present=["quokka", "quasar"]),
    case("redacted-decision-material", {**index(block("quill", "quill-inc", "§S.") + "\n\n{{ redaction_statement() }}"),
                                        "data/disclosures.yml": "quill-inc: {decision: redacted, material: true, "
                                                                "note: A quill detail was withheld}\n"},
         S, expect="build", present=["A quill detail was withheld"], owner_sees="participant:quill"),
]


@pytest.mark.parametrize("spec", DISCLOSURE)
def test_pending_anonymised_and_exited_participants(report, spec):
    run(report, spec)


# ---- 14. deploys ----------------------------------------------------------------------------------

CLEAN_ENV = ("REPORT_AUDIENCE", "REPORT_DRAFT", "SOURCE_DATE_EPOCH", "MIKE_DOCS_VERSION")


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def repository(report) -> Path:
    """The report committed to a git repository, with a bare remote as origin."""
    plant(report, index("Public text.\n\n{% call redact('helios') %}\n§S.\n{% endcall %}\n\n<!-- §N -->"))
    report.write(".gitignore", "site/\nsite-private/\n.cache/\n__pycache__/\n")
    (report.root / "mkdocs.yml").write_text(yaml.safe_dump(report.config, sort_keys=False), encoding="utf-8")
    root = report.root
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Report Editor")
    git(root, "config", "user.email", "editor@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Report")
    remote = root.parent / "remote.git"
    git(root.parent, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    return remote


def environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update(extra, NO_MKDOCS_2_WARNING="1")
    return env


@pytest.mark.parametrize("audience", [None, "participant:helios", "internal"])
def test_gh_deploy_is_refused(report, audience):
    remote = repository(report)
    env = environment(**({"REPORT_AUDIENCE": audience} if audience else {}))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "gh-deploy", "--force"], cwd=report.root, env=env,
                          capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-6000:]
    assert "gh-pages" not in git(remote, "branch", "--list"), "gh-deploy pushed to the remote"


def test_publish_refuses_a_build_without_the_engine(report):
    report.config["plugins"] = ["search"]            # the macros plugin removed from mkdocs.yml
    repository(report)
    proc = subprocess.run([sys.executable, "-m", "macros", "publish"], cwd=report.root, env=environment(),
                          capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "Traceback" not in output, output[-6000:]
    exists = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "gh-pages"], cwd=report.root,
                            capture_output=True, text=True)
    assert exists.returncode != 0, "publish deployed a build the engine never ran"
