"""Facts: formatted for prose, counted from data, guarded by owner."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure

pytestmark = pytest.mark.site


def test_facts_and_counts_come_from_data(report):
    report.write("data/numbers.yml", """
        incidents_total: 1234
        agent_share: 0.412
        vendors: [Helios, Quill, Ardent]
        """)
    report.write("data/incidents.yml", """
        - {id: INC-1, category: sabotage}
        - {id: INC-2, category: deception}
        - {id: INC-3, category: deception}
        - !private {owner: helios, value: {id: INC-4, category: deception}}
        """)
    report.page("index.md", """
        # Summary

        Window: {{ fact("report.assessment_window.start") }} to {{ fact("report.assessment_window.end") }}.
        Total {{ fact("numbers.incidents_total") }}; share {{ fact("numbers.agent_share") }}; {{ fact("numbers.vendors") }}.
        We list {{ incidents | length }} incidents, {{ incidents | selectattr("category", "equalto", "deception") | list | length }} of deception.
        Published {{ fact("report.published") }} by {{ fact("report.organization") }}.
        """)
    public = report.build().article()
    assert "Window: February 16, 2026 to March 16, 2026." in public
    assert "Total 1,234; share 41.2%; Helios, Quill and Ardent." in public
    assert "We list 3 incidents, 2 of deception." in public
    assert "Published May 19, 2026 by Example Research." in public
    owner = report.build("participant:helios").article()
    assert "We list 4 incidents, 3 of deception." in owner


def test_unknown_fact_names_page_line_and_nearest_key(report):
    report.page("index.md", """
        ---
        title: Summary
        ---
        # Summary

        Starts {{ fact("report.assessment_window.strat") }}.
        """)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 6, "unknown fact 'report.assessment_window.strat'",
                         "did you mean 'report.assessment_window.start'")


def test_unknown_field_in_a_loop_names_the_data_file(report):
    report.write("data/people.yml", "- {name: Ada, role: lead}\n")
    report.page("index.md", """
        # Summary

        {% for p in people %}
        - {{ p.rol }}
        {% endfor %}
        """)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 4, "unknown field 'rol'", "did you mean 'role'")


def test_malformed_yaml_names_file_and_line(report):
    report.write("data/numbers.yml", "total: 3\nshare: [0.4\nother: 2\n")
    report.page("index.md", "# Summary\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "data/numbers.yml", 3, "malformed YAML")


def test_duplicate_yaml_key_is_an_error(report):
    report.write("data/numbers.yml", "total: 3\nshare: 0.4\ntotal: 4\n")
    report.page("index.md", "# Summary\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "data/numbers.yml", 3, "duplicate key 'total'", "line 1")


def test_missing_report_field_is_named(report):
    report.write("data/report.yml", "title: T\nedition: '1'\n")
    report.page("index.md", "# Summary\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "data/report.yml", 1, "has no 'edition_label'")


def test_private_fact_outside_its_owners_redaction_fails_in_every_build(report):
    report.write("data/numbers.yml", "secret_count: !private {owner: helios, value: 17}\n")
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}Inside: {{ fact("numbers.secret_count") }}.{% endcall %}

        Outside: {{ fact("numbers.secret_count") }}.
        """)
    for audience in (None, "internal", "participant:helios"):
        result = report.build(audience, expect_ok=False)
        assert_clean_failure(result, "docs/index.md", 5, "private to 'helios'", 'redact("helios")')


def test_private_fact_inside_its_owners_redaction(report):
    report.write("data/numbers.yml", "secret_count: !private {owner: helios, value: 1717}\n")
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}Inside: {{ fact("numbers.secret_count") }} units.{% endcall %}
        """)
    assert "1,717" not in report.build().page()
    assert "Inside: 1,717 units." in report.build("participant:helios").article()
    assert "1,717" not in report.build("participant:quill").page()
