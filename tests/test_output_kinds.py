"""A new kind of output is one list entry (stages/extras.py), and whatever it writes is audited.

The report's own macros module registers the kind, as a report or a future engine module would:
one ``OutputKind`` appended to ``OUTPUTS``. The build writes it into the site; when it carries
text the audience may not read, the leak audit stops the build and nothing is published.
"""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure

pytestmark = pytest.mark.site

MACROS = '''
import report_engine
from report_engine.stages import extras


def write_digest(build, site):
    """A plain-text digest: every page's title, and (when asked) a redacted body as well."""
    lines = [record.title for record in build.session.pages.values()]
    if {leak}:
        lines += [block.body for block in build.session.hidden_blocks]
    (site / "digest.txt").write_text("\\n".join(lines) + "\\n", encoding="utf-8")


if not any(kind.name == "digest" for kind in extras.OUTPUTS):
    extras.OUTPUTS.append(extras.OutputKind("digest", lambda build: True, write_digest))


def define_env(env):
    report_engine.define_env(env)
'''

PAGE = """\
# Home

Open text.

{% call redact("helios") %}
Helios kept the quarantine logs for 412 days.
{% endcall %}
"""


def test_a_registered_output_kind_is_written_into_the_site(report):
    report.write("macros/__init__.py", MACROS.format(leak=False))
    report.page("index.md", PAGE)
    result = report.build()
    digest = (result.site / "digest.txt").read_text(encoding="utf-8")
    assert "Home" in digest and "412 days" not in digest


def test_what_a_registered_output_kind_leaks_stops_the_build(report):
    report.write("macros/__init__.py", MACROS.format(leak=True))
    report.page("index.md", PAGE)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 5, "digest.txt", "redacted text")
    assert not (result.site / "digest.txt").exists()       # nothing of the build was published
