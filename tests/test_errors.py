"""Every author mistake stops the build: one message, file, line, a suggestion, no traceback."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, error_line

pytestmark = pytest.mark.site


@pytest.mark.parametrize("body, line, fragments", [
    ("Text {{ fcat('report.title') }}.", 3, ["unknown name 'fcat'", "did you mean 'fact'"]),
    ("{% call redact('helios') %}\nText\n", 3, ["template syntax error", "endcall"]),
    ("Text {{ report.title }.", 3, ["template syntax error"]),
    ("{% call redact('helio') %}x{% endcall %}", 3, ["unknown participant 'helio'", "did you mean 'helios'"]),
    ("{{ org('quil') }}", 3, ["unknown participant 'quil'", "did you mean 'quill'"]),
    ("{{ org('helios', anonymous=true) }}", 3, ["no pseudonym", "add 'pseudonym: ...' to helios"]),
    ("{% call redact('helios', materal=true) %}x{% endcall %}", 3, ["redact() has no option 'materal'", "did you mean 'material'"]),
    ("{{ redact('helios') }}", 3, ["must be used as a call block", "{% call redact(\"helios\") %}"]),
    ("\n\n{{ bibliography(scope='reprt') }}", 5, ["unknown bibliography scope 'reprt'", "did you mean 'report'"]),
    ("Text.\n\n## References\n\n{{ bibliography() }}", 7,
     ["bibliography() lists the works this page cites, and it cites none", "cite a work with cite()"]),
    ("{% call redact('helios') %}\nA typo hidden in a redaction: {{ fact('report.titel') }}\n{% endcall %}", 4,
     ["unknown fact 'report.titel'", "did you mean 'report.title'"]),
])
def test_author_mistakes(report, body, line, fragments):
    report.page("index.md", "# Summary\n\n" + body + "\n")
    for audience in (None, "internal"):
        result = report.build(audience, expect_ok=False)
        assert_clean_failure(result, "docs/index.md", line, *fragments)


def test_unknown_audience_and_participant(report):
    report.page("index.md", "# Summary\n")
    result = report.build("participant:helio", expect_ok=False)
    assert "Traceback" not in result.output
    assert "unknown participant 'helio'" in error_line(result)
    assert "did you mean 'helios'" in error_line(result)
    result = report.build("publik", expect_ok=False)
    assert "unknown audience 'publik'" in error_line(result)
    assert "did you mean 'public'" in error_line(result)


def test_error_text_never_reaches_an_output_and_previous_site_survives(report):
    report.page("index.md", "# Summary\n\nFirst edition text.\n")
    first = report.build()
    assert "First edition text." in first.page()
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Confidential detail with a typo {{ fact("report.titel") }}.
        {% endcall %}
        """)
    failed = report.build(expect_ok=False)
    assert failed.returncode != 0
    html = first.page()
    assert "First edition text." in html                       # nothing that was there is lost
    assert "Confidential detail" not in html
    leftovers = [p.name for p in report.root.iterdir() if p.name.startswith(".site")]
    assert leftovers == []                                       # no half-written site lying around


def test_render_macros_false_is_refused(report):
    report.page("index.md", "---\nrender_macros: false\n---\n# Summary\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 1, "render_macros: false is not supported", "{% raw %}")
