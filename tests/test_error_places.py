"""Every author mistake is reported where the author wrote it: the page and line of an unclosed
block or of a label, mkdocs.yml and its line for what mkdocs.yml says; and the log names the
folder the site went to, once."""

from __future__ import annotations

import pytest

from conftest import REPORT_YML, assert_clean_failure

pytestmark = pytest.mark.site

KESTREL = REPORT_YML + "  - {id: kestrel, name: Kestrel Systems, pseudonym: Developer K, named: false}\n"


def config_line(report, text: str) -> int:
    """The line of the report's mkdocs.yml (as the last build wrote it) holding ``text``."""
    lines = (report.root / "mkdocs.yml").read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if text in line)


@pytest.mark.parametrize("body, line, tag", [
    ('{% call redact("helios") %}\nHelios text.\n\nMore text.\n\n{{ report.title }}\n', 3, "call"),
    ("Text.\n\n{% if report.title %}\nShown.\n\n{% for x in [1, 2] %}{{ x }}{% endfor %}\nEnd {{ report.title }}.\n",
     5, "if"),
    ("Text.\n\n{% for x in [1, 2] %}\n{{ x }}\n\nEnd {{ report.title }}.\n", 5, "for"),
    ("Text.\n\n{% raw %}\n{{ not rendered }}\n\nEnd.\n", 5, "raw"),
])
def test_an_unclosed_block_is_reported_where_it_opens(report, body, line, tag):
    report.page("index.md", "# Summary\n\n" + body)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", line, "template syntax error", f"{{% {tag} %}}",
                         f"{{% end{tag} %}}")


def test_a_block_closed_by_another_blocks_end_names_both(report):
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}\n{% if report.title %}\nText.\n{% endcall %}\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 4, "{% if %}", "before {% endcall %} on line 6")


def test_an_unclosed_block_in_a_partial_names_the_partial(report):
    report.write("partials/note.md", "Note.\n\n{% call redact('helios') %}\nHelios text.\n")
    report.page("index.md", "# Summary\n\n{% include 'note.md' %}\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "partials/note.md", 3, "{% call %}", "{% endcall %}")


def test_a_never_named_id_in_a_heading_label_names_the_heading(report):
    report.write("data/report.yml", KESTREL)
    report.page("index.md", "# Summary\n\nText.\n\n## Appendix {#app-kestrel}\n\nMore text.\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 5, "leak audit failed", "the id of 'kestrel'")


def test_a_never_named_id_in_a_caption_label_names_the_caption(report):
    report.write("data/report.yml", KESTREL)
    report.page("index.md", "# Summary\n\nText.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                            "/// table-caption\n    attrs: {id: tab-kestrel}\nCounts.\n///\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 10, "leak audit failed", "the id of 'kestrel'")


def test_a_never_named_name_in_site_author_names_mkdocs_yml(report):
    report.write("data/report.yml", KESTREL)
    report.page("index.md", "# Summary\n\nText.\n")
    report.config["site_author"] = "Kestrel Systems"
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "mkdocs.yml", config_line(report, "site_author:"), "leak audit failed",
                         "the name of 'kestrel'")


def test_a_never_named_name_in_extra_names_mkdocs_yml(report):
    report.write("data/report.yml", KESTREL)
    report.page("index.md", "# Summary\n\nText.\n")
    report.config["extra"] = {"social": [{"icon": "fontawesome/brands/github",
                                          "link": "https://github.com/kestrel-systems"}]}
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "mkdocs.yml", config_line(report, "kestrel-systems"), "leak audit failed",
                         "'kestrel'")


def test_a_name_redacted_on_a_page_is_not_where_mkdocs_yml_leaks_it(report):
    report.write("data/report.yml", KESTREL)
    report.page("index.md", "# Summary\n\n{% call redact('kestrel') %}\nKestrel Systems ran the tests.\n"
                            "{% endcall %}\n\nText.\n")
    report.config["site_author"] = "Kestrel Systems"
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "mkdocs.yml", config_line(report, "site_author:"), "the name of 'kestrel'")


def test_a_nav_entry_naming_no_file_names_its_line_and_the_page_meant(report):
    report.page("index.md", "# Summary\n\nText.\n")
    report.page("method.md", "# Method\n\nText.\n")
    report.nav({"Summary": "index.md"}, {"Method": "methods.md"})
    for args in ((), ("--strict",)):
        result = report.build(None, *args, expect_ok=False)
        assert_clean_failure(result, "mkdocs.yml", config_line(report, "methods.md"),
                             "the nav entry 'methods.md' names a file that is not in docs/", "did you mean 'method.md'")


def test_a_nav_entry_naming_no_file_in_a_section(report):
    report.page("index.md", "# Summary\n\nText.\n")
    report.page("appendices/helios.md", "# Helios\n\nText.\n")
    report.nav("index.md", {"Appendices": ["appendices/helio.md"]})
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "mkdocs.yml", config_line(report, "appendices/helio.md"),
                         "'appendices/helio.md'", "did you mean 'appendices/helios.md'")


def test_the_log_names_the_folder_the_site_went_to_once(report):
    report.page("index.md", "# Summary\n\nText.\n")
    public = report.build()
    assert ".staging" not in public.output, public.output
    assert public.output.count(f"Building documentation to directory: {report.root / 'site'}\n") == 1, public.output
    internal = report.build("internal")
    assert ".staging" not in internal.output, internal.output
    assert "Building documentation to directory" not in internal.output, internal.output
    assert internal.output.count("internal build goes to ") == 1, internal.output
    assert str(report.root / "site-private" / "internal") in internal.output
