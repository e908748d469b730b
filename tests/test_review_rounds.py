"""Cases from the second adversarial review of the leak guarantee, each kept as a test: leaks that
must not publish, honest reports that must build, and author mistakes that must name their place."""

from __future__ import annotations

import gzip
import io
import re
import zipfile

import pytest

from conftest import REPORT_YML, assert_clean_failure

F = "Zephyrine footnote reports the sandbox escape rate"
S = "Nightingale cluster quota was 4096 GPUs"
T = "Helios moved the evaluation fleet to a separate network segment in March"
N = "Helios asked us to hold the Iowa example until legal review"
KESTREL = REPORT_YML + "  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer E, named: false}\n"


def xlsx(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", f"<sst><si><t>{text}</t></si></sst>")
    return buffer.getvalue()


def site_text(site) -> str:
    parts = []
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix in (".gz", ".svgz"):
            data = gzip.decompress(data)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = b" ".join(archive.read(name) for name in archive.namelist())
        parts += [path.relative_to(site).as_posix(), data.decode("utf-8", errors="replace")]
    return re.sub(r"\s+", " ", " ".join(parts)).lower()


def setup(report, files: dict, yml: str | None = None, nav=("index.md",)):
    report.nav(*nav)
    if yml:
        report.write("data/report.yml", yml)
    for path, content in files.items():
        at_root = path.startswith(("data/", "partials/", "docs/")) or path in ("bibliography.bib", "mkdocs.yml")
        target = report.root / (path if at_root else f"docs/{path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content, encoding="utf-8")


LEAKS = [
    ("footnote-used-only-in-a-dropped-footnote",
     {"index.md": "# Summary\n\nPublic text.\n\n{% call redact('helios') %}\nHelios detail with a note[^b].\n"
                  "{% endcall %}\n\n[^b]: Outer note, see also[^a].\n\n[^a]: " + F + ".\n"}, None, [F]),
    ("footnote-definition-in-a-blockquote",
     {"index.md": "# Summary\n\nPublic text.\n\n{% call redact('helios') %}\nHelios detail with a note[^a].\n"
                  "{% endcall %}\n\n> [^a]: " + F + ".\n"}, None, [F]),
    ("footnote-use-in-indented-code-is-no-use",
     {"index.md": "# Summary\n\nExample:\n\n    See the claim[^a].\n\n{% call redact('helios') %}\nHelios detail[^a].\n"
                  "{% endcall %}\n\n[^a]: " + F + ".\n"}, None, [F]),
    ("footnote-use-in-a-raw-html-block-is-no-use",
     {"index.md": "# Summary\n\n<div class=\"grid\">markers look like [^a].</div>\n\n{% call redact('helios') %}\n"
                  "Helios detail[^a].\n{% endcall %}\n\n[^a]: " + F + ".\n"}, None, [F]),
    ("footnote-use-in-a-link-title-is-no-use",
     {"index.md": "# Summary\n\n[link](https://example.org/ \"see [^a]\")\n\n{% call redact('helios') %}\nHelios detail[^a].\n"
                  "{% endcall %}\n\n[^a]: " + F + ".\n"}, None, [F]),
    ("extra-files-glob-does-not-publish-a-redactions-file",
     {"index.md": "# Summary\n\n[Public data](downloads/public.csv).\n\n{% call redact('helios') %}\n"
                  "See [the Helios usage data](downloads/helios-usage.csv).\n{% endcall %}\n",
      "downloads/public.csv": "a,b\n1,2\n", "downloads/helios-usage.csv": f"note\n{S}\n"},
     REPORT_YML + "extra_files: [downloads/*.csv]\n", [S, "helios-usage"]),
    ("page-mentioned-only-in-indented-code",
     {"index.md": "# Summary\n\nTo link a page, write:\n\n    [the notes](helios-notes.md)\n",
      "helios-notes.md": f"# Helios notes\n\n{S}.\n"}, None, [S]),
    ("page-mentioned-only-in-a-raw-html-block",
     {"index.md": "# Summary\n\n<div class=\"todo\">\nlink [the notes](helios-notes.md) once cleared\n</div>\n",
      "helios-notes.md": f"# Helios notes\n\n{S}.\n"}, None, [S]),
    ("never-named-as-one-word-in-a-domain", {"index.md": "# Summary\n\nSee [the card](https://kestrelsystems.com/card.pdf).\n"},
     KESTREL, ["kestrelsystems"]),
    ("never-named-camel-case", {"index.md": "# Summary\n\nCode at github.com/KestrelSystems/evals was reviewed.\n"},
     KESTREL, ["kestrelsystems"]),
    ("never-named-with-a-dot", {"index.md": "# Summary\n\nWe assessed Kestrel.Systems and others.\n"}, KESTREL,
     ["kestrel.systems"]),
    ("never-named-url-encoded", {"index.md": "# Summary\n\n[Filing](https://example.org/search?q=Kestrel%20Systems).\n"},
     REPORT_YML + "  - {id: deve, name: Kestrel Systems, pseudonym: Developer E, named: false}\n", ["kestrel%20systems"]),
    ("never-named-in-a-linked-spreadsheet",
     {"index.md": "# Summary\n\n[Download the data](downloads/incidents.xlsx).\n",
      "downloads/incidents.xlsx": xlsx("Kestrel Systems restarted a job")}, KESTREL, ["kestrel systems"]),
    ("redacted-text-in-a-linked-spreadsheet",
     {"index.md": "# Summary\n\n{% call redact('helios') %}\n" + T + ".\n{% endcall %}\n\n[Download](downloads/incidents.xlsx).\n",
      "downloads/incidents.xlsx": xlsx(T)}, None, [T]),
    ("never-named-in-a-compressed-svg",
     {"index.md": "# Summary\n\n![chart](assets/chart.svgz)\n",
      "assets/chart.svgz": gzip.compress(b'<svg xmlns="http://www.w3.org/2000/svg"><text>Kestrel Systems</text></svg>')},
     KESTREL, ["kestrel systems"]),
    ("note-swallowed-by-a-stray-backtick",
     {"index.md": "# Summary\n\nHelios's `sandbox was strong. <!-- " + N + " --> We then ran `curl` against it.\n"}, None, [N]),
]


@pytest.mark.parametrize("files, yml, secrets", [case[1:] for case in LEAKS], ids=[case[0] for case in LEAKS])
def test_second_review_leaks_do_not_publish(report, files, yml, secrets):
    setup(report, files, yml)
    result = report.build(expect_ok=False)
    if result.returncode != 0:
        assert "Traceback" not in result.output
        assert [line for line in result.output.splitlines() if line.startswith("ERROR")]
        return
    text = site_text(result.site)
    assert not [secret for secret in secrets if secret.lower() in text]


@pytest.mark.parametrize("kind, source", [
    ("link-title", "[the log](https://example.org/log \"" + T + "\")"),
    ("html-title", "<abbr title=\"" + T + "\">log</abbr>"),
    ("attr-list", "The log.\n{: title=\"" + T + "\" }"),
])
def test_redacted_text_in_attributes_conflicts_with_an_open_copy(report, kind, source):
    setup(report, {"index.md": "# Summary\n\n{% call redact('helios') %}\n" + source + "\n{% endcall %}\n\n" + T + ".\n"})
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "also written in open text at docs/index.md")


HONEST = [
    ("never-named-one-word-names", {"index.md": "# Summary\n\n{{ org('meta') }} took part.\n"},
     REPORT_YML + "  - {id: meta, name: Meta, pseudonym: Developer D, named: false}\n"),
    ("never-named-apple", {"index.md": "# Summary\n\n{{ org('apple') }} took part.\n"},
     REPORT_YML + "  - {id: apple, name: Apple, pseudonym: Developer F, named: false}\n"),
    ("same-generic-heading-in-two-appendices",
     {"index.md": "# Summary\n\nPublic text.\n",
      "appendices/helios.md": "# Helios Labs\n\nHelios text.\n\n{% call redact('helios') %}\n## Monitoring and oversight\n\n"
                              "Helios private detail here.\n{% endcall %}\n",
      "appendices/quill.md": "# Quill Research\n\n## Monitoring and oversight\n\nQuill text in the open.\n"}, None),
    ("stock-clause-and-sentence",
     {"index.md": "# Summary\n\n{% call redact('helios') %}\nHelios moved its fleet in March, as described in the previous "
                  "section. See the appendix for details.\n{% endcall %}\n\nQuill kept its fleet in place, as described in "
                  "the previous section. See the appendix for details.\n"}, None),
    ("footnote-use-followed-by-a-colon-keeps-its-footnote",
     {"index.md": "# Summary\n\nPublic claim[^a]: and more text.\n\n{% call redact('helios') %}\nHelios detail[^a].\n"
                  "{% endcall %}\n\n[^a]: Public footnote about method choices made.\n"}, None),
]


@pytest.mark.parametrize("files, yml", [case[1:] for case in HONEST], ids=[case[0] for case in HONEST])
def test_second_review_honest_reports_build(report, files, yml):
    nav = ["index.md"] + [f"appendices/{name.split('/')[1]}" for name in files if name.startswith("appendices/")]
    setup(report, files, yml, nav)
    result = report.build()
    if "Public footnote about method choices made" in str(files):
        assert "Public footnote about method choices made" in result.page()


@pytest.mark.parametrize("files, file, line, fragment", [
    ({"data/facts.yml": "day: 2026-02-30\n", "index.md": "# Summary\n"}, "data/facts.yml", 1, "not a valid date"),
    ({"index.md": "---\ndate: 2026-02-30\n---\n# Summary\n"}, "docs/index.md", 2, "malformed front matter"),
    ({"index.md": "# Summary\n\n{% include 'part.md' %}\n", "partials/part.md": "Line one.\n\n{{ fact('report.titel') }}\n"},
     "partials/part.md", 3, "unknown fact 'report.titel'"),
    ({"index.md": "# Summary\n\n{% include 'part.md' %}\n", "partials/part.md": "Line one.\n\n{{ oops }\n"},
     "partials/part.md", 3, "template syntax error"),
    ({"data/facts.yml": "b: !private {owner: helio, value: 3}\n", "index.md": "# Summary\n"}, "data/facts.yml", 1,
     "unknown participant 'helio'"),
    ({"index.md": "# Summary\n\n{{ range(10**9) | list | length }}\n"}, "docs/index.md", 3, "Range too big"),
])
def test_second_review_mistakes_name_their_place(report, files, file, line, fragment):
    setup(report, files)
    assert_clean_failure(report.build(expect_ok=False), file, line, fragment)


def test_pages_and_partials_that_are_not_utf8_name_their_place(report):
    setup(report, {"index.md": "# Summary\n\n{% include 'p.md' %}\n", "partials/p.md": "Caf\u00e9 notes.\n".encode("latin-1")})
    assert_clean_failure(report.build(expect_ok=False), "partials/p.md", 1, "not UTF-8")
    setup(report, {"index.md": "# Summary\n\nCaf\u00e9.\n".encode("latin-1")})
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "not UTF-8")
