"""`mkdocs serve` reloads on everything the README says it does: the theme's overrides/ (MkDocs
watches the theme only with --watch-theme) and the partials folder wherever mkdocs-macros'
include_dir puts it, besides docs/, data/ and bibliography.bib (tests/test_serve.py)."""

from __future__ import annotations

import time

import pytest

from test_serve import Server

pytestmark = pytest.mark.site


def test_serve_reloads_on_overrides_and_the_partials_folder(report):
    report.config["plugins"] = ["search", {"macros": {"module_name": "macros", "on_error_fail": True,
                                                      "include_dir": "snippets"}}]
    report.write("overrides/partials/copyright.html", '<div class="md-copyright">override-mark-one</div>\n')
    report.write("snippets/note.md", "Snippet text one.\n")
    report.page("index.md", "# Summary\n\n{% include 'note.md' %}\n")
    report.build()                # writes mkdocs.yml
    server = Server(report.root)
    try:
        server.wait_for(lambda: "override-mark-one" in server.get() and "Snippet text one." in server.get(),
                        "the first build")
        time.sleep(1.1)
        report.write("overrides/partials/copyright.html", '<div class="md-copyright">override-mark-two</div>\n')
        server.wait_for(lambda: "override-mark-two" in server.get(), "a rebuild after an edit under overrides/")
        time.sleep(1.1)
        report.write("snippets/note.md", "Snippet text two.\n")
        server.wait_for(lambda: "Snippet text two." in server.get(), "a rebuild after an edit to a partial")
        assert "Traceback" not in server.text()
    finally:
        server.stop()
