"""The PDF is a document, not a web page: read page by page, the way a typesetter checks a proof.

The example report is built in a git repository (so that it is a first edition with a changes
page to leave out), as its PDF; each page's text is read back with pdftotext. Page images of the
first four pages, a body page, a table page and the references are left in
``test-artifacts/pdf/`` to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_example
from test_pdf import PDF_NAME, flat, run_pdf

pytestmark = pytest.mark.site

ARTIFACTS = REPO / "test-artifacts" / "pdf"

# The web's furniture, each found by its text: none of it belongs on paper.
FURNITURE = {
    "the landing page's cover": "Download the report as a PDF",
    "the landing page's citation": "How to cite this report",
    "the citation's downloads": "Download the reference as",
    "a section's citation": "Cite this section",
    "a table's downloads": "Download this table",
    "the download formats": "CSV · JSON",
    "the whole report's download": "Download the whole report",
    "Material's top button": "Back to top",
    "Material's skip link": "Skip to content",
    "the identity strip's link": "Download the PDF",
    "an empty changes page": "Changes since the last edition",
    "the changes page's nothing-to-say": "no earlier edition to compare",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The example, committed as a first edition (it then has a changes page on the web), and its PDF."""
    root = copy_example(tmp_path_factory.mktemp("pdf-document") / "report")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Report Editor")
    git(root, "config", "user.email", "editor@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "First edition")
    proc = run_pdf(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root, root / "site" / PDF_NAME


def layout_pages(pdf: Path) -> list[list[str]]:
    """Each page's non-blank lines as laid out."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return [[line for line in page.splitlines() if line.strip()] for page in out.split("\f")[:-1]]


def body_words(lines: list[str], number: int) -> list[str]:
    """A page's words without its running head (first line) and folio (a last line that is its number)."""
    if lines and lines[-1].strip() == str(number):
        lines = lines[:-1]
    if number > 1 and lines:
        lines = lines[1:]
    return flat("\n".join(lines)).split()


def test_the_pdf_holds_none_of_the_webs_furniture(built):
    _, pdf = built
    text = " ".join(flat("\n".join(lines)) for lines in layout_pages(pdf))
    plain = flat(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                check=True).stdout.decode("utf-8"))
    for what, words in FURNITURE.items():
        assert words not in text and words not in plain, f"{what} is printed: {words!r}"


def test_the_web_still_has_its_furniture(built):
    """What the PDF leaves out stays on the site, marked as the screen's."""
    root, _ = built
    site = root / "site"
    landing = (site / "index.html").read_text(encoding="utf-8")
    assert "How to cite this report" in landing and "data-report-cover" in landing
    assert "Cite this section" in (site / "assessment" / "index.html").read_text(encoding="utf-8")
    assert "Download this table" in (site / "appendices" / "incidents" / "index.html").read_text(encoding="utf-8")
    for page in (landing, (site / "appendices" / "incidents" / "index.html").read_text(encoding="utf-8")):
        for furniture in re.findall(r'<[^>]+class="(report-(?:cover|cite|downloads)(?: [^"]*)?)"', page):
            assert "report-screen-only" in furniture.split(), furniture


def test_the_title_page_is_the_only_cover(built):
    root, pdf = built
    report = yaml.safe_load((root / "data" / "report.yml").read_text(encoding="utf-8"))
    pages = [flat("\n".join(lines)) for lines in layout_pages(pdf)]
    cover = [number for number, text in enumerate(pages, start=1)
             if flat(report["subtitle"]) in text or f"Published {'May 19, 2026'}" in text]
    assert cover == [1], cover
    assert sum(text.count(flat(report["subtitle"])) for text in pages) == 1
    assert "Contents" in pages[1]
    # The report begins right after the contents: its first page opens with the summary's title.
    first = next(number for number, text in enumerate(pages, start=1) if number > 2 and "Contents" not in text[:40])
    assert "Executive summary" in pages[first - 1][:200], pages[first - 1][:200]


def test_no_page_is_empty_or_holds_only_a_generated_line(built):
    _, pdf = built
    for number, lines in enumerate(layout_pages(pdf), start=1):
        words = body_words(lines, number)
        assert len(words) >= 25, f"page {number} holds only: {' '.join(words)!r}"


def test_page_images_for_a_reader_to_look_at(built):
    """The first four pages, a body page, a table page and the references, as PNGs."""
    _, pdf = built
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pages = [flat("\n".join(lines)) for lines in layout_pages(pdf)]
    table = next(n for n, text in enumerate(pages, start=1) if re.search(r"\bTable \d+\. Incidents recorded", text))
    references = next(n for n, text in enumerate(pages, start=1) if "The works cited anywhere" in text)
    body = next(n for n, text in enumerate(pages, start=1) if "1 How the exercise ran" in text[:200] and n > 2)
    wanted = {"page-1-title": 1, "page-2": 2, "page-3": 3, "page-4": 4, "body": body + 1, "table": table,
              "references": references}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, number in wanted.items():
        target = ARTIFACTS / name
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile",
                        str(pdf), str(target)], check=True, capture_output=True)
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5000, name
