"""The leak audit itself: plant a leak in the output and watch the build fail."""

from __future__ import annotations

import shutil

import pytest

from conftest import assert_clean_failure, declare
from report_engine.commands import audit_folder

pytestmark = pytest.mark.site

SECRET = "Helios keeps a shadow cluster outside the monitored network"


def write_report(report):
    report.page("index.md", f"""
        # Summary

        Public text.

        {{% call redact("helios") %}}
        {SECRET}.

        ![Shadow cluster](shadow-cluster-map.svg)
        {{% endcall %}}

        {{{{ org("quill", anonymous=true) }}}} reviewed every agent pull request by hand.

        <!-- editor: confirm the hand-review claim with Quill before publication -->
        """)
    report.write("docs/shadow-cluster-map.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')


def test_clean_build_passes_the_audit(report):
    write_report(report)
    result = report.build()
    assert "Leak audit passed for the public build" in result.output


def test_planted_redacted_text_fails_the_build(report):
    write_report(report)
    first = report.build()
    report.write("docs/notes.txt", f"Draft notes: {SECRET}.\n")      # MkDocs copies it verbatim
    declare(report, "notes.txt")                                      # and the report publishes it
    result = report.build(expect_ok=False)
    message = assert_clean_failure(result, "docs/index.md", 5, "leak audit failed", "'notes.txt'", "redacted text")
    assert SECRET not in message                                       # the log does not repeat the secret
    assert not (first.site / "notes.txt").exists()                     # the previous site is untouched
    assert "Public text." in first.page()


def test_planted_real_name_fails_the_build(report):
    write_report(report)
    report.write("docs/press.txt", "Quill Research reviewed every agent pull request by hand.\n")
    declare(report, "press.txt")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 11, "'press.txt'", "real name behind a pseudonym")


def test_planted_editors_note_and_asset_name_fail_the_build(report):
    write_report(report)
    report.write("docs/todo.md.txt", "confirm the hand-review claim with Quill before publication\n")
    declare(report, "todo.md.txt")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", None, "'todo.md.txt'", "editor's note")
    (report.root / "docs/todo.md.txt").unlink()
    report.write("data/report.yml", (report.root / "data/report.yml").read_text().replace("extra_files: [todo.md.txt]", ""))
    report.write("docs/extra/shadow-cluster-map.svg", "<svg/>")       # a second copy is withheld too
    result = report.build()
    assert not (result.site / "extra" / "shadow-cluster-map.svg").exists()
    report.write("overrides/old-shadow-cluster-map.svg", "<svg/>")    # the theme copies this one
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", None, "'old-shadow-cluster-map.svg'")


def test_audit_command_checks_any_folder(report, tmp_path):
    write_report(report)
    public = report.build()
    internal = report.build("internal")
    upload = tmp_path / "upload"
    shutil.copytree(internal.site, upload)
    findings = audit_folder(upload, report.root / "mkdocs.yml", "public")
    kinds = {f.fingerprint.kind for f in findings}
    assert {"redacted text", "editor's note", "file used only in text this audience does not get"} <= kinds
    assert any(f.output.name == "shadow-cluster-map.svg" for f in findings)
    assert audit_folder(public.site, report.root / "mkdocs.yml", "public") == []


def test_audit_catches_a_broken_engine(report):
    """Sabotage construction in the report's copy of the engine: the audit must still stop the leak."""
    write_report(report)
    session = report.engine_copy() / "session_redaction.py"
    source = session.read_text()
    assert "if visible and self.visible:" in source
    session.write_text(source.replace("if visible and self.visible:", "if True:"))
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 5, "leak audit failed", "redacted text")
    assert not (report.root / "site").exists()


def test_markup_words_of_redacted_footnotes_are_not_evidence(report):
    """A redacted footnote shares Python-Markdown's back-link title with every public footnote."""
    report.page("index.md", """
        # Summary

        Public claim.[^a]

        {% call redact("helios") %}
        Redacted claim with its own footnote.[^b]

        [^b]: The redacted footnote text, long enough to be evidence.
        {% endcall %}

        [^a]: A public footnote.
        """)
    result = report.build()
    assert "The redacted footnote text" not in result.page()
    assert "A public footnote." in result.page()
