"""Citations in a built site: links, tooltips, page and report bibliographies, footnotes, errors."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest

from conftest import assert_clean_failure
from report_engine.bibtex import load_bibtex
from test_bibliographies import BIB as EXPORTS, LATEX_LEFT, visible

pytestmark = pytest.mark.site

BIB = r"""
@article{mueller2024deep,
  author  = {M{\"u}ller, Hans and Garc{\'i}a, Jos{\'e}},
  title   = {Deep Monitoring -- a Review},
  journal = {Journal of Oversight},
  year    = {2024},
  doi     = {10.1000/xyz123},
}
@article{mueller2024book,
  author  = {M{\"u}ller, Hans and Garc{\'i}a, Jos{\'e}},
  title   = {Agents at Work},
  journal = {Journal of Oversight},
  year    = {2024},
}
@misc{openai2025card,
  author = {{OpenAI}},
  title  = {{GPT-5} System Card},
  year   = {2025},
  url    = {https://example.org/gpt-5-system-card},
}
@techreport{zhang2023scaling,
  author      = {Zhang, Wei and others},
  title       = {Scaling Oversight},
  institution = {Lab},
  year        = {2023},
}
@misc{hidden2025only,
  author = {Secretive, Sam},
  title  = {A Paper Cited Only Inside a Redaction},
  year   = {2025},
}
"""


def write_report(report, references_first: bool = False):
    report.write("bibliography.bib", BIB)
    report.page("index.md", """
        # Summary

        Monitoring helps {{ cite("mueller2024deep", loc="p. 4") }}; see also {{ cite("openai2025card", "zhang2023scaling", "openai2025card") }}.
        As {{ citet("mueller2024book") }} argue, agents need oversight.[^n]

        {% call redact("helios") %}
        Redacted claim {{ cite("hidden2025only") }}.
        {% endcall %}

        [^n]: A footnote with a citation {{ cite("zhang2023scaling", loc="Table 2") }}.
        """)
    report.page("appendix.md", """
        # Appendix

        Corporate authors stay whole {{ cite("openai2025card") }}.

        ## References

        {{ bibliography() }}
        """)
    report.page("references.md", "---\nnumbered: false\n---\n# References\n\n{{ bibliography(scope='report') }}\n")
    pages = ["index.md", "appendix.md"]
    report.nav(*(["references.md"] + pages if references_first else pages + ["references.md"]))


def test_a_bibliography_with_nothing_to_list_goes_with_its_heading(report):
    write_report(report)
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Only this claim cites anything {{ cite("hidden2025only") }}.
        {% endcall %}

        ## Works cited

        {{ bibliography() }}
        """)
    public = report.build().article()
    assert "Works cited" not in public and "ref-hidden2025only" not in public
    internal = report.build("internal").article()
    assert "Works cited" in internal and 'id="ref-hidden2025only"' in internal


def test_in_text_citations_exact(report):
    write_report(report)
    summary = report.build().article()
    text = re.sub(r"<[^>]+>", "", summary)
    assert "Monitoring helps (Müller and García, 2024b, p. 4);" in text
    assert "see also (OpenAI, 2025; Zhang et al., 2023)." in text
    assert "As Müller and García (2024a) argue" in text
    assert 'href="references/#ref-mueller2024deep"' in summary
    assert 'title="Müller, H. and García, J. (2024b). Deep Monitoring – a Review. Journal of Oversight.' in summary


def test_page_bibliography_and_local_links(report):
    write_report(report)
    appendix = report.build().article("appendix")
    assert '<a class="citation__ref" href="#ref-openai2025card"' in appendix
    entries = re.findall(r'<li id="(ref-[^"]+)"', appendix)
    assert entries == ["ref-openai2025card"]


def test_report_bibliography_is_complete_whatever_its_place(report):
    for first in (False, True):
        write_report(report, references_first=first)
        references = report.build().article("references")
        entries = re.findall(r'<li id="(ref-[^"]+)"', references)
        assert sorted(entries) == sorted(["ref-mueller2024deep", "ref-mueller2024book",
                                          "ref-openai2025card", "ref-zhang2023scaling"]), first
        assert "doi.org/10.1000/xyz123" in references


def test_citation_only_in_redacted_text_is_listed_for_no_one_who_cannot_see_it(report):
    write_report(report)
    public = report.build()
    assert "hidden2025only" not in public.page("references")
    assert "Cited Only Inside a Redaction" not in public.page("references")
    internal = report.build("internal")
    assert 'id="ref-hidden2025only"' in internal.page("references")


def test_citations_in_footnotes_keep_their_tooltips(report):
    write_report(report)
    summary = report.build().article()
    footnotes = summary[summary.index('<div class="footnote">'):]
    assert "(Zhang et al., 2023, Table 2)" in re.sub(r"<[^>]+>", "", footnotes)
    assert 'data-citation-ref=' in footnotes
    page = report.build().page()            # the contract's bare mkdocs.yml still gets tooltips and styles
    assert '"content.footnote.tooltips"' in page
    assert 'src="assets/citations.js"' in page and 'href="assets/citations.css"' in page


def test_numeric_style_from_report_configuration(report):
    write_report(report)
    with (report.root / "data/report.yml").open("a") as f:
        f.write("citations: {style: numeric}\n")
    result = report.build()
    text = html.unescape(re.sub(r"<[^>]+>", "", result.article()))
    assert "Monitoring helps [1, p. 4]" in text
    assert "see also [2, 3]" in text


def test_unknown_key_names_page_line_and_nearest(report):
    write_report(report)
    report.page("appendix.md", "# Appendix\n\nText {{ cite('openai2025crd') }}.\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/appendix.md", 3, "unknown citation key 'openai2025crd'", "did you mean 'openai2025card'")


def test_malformed_bibtex_names_file_and_line(report):
    write_report(report)
    report.write("bibliography.bib", "@misc{ok2020, author = {A, B}, title = {T}, year = {2020}}\n\n@misc{bad,\n  author = {X},\n  title = {Y\n")
    result = report.build(expect_ok=False)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert "bibliography.bib:" in result.output and "malformed BibTeX" in result.output


# ---- bibliographies as reference managers export them (tests/bib/), in a built site ------------

def test_a_child_cited_inside_a_redaction_does_not_list_its_parent_publicly(report):
    report.write("bibliography.bib", (EXPORTS / "better-biblatex.bib").read_text())
    report.page("index.md", """
        # Summary

        Public {{ cite("lopez2025audit") }}.

        {% call redact("helios") %}
        Private {{ cite("nakamura2025logs") }}.
        {% endcall %}

        {{ bibliography(scope="report") }}
        """)
    public = report.build().article()
    assert "ref-safeai2025" not in public and "Job Logs as Evidence" not in public
    assert "ref-safeai2025" in report.build("participant:helios").article()


def test_incomplete_entries_build_with_one_summary_line_and_check_lists_them_all(report):
    report.write("bibliography.bib", """
        @misc{a, title = {Only a title}}
        @article{b, author = {Doe, Jane}, title = {No journal}, year = 2020}
        @weird{c, author = {Roe, Rich}, title = {Odd type}, year = 2021}
        """)
    report.page("index.md", '# Summary\n\n{{ cite("a", "b", "c") }}\n\n{{ bibliography() }}\n')
    result = report.build(None, "--strict")
    notes = [line for line in result.output.splitlines() if "are incomplete" in line]
    assert len(notes) == 1 and "3 cited reference(s) are incomplete" in notes[0]
    assert "python -m macros check" in notes[0]
    check = subprocess.run([sys.executable, "-m", "macros", "check"], cwd=report.root, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines() == [
        "bibliography.bib:1: entry 'a': no author or editor; no year or date (shown as n.d.)",
        "bibliography.bib:2: entry 'b': no journal or journaltitle",
        "bibliography.bib:3: entry 'c': unknown type @weird, shown as @misc",
        "3 note(s): incomplete entries render with what they have",
    ]


def test_a_misspelt_type_stops_the_build_with_file_and_line(report):
    report.write("bibliography.bib", "@misc{ok, title = {T}}\n@inproceeding{k, title = {T}, year = 2020}\n")
    report.page("index.md", '# Summary\n\n{{ cite("k") }}\n')
    assert_clean_failure(report.build(expect_ok=False), "bibliography.bib", 2, "@inproceeding", "@inproceedings")


def test_the_site_shows_no_latex_for_any_export(report):
    report.write("bibliography.bib", "\n".join(p.read_text() for p in sorted(EXPORTS.glob("*.bib"))))
    keys = [item.key for item in load_bibtex(report.root / "bibliography.bib", None).entries()]
    report.page("index.md", "# Summary\n\n" + "\n\n".join(f'Claim {{{{ cite("{k}") }}}}.' for k in keys)
                + '\n\n{{ bibliography(scope="report") }}\n')
    page = report.build().article()
    shown = visible(re.sub(r"<pre.*?</pre>", "", page, flags=re.S))       # "Cite this report" shows BibTeX code
    assert not LATEX_LEFT.search(shown), LATEX_LEFT.findall(shown)[:5]
    tooltips = [html.unescape(t) for t in re.findall(r'class="citation__ref"[^>]* title="([^"]*)"', page)]
    assert len(tooltips) == len(keys)
    assert not [t for t in tooltips if LATEX_LEFT.search(t)]
