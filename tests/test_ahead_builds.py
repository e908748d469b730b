"""Builds with helpers working ahead on another core (ahead.py) and without them give the same bytes,
for every audience: end to end, with real builds. The helpers themselves are tested in process in
test_ahead.py."""

from __future__ import annotations

import shutil

import pytest

from report_engine import ahead
from test_reproducible import assert_identical

pytestmark = [pytest.mark.site, pytest.mark.usefixtures("helpers_on")]


def test_builds_with_and_without_helpers_are_the_same(report, monkeypatch):
    """Cold builds of a report long enough for the helpers to take part, every audience, with and
    without them: the same bytes."""
    names = [f"part-{n}.md" for n in range(24)]
    for number, name in enumerate(names):
        report.page(name, f"# Part {number}\n\nSee [the next part]({names[(number + 1) % len(names)]}).\n\n"
                          '{% call redact("helios") %}\nHelios told us about its quota system.\n{% endcall %}\n\n'
                          + "Words about oversight and monitoring. " * 200 + "\n\n## Details\n\nMore.\n")
    report.page("index.md", "# Summary\n\nThe report.\n")
    report.nav("index.md", *names)
    for audience in (None, "participant:helios", "internal"):
        sites = []
        for helpers in ("1", "0"):
            monkeypatch.setenv(ahead.HELPERS_ENV, helpers)
            shutil.rmtree(report.root / ".cache", ignore_errors=True)
            target = f"site-{(audience or 'public').replace(':', '-')}-{helpers}"
            sites.append(report.build(audience, "-d", target).site)
        assert_identical(*sites)
        told = "Helios told us" in (sites[0] / "part-3" / "index.html").read_text(encoding="utf-8")
        assert told == (audience is not None), audience
