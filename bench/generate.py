"""Generate a report of the shape the engine serves, in the contract's layout, at any size.

    .venv/bin/python bench/generate.py OUT --pages 300 --entries 5000

A landing page with the redaction statement, section pages and one appendix per
participant, about 1,500 words a page, citations into a bibliography that mixes
the shapes reference managers export, footnotes, tables from data (with
private rows), cross-references, redactions of four owners (some material, some
with replacements) and pseudonymous mentions. Deterministic for a given seed.

:func:`floor` turns a built report into its floor: the same pages with every
macro already expanded (the engine's own pass-two output), built by plain
MkDocs and Material with no plugin of ours.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARTICIPANTS = [("aurora", "Aurora Labs", "Developer A"), ("boreal", "Boreal AI", "Developer B"),
                ("cinder", "Cinder Systems", "Developer C"), ("delta", "Delta Research", "Developer D")]
WORDS = ("agents monitoring compute oversight deployment credentials cluster permissions evaluation "
         "scaffold review incident quota logging pipeline sandbox reasoning transcripts access "
         "infrastructure detection sabotage capability autonomy security policy approval workload "
         "researchers engineers models training tasks horizon budget audit").split()
SHAPES = [
    "@article{{{key},\n  author = {{{a1}, Ann and M{{\\\"u}}ller, Hans and others}},\n  title = {{Study {n} of {{AI}} Oversight}},\n"
    "  journal = {{Journal {j}}},\n  volume = {{{v}}},\n  pages = {{{p}--{q}}},\n  year = {{{y}}},\n  doi = {{10.1000/{n}}},\n}}\n",
    "@inproceedings{{{key},\n  author = {{D{{\\'\\i}}az, Fernando and {a1}, Bea}},\n  title = {{Agents at Scale {n}}},\n"
    "  booktitle = {{Proceedings of the {{Workshop}} {j}}},\n  pages = {{{p}--{q}}},\n  year = {{{y}}},\n}}\n",
    "@online{{{key},\n  title = {{System Card {n}: {{LLM}} Agents}},\n  author = {{{{Lab {j}}}}},\n  date = {{{y}-05-01}},\n"
    "  url = {{https://example.org/cards/{n}}},\n}}\n",
    "@article{{{key},\n  author = {{{a1}, Cy and Park, Jo}},\n  title = {{Max {{2SAT}} in $O(n^2)$ for {n}}},\n  journal = {{CoRR}},\n"
    "  volume = {{abs/{y}.{n:05d}}},\n  year = {{{y}}},\n  eprinttype = {{arXiv}},\n  eprint = {{{y}.{n:05d}}},\n}}\n",
    "@techreport{{{key},\n  author = {{{a1}, Dee}},\n  title = {{Report {n} on {{GPU}} Quotas}},\n  institution = {{Institute {j}}},\n"
    "  year = {{{y}}},\n}}\n",
]


def bibliography(entries: int, rng: random.Random) -> str:
    out = []
    for n in range(entries):
        shape = SHAPES[n % len(SHAPES)]
        out.append(shape.format(key=f"ref{n}", n=n, a1=f"Author{n % 97}", j=n % 23, v=n % 40 + 1,
                                p=n % 300 + 1, q=n % 300 + 12, y=2000 + n % 26))
    return "\n".join(out)


def sentence(rng: random.Random, words: int = 16) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def page_text(rng: random.Random, number: int, entries: int, owner: str | None, words: int) -> str:
    """One page: headings with labels, paragraphs with citations and footnotes, one redaction."""
    lines = [f"# Section {number} findings {{#sec-{number}}}", ""]
    written, paragraph, footnotes = 0, 0, []
    while written < words:
        if paragraph % 4 == 0:
            lines += [f"## Part {paragraph // 4 + 1} of section {number} {{#sec-{number}-{paragraph // 4 + 1}}}", ""]
        keys = ", ".join(f'"ref{rng.randrange(entries)}"' for _ in range(rng.choice((1, 1, 2))))
        body = [sentence(rng) for _ in range(5)]
        body[1] += f" {{{{ cite({keys}) }}}}"
        if paragraph % 3 == 1:
            label = f"n{number}-{paragraph}"
            body[2] += f"[^{label}]"
            footnotes.append(f"[^{label}]: {sentence(rng, 12)}.")
        if paragraph % 5 == 2 and number > 1:
            body[3] += f" See {{{{ ref(\"sec-{rng.randrange(1, number)}\") }}}}."
        lines += [". ".join(body) + ".", ""]
        written += 5 * 16
        paragraph += 1
    pid = owner or PARTICIPANTS[number % 4][0]
    material = "true" if number % 50 == 7 else "false"
    lines += [f'{{% call redact("{pid}", material={material}, note="Detail on {pid} agents") %}}',
              f"{sentence(rng)} on the {pid} cluster {number}. {sentence(rng)} {{{{ cite(\"ref{number % entries}\") }}}}.",
              "{% endcall %}", "",
              f'{{{{ org("{PARTICIPANTS[number % 4][0]}", anonymous=true) }}}} {sentence(rng, 10).lower()}.', ""]
    return "\n".join(lines + footnotes) + "\n"


def generate(root: Path, pages: int, entries: int, words: int = 1500, seed: int = 7) -> None:
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "macros", root / "macros", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "data").mkdir()
    (root / "docs" / "appendices").mkdir(parents=True)
    participants = "\n".join(f"  - {{id: {pid}, name: {name}, pseudonym: {pseudonym}}}"
                             for pid, name, pseudonym in PARTICIPANTS)
    (root / "data" / "report.yml").write_text(
        "title: Benchmark Report\nedition: \"2026-03\"\nedition_label: Benchmark edition\n"
        "assessment_window: {start: 2026-02-16, end: 2026-03-16}\npublished: 2026-05-19\n"
        f"organization: Bench Research\ncanonical_url: https://example.org/bench/\nparticipants:\n{participants}\n")
    incidents = []
    for n in range(120):
        pid = PARTICIPANTS[n % 4][0]
        item = (f"{{id: INC-{n:03d}, participant: {pid}, severity: {('low', 'medium', 'high')[n % 3]}, "
                f"summary: \"{sentence(rng, 12)}\"}}")
        incidents.append(f"- !private {{owner: {pid}, value: {item}}}" if n % 5 == 0 else f"- {item}")
    (root / "data" / "incidents.yml").write_text("\n".join(incidents) + "\n")
    (root / "bibliography.bib").write_text(bibliography(entries, rng))
    nav = ["index.md"]
    (root / "docs" / "index.md").write_text(
        "# Summary {#summary}\n\n" + "\n\n".join(sentence(rng) + "." for _ in range(20)) +
        "\n\n## Redactions {#redactions}\n\n{{ redaction_statement() }}\n")
    sections = max(1, pages - len(PARTICIPANTS) - 3)
    for number in range(1, sections + 1):
        (root / "docs" / f"section-{number}.md").write_text(page_text(rng, number, entries, None, words))
        nav.append(f"section-{number}.md")
    table = ("| ID | Developer | Severity | Summary |\n|---|---|---|---|\n"
             "{% for i in incidents %}| {{ i.id }} | {{ org(i.participant, anonymous=true) }} | {{ i.severity }} | "
             "{{ i.summary }} |\n{% endfor %}\n")
    for index, (pid, _, _) in enumerate(PARTICIPANTS):
        text = page_text(rng, sections + index + 1, entries, pid, words // 2)
        (root / "docs" / "appendices" / f"appendix-{index + 1}.md").write_text(text.replace(
            f"# Section {sections + index + 1} findings", f"# Appendix on {{{{ org(\"{pid}\") }}}}"))
        nav.append(f"appendices/appendix-{index + 1}.md")
    (root / "docs" / "appendices" / "incidents.md").write_text(
        "# Incident catalogue {#app-incidents}\n\n" + table)
    nav.append("appendices/incidents.md")
    (root / "docs" / "references.md").write_text("# References\n\n{{ bibliography(scope=\"report\") }}\n")
    nav.append("references.md")
    write_mkdocs_yml(root, nav)


def write_mkdocs_yml(root: Path, nav: list[str]) -> None:
    """The contract's mkdocs.yml for a generated report: Material, search, macros, the nav."""
    nav_yaml = "\n".join(f"  - {n}" for n in nav)
    (root / "mkdocs.yml").write_text(
        "site_name: Bench\ntheme: {name: material, custom_dir: overrides}\n"
        "plugins:\n  - search\n  - macros: {module_name: macros, on_error_fail: true}\n"
        f"nav:\n{nav_yaml}\n")


def floor(report: Path, out: Path) -> None:
    """The report's pages with every macro expanded by the engine, as a plain MkDocs project."""
    import os

    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    previous = Path.cwd()
    os.chdir(report)
    try:
        config = load_config("mkdocs.yml", site_dir=str(out / "scratch-site"))
        build(config)
        session = config.plugins["report"].build.session
    finally:
        os.chdir(previous)
    if out.exists():
        shutil.rmtree(out)
    (out / "docs").mkdir(parents=True)
    for record in session.pages.values():
        target = out / "docs" / record.src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(record.output, encoding="utf-8")
    nav = (report / "mkdocs.yml").read_text().split("nav:\n", 1)[1]
    (out / "mkdocs.yml").write_text(
        "site_name: Bench floor\ntheme: {name: material}\nplugins: [search]\n"
        "markdown_extensions: [abbr, admonition, attr_list, def_list, footnotes, md_in_html, tables, toc, "
        "pymdownx.superfences, {pymdownx.blocks.caption: {auto: false}}]\n"
        f"nav:\n{nav}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--words", type=int, default=1500)
    args = parser.parse_args()
    generate(args.out, args.pages, args.entries, args.words)
    print(f"generated {args.out}: {args.pages} pages, {args.entries} references")


if __name__ == "__main__":
    main()
