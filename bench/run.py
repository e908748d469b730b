"""Build-time benchmark: a report citing from a 2,000-entry bibliography.

Builds the same generated report twice over, in one run: once with citation
processing (``cite()`` calls, ``bibliography.bib``, reference lists) and once
as the baseline, the same pages with the citations typed as plain text and no
bibliography. Each variant is built several times in fresh processes,
alternating, and the script prints medians and the ratio to the baseline, for a
cold bibliography cache and a warm one (the ``mkdocs serve`` case).

    .venv/bin/python bench/run.py [--entries 2000] [--pages 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_mkdocs_yml  # noqa: E402
REPORT_YML = """\
title: Benchmark Report
edition: "1"
edition_label: Benchmark
assessment_window: {start: 2026-01-01, end: 2026-01-31}
published: 2026-02-01
organization: Bench
canonical_url: https://example.org/bench/
participants: [{id: a, name: A Labs}]
"""


def entry(n: int) -> str:
    return (f"@article{{key{n},\n  author = {{Author{n}, Ann and M{{\\\"u}}ller, Hans and others}},\n"
            f"  title = {{Study number {n} of oversight}},\n  journal = {{Journal {n % 17}}},\n"
            f"  year = {{{2000 + n % 25}}},\n  doi = {{10.1000/{n}}},\n}}\n")


def make_report(root: Path, entries: int, pages: int, cited: bool) -> None:
    shutil.copytree(REPO / "macros", root / "macros", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "overrides", root / "overrides")
    (root / "data").mkdir()
    (root / "data/report.yml").write_text(REPORT_YML)
    (root / "docs").mkdir()
    rng = random.Random(7)
    (root / "docs/index.md").write_text("# Summary\n\nA generated report for the benchmark.\n")
    nav = ["index.md"]
    for p in range(pages):
        lines = [f"# Page {p}\n"]
        for s in range(60):
            keys = [f"key{rng.randrange(entries)}" for _ in range(rng.choice((1, 1, 2, 3)))]
            if cited:
                call = "{{ cite(" + ", ".join(f'"{k}"' for k in keys) + ") }}"
            else:
                call = "(" + "; ".join(f"Author{k[3:]} et al., 2024" for k in keys) + ")"
            lines.append(f"Sentence {s} on page {p} makes a claim {call}.\n")
        if cited:
            lines.append("\n## References\n\n{{ bibliography() }}\n")
        (root / f"docs/page{p}.md").write_text("\n".join(lines))
        nav.append(f"page{p}.md")
    if cited:
        (root / "bibliography.bib").write_text("".join(entry(n) for n in range(entries)))
        (root / "docs/references.md").write_text("---\nnumbered: false\n---\n# References\n\n{{ bibliography(scope='report') }}\n")
        nav.append("references.md")
    write_mkdocs_yml(root, nav)


def build(root: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("REPORT_AUDIENCE", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet"], cwd=root, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cited, plain = Path(tmp) / "cited", Path(tmp) / "plain"
        make_report(cited, args.entries, args.pages, cited=True)
        make_report(plain, args.entries, args.pages, cited=False)
        build(plain)                                       # warm the interpreter's file cache
        times: dict[str, list[float]] = {"baseline": [], "cold cache": [], "warm cache": []}
        for _ in range(args.repeat):
            shutil.rmtree(cited / ".cache", ignore_errors=True)
            times["cold cache"].append(build(cited))
            times["warm cache"].append(build(cited))
            times["baseline"].append(build(plain))
        base = statistics.median(times["baseline"])
        citations = args.pages * 60
        print(f"report: {args.pages} pages, ~{citations} cite() calls, {args.entries}-entry bibliography; "
              f"{args.repeat} builds each, medians")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:<11} {median:6.2f} s   ratio to baseline {median / base:5.2f}")


if __name__ == "__main__":
    main()
