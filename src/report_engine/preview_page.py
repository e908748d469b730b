"""The page a browser shows while a live preview's rebuild fails.

MkDocs's live-reload server tells browsers to reload only after a build that succeeded; while a
rebuild fails they wait, and the error is only in the terminal. Under ``mkdocs serve`` (never in
a build that could be published: the served folder is a temporary one of MkDocs's own) the engine
ends a failed rebuild by writing this page over every page of the served folder, so the browser
reloads into the error (file, line, message, suggestion) and reloads again into the report when
the next rebuild succeeds.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from . import outputs
from .errors import ReportError


def error_page(error: ReportError | str) -> str:
    """A self-contained HTML page (no stylesheet, no script of its own) naming the mistake."""
    if isinstance(error, ReportError):
        where = error.file or "the report"
        if error.line:
            where = f"{where}:{error.line}"
        message, suggestion = error.message, error.suggestion
    else:
        where, message, suggestion = "", str(error), None
    rows = [f'<p class="where"><code>{html.escape(where)}</code></p>' if where else "",
            f'<p class="message">{html.escape(message)}</p>',
            f'<p class="suggestion">Suggestion: {html.escape(suggestion)}</p>' if suggestion else ""]
    return outputs.standalone_page(f"Preview not rebuilt: {where or message}", STYLE, (
        "<main role=\"alert\" data-report-preview-error>\n<h1>The preview could not be rebuilt</h1>\n"
        + "".join(rows)
        + "\n<p class=\"note\">The last change stopped the build; nothing was published. Fix it and save: "
          "this page reloads into the report.</p>\n</main>\n"))


STYLE = """
body { font: 1.05rem/1.5 system-ui, sans-serif; margin: 0; padding: 2rem 1.25rem; color: #1b1b1b; background: #fff8f6; }
main { max-width: 46rem; margin: 0 auto; border-left: 0.35rem solid #b3261e; padding: 0.25rem 0 0.25rem 1.25rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; color: #8c1d18; }
code { font-size: 1rem; overflow-wrap: anywhere; }
.message { font-size: 1.15rem; font-weight: 600; overflow-wrap: anywhere; }
.note { color: #4a4a4a; font-size: 0.95rem; }
@media (prefers-color-scheme: dark) { body { background: #1e1414; color: #f2eaea; } h1 { color: #ffb4ab; } .note { color: #c9bfbf; } }
"""


def show(served: Path, error: ReportError | str) -> int:
    """Write the error page over every HTML page in the served folder (and as its 404 page);
    the number of pages written. Files are replaced whole, so a browser never reads half a page."""
    page = error_page(error)
    targets = set(served.rglob("*.html")) if served.is_dir() else set()
    targets |= {served / "index.html", served / "404.html"}
    for target in sorted(targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, target)
    return len(targets)
