"""The PDF's cost: the example report's and a generated report's, against plain WeasyPrint.

    .venv/bin/python bench/pdf.py                      # the example, and 300 generated pages (about 25 minutes)
    .venv/bin/python bench/pdf.py --pages 60 --entries 1000

Measures, each in a fresh process:

* the example report: ``mkdocs build`` without a PDF and ``python -m macros pdf``,
  cold (no remembered page numbers) and warm, and the typesetting time the build logs;
* a generated report (``bench/generate.py``): the same, with peak memory (RSS);
* the baseline: plain WeasyPrint (its own default stylesheet, no tags) on the same
  pages' articles concatenated, measured in the same run.

Prints the table and writes it to ``bench/pdf-results.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402
from measure import ENV, PYTHON, build, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PDF_ENV = {**ENV, "REPORT_PDF": "1"}
TYPESET = re.compile(r"PDF: (\S+) \((\d+) pages, typeset in ([\d.]+) s\)")

BASELINE = """
import sys, lxml.html, weasyprint
from pathlib import Path
site = Path(sys.argv[1])
parts = []
for page in sorted(site.rglob("index.html")):
    tree = lxml.html.parse(str(page)).getroot()
    for article in tree.xpath("//article"):
        parts.append(lxml.html.tostring(article, encoding="unicode"))
html = "<html><body>" + "".join(parts) + "</body></html>"
document = weasyprint.HTML(string=html, base_url=str(site)).render()
document.write_pdf(sys.argv[2])
print("pages", len(document.pages))
"""


def copy_example(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("mkdocs.yml", "bibliography.bib"):
        shutil.copy(REPO / name, target / name)
    for name in ("docs", "data", "macros", "overrides"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def measure(root: Path, label: str) -> list[str]:
    rows = []
    seconds, rss, _ = build(root)
    rows.append(f"| {label}: `mkdocs build` (no PDF) | {seconds:.1f} | | {rss} |")
    for state in ("cold", "warm"):
        if state == "cold":
            for remembered in (root / ".cache" / "report-engine").glob("pdf-pages-*.json"):
                remembered.unlink()
        seconds, rss, output = run([PYTHON, "-m", "mkdocs", "build"], root, PDF_ENV)
        match = TYPESET.search(output)
        pages, typeset = (match.group(2), float(match.group(3))) if match else ("?", float("nan"))
        rows.append(f"| {label}: build with the PDF, {state} page numbers ({pages} printed pages) | "
                    f"{seconds:.1f} | {typeset:.1f} | {rss} |")
    seconds, rss, output = run([PYTHON, "-c", BASELINE, str(root / "site"), str(root / "baseline.pdf")], root)
    pages = output.split("pages", 1)[-1].strip()
    rows.append(f"| {label}: baseline, plain WeasyPrint on the same articles ({pages} pages) | "
                f"{seconds:.1f} | {seconds:.1f} | {rss} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "pdf-results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-pdf-bench-", ignore_cleanup_errors=True) as scratch:
        rows = measure(copy_example(Path(scratch) / "example"), "example report")
        report = Path(scratch) / "generated"
        generate.generate(report, args.pages, args.entries)
        rows += measure(report, f"generated, {args.pages} pages")
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
             "Each row one fresh process.", "",
             "| | wall seconds | typesetting seconds (from the build's log) | peak RSS (MB) |",
             "|---|---:|---:|---:|", *rows]
    table = "\n".join(lines) + "\n"
    print(table)
    args.out.write_text("# PDF benchmark\n\nWritten by `bench/pdf.py`.\n\n" + table, encoding="utf-8")


if __name__ == "__main__":
    main()
