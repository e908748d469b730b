"""Unit tests of the citation engine: exact strings, errors, cache, formatting once."""

from __future__ import annotations

import datetime
import html
import pathlib
import re

import markdown
import pybtex.errors
import pytest

from report_engine import bibtex as bibtex_module
from report_engine import citations as citations_module
from report_engine.bibtex import BibDatabase, load_bibtex
from report_engine.citations import CitationEngine, html_id
from report_engine.citestyles import ReferenceFormatter
from report_engine.errors import ReportError

pytestmark = pytest.mark.unit

BIB = r"""% Test bibliography
@string{things = "Journal of Things"}

@article{mueller-deep,
  author  = {M{\"u}ller, Hans and Jos{\'e} Garc{\'i}a},
  title   = {Deep {GPU} Learning -- a {Review}},
  journal = things,
  year    = {2024},
  volume  = {3},
  number  = {2},
  pages   = {1--10},
  doi     = {10.1000/xyz123},
}

@book{mueller-book,
  author    = {M{\"u}ller, Hans and Garc{\'i}a, Jos{\'e}},
  title     = {Another Book---Second Edition},
  publisher = {Pub House},
  year      = {2024},
}

@misc{openai2025,
  author = {{OpenAI}},
  title  = {{GPT-5} System Card},
  year   = {2025},
  url    = {https://openai.com/index/gpt-5-system-card/},
}

@inproceedings{lee2020,
  author    = {Lee, Kim and Park, Jo and Smith, Ann},
  title     = {Attention Is Most of What You Need},
  booktitle = {Proceedings of Things},
  year      = {2020},
}

@techreport{zhang2023,
  author      = {Zhang, Wei and others},
  title       = {\'Etude of Scaling},
  institution = {Lab},
  year        = {2023},
}
"""

#: First-citation order across the report, as the page scanner would report it.
ORDER = ["openai2025", "mueller-deep", "lee2020", "mueller-book", "zhang2023"]

# Author-year lists lead with "Surname, I." and the year; titles keep their own case.
REF_OPENAI = "OpenAI (2025). GPT-5 System Card. https://openai.com/index/gpt-5-system-card/"
REF_DEEP = (
    "Müller, H. and García, J. (2024b). Deep GPU Learning – a Review. Journal of Things, "
    "3(2), 1–10. https://doi.org/10.1000/xyz123"
)
REF_BOOK = "Müller, H. and García, J. (2024a). Another Book—Second Edition. Pub House."
REF_LEE = "Lee, K., Park, J., and Smith, A. (2020). Attention Is Most of What You Need. In Proceedings of Things."
REF_ZHANG = "Zhang, W. et al. (2023). Étude of Scaling. Technical report, Lab."
# Numeric lists: "I. Surname", the year last.
NUM_DEEP = ("H. Müller and J. García. Deep GPU Learning – a Review. Journal of Things, 3(2), 1–10, 2024. "
            "https://doi.org/10.1000/xyz123")
NUM_BOOK = "H. Müller and J. García. Another Book—Second Edition. Pub House, 2024."


def local(key: str) -> str:
    return f"#ref-{key}"


def write(tmp_path: pathlib.Path, text: str, name: str = "bibliography.bib") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def bib(tmp_path: pathlib.Path) -> pathlib.Path:
    return write(tmp_path, BIB)


@pytest.fixture
def db(bib: pathlib.Path) -> BibDatabase:
    return load_bibtex(bib, None)


def engine(db: BibDatabase, style: str = "author-year") -> CitationEngine:
    result = CitationEngine(db, style)
    result.set_order(ORDER)
    return result


def visible(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def hrefs(fragment: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a class="citation__ref" href="([^"]*)"', fragment)]


# -- loading -----------------------------------------------------------------------


def test_database_is_mapping_like_with_lines(db: BibDatabase, bib: pathlib.Path) -> None:
    assert db.path == bib
    assert db.keys() == ["mueller-deep", "mueller-book", "openai2025", "lee2020", "zhang2023"]
    assert [db[key].line for key in db.keys()] == [4, 15, 22, 29, 36]
    assert "OPENAI2025" in db and db["OpenAI2025"].key == "openai2025"
    assert "nope" not in db
    with pytest.raises(KeyError):
        db["nope"]


def test_missing_file_is_an_empty_database(tmp_path: pathlib.Path) -> None:
    db = load_bibtex(tmp_path / "none.bib", tmp_path / "cache")
    assert len(db) == 0 and db.keys() == []
    assert CitationEngine(db).reference_list([]) == ""
    with pytest.raises(ReportError) as caught:
        CitationEngine(db).check(["smith2024"])
    assert caught.value.message == "unknown citation key 'smith2024'"
    assert caught.value.suggestion == "none.bib is missing or has no entries: add the reference there"


# -- author-year -------------------------------------------------------------------


def test_parenthetical_single_key_exact_html(db: BibDatabase) -> None:
    assert engine(db).cite(["openai2025"], None, local) == (
        '<span class="citation">(<a class="citation__ref" href="#ref-openai2025" role="doc-biblioref" '
        'title="OpenAI (2025). GPT-5 System Card. https://openai.com/index/gpt-5-system-card/" '
        'data-citation-ref="OpenAI (2025). &lt;em&gt;GPT-5 System Card&lt;/em&gt;. &lt;a href=&quot;'
        'https://openai.com/index/gpt-5-system-card/&quot;&gt;https://openai.com/index/gpt-5-system-card/'
        '&lt;/a&gt;">OpenAI, 2025</a>)</span>'
    )


def test_parenthetical_author_year_variants(db: BibDatabase) -> None:
    cite = engine(db).cite
    assert visible(cite(["openai2025"], "p. 12", local)) == "(OpenAI, 2025, p. 12)"
    assert visible(cite(["mueller-deep"], None, local)) == "(Müller and García, 2024b)"
    assert visible(cite(["lee2020"], None, local)) == "(Lee et al., 2020)"
    assert visible(cite(["zhang2023"], None, local)) == "(Zhang et al., 2023)"


def test_several_keys_sorted_and_deduplicated(db: BibDatabase) -> None:
    keys = ["openai2025", "mueller-deep", "lee2020", "MUELLER-BOOK", "openai2025"]
    result = engine(db).cite(keys, "p. 3", local)
    assert visible(result) == (
        "(Lee et al., 2020; Müller and García, 2024a; Müller and García, 2024b; OpenAI, 2025, p. 3)"
    )
    assert hrefs(result) == ["#ref-lee2020", "#ref-mueller-book", "#ref-mueller-deep", "#ref-openai2025"]


def test_textual_citations(db: BibDatabase) -> None:
    e = engine(db)
    assert visible(e.citet("lee2020", None, local)) == "Lee et al. (2020)"
    assert visible(e.citet("mueller-book", "p. 4", local)) == "Müller and García (2024a, p. 4)"
    assert visible(e.citet("openai2025", None, local)) == "OpenAI (2025)"
    assert e.citet("lee2020", None, local).startswith(
        '<span class="citation citation--textual"><a class="citation__ref" href="#ref-lee2020" '
    )


def test_corporate_authors_stay_whole(tmp_path: pathlib.Path) -> None:
    path = write(
        tmp_path,
        '@misc{gdm, author = "{Google DeepMind}", title = {T}, year = 2024}\n'
        "@misc{meta, author = {{{Meta AI}} and {OpenAI}}, title = {U}, year = 2023}\n",
    )
    e = CitationEngine(load_bibtex(path, None))
    assert visible(e.cite(["gdm", "meta"], None, local)) == "(Google DeepMind, 2024; Meta AI and OpenAI, 2023)"
    assert e.plain_reference("gdm") == "Google DeepMind (2024). T."
    assert e.plain_reference("meta") == "Meta AI and OpenAI (2023). U."


def test_suffixes_only_among_cited_entries(db: BibDatabase) -> None:
    e = CitationEngine(db)
    e.set_order(["mueller-deep", "openai2025"])
    assert visible(e.cite(["mueller-deep"], None, local)) == "(Müller and García, 2024)"
    assert e.plain_reference("mueller-deep").startswith("Müller, H. and García, J. (2024). Deep")


def test_no_href_gives_tooltip_only(db: BibDatabase) -> None:
    result = engine(db).cite(["lee2020"], None, lambda key: None)
    assert '<a class="citation__ref" tabindex="0" role="doc-biblioref" title="Lee, K.' in result
    assert "href=" not in result


def test_reference_list_author_year(db: BibDatabase) -> None:
    result = engine(db).reference_list(reversed(db.keys()))
    assert result.startswith(
        '<div class="bibliography"><ul class="bibliography__list bibliography__list--author-year">'
        '<li id="ref-lee2020">'
    )
    assert result.endswith("</li></ul></div>")
    assert re.findall(r'<li id="([^"]+)">', result) == [
        "ref-lee2020", "ref-mueller-book", "ref-mueller-deep", "ref-openai2025", "ref-zhang2023",
    ]
    assert [visible(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", result)] == [
        REF_LEE, REF_BOOK, REF_DEEP, REF_OPENAI, REF_ZHANG,
    ]
    assert (
        '<li id="ref-mueller-deep">Müller, H. and García, J. (2024b). Deep GPU Learning – a Review. '
        "<em>Journal of Things</em>, 3(2), 1–10. "
        '<a href="https://doi.org/10.1000/xyz123">https://doi.org/10.1000/xyz123</a></li>'
    ) in result
    assert "\n" not in result


def test_reference_list_of_nothing_is_empty(db: BibDatabase) -> None:
    assert engine(db).reference_list([]) == ""


def test_latex_becomes_unicode_without_braces(db: BibDatabase) -> None:
    e = engine(db)
    for key in db.keys():
        text = e.plain_reference(key)
        assert not set("{}\\~") & set(text), text
    assert e.plain_reference("zhang2023") == REF_ZHANG


# -- numeric -------------------------------------------------------------------------


def test_numeric_citations(db: BibDatabase) -> None:
    e = engine(db, "numeric")
    assert visible(e.cite(["lee2020"], None, local)) == "[3]"
    assert visible(e.cite(["mueller-book", "openai2025", "mueller-book"], None, local)) == "[1, 4]"
    assert visible(e.cite(["lee2020"], "p. 12", local)) == "[3, p. 12]"
    assert visible(e.citet("lee2020", None, local)) == "Lee et al. [3]"
    assert visible(e.citet("mueller-deep", "ch. 2", local)) == "Müller and García [2, ch. 2]"
    result = e.cite(["mueller-book", "openai2025"], None, local)
    assert result == (
        '<span class="citation">&#91;'
        + re.search(r'<a class="citation__ref" href="#ref-openai2025".*?</a>', result).group(0)
        + ", "
        + re.search(r'<a class="citation__ref" href="#ref-mueller-book".*?</a>', result).group(0)
        + "&#93;</span>"
    )
    assert hrefs(result) == ["#ref-openai2025", "#ref-mueller-book"]


def test_numeric_reference_list_in_citation_order(db: BibDatabase) -> None:
    result = engine(db, "numeric").reference_list(db.keys())
    assert result.startswith(
        '<div class="bibliography"><ol class="bibliography__list bibliography__list--numeric">'
        '<li id="ref-openai2025" value="1"><span class="bibliography__label">&#91;1&#93;</span> OpenAI.'
    )
    assert re.findall(r'<li id="([^"]+)" value="(\d)">', result) == [
        ("ref-openai2025", "1"), ("ref-mueller-deep", "2"), ("ref-lee2020", "3"),
        ("ref-mueller-book", "4"), ("ref-zhang2023", "5"),
    ]
    items = [visible(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", result)]
    # no a/b letters in the numeric style: numbers tell the entries apart
    assert items[1] == "[2] " + NUM_DEEP
    assert items[3] == "[4] " + NUM_BOOK


def test_key_cited_outside_the_order_is_numbered_last(db: BibDatabase) -> None:
    e = CitationEngine(db, "numeric")
    e.set_order(["lee2020"])
    assert visible(e.cite(["zhang2023", "lee2020"], None, local)) == "[1, 2]"


def test_a_citation_made_again_follows_new_numbers_and_letters(db: BibDatabase) -> None:
    """Citations are made once per keys, locator and link target (CitationEngine._cited), until a key
    cited outside the order renumbers or re-letters the report's citations."""
    e = CitationEngine(db)
    e.set_order(["mueller-deep", "openai2025"])
    first = e.cite(["mueller-deep"], None, local)
    assert e.cite(["mueller-deep"], None, local) is first
    assert visible(e.cite(["mueller-deep"], "p. 4", local)) == "(Müller and García, 2024, p. 4)"
    assert visible(e.cite(["mueller-book"], None, local)) == "(Müller and García, 2024a)"
    assert visible(e.cite(["mueller-deep"], None, local)) == "(Müller and García, 2024b)"
    assert visible(e.citet("mueller-deep", None, local)) == "Müller and García (2024b)"
    assert hrefs(e.cite(["mueller-deep"], None, lambda key: "../references/#" + key)) != hrefs(first)
    outside = CitationEngine(db)                # both outside the order: the second re-letters the first
    outside.set_order(["lee2020"])
    made = [visible(outside.cite(["mueller-deep", "mueller-book"], None, local)) for _ in range(2)]
    assert made == ["(Müller and García, 2024a; Müller and García, 2024b)"] * 2
    numeric = CitationEngine(db, "numeric")
    numeric.set_order(["lee2020"])
    assert visible(numeric.cite(["lee2020"], None, local)) == "[1]"
    numeric.set_order(["zhang2023", "lee2020"])
    assert visible(numeric.cite(["lee2020"], None, local)) == "[2]"


# -- ids and markup ------------------------------------------------------------------


def test_entry_ids_are_stable_slugs(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "@misc{Müller:2024, title={b}}\n@misc{müller-2024, title={c}}\n@misc{x_y}\n")
    e = CitationEngine(load_bibtex(path, None))
    assert html_id("Müller:2024") == "ref-muller-2024"
    assert [e.entry_id(key) for key in ("Müller:2024", "müller-2024", "x_y", "X_Y")] == [
        "ref-muller-2024", "ref-muller-2024-2", "ref-x-y", "ref-x-y",
    ]


@pytest.mark.parametrize(
    "template",
    [
        "Text {c} more.",
        "| A | B |\n|---|---|\n| {c} | x |",
        "## Heading {c}",
        "Text[^1].\n\n[^1]: Note {c}.",
        "* item `code` and {c} and `more`",
    ],
)
def test_markup_survives_markdown(db: BibDatabase, template: str) -> None:
    e = engine(db)
    fragment = e.cite(["mueller-deep", "openai2025"], "p. 1", local)
    assert "\n" not in fragment
    rendered = markdown.markdown(template.format(c=fragment), extensions=["tables", "footnotes", "toc"])
    assert fragment in rendered


# -- errors --------------------------------------------------------------------------


def test_unknown_key_names_the_nearest(db: BibDatabase) -> None:
    with pytest.raises(ReportError) as caught:
        engine(db).cite(["openai2025", "muller-deep"], None, local)
    error = caught.value
    assert (error.message, error.file, error.line) == ("unknown citation key 'muller-deep'", None, None)
    assert error.suggestion == "did you mean 'mueller-deep' or 'mueller-book'?"
    with pytest.raises(ReportError, match="unknown citation key 'nobody'"):
        engine(db).check(["lee2020", "nobody"])


def test_unknown_style(db: BibDatabase) -> None:
    with pytest.raises(ReportError) as caught:
        CitationEngine(db, "numerical")
    assert caught.value.message == "unknown citation style 'numerical'"
    assert caught.value.suggestion == "did you mean 'numeric'?"


def test_malformed_entry_reports_file_and_line(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "@misc{ok, title={A}}\n\n@article{broken,\n  title = {X}\n  year = 2024,\n}\n")
    with pytest.raises(ReportError) as caught:
        load_bibtex(path, None)
    error = caught.value
    assert (error.file, error.line) == (str(path), 5)
    assert error.message == (
        "malformed BibTeX in entry 'broken' starting at line 3: syntax error: '}' expected"
    )
    assert "missing comma" in error.suggestion


def test_unclosed_entry_reports_its_start(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "@misc{ok, title={A}}\n@misc{open,\n  title = {never closed,\n")
    with pytest.raises(ReportError) as caught:
        load_bibtex(path, None)
    assert (caught.value.file, caught.value.line) == (str(path), 2)
    assert caught.value.message == "malformed BibTeX: the file ends inside entry 'open' starting at line 2"


@pytest.mark.parametrize("strict", [True, False])
def test_duplicate_key_reports_second_line(tmp_path: pathlib.Path, strict: bool) -> None:
    path = write(tmp_path, "@misc{Smith2024,\n title={A}}\n\n@misc{other}\n@book{smith2024,\n title={C}}\n")
    pybtex.errors.set_strict_mode(strict)
    try:
        with pytest.raises(ReportError) as caught:
            load_bibtex(path, None)
    finally:
        pybtex.errors.set_strict_mode(True)
    error = caught.value
    assert (error.file, error.line) == (str(path), 5)
    assert error.message == (
        "duplicate BibTeX key 'smith2024': already defined at line 1 as 'Smith2024' "
        "(BibTeX keys ignore case)"
    )


def test_bad_name_and_repeated_field_are_located(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "\n@misc{x,\n author = {A, B, C, D},\n title = {T}}\n")
    with pytest.raises(ReportError) as caught:
        load_bibtex(path, None)
    assert caught.value.line == 2
    assert caught.value.message == "invalid BibTeX entry 'x': Too many commas in 'A, B, C, D'"
    path = write(tmp_path, "@misc{y,\n title = {T},\n title = {U}}\n")
    with pytest.raises(ReportError, match="duplicate title field") as caught:
        load_bibtex(path, None)
    assert caught.value.line == 1


def test_incomplete_entries_render_with_what_they_have(tmp_path: pathlib.Path) -> None:
    path = write(
        tmp_path,
        "@misc{anon,\n  title = {Anonymous Memo},\n  year = {2020},\n}\n\n"
        "@misc{undated,\n  author = {Doe, Jane},\n  title = {T},\n}\n\n"
        "@article{nojournal,\n author = {Doe, Jane},\n title = {Loose Paper},\n year = 2021}\n",
    )
    db = load_bibtex(path, None)
    e = CitationEngine(db)
    e.set_order(["anon", "undated", "nojournal"])
    assert visible(e.cite(["anon"], None, local)) == "(Anonymous Memo, 2020)"
    assert visible(e.cite(["undated"], None, local)) == "(Doe, n.d.)"
    assert e.plain_reference("anon") == "Anonymous Memo (2020)."
    assert e.plain_reference("undated") == "Doe, J. (n.d.). T."
    assert e.plain_reference("nojournal") == "Doe, J. (2021). Loose Paper."
    assert e.notes() == [("anon", 1, ["no author or editor"]),
                         ("undated", 6, ["no year or date (shown as n.d.)"]),
                         ("nojournal", 11, ["no journal or journaltitle"])]
    numeric = CitationEngine(db, "numeric")
    assert visible(numeric.citet("anon", None, local)) == "Anonymous Memo [1]"


def test_invalid_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin1.bib"
    path.write_bytes("@misc{a,\n title = {Caf\u00e9}}\n".encode("latin-1"))
    with pytest.raises(ReportError) as caught:
        load_bibtex(path, None)
    assert (caught.value.line, caught.value.message) == (2, "the bibliography is not valid UTF-8")


# -- speed: disk cache and formatting once -------------------------------------------


def test_disk_cache_skips_the_parser(
    bib: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    calls: list[str] = []
    real = bibtex_module.parse_bibtex

    def counting(text: str, filename: str):  # type: ignore[no-untyped-def]
        calls.append(filename)
        return real(text, filename)

    monkeypatch.setattr(bibtex_module, "parse_bibtex", counting)
    first = load_bibtex(bib, cache)
    assert len(calls) == 1 and len(parses(cache)) == 1
    bibtex_module._LAST_PARSE.clear()                 # as a new process would
    second = load_bibtex(bib, cache)
    assert second.keys() == first.keys() and second.line("lee2020") == 29
    assert second["lee2020"].line == 29 and second["lee2020"].entry.fields["title"] == first["lee2020"].entry.fields["title"]
    assert len(calls) == 1
    assert second.path == bib
    assert engine(second).plain_reference("mueller-deep") == REF_DEEP

    bib.write_text(BIB.replace("Lab", "Laboratory"), encoding="utf-8")
    assert "Laboratory" in engine(load_bibtex(bib, cache)).plain_reference("zhang2023")
    assert len(calls) == 2
    assert len(parses(cache)) == 1  # the stale one was dropped
    assert len(list(cache.glob("bibtex-*.keys.pickle"))) == 1


def parses(cache: pathlib.Path) -> list[pathlib.Path]:
    """The cached parses (each with its keys and lines beside it)."""
    return [path for path in cache.glob("bibtex-*.pickle") if not path.name.endswith(".keys.pickle")]


def test_corrupt_cache_is_reparsed(bib: pathlib.Path, tmp_path: pathlib.Path) -> None:
    cache = tmp_path / "cache"
    load_bibtex(bib, cache)
    (cache_file,) = parses(cache)
    cache_file.write_bytes(b"\x80\x04not a pickle")
    bibtex_module._LAST_PARSE.clear()                 # as a new process would
    again = load_bibtex(bib, cache)
    assert again.keys()[0] == "mueller-deep"
    assert cache_file.read_bytes()[:2] == b"\x80\x04"     # the entries are read only when asked for
    assert again["mueller-deep"].entry.fields["title"]
    assert cache_file.read_bytes()[:2] != b"\x80\x04n"  # rewritten


def test_a_build_that_needs_no_entry_reads_none(bib: pathlib.Path, tmp_path: pathlib.Path) -> None:
    cache = tmp_path / "cache"
    first = engine(load_bibtex(bib, cache))
    first.notes(ORDER)
    first.save_cache()
    bibtex_module._LAST_PARSE.clear()
    again = load_bibtex(bib, cache)
    citations = CitationEngine(again)
    citations.set_order(ORDER)                                  # from the formatted cache
    assert citations.notes(ORDER) == first.notes(ORDER) and again._entries is None
    assert again["lee2020"].entry is not None and again._entries is not None


def test_each_entry_is_formatted_once(db: BibDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    counts: dict[str, int] = {}
    real = ReferenceFormatter.format

    def counting(self, entry, year_label=None):  # type: ignore[no-untyped-def]
        counts[entry.key] = counts.get(entry.key, 0) + 1
        return real(self, entry, year_label)

    monkeypatch.setattr(ReferenceFormatter, "format", counting)
    e = engine(db)
    for _ in range(3):
        e.cite(["lee2020", "mueller-deep"], None, local)
        e.citet("mueller-deep", "p. 2", local)
        e.plain_reference("lee2020")
    e.reference_list(db.keys())
    assert counts == {"lee2020": 1, "mueller-deep": 1, "mueller-book": 1, "openai2025": 1, "zhang2023": 1}


# -- cite this report ------------------------------------------------------------------


REPORT = {
    "title": "State of AI & Agents",
    "organization": "ACME Résearch",
    "published": datetime.date(2025, 3, 31),
    "canonical_url": "https://example.org/report/",
    "edition": "2",
    "edition_label": "Spring 2025 edition",
}


def test_report_reference(db: BibDatabase) -> None:
    html_text, bibtex = engine(db).report_reference(REPORT)
    assert bibtex == (
        "@techreport{acmeresearch2025,\n"
        "  author = {{ACME Résearch}},\n"
        "  title = {{State of AI \\& Agents}},\n"
        "  institution = {ACME Résearch},\n"
        "  year = {2025},\n"
        "  month = mar,\n"
        "  url = {https://example.org/report/},\n"
        "  note = {Spring 2025 edition},\n"
        "}\n"
    )
    assert html_text == (
        "ACME Résearch (2025). <em>State of AI &amp; Agents</em>. Technical report, ACME Résearch. "
        'Spring 2025 edition. <a href="https://example.org/report/">https://example.org/report/</a>'
    )


def test_report_reference_with_authors_and_errors(db: BibDatabase) -> None:
    report = dict(REPORT, authors=["Jane Doe", {"name": "Jörg Roe"}], published="2024-11-02")
    html_text, bibtex = engine(db, "numeric").report_reference(report)
    assert "  author = {Jane Doe and Jörg Roe},\n" in bibtex and "  month = nov,\n" in bibtex
    assert html_text.startswith(
        "J. Doe and J. Roe. <em>State of AI &amp; Agents</em>. Technical report, ACME Résearch, 2024."
    )
    with pytest.raises(ReportError) as caught:
        engine(db).report_reference({k: v for k, v in REPORT.items() if k != "title"})
    assert (caught.value.message, caught.value.suggestion) == (
        "the report metadata has no 'title'", "add 'title: ...' to data/report.yml",
    )
    with pytest.raises(ReportError, match="'published' date is 'soon', not a date"):
        engine(db).report_reference(dict(REPORT, published="soon"))


def test_second_engine_reuses_formatted_entries_from_disk(
    bib: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = CitationEngine(load_bibtex(bib, cache))
    first.set_order(["mueller-deep", "lee2020"])
    expected = first.cite(["mueller-deep", "lee2020"], None, lambda key: None)
    first.save_cache()
    calls = []
    original = ReferenceFormatter.format
    monkeypatch.setattr(ReferenceFormatter, "format", lambda self, *a: calls.append(a) or original(self, *a))
    second = CitationEngine(load_bibtex(bib, cache))
    second.set_order(["mueller-deep", "lee2020"])
    assert second.cite(["mueller-deep", "lee2020"], None, lambda key: None) == expected
    assert calls == []


def test_the_next_build_of_a_process_keeps_what_the_last_derived(
    bib: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mkdocs serve`: a rebuild over the same .bib reads nothing from the cache again and formats
    nothing again; its citations and reference list equal the last build's."""
    from report_engine.caches import Store

    cache = tmp_path / "cache"
    bibtex_module._LAST_PARSE.clear()
    first = CitationEngine(load_bibtex(bib, cache))
    first.set_order(ORDER)
    made = ([first.cite([key], None, local) for key in ORDER], first.reference_list(ORDER))
    first.save_cache()

    def no_read(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("read from the cache again")

    monkeypatch.setattr(Store, "read_pickle", no_read)
    monkeypatch.setattr(citations_module, "derive_info", no_read)
    again = CitationEngine(load_bibtex(bib, cache))
    again.set_order(ORDER)
    assert ([again.cite([key], None, local) for key in ORDER], again.reference_list(ORDER)) == made
    assert again._disk.escaped, "the escaped attributes are kept for the next build"
