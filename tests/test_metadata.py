"""Report metadata (metadata.py) and the head tags made from it (findability.py), in process; the
same in a built site is in test_findability.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from report_engine import findability
from report_engine.data import load_yaml
from report_engine.errors import ReportError
from report_engine.metadata import read_metadata

pytestmark = pytest.mark.unit


def metadata_of(tmp_path: Path, extra: str):
    path = tmp_path / "report.yml"
    path.write_text("title: T\norganization: Org\nedition: '2026-03'\nedition_label: March\n"
                    "published: 2026-05-19\ncanonical_url: https://example.org/r/\n" + extra, encoding="utf-8")
    return read_metadata(load_yaml(path, "data/report.yml"), "data/report.yml", "https://example.org/r/2026-03/")


@pytest.mark.parametrize("extra, line, fragment", [
    ("authors: Ada\n", 7, "authors must be a list"),
    ("authors:\n  - {name: Ada, orcid: 0000-0002-1825-0098}\n", 8, "is not a valid ORCID iD"),
    ("authors:\n  - {name: Ada}\n  - {nmae: Grace}\n", 9, "unknown field(s) 'nmae'"),
    ("doi: 10.12/x\n", 7, "is not a DOI"),
    ("concept_doi: doi.org/10.5555/x\n", 7, "is not a DOI"),
    ("licence: CC-BY-5.0\n", 7, "unknown licence 'CC-BY-5.0'"),
    ("license: {url: https://example.org/l}\n", 7, "must be an SPDX identifier or a mapping with a name"),
    ("contact: reports at example.org\n", 7, "contact must be an e-mail address"),
    ("keywords: [AI, 3]\n", 7, "keywords must be a list"),
])
def test_metadata_mistakes_name_the_file_and_line(tmp_path, extra, line, fragment):
    with pytest.raises(ReportError) as raised:
        metadata_of(tmp_path, extra)
    error = raised.value
    assert (error.file, error.line) == ("data/report.yml", line) and fragment in error.message
    assert error.suggestion


def test_metadata_is_normalised(tmp_path):
    meta = metadata_of(tmp_path, "authors:\n  - Ada Lovelace\n  - {name: Grace Hopper, affiliation: Navy, "
                                 "orcid: 'https://orcid.org/0000-0002-1825-0097'}\n"
                                 "doi: https://doi.org/10.5555/Example.1\nlicence: cc-by-4.0\n"
                                 "contact: mailto:reports@example.org\nkeywords: AI, agents\n")
    assert meta.author_names == ["Ada Lovelace", "Grace Hopper"]
    assert meta.authors[1].orcid == "0000-0002-1825-0097" and meta.authors[1].affiliation == "Navy"
    assert meta.doi == "10.5555/Example.1" and meta.doi_url == "https://doi.org/10.5555/Example.1"
    assert meta.licence is not None and meta.licence.spdx == "CC-BY-4.0"
    assert meta.licence.url == "https://creativecommons.org/licenses/by/4.0/"
    assert meta.contact == "reports@example.org" and meta.keywords == ("AI", "agents")


def test_descriptions_keep_whole_sentences():
    text = "First sentence here. " * 20
    described = findability.describe(text, 60)
    assert described == "First sentence here. First sentence here."   # a third would pass 60
    long_one = "word " * 100
    assert findability.describe(long_one, 40).endswith("…") and len(findability.describe(long_one, 40)) <= 40


def test_scholar_gets_the_pdf_when_there_is_one(tmp_path):
    meta = metadata_of(tmp_path, "")
    page = findability.PageInfo("T", "https://example.org/r/", "D.", is_landing=True)
    with_pdf = findability.head_tags(meta, page, "https://example.org/r/2026-03/t-2026-03.pdf")
    assert '<meta name="citation_pdf_url" content="https://example.org/r/2026-03/t-2026-03.pdf">' in with_pdf
    assert "citation_pdf_url" not in findability.head_tags(meta, page)
    # without authors, the organisation is the author Scholar needs
    assert '<meta name="citation_author" content="Org">' in with_pdf


def test_json_ld_cannot_close_its_script_element(tmp_path):
    meta = metadata_of(tmp_path, "")
    page = findability.PageInfo("</script><script>alert(1)</script>", "https://example.org/r/x/", "d")
    tags = findability.head_tags(meta, page)
    script = tags[tags.index('<script type="application/ld+json">'):]
    assert script.count("</script>") == 1


@pytest.mark.parametrize("style, lead", [("author-year", "Example, A. and Placeholder, G. (2026)."),
                                         ("numeric", "A. Example and G. Placeholder (2026).")])
def test_cite_this_section_names_the_authors_as_how_to_cite_does(tmp_path, style, lead):
    from report_engine.bibtex import BibDatabase, parse_bibtex, report_bibtex
    from report_engine.citestyles import ReferenceFormatter
    from report_engine.works import make_work

    meta = metadata_of(tmp_path, "authors: [{name: Ada Example}, {name: Grace Placeholder}]\n"
                                 f"citations: {{style: {style}}}\n")
    section = findability.section_citation(meta, "3 Assessment", "https://example.org/r/2026-03/assessment/")
    assert section.startswith(lead), section
    report = {"title": "T", "organization": "Org", "edition": "2026-03", "edition_label": "March",
              "published": meta.published, "canonical_url": meta.edition_url,
              "authors": [{"name": "Ada Example"}, {"name": "Grace Placeholder"}]}
    items = parse_bibtex(report_bibtex(report), "<report metadata>")
    whole = ReferenceFormatter(style).format(make_work(BibDatabase(Path("<report metadata>"), items), items[0].key))
    assert whole.text.startswith(lead.split(" (")[0]), whole.text
