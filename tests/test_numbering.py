"""Cross-references: numbered across the report, linked, checked."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure

pytestmark = pytest.mark.site


def three_part_report(report):
    report.page("index.md", """
        # Summary {#summary}

        See {{ ref("means") }}, {{ ref("process") }}, {{ ref("app-helios") }}, {{ ref("helios-details") }},
        {{ ref("fig-flow") }}, {{ ref("tab-counts") }} and {{ ref("fig-second") }}; also {{ ref("summary") }}.
        """)
    report.page("process.md", """
        # Process {#process}

        ## Means {#means}

        ![Flow](flow.svg)

        /// figure-caption
            attrs: {id: fig-flow}
        How the assessment ran.
        ///

        ### Detail

        ## Motive {#motive}

        ```markdown
        # Not a heading {#not-a-label}
        ```
        """)
    report.page("assessment.md", """
        # Assessment {#assessment}

        | A | B |
        |---|---|
        | 1 | 2 |

        /// table-caption
            attrs: {id: tab-counts}
        Counts.
        ///
        """)
    report.page("appendices/helios.md", """
        # Helios Labs {#app-helios}

        ## Details {#helios-details}

        ![Second](../flow.svg)

        /// figure-caption
            attrs: {id: fig-second}
        Another figure, back in {{ ref("means") }}.
        ///
        """)
    report.page("appendices/quill.md", "# Quill Research {#app-quill}\n")
    report.write("docs/flow.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    report.nav("index.md", "process.md", "assessment.md",
               {"Appendices": ["appendices/helios.md", "appendices/quill.md"]})


def test_references_are_numbered_and_linked(report):
    three_part_report(report)
    result = report.build()
    summary = result.article()
    assert '<a href="process/#means">Section 1.1</a>' in summary
    assert '<a href="process/">Section 1</a>' in summary
    assert '<a href="appendices/helios/">Appendix A</a>' in summary
    assert '<a href="appendices/helios/#helios-details">Appendix A.1</a>' in summary
    assert '<a href="process/#fig-flow">Figure 1</a>' in summary
    assert '<a href="assessment/#tab-counts">Table 1</a>' in summary
    assert '<a href="appendices/helios/#fig-second">Figure 2</a>' in summary
    assert '<a href="./">Summary</a>' in summary or '<a href=".">Summary</a>' in summary


def test_headings_and_captions_carry_their_numbers(report):
    three_part_report(report)
    result = report.build()
    process = result.article("process")
    assert '<h1 id="process">1 Process' in process
    assert '<h2 id="means">1.1 Means' in process
    assert '<h3 id="detail">1.1.1 Detail' in process
    assert '<h2 id="motive">1.2 Motive' in process
    assert "# Not a heading {#not-a-label}" in process      # code is left alone
    assert '<span class="caption-prefix">Figure 1.</span> How the assessment ran.' in process
    assert '<span class="caption-prefix">Table 1.</span> Counts.' in result.article("assessment")
    helios = result.article("appendices/helios")
    assert '<h1 id="app-helios">Appendix A: Helios Labs' in helios
    assert '<h2 id="helios-details">A.1 Details' in helios
    assert '<span class="caption-prefix">Figure 2.</span> Another figure, back in <a href="../../process/#means">Section 1.1</a>.' in helios
    assert '<h1 id="app-quill">Appendix B: Quill Research' in result.article("appendices/quill")


def test_unknown_label_fails_with_nearest(report):
    three_part_report(report)
    report.page("index.md", "# Summary\n\nAs {{ ref('meanz') }} shows.\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 3, "unknown label 'meanz'", "did you mean 'means'")


def test_duplicate_label_names_both_places(report):
    three_part_report(report)
    report.page("index.md", "# Summary\n\n## Means again {#means}\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/process.md", 3, "label 'means' is defined twice", "docs/index.md:3")


def test_jinja_comments_use_double_hashes_so_heading_ids_work(report):
    report.page("index.md", """
        # Summary {#summary}

        {## an editor's Jinja comment, never rendered ##}
        Visible text.
        """)
    article = report.build().article()
    assert '<h1 id="summary">' in article
    assert "Visible text." in article
    assert "never rendered" not in article
