"""The leak guarantee at its edges: leaks and author mistakes found by adversarial reviews of the
engine, each kept as a test (the red-team categories are in test_redteam.py).

Each case builds a small report: leaks must not publish, honest reports must build, and author
mistakes must name their place.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile

import pytest

from conftest import REPORT_YML, assert_clean_failure, declare

pytestmark = [pytest.mark.site, pytest.mark.redteam]

NOTE = "Helios asked us to cut the Iowa example until they confirm"


def all_text(site) -> str:
    return "\n".join(p.read_text(errors="replace") for p in site.rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json", ".xml", ".md", ".txt", ".bib", ".svg"))


def test_footnote_used_only_inside_a_redaction_goes_with_it(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios secret statement with a note[^a].
        {% endcall %}

        [^a]: Footnote alpha is about the cluster.
        Lazy continuation line of footnote alpha mentions the secret Iowa datacenter.
        """)
    public = report.build()
    assert "Iowa" not in all_text(public.site) and "Footnote alpha" not in all_text(public.site)
    for audience in ("participant:helios", "internal"):
        assert "Lazy continuation line of footnote alpha mentions the secret Iowa datacenter." in report.build(audience).page()


def test_indented_footnote_definition_goes_with_the_redaction_too(report):
    report.config["markdown_extensions"] = ["admonition", "footnotes"]
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}Budget detail[^d].{% endcall %}

        !!! note
            [^d]: The helios budget for agent compute doubled in March.
        """)
    assert "agent compute doubled" not in all_text(report.build().site)
    assert "agent compute doubled" in report.build("participant:helios").page()


def test_footnote_defined_inside_but_used_outside(report):
    report.page("index.md", """
        # Summary

        Public claim[^p].

        {% call redact("helios") %}
        [^p]: Defined in the redaction.
        {% endcall %}
        """)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 6, "footnote [^p] is defined inside a redaction of 'helios' but used outside it")


@pytest.mark.parametrize("body", [
    # a lone backtick before and after the note, paragraphs apart
    f"A lone ` backtick.\n\n<!-- TODO(editor): {NOTE}. -->\n\nAnother ` backtick.\n",
    # an unclosed fence before the note
    f"```\ncode that never closes\n\n<!-- TODO(editor): {NOTE}. -->\n",
    # a note that comments out a block holding a fence
    f"<!-- TODO(editor): {NOTE}.\n```\nexample code\n```\n-->\n\nAfter.\n",
])
def test_editors_notes_never_reach_public_html_however_the_markdown_reads(report, body):
    report.page("index.md", "# Summary\n\nPublic text.\n\n" + body)
    result = report.build()
    assert NOTE not in all_text(result.site)
    assert "<!--" not in result.page()
    assert NOTE in report.build("internal").page()


def test_editors_note_in_a_heading_stays_out_of_its_id(report):
    report.page("process.md", "# Process\n\n## Results <!-- Helios asked about Iowa -->\n\nText.\n")
    report.page("index.md", "# Summary\n")
    report.nav("index.md", "process.md")
    result = report.build()
    assert '<h2 id="results">1.1 Results' in result.article("process")
    assert "iowa" not in all_text(result.site).lower()


def test_a_title_written_with_macros_never_shows_its_source(report):
    report.write("data/facts.yml", "gpus: 4096\n")
    report.page("index.md", """
        # Findings {% call redact("helios") %}on the secret Iowa cluster of {{ fact("facts.gpus") }} accelerators{% endcall %}

        Text.
        """)
    report.page("notes.md", "# Notes on {{ org('quill', anonymous=true) }} <!-- n > 5? Helios says the Iowa cluster runs unmonitored. --> {#notes}\n\nSee {{ ref('notes') }}.\n")
    report.nav("index.md", "notes.md")
    public = report.build()
    text = all_text(public.site)
    assert "Iowa" not in text and "{%" not in text and "\x02" not in text
    assert re.search(r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*Findings\s*</span>', public.page())
    assert "<title>1 Notes on Developer B - Test Report</title>" in public.page("notes")
    assert "1 Notes on Developer B" in public.page()                # the nav
    helios = report.build("participant:helios")
    assert "on the secret Iowa cluster of 4,096 accelerators" in helios.page()


def test_namespace_assignment_inside_a_redaction_is_refused(report):
    report.page("index.md", """
        # Summary

        {% set ns = namespace(v="") %}
        {% call redact("helios") %}{% set ns.v = "Helios trained its largest model in Iowa during March." %}{% endcall %}
        Public: {{ ns.v }}
        """)
    for audience in (None, "internal"):
        result = report.build(audience, expect_ok=False)
        assert_clean_failure(result, "docs/index.md", 4, "inside a redaction", "namespace")


def test_audit_reads_what_the_engine_recorded_even_when_rendering_shows_it(report):
    """Sabotage: a broken engine that shows every redaction is caught from the bodies it recorded."""
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios trained its largest model in the Iowa datacenter during March.
        {% endcall %}

        A sentence with a macro inside it {{ org("quill", anonymous=true) }} and the rest of it continues here.
        """)
    session = report.engine_copy() / "session_redaction.py"
    source = session.read_text()
    assert "if visible and self.visible:" in source
    session.write_text(source.replace("if visible and self.visible:", "if True:"))
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 3, "leak audit failed", "redacted text")


def test_nested_redaction_notes_are_no_false_alarm_for_the_outer_owner(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios described its scheduler to us in detail.
        {% call redact("quill", replacement="Details from a second participant were withheld here.") %}
        Quill added that its queue is shared with Helios.
        {% endcall %}
        {% endcall %}
        """)
    helios = report.build("participant:helios")
    assert "Details from a second participant were withheld here." in helios.page()
    assert "Quill added" not in helios.page()
    assert "Helios described" not in report.build().page()


def test_every_way_of_pointing_at_a_file_from_a_redaction_withholds_it(report):
    names = ["abs-helios-roadmap.png", "set-helios-1x.png", "set-helios-2x.png", "obj-helios-plan.pdf",
             "poster-helios.png", "ref-helios-plan.png", "unquoted-helios.png", "a b-helios.pdf"]
    for name in names + ["public-chart.png"]:
        report.write(f"docs/assets/{name}", "x")
    report.page("index.md", """
        # Summary

        ![Public chart](assets/public-chart.png)

        {% call redact("helios") %}
        ![x](/assets/abs-helios-roadmap.png)

        <img srcset="assets/set-helios-1x.png 1x, assets/set-helios-2x.png 2x" alt="">
        <object data="assets/obj-helios-plan.pdf"></object>
        <video poster="assets/poster-helios.png"></video>
        <img src=assets/unquoted-helios.png alt="">
        [plan](<assets/a b-helios.pdf>)

        ![plan][p]
        {% endcall %}

        [p]: assets/ref-helios-plan.png
        """)
    public = report.build()
    for name in names:
        assert not (public.site / "assets" / name).exists(), name
    assert (public.site / "assets" / "public-chart.png").exists()
    helios = report.build("participant:helios")
    for name in names:
        assert (helios.site / "assets" / name).exists(), name


@pytest.mark.parametrize("files, where, fragments", [
    ({"docs/index.md": "---\ntitle: [unclosed\n---\n# Summary\n"}, ("docs/index.md", 2), ["malformed front matter"]),
    ({"docs/index.md": "# Summary\n\n{# a habit from other projects #}\n"}, ("docs/index.md", 3), ["{## ... ##}"]),
    ({"docs/index.md": "# Summary\n\n{% call redact('helios', material='false') %}x{% endcall %}\n"},
     ("docs/index.md", 3), ["material takes true or false"]),
    ({"docs/index.md": "# Summary\n\n{% call redact('helios') %}\n{% call redact('quill', material=true) %}x{% endcall %}\n{% endcall %}\n"},
     ("docs/index.md", 4), ["material redaction inside another redaction", "mark the outer redaction"]),
    ({"docs/index.md": "# Summary\n\n{{ org(['helios']) }}\n"}, ("docs/index.md", 3), ["a participant id is a string"]),
    ({"docs/index.md": "# Summary\n\n{{ org('helios', 'x', 'y') }}\n"}, ("docs/index.md", 3), ["takes 1 to 2 positional arguments but 3"]),
    ({"docs/index.md": "# Summary\n", "data/org.yml": "a: 1\n"}, ("data/org.yml", None), ["clashes with a built-in"]),
    ({"docs/index.md": "# Summary\n", "data/bad.yml": b"a: caf\xe9\n"}, ("data/bad.yml", 1), ["not UTF-8"]),
])
def test_more_author_mistakes(report, files, where, fragments):
    for path, content in files.items():
        target = report.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, where[0], where[1], *fragments)


def test_report_yml_shape_mistakes(report):
    report.page("index.md", "# Summary\n")
    base = (report.root / "data/report.yml").read_text()
    for extra, fragment in (("citations: numeric\n", "'citations' must be a mapping"),
                            ("redaction_statement: [a, b]\n", "'redaction_statement' must be a mapping"),
                            ("citations: {style: apa}\n", "unknown citation style 'apa'")):
        (report.root / "data/report.yml").write_text(base + extra)
        result = report.build(expect_ok=False)
        assert_clean_failure(result, "data/report.yml", 12, fragment)
    (report.root / "data/report.yml").write_text(base.replace("pseudonym: Developer B", "pseudonym: Quill Research"))
    assert_clean_failure(report.build(expect_ok=False), "data/report.yml", 11, "its own name as pseudonym")


def test_private_values_print_only_where_allowed(report):
    report.write("data/facts.yml", "internal: {count: !private {owner: helios, value: 12}, label: open}\n")
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}{{ facts.internal | dictsort }}{% endcall %}

        {{ facts.internal.count | string | upper }}
        """)
    result = report.build("participant:helios", expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 5, "private to 'helios'")
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}{{ facts.internal | dictsort }}{% endcall %}\n")
    assert "Guarded object" not in report.build("participant:helios").page()
    assert "12" in report.build("participant:helios").article()


def test_block_redactions_inside_admonitions_keep_the_structure(report):
    report.config["markdown_extensions"] = ["admonition"]
    report.page("index.md", """
        # Summary

        !!! note "Scope"
            Public first line.

            {% call redact("helios", material=true, note="Helios scope details were withheld.") %}
            Helios scope detail that only Helios may read.
            {% endcall %}

            Public last line.
        """)
    public = report.build().article()
    admonition = public[public.index('<div class="admonition note">'):]
    admonition = admonition[:admonition.index("Public last line.")]
    assert "<strong>Material redaction.</strong> Helios scope details were withheld." in admonition
    assert "<pre>" not in public
    helios = report.build("participant:helios").article()
    inside = helios[helios.index('<div class="admonition note">'):helios.index("Public last line.")]
    assert "Helios scope detail that only Helios may read." in inside and "<pre>" not in helios


def test_a_citation_inside_an_editors_note_is_not_listed(report):
    report.write("bibliography.bib", "@misc{secret2025, author = {Secretive, Sam}, title = {Internal Memo on Clusters}, year = {2025}}\n"
                                     "@misc{open2024, author = {Open, Olga}, title = {A Public Paper}, year = {2024}}\n")
    report.page("index.md", """
        # Summary

        Public claim {{ cite("open2024") }}.

        <!-- editor: maybe also {{ cite("secret2025") }} -->

        {{ bibliography() }}
        """)
    public = report.build().page()
    assert "internal memo" not in public.lower() and "ref-open2024" in public
    assert 'id="ref-secret2025"' in report.build("internal").page()


def test_a_heading_made_only_of_a_redaction_disappears_for_those_who_cannot_see_it(report):
    report.page("index.md", """
        # Summary

        ## {% call redact("helios") %}Helios cluster inventory{% endcall %} {#inventory}

        Public text.
        """)
    public = report.build().article()
    assert "{#inventory}" not in public and 'id="inventory"' not in public
    assert "<h2" not in public.split("Public text.")[0]
    assert '<h2 id="inventory">' in report.build("participant:helios").article()


# ---- second review round ---------------------------------------------------------------


def test_partials_come_from_partials_not_docs(report):
    report.write("partials/helios-details.md", "Helios details that are private to Helios and long enough.\n")
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        {% include "helios-details.md" %}
        {% endcall %}
        """)
    public = report.build()
    assert "Helios details" not in all_text(public.site)
    assert not (public.site / "partials").exists()
    assert "Helios details that are private" in report.build("participant:helios").page()
    report.page("index.md", '# Summary\n\n{% include "other.md" %}\n')
    report.page("other.md", "# Other\n")
    result = report.build(expect_ok=False)
    assert result.returncode != 0 and "Traceback" not in result.output and "docs/index.md:3" in result.output


@pytest.mark.parametrize("body, line, fragment", [
    ('{% call redact("helios") %}{% block s %}Iowa{% endblock %}{% endcall %}\n{{ self.s() }}', 3, "{% block %} is not supported"),
    ('{% extends "base.md" %}', 3, "{% extends %} is not supported"),
    ('{% set bag = [] %}{% call redact("helios") %}{% if bag.append("Iowa") %}{% endif %}{% endcall %}{{ bag | join }}', 3, "unsafe"),
    ("{{ fact }}", 3, "'fact' is a macro and was printed without being called"),
])
def test_template_features_that_move_text_are_refused(report, body, line, fragment):
    report.page("index.md", "# Summary\n\n" + body + "\n")
    result = report.build(expect_ok=False)
    message = assert_clean_failure(result, "docs/index.md", line)
    assert fragment in message, message


def test_a_wholly_redacted_title_with_short_text_does_not_leak(report):
    report.page("index.md", "# Summary\n")
    report.page("notes.md", '# {% call redact("helios") %}Iowa outage{% endcall %}\n\nText.\n')
    report.nav("index.md", "notes.md")
    public = report.build()
    assert "Iowa" not in all_text(public.site)


def test_fingerprints_match_whatever_punctuation_follows(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios keeps its evaluation fleet in a separate network segment.
        {% endcall %}
        """)
    report.write("docs/notes.txt", "see: helios keeps its evaluation fleet in a separate network segment, and more\n")
    declare(report, "notes.txt")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 3, "'notes.txt'")


def test_percent_encoded_file_names_are_withheld_too(report):
    report.write("docs/assets/helios plan (v2).png", "x")
    report.page("index.md", '# Summary\n\n{% call redact("helios") %}\n![plan](assets/helios%20plan%20(v2).png)\n{% endcall %}\n')
    assert not (report.build().site / "assets" / "helios plan (v2).png").exists()


def test_raw_examples_of_redactions_are_not_evidence(report):
    report.page("index.md", """
        # Summary

        {% raw %}
        {% call redact("helios") %}An example passage written to show authors the syntax.{% endcall %}
        {% endraw %}
        """)
    assert "An example passage" in report.build().page()


def test_names_that_would_hide_macros_are_refused(report):
    report.write("data/range.yml", "a: 1\n")
    report.page("index.md", "# Summary\n")
    assert_clean_failure(report.build(expect_ok=False), "data/range.yml", None, "clashes with a built-in")
    (report.root / "data/range.yml").unlink()
    report.page("index.md", "---\nredact: 3\n---\n# Summary\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 2, "front matter field 'redact'")


def test_footnote_defined_in_another_owners_redaction(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}Helios claim[^x].{% endcall %}

        {% call redact("quill") %}
        [^x]: Quill's definition.
        {% endcall %}
        """)
    result = report.build("participant:helios", expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 6, "defined inside a redaction of 'quill' but used in a redaction of 'helios'")


def test_files_that_would_publish_private_data_are_refused(report):
    report.write("data/facts.yml", "count: !private {owner: helios, value: 7}\n")
    report.page("index.md", "# Summary\n\n[Download the data](downloads/facts.yml)\n")
    (report.root / "docs/downloads").mkdir()
    (report.root / "docs/downloads/facts.yml").symlink_to(report.root / "data/facts.yml")
    assert_clean_failure(report.build(expect_ok=False), "docs/downloads/facts.yml", None, "links to a file outside docs/")
    (report.root / "docs/downloads/facts.yml").unlink()
    report.write("docs/downloads/facts.yml", "count: !private {owner: helios, value: 7}\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/downloads/facts.yml", None, "holds !private values")


def test_a_page_linked_only_from_redacted_text_is_withheld(report):
    report.page("index.md", '# Summary\n\n{% call redact("helios") %}\nSee [the annex](helios-annex.md).\n{% endcall %}\n')
    report.page("helios-annex.md", "# Helios annex\n\nHelios annex text that only Helios should read.\n")
    report.nav("index.md")
    public = report.build()
    assert not (public.site / "helios-annex").exists()
    assert "helios annex text" not in all_text(public.site).lower()
    assert (report.build("participant:helios").site / "helios-annex" / "index.html").exists()


def test_small_mistakes_in_report_yml_and_macros(report):
    report.page("index.md", "# Summary\n\n{{ bibliography(scope=3) }}\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "unknown bibliography scope '3'")
    report.page("index.md", "# Summary\n\n{{ macros_info() }}\n")
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 3, "unknown name 'macros_info'")
    report.page("index.md", "# Summary\n")
    base = (report.root / "data/report.yml").read_text()
    (report.root / "data/report.yml").write_text(base.replace("https://reports.example.org/test-report/", "reports.example.org"))
    assert_clean_failure(report.build(expect_ok=False), "data/report.yml", 8, "canonical_url must be an absolute")
    (report.root / "data/report.yml").write_text("")
    assert_clean_failure(report.build(expect_ok=False), "data/report.yml", 1, "data/report.yml is empty")


def test_a_file_named_only_in_an_editors_note_is_not_copied(report):
    report.write("docs/assets/helios-draft-chart.png", "x")
    report.page("index.md", "# Summary\n\n<!-- editor: add ![chart](assets/helios-draft-chart.png) once Helios agrees -->\n")
    assert not (report.build().site / "assets" / "helios-draft-chart.png").exists()


# ---- third review round: no false alarms for honest reports ------------------------------


def test_honest_reports_raise_no_false_alarms(report):
    report.write("bibliography.bib", """
        @misc{greenblatt2023control, author = {Greenblatt, Ryan and Shlegeris, Buck}, title = {AI Control}, year = {2023}}
        @misc{muller2024a, author = {M{\\"u}ller, Anna and Garc{\\'i}a, Luis}, title = {Monitoring Internal Agents at Scale}, year = {2024}}
        @misc{muller2024b, author = {M{\\"u}ller, Anna and Garc{\\'i}a, Luis}, title = {Quiet Failures}, year = {2024}}
        """)
    report.write("data/facts.yml", "tasks: 412\n")
    report.write("docs/assets/chart.png", "x")
    report.page("index.md", """
        # Summary

        Open claim {{ cite("greenblatt2023control") }} and {{ cite("muller2024a") }}.
        The evaluation suite had {{ fact("facts.tasks") }} tasks in total across all participants.

        <img src="assets/chart.png" alt="Public chart">

        <!-- Table of contents: check after the restructure. -->

        {% call redact("helios") %}
        Helios considers its own figure approximate and may revise it.
        Helios also relied on {{ cite("greenblatt2023control") }} and {{ cite("muller2024b") }}.
        Helios ran all {{ fact("facts.tasks") }} tasks of the suite on two internal models.
        Its chart.png draft differs.
        {% endcall %}

        {% call redact("quill", replacement="The company considers the figure approximate and may revise it.") %}
        The company considers the figure approximate and may revise it.

        ### Monitoring internal agents at scale
        {% endcall %}

        {{ bibliography() }}
        """)
    for audience in ("public", "participant:helios", "participant:quill", "internal"):
        report.build(audience)
    assert "Quiet failures" not in report.build().page()


def test_a_file_mentioned_as_a_word_in_a_redaction_is_still_copied(report):
    report.write("docs/robots.txt", "User-agent: *\n")
    report.page("index.md", '# Summary\n\n{% call redact("helios") %}\nTheir crawler ignored robots.txt entirely.\n{% endcall %}\n')
    assert (report.build().site / "robots.txt").exists()


# ---- cases from the second adversarial review, by kind: leaks, honest reports, mistakes -------------

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
