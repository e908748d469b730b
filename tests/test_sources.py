"""Where in the author's files a macro is called: the line Jinja gives, read faster."""

from __future__ import annotations

import jinja2
import pytest

from report_engine.sources import template_line

pytestmark = pytest.mark.unit

PAGE = """# A page

Some text {{ one }}.
{% for item in items %}
- {{ item }} {% if item > 1 %}{{ two }}{% endif %}
{% endfor %}

{% macro shout(x) %}{{ x | upper }}
{% endmacro %}
{{ shout("end") }}
{% set value = 3 %}{{ value }}
"""


def test_every_line_of_compiled_code_maps_to_the_line_jinja_gives() -> None:
    template = jinja2.Environment().from_string(PAGE)
    code_lines = max(code for _, code in template.debug_info) + 5
    assert len(template.debug_info) > 5
    for code_line in range(0, code_lines):
        assert template_line(template, code_line) == template.get_corresponding_lineno(code_line), code_line
