"""Bibliographies as reference managers export them (fixtures in tests/bib/, written in the shapes
of Zotero, Better BibLaTeX, DBLP and Google Scholar exports), a generated 2,000-entry file that
mixes them, crossref inheritance and the listing rule, and the mistakes that stay errors: read in
process. The same exports in a built site (and notes for incomplete entries) are in test_citations_site.py."""

from __future__ import annotations

import html
import pathlib
import random
import re

import pytest

from report_engine.bibtex import load_bibtex, parse_bibtex
from report_engine.citations import CitationEngine
from report_engine.errors import ReportError

BIB = pathlib.Path(__file__).parent / "bib"
LATEX_LEFT = re.compile(r"[\\{}$]")

pytestmark = pytest.mark.unit


def engine(name: str, style: str = "author-year", **options) -> CitationEngine:
    database = load_bibtex(BIB / name, None)
    result = CitationEngine(database, style, **options)
    result.set_order(database.keys())
    return result


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


EXPECTED = {
    ("zotero.bib", "greenblatt_ai_2024"): (
        "Greenblatt, R., Shlegeris, B., Sachan, K., and Roger, F. (2024). AI Control: Improving Safety Despite "
        "Intentional Subversion. arXiv. https://doi.org/10.48550/arXiv.2312.06942",
        "R. Greenblatt, B. Shlegeris, K. Sachan, and F. Roger. AI Control: Improving Safety Despite Intentional "
        "Subversion. arXiv, 2024. https://doi.org/10.48550/arXiv.2312.06942"),
    ("zotero.bib", "diaz_ranking_2021"): (
        "Díaz, F. and Mitra, B. (2021). Fair Ranking under Uncertainty. In Proceedings of the Web Conference, "
        "pp. 100–110.",
        "F. Díaz and B. Mitra. Fair Ranking under Uncertainty. In Proceedings of the Web Conference, pp. 100–110, "
        "2021."),
    ("zotero.bib", "noauthor_agent_nodate"): (
        "Agent Permissions in Practice (n.d.). https://example.org/agent-permissions",
        "Agent Permissions in Practice. n.d. https://example.org/agent-permissions"),
    ("zotero.bib", "r_core_team_r_2023"): (
        "R Core Team (2023). R: A Language and Environment for Statistical Computing. Vienna, Austria: "
        "R Foundation for Statistical Computing.",
        "R Core Team. R: A Language and Environment for Statistical Computing. Vienna, Austria: R Foundation for "
        "Statistical Computing, 2023."),
    ("better-biblatex.bib", "hubinger2024sleeper"): (
        "Hubinger, E., Denison, C., Mu, J., et al. (2024). Sleeper Agents: Training Deceptive LLMs That Persist "
        "Through Safety Training. arXiv preprint. arXiv:2401.05566",
        "E. Hubinger, C. Denison, J. Mu, et al. Sleeper Agents: Training Deceptive LLMs That Persist Through "
        "Safety Training. arXiv preprint, 2024. arXiv:2401.05566"),
    ("better-biblatex.bib", "lopez2025audit"): (
        "López, A. (2025). Auditing Agent Scaffolds. In Proceedings of the Workshop on Safe Agents, edited by "
        "M. Rossi and L. Chen, Safe Agents, pp. 1–12, Example Press.",
        "A. López. Auditing Agent Scaffolds. In Proceedings of the Workshop on Safe Agents, edited by M. Rossi and "
        "L. Chen, Safe Agents, pp. 1–12, Example Press, 2025."),
    ("dblp.bib", "DBLP:conf/acl/LinHE22"): (
        "Lin, S., Hilton, J., and Evans, O. (2022). TruthfulQA: Measuring How Models Mimic Human Falsehoods. "
        "In Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics, ACL 2022, "
        "pp. 3214–3252, Association for Computational Linguistics. https://doi.org/10.18653/V1/2022.ACL-LONG.229",
        None),
    ("dblp.bib", "DBLP:journals/corr/abs-2310-12773"): (
        "Dai, J., Pan, X., and Sun, R. (2023). Safe RLHF: Safe Reinforcement Learning from Human Feedback. "
        "CoRR, abs/2310.12773.",
        "J. Dai, X. Pan, and R. Sun. Safe RLHF: Safe Reinforcement Learning from Human Feedback. CoRR, "
        "abs/2310.12773, 2023."),
    ("dblp.bib", "DBLP:journals/tcs/Old11"): (
        "Older, P. (2011). Max 2SAT in O(n²) Time. Theor. Comput. Sci., 412. https://doi.org/10.1016/j.tcs.2011.01.001",
        None),
    ("scholar.bib", "shumailov2024ai"): (
        "Shumailov, I., Shumaylov, Z., Zhao, Y., Papernot, N., Anderson, R., and Gal, Y. (2024). AI models "
        "collapse when trained on recursively generated data. Nature, 631(8022), 755–759.",
        None),
    ("scholar.bib", "kahle2013ggmap"): (
        "Kahle, D. and Wickham, H. (2013). ggmap: Spatial Visualization with ggplot2. The R Journal, 5(1), 144–161.",
        None),
    ("scholar.bib", "isard2016tensorflow"): (
        "Isard, M. et al. (2016). Bayesian estimation of C_p for large systems. In 12th USENIX Symposium on "
        "Operating Systems Design and Implementation, pp. 265–283.",
        None),
    ("scholar.bib", "wiki2024scheduler"): ("Job scheduler (2024). https://example.org/wiki/Job_scheduler~page", None),
    ("scholar.bib", "garcia2020thesis"): (
        "García, L. (2020). Oversight of Learned Optimisers. PhD thesis, Universidad de Ejemplo.",
        "L. García. Oversight of Learned Optimisers. PhD thesis, Universidad de Ejemplo, 2020."),
}


@pytest.mark.parametrize("name, key", sorted(EXPECTED))
def test_each_export_shape_renders_exactly(name, key):
    author_year, numeric = EXPECTED[(name, key)]
    assert engine(name).plain_reference(key) == author_year
    if numeric is not None:
        assert engine(name, "numeric").plain_reference(key) == numeric


@pytest.mark.parametrize("name", sorted(p.name for p in BIB.glob("*.bib")))
@pytest.mark.parametrize("style", ["author-year", "numeric"])
def test_no_latex_reaches_a_reader(name, style):
    e = engine(name, style)
    for key in e.database.keys():
        reference = e._reference(key)
        assert not LATEX_LEFT.search(reference.text), (key, reference.text)
        assert not LATEX_LEFT.search(visible(reference.html)), (key, reference.html)
        citation = visible(e.cite([key], None, lambda k: None))
        assert not LATEX_LEFT.search(citation), citation


def test_in_text_labels_decode_latex_and_fall_back_sensibly():
    e = engine("zotero.bib")
    assert visible(e.cite(["diaz_ranking_2021"], None, lambda k: None)) == "(Díaz and Mitra, 2021)"
    assert visible(e.cite(["noauthor_agent_nodate"], None, lambda k: None)) == "(Agent Permissions in Practice, n.d.)"
    assert visible(e.citet("oezkan_monitoring_2023", None, lambda k: None)) == "Özkan and Müller (2023)"
    assert visible(engine("scholar.bib").cite(["isard2016tensorflow"], None, lambda k: None)) == "(Isard et al., 2016)"


def test_one_identifier_per_work_and_links_in_html():
    zotero = engine("zotero.bib")._reference("greenblatt_ai_2024")
    assert zotero.html.count("<a ") == 1 and "2312.06942" not in zotero.text.replace("arXiv.2312.06942", "")
    corr = engine("dblp.bib")._reference("DBLP:journals/corr/abs-2310-12773")
    assert '<a href="https://arxiv.org/abs/2310.12773">2310.12773</a>' in corr.html     # the volume, linked
    wiki = engine("scholar.bib")._reference("wiki2024scheduler")
    assert '<a href="https://example.org/wiki/Job&#95;scheduler&#126;page">' in wiki.html
    math = engine("dblp.bib")._reference("DBLP:journals/tcs/Old11")
    assert "<em>O</em>(<em>n</em><span class=\"math\"><sup>2</sup></span>)" in math.html


def test_reference_lists_sort_by_surname_then_year():
    e = engine("zotero.bib")
    order = re.findall(r'<li id="ref-([^"]+)"', e.reference_list(e.database.keys()))
    assert order == ["noauthor-agent-nodate", "diaz-ranking-2021", "greenblatt-ai-2024", "oezkan-monitoring-2023",
                     "r-core-team-r-2023"]


def test_long_author_lists_are_truncated_by_the_style_setting():
    names = " and ".join(f"Author{i}, A." for i in range(273))
    database = load_bibtex_text(f"@article{{big, author = {{{names}}}, title = {{Many}}, journal = {{J}}, year = 2024}}\n")
    for max_names, shown in ((10, 10), (3, 3)):
        e = CitationEngine(database, max_names=max_names)
        e.set_order(["big"])
        text = e.plain_reference("big")
        assert text.count("Author") == shown and "et al." in text
        assert visible(e.cite(["big"], None, lambda k: None)) == "(Author0 et al., 2024)"


def load_bibtex_text(text: str, tmp=[]):  # noqa: B006 - a per-module scratch folder
    import tempfile
    if not tmp:
        tmp.append(pathlib.Path(tempfile.mkdtemp()))
    path = tmp[0] / f"b{len(list(tmp[0].iterdir()))}.bib"
    path.write_text(text, encoding="utf-8")
    return load_bibtex(path, None)


# ---- crossref ---------------------------------------------------------------------------------


def test_crossref_children_inherit_booktitle_editors_year_and_publisher():
    work = engine("better-biblatex.bib").work("lopez2025audit")
    assert work.year == "2025" and work.container == "Proceedings of the Workshop on Safe Agents"
    assert [e.last for e in work.editors] == ["Rossi", "Chen"] and work.get("publisher") == "Example Press"
    assert work.parent == "safeai2025" and work.notes == []


def test_a_parent_is_listed_only_when_cited_directly_or_by_two_children():
    e = engine("better-biblatex.bib")
    ids = lambda keys: re.findall(r'<li id="ref-([^"]+)"', e.reference_list(e.listed(keys)))  # noqa: E731
    assert "safeai2025" not in ids(["lopez2025audit"])
    assert "safeai2025" in ids(["lopez2025audit", "nakamura2025logs"])
    assert "safeai2025" in ids(["safeai2025"])


# ---- notes and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, line, fragment, suggestion", [
    ("@article{k1\n  author = {A, B},\n  title = {T}}\n", 1, "no comma after its key", "@article{k1,"),
    ("@inproceeding{k2, title = {T}}\n", 1, "unknown BibTeX entry type '@inproceeding'", "@inproceedings"),
    ("@misc{ok, title={T}}\n\n@artcle{k3, title = {T}}\n", 3, "unknown BibTeX entry type '@artcle'", "@article"),
    ("@misc{k4, title = {T}\n\n@misc{k5, title = {U}}\n", 3, "in entry 'k4' starting at line 1", "unbalanced brace"),
    ("@misc{k6, title = {T}}\n@misc{K6, title = {U}}\n", 2, "already defined at line 1", ""),
])
def test_real_mistakes_stay_errors_with_their_line(text, line, fragment, suggestion):
    with pytest.raises(ReportError) as caught:
        parse_bibtex(text, "refs.bib")
    assert caught.value.line == line and fragment in caught.value.message
    assert suggestion in (caught.value.suggestion or "")


# ---- a large merged file ----------------------------------------------------------------------


def generated_bibliography(entries: int = 2000, seed: int = 11) -> str:
    """A merged file in the shapes of the fixtures, with their keys renamed: every export at once."""
    rng = random.Random(seed)
    sources = [p.read_text() for p in sorted(BIB.glob("*.bib"))]
    blocks = [block for text in sources for block in re.split(r"\n(?=@)", text) if block.lstrip().startswith("@")]
    out = []
    for n in range(entries):
        block = rng.choice(blocks)
        block = re.sub(r"^(@\w+\s*\{)\s*([^,\s]+)", lambda m: f"{m.group(1)}gen{n}-{m.group(2)}", block.strip(), count=1)
        block = re.sub(r"crossref\s*=\s*\{([^}]*)\}", "note = {Part of a series}", block)
        out.append(block)
    return "\n\n".join(out) + "\n"


def test_a_generated_2000_entry_file_renders_every_entry_without_latex(tmp_path):
    path = tmp_path / "merged.bib"
    path.write_text(generated_bibliography(), encoding="utf-8")
    database = load_bibtex(path, None)
    assert len(database) == 2000
    for style in ("author-year", "numeric"):
        e = CitationEngine(database, style)
        e.set_order(database.keys())
        listing = e.reference_list(database.keys())
        assert listing.count("<li ") == 2000
        assert not LATEX_LEFT.search(visible(listing))


def test_strings_concatenation_and_xdata_resolve_as_biblatex_does():
    database = load_bibtex_text(
        '@string{acl = "Association for " # "Computational Linguistics"}\n'
        "@xdata{venue, booktitle = {Findings of } # acl, publisher = acl # { Press}, year = 2024}\n"
        "@inproceedings{p, author = {Roe, Rich}, title = {Paper}, xdata = {venue}, pages = {1--2}}\n")
    e = CitationEngine(database)
    e.set_order(["p"])
    assert e.plain_reference("p") == ("Roe, R. (2024). Paper. In Findings of Association for Computational "
                                      "Linguistics, pp. 1–2, Association for Computational Linguistics Press.")


def test_initials_keep_their_full_stop_however_the_name_was_written():
    from report_engine.works import Name
    assert [Name("X", first).initials() for first in ("Daniel M.", "Daniel M", "Ann-Marie Beth", "J. R. R.")] == [
        "D. M.", "D. M.", "A.-M. B.", "J. R. R."]
