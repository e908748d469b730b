"""Micro-benchmark of the citation engine: parse, cache, format, cite.

Why: a report rebuilds on every save during ``mkdocs serve``; this shows what
the disk cache and the format-once rule buy. Run from the project root::

    .venv/bin/python bench/bench_citations_format.py [entries] [citations]
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from report_engine.bibtex import load_bibtex  # noqa: E402
from report_engine.citations import CitationEngine  # noqa: E402

ENTRY = """@article{{key{n},
  author  = {{M{{\\"u}}ller, Hans and Garc{{\\'i}}a, Jos{{\\'e}} and Author{n}, Some}},
  title   = {{A {{GPU}} Study -- Part {n}}},
  journal = {{Journal of Things}},
  year    = {{{year}}},
  pages   = {{1--10}},
  doi     = {{10.1000/{n}}},
}}
"""


def timed(label: str, action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    print(f"{label:<38} {1000 * (time.perf_counter() - start):9.1f} ms")
    return result


def main(entries: int = 500, citations: int = 5000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = pathlib.Path(folder)
        bib = root / "bibliography.bib"
        bib.write_text("".join(ENTRY.format(n=n, year=2000 + n % 25) for n in range(entries)), encoding="utf-8")
        cache = root / "cache"
        timed(f"parse {entries} entries (cold cache)", lambda: load_bibtex(bib, cache))
        db = timed("load from disk cache", lambda: load_bibtex(bib, cache))
        engine = CitationEngine(db)
        keys = db.keys()
        timed("set_order (labels, a/b letters)", lambda: engine.set_order(keys))
        timed(f"format {entries} references (first cite)", lambda: [engine.cite([k], None, lambda k: "#x") for k in keys])
        timed(
            f"{citations} more citations (cached)",
            lambda: [engine.cite([keys[i % entries]], "p. 1", lambda k: "#x") for i in range(citations)],
        )
        timed("reference list of all entries", lambda: engine.reference_list(keys))


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
