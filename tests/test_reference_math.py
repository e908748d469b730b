"""Math and arXiv identifiers in references, as real exported bibliographies have them (issue 28).

Math in a field reads as Unicode text, in the HTML reference (inside ``<span class="math">``) and in
the plain text the engine makes of it (tooltips, the audit, search): ``$\\mathbb{R}^3$`` is ``ℝ³``,
never ``$…$``, whether the export kept the math (``{$…$}``, DBLP's ``\\(…\\)``) or escaped it as text
(Better BibTeX, Mendeley and Zotero: ``{\\$}``, ``\\$``, ``{\\textbackslash}``). An arXiv id prints
once, however many fields carry it. Fixtures: tests/bib/math-*.bib, in each exporter's shape."""

from __future__ import annotations

import html
import pathlib
import re

import markdown
import pytest

from report_engine import latex
from report_engine.bibtex import load_bibtex
from report_engine.citations import CitationEngine
from report_engine.citestyles import md_escape
from report_engine.works import without_arxiv

pytestmark = pytest.mark.unit

BIB = pathlib.Path(__file__).parent / "bib"
LATEX_LEFT = re.compile(r"[\\{}$]")


def engine(name: str, style: str = "author-year") -> CitationEngine:
    database = load_bibtex(BIB / name, None)
    result = CitationEngine(database, style)
    result.set_order(database.keys())
    return result


def engine_of(tmp_path: pathlib.Path, text: str, style: str = "author-year") -> CitationEngine:
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    result = CitationEngine(load_bibtex(path, None), style)
    result.set_order(result.database.keys())
    return result


def visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# ---- LaTeX math as Unicode text -------------------------------------------------------------------


@pytest.mark.parametrize("source, text", [
    (r"$\mathbb{R}^3$", "ℝ³"),
    (r"$\mathbb R^3$", "ℝ³"),
    (r"$(\log n)^{\Omega(1)}$", "(log n)^(Ω(1))"),
    (r"{$\mathcal{V}$}", "𝒱"),
    (r"$\mathcal{O}(n \log n)$", "𝒪(n log n)"),
    (r"$\mathcal{H}$, $\mathcal{L}$, $\mathbb{N}$, $\mathfrak{g}$, $\mathscr{B}$", "ℋ, ℒ, ℕ, 𝔤, ℬ"),
    (r"$\alpha$-stable $\beta\gamma$ $\Omega$", "α-stable βγ Ω"),
    (r"$x_{10}$ and $2^{n}$ and $x^{-1}$", "x₁₀ and 2ⁿ and x⁻¹"),
    (r"$n^{1/2}$ and $C_p$", "n^(1/2) and C_p"),
    (r"$\ell_2$", "ℓ₂"),
    (r"$\hat{x}$, $\tilde{O}(n)$, $\bar{z}$", "x̂, Õ(n), z̄"),
    (r"$a \le b$, $a\to\infty$", "a ≤ b, a→∞"),
    (r"$\left(\frac{1}{2}\right)$", "(1/2)"),
    (r"$\operatorname{poly}(n)$", "poly(n)"),
    (r"\(\mathbb{R}^{3}\)", "ℝ³"),                      # DBLP
    (r"{\(\ell\)}\({}_{\mbox{1}}\)", "ℓ₁"),             # DBLP
    (r"$a \lesssim b \otimes c$", "a ≲ b ⊗ c"),         # symbols from pylatexenc's table
])
def test_math_reads_as_unicode(source, text):
    assert latex.text(source) == text


@pytest.mark.parametrize("source, text", [
    (r"{\$}\mathcal{V}{\$}", "𝒱"),                                                        # Better BibTeX
    (r"\$\mathcal{V}\$", "𝒱"),
    (r"\$(\textbackslash{}log n){\textasciicircum}\{\textbackslash{}Omega(1)\}\$", "(log n)^(Ω(1))"),
    (r"{\$}{\textbackslash}mathcal{\{}V{\}}{\$}-Valued", "𝒱-Valued"),                     # Mendeley
    (r"in \${\textbackslash}mathbb\{R\}{\textasciicircum}3\$ and", "in ℝ³ and"),           # Zotero
    (r"\$n\$ agents", "n agents"),
])
def test_math_escaped_as_text_reads_as_math_again(source, text):
    assert latex.text(source) == text


@pytest.mark.parametrize("source, text", [
    (r"Compute at \$5 an {Hour}", "Compute at $5 an Hour"),
    (r"From \$5 to \$10 a day", "From $5 to $10 a day"),
    (r"Deep {GPU} Learning -- a {Review}", "Deep GPU Learning – a Review"),
    (r"Max 2SAT in {\it O}({\it n}$^{\mbox{2}}$) Time", "Max 2SAT in O(n²) Time"),
    (r"\textsuperscript{th} and \ss x", "^(th) and ßx"),
])
def test_prices_and_text_without_math_read_as_before(source, text):
    assert latex.text(source) == text


def test_math_in_html_is_unicode_in_a_math_span():
    assert latex.html(r"Learning in {$\mathbb{R}^3$}", md_escape) == (
        'Learning in <span class="math">ℝ<sup>3</sup></span>')
    assert latex.html(r"{\$}(\log n)^{\Omega(1)}{\$}", md_escape) == (
        '<span class="math">(log n)<sup>Ω(1)</sup></span>')
    assert latex.html(r"$O(n^2)$", md_escape) == '<span class="math">O(n<sup>2</sup>)</span>'


# ---- references from exported bibliographies -------------------------------------------------------

EXPECTED = {
    ("math-better-bibtex.bib", "okafor2024learning"): (
        "Okafor, C. and Lindqvist, M. (2024). Learning Equivariant Fields in ℝ³. Journal of Machine Learning "
        "Research, 25, 1–40.",
        "C. Okafor and M. Lindqvist. Learning Equivariant Fields in ℝ³. Journal of Machine Learning Research, 25, "
        "1–40, 2024."),
    ("math-better-bibtex.bib", "haddad2023counting"): (
        "Haddad, R. (2023). Counting Points on 𝒱 over Finite Fields. Journal of Number Theory, 245, 112–130.", None),
    ("math-better-bibtex.bib", "mbeki2022bounds"): (
        "Mbeki, T. and Sato, H. (2022). Lower Bounds of (log n)^(Ω(1)) for Oversight Protocols. In Proceedings of "
        "the Symposium on Theory of Agents, pp. 77–89.", None),
    ("math-better-bibtex.bib", "lindqvist2024alpha"): (
        "Lindqvist, M. and Okafor, C. (2024). α-Stable Noise in LLM Agents. arXiv preprint. arXiv:2405.01234",
        "M. Lindqvist and C. Okafor. α-Stable Noise in LLM Agents. arXiv preprint, 2024. arXiv:2405.01234"),
    ("math-scholar.bib", "chen2024lower"): (
        "Chen, W. and Osei, K. (2024). Lower bounds of (log n)^(Ω(1)) for streaming agents. arXiv preprint "
        "arXiv:2401.01234.",
        "W. Chen and K. Osei. Lower bounds of (log n)^(Ω(1)) for streaming agents. arXiv preprint "
        "arXiv:2401.01234, 2024."),
    ("math-scholar.bib", "rao2024equivariant"): (
        "Rao, P. and Dubois, L. (2024). Equivariant networks on ℝ³ with ℓ₂ penalties. arXiv preprint. "
        "arXiv:2402.05678",
        "P. Rao and L. Dubois. Equivariant networks on ℝ³ with ℓ₂ penalties. arXiv preprint, 2024. "
        "arXiv:2402.05678"),
    ("math-scholar.bib", "osei2023sample"): (
        "Osei, K. and Chen, W. (2023). Sample complexity of ε-good policies in 𝒪(n log n) steps. arXiv preprint. "
        "arXiv:2309.11111v3", None),
    ("math-dblp.bib", "DBLP:journals/corr/abs-2404-04321"): (
        "Lindqvist, M. and Okafor, C. (2024). Oversight in ℝ^d with k-Sparse Monitors. CoRR. "
        "https://doi.org/10.48550/ARXIV.2404.04321", None),
    ("math-dblp.bib", "DBLP:journals/corr/abs-2311-00042"): (
        "Sato, H. (2023). Faster ℓ₁ Regression for Agents. CoRR, abs/2311.00042.",
        "H. Sato. Faster ℓ₁ Regression for Agents. CoRR, abs/2311.00042, 2023."),
    ("math-mendeley.bib", "Ferreira2023"): (
        "Ferreira, A. and Nakamura, K. (2023). Sample Complexity of 𝒱-Valued Functions. arXiv preprint. "
        "arXiv:2305.04321", None),
    ("math-mendeley.bib", "Nakamura2021"): (
        "Nakamura, K. (2021). Triangulations of ℝ³ in Practice. Journal of Computational Geometry, 12(2), "
        "201–230. https://doi.org/10.1000/jcg.2021.7", None),
    ("math-zotero.bib", "dubois_agents_2024"): (
        "Dubois, L. and Rao, P. (2024). Agents in ℝ³ and Beyond. arXiv preprint. "
        "https://doi.org/10.48550/arXiv.2403.09876",
        "L. Dubois and P. Rao. Agents in ℝ³ and Beyond. arXiv preprint, 2024. "
        "https://doi.org/10.48550/arXiv.2403.09876"),
}


@pytest.mark.parametrize("name, key", sorted(EXPECTED))
def test_each_export_renders_math_and_one_identifier(name, key):
    author_year, numeric = EXPECTED[(name, key)]
    assert engine(name).plain_reference(key) == author_year
    if numeric is not None:
        assert engine(name, "numeric").plain_reference(key) == numeric


@pytest.mark.parametrize("name", sorted(p.name for p in BIB.glob("math-*.bib")))
def test_no_dollar_or_latex_in_any_rendering(name):
    e = engine(name)
    listing = e.reference_list(e.database.keys())
    assert not LATEX_LEFT.search(visible(listing))
    for key in e.database.keys():
        assert not LATEX_LEFT.search(e.plain_reference(key)), key
        tooltip = re.search(r' title="([^"]*)"', e.cite([key], None, lambda k: None)).group(1)
        assert not LATEX_LEFT.search(html.unescape(tooltip)), tooltip


def test_the_reference_list_shows_math_in_html():
    e = engine("math-better-bibtex.bib")
    listing = e.reference_list(["okafor2024learning", "mbeki2022bounds"])
    assert 'Learning Equivariant Fields in <span class="math">ℝ<sup>3</sup></span>.' in listing
    assert 'Lower Bounds of <span class="math">(log n)<sup>Ω(1)</sup></span> for' in listing
    rendered = markdown.markdown(f"Text {listing}", extensions=["tables", "footnotes", "toc"])
    assert '<span class="math">ℝ<sup>3</sup></span>' in rendered        # inert to Markdown


@pytest.mark.parametrize("name, key, identifier", [
    ("math-better-bibtex.bib", "lindqvist2024alpha", "2405.01234"),
    ("math-scholar.bib", "chen2024lower", "2401.01234"),
    ("math-scholar.bib", "rao2024equivariant", "2402.05678"),
    ("math-scholar.bib", "osei2023sample", "2309.11111"),
    ("math-dblp.bib", "DBLP:journals/corr/abs-2404-04321", "2404.04321"),
    ("math-dblp.bib", "DBLP:journals/corr/abs-2311-00042", "2311.00042"),
    ("math-mendeley.bib", "Ferreira2023", "2305.04321"),
    ("math-zotero.bib", "dubois_agents_2024", "2403.09876"),
    ("better-biblatex.bib", "hubinger2024sleeper", "2401.05566"),
    ("dblp.bib", "DBLP:journals/corr/abs-2310-12773", "2310.12773"),
])
@pytest.mark.parametrize("style", ["author-year", "numeric"])
def test_an_arxiv_id_prints_once_and_is_linked(name, key, identifier, style):
    reference = engine(name, style)._reference(key)
    assert reference.text.count(identifier) == 1, reference.text
    assert visible(reference.html).count(identifier) == 1, reference.html
    assert reference.html.count("<a ") == 1


def test_an_eprint_keeps_the_link_the_engine_prints():
    reference = engine("math-scholar.bib")._reference("rao2024equivariant")
    assert reference.html.endswith(
        '<em>arXiv preprint</em>. <a href="https://arxiv.org/abs/2402.05678">arXiv:2402.05678</a>')
    alone = engine("math-scholar.bib")._reference("chen2024lower")        # no eprint: the journal's id, linked
    assert '<em>arXiv preprint arXiv:<a href="https://arxiv.org/abs/2401.01234">2401.01234</a></em>' in alone.html


def test_an_arxiv_url_in_howpublished_without_eprint_reads_as_before(tmp_path):
    e = engine_of(tmp_path, "@misc{g, author = {Greenblatt, Ryan}, title = {AI Control}, year = {2023},\n"
                            "  howpublished = {arXiv:2312.06942}, url = {https://arxiv.org/abs/2312.06942}}\n")
    reference = e._reference("g")
    assert reference.text == "Greenblatt, R. (2023). AI Control. arXiv:2312.06942."
    assert reference.html.endswith('arXiv:<a href="https://arxiv.org/abs/2312.06942">2312.06942</a>.')


def test_semantic_scholar_arxiv_abs_volume_is_an_identifier(tmp_path):
    e = engine_of(tmp_path, "@article{s, author = {Roe, Rich}, title = {T}, journal = {ArXiv}, "
                            "volume = {abs/2401.01234}, year = {2024}}\n")
    assert e.work("s").arxiv() == "2401.01234"
    assert '<a href="https://arxiv.org/abs/2401.01234">2401.01234</a>' in e._reference("s").html


def test_an_eprint_written_as_a_url_gives_its_id(tmp_path):
    e = engine_of(tmp_path, "@misc{u, title = {T}, year = 2024, eprint = {https://arxiv.org/abs/2401.01234v2},\n"
                            "  archiveprefix = {arXiv}, howpublished = {arXiv preprint arXiv:2401.01234}}\n")
    assert e.work("u").arxiv() == "2401.01234v2"
    assert e.plain_reference("u") == "T (2024). arXiv preprint. arXiv:2401.01234v2"


@pytest.mark.parametrize("value, left", [
    ("arXiv preprint arXiv:2401.01234", "arXiv preprint"),
    ("arXiv preprint arXiv:2401.01234v2.", "arXiv preprint"),
    ("{arXiv} preprint {arXiv}:2401.01234", "arXiv preprint"),
    ("arXiv:2401.01234 [cs.LG]", ""),
    ("ArXiv abs/2401.01234", "ArXiv"),
    ("CoRR abs/2401.01234", "CoRR"),
    ("Preprint at https://arxiv.org/abs/2401.01234", "Preprint"),
    ("arXiv preprint 2401.01234", "arXiv preprint"),
    ("arXiv preprint arXiv:2401.09999", "arXiv preprint arXiv:2401.09999"),       # another work's id stays
    ("Journal of Things", "Journal of Things"),
])
def test_a_journal_like_field_without_the_printed_id(value, left):
    assert without_arxiv(value, "2401.01234") == left


def test_another_identifier_keeps_the_journal_whole(tmp_path):
    """A published DOI is the identifier: the journal's arXiv id is then the only one printed."""
    e = engine_of(tmp_path, "@article{p, author = {Roe, Rich}, title = {T}, year = {2024}, doi = {10.1000/x1},\n"
                            "  journal = {arXiv preprint arXiv:2401.01234}, eprint = {2401.01234}, "
                            "archiveprefix = {arXiv}}\n")
    assert e.plain_reference("p") == "Roe, R. (2024). T. arXiv preprint arXiv:2401.01234. https://doi.org/10.1000/x1"
