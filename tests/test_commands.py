"""`python -m macros build-all` and `python -m macros audit`, as an editor runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, Report

pytestmark = pytest.mark.site


def run(report: Report, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REPORT_AUDIENCE"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run([sys.executable, "-m", "macros", *args], cwd=report.root, env=env,
                          capture_output=True, text=True, timeout=600)


def small_report(report: Report) -> None:
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        Helios runs its evaluation agents on a separate cluster with no egress.
        {% endcall %}
        """)
    report.build()          # writes mkdocs.yml


def test_build_all_builds_every_audience(report):
    small_report(report)
    result = run(report, "build-all")
    assert result.returncode == 0, result.stdout + result.stderr
    for audience in ("public", "participant:helios", "participant:quill", "internal"):
        assert f"ok      {audience}" in result.stdout
    assert (report.root / "site/index.html").exists()
    for slug in ("participant-helios", "participant-quill", "internal"):
        assert (report.root / "site-private" / slug / "index.html").exists()
    assert "separate cluster" not in (report.root / "site/index.html").read_text()
    assert "separate cluster" in (report.root / "site-private/participant-helios/index.html").read_text()


def test_build_all_reports_a_failing_audience(report):
    small_report(report)
    report.page("index.md", "# Summary\n\n{% call redact('helios') %}{{ fact('report.nope') }}{% endcall %}\n")
    result = run(report, "build-all", "--audience", "public", "--audience", "internal")
    assert result.returncode == 1
    assert "FAILED  public" in result.stdout and "unknown fact 'report.nope'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_audit_command_on_a_folder(report, tmp_path):
    small_report(report)
    internal = report.build("internal")
    upload = tmp_path / "upload"
    shutil.copytree(internal.site, upload)
    result = run(report, "audit", str(upload))
    assert result.returncode == 1
    assert "LEAK  index.html: redacted text from docs/index.md:3" in result.stdout
    leaks = [line for line in result.stdout.splitlines() if line.startswith("LEAK")]
    assert len(leaks) == len(set(leaks))                       # each finding once
    files = [line.split(":", 1)[0] for line in leaks]
    assert files == sorted(files, key=files.index)             # grouped by output file
    assert "do not upload" in result.stderr
    clean = run(report, "audit", str(report.root / "site"))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    missing = run(report, "audit", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no such folder" in missing.stderr and "Traceback" not in missing.stderr


def test_audit_refuses_a_folder_no_audited_build_wrote(report, tmp_path):
    """A passed audit is stamped on the folder's exact content: a copy passes, an edited or foreign folder does not."""
    small_report(report)
    copy = tmp_path / "copy"
    shutil.copytree(report.root / "site", copy)
    assert run(report, "audit", str(copy)).returncode == 0          # the same bytes: the same stamp
    (copy / "extra.html").write_text("<p>An innocent page added by hand.</p>", encoding="utf-8")
    edited = run(report, "audit", str(copy))
    assert edited.returncode == 1
    assert "no passed leak audit is recorded" in edited.stderr and "Traceback" not in edited.stderr
    foreign = tmp_path / "foreign"
    (foreign / "assets").mkdir(parents=True)
    (foreign / "index.html").write_text("<h1>Test Report</h1><p>Built by something else.</p>", encoding="utf-8")
    assert "no passed leak audit is recorded" in run(report, "audit", str(foreign)).stderr


def test_audit_names_the_audience_a_folder_was_stamped_for(report):
    small_report(report)
    quill = report.build("participant:quill")          # sees nothing of helios: no leak to find
    result = run(report, "audit", str(quill.site))
    assert result.returncode == 1
    assert "audited for participant:quill, not for public" in result.stderr
    assert run(report, "audit", str(quill.site), "--audience", "participant:quill").returncode == 0


def test_serve_refuses_a_busy_port_before_building(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "macros", "serve", "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"ERROR: port {port} is in use (Address already in use); pick another: make serve PORT={port + 1}"
    assert "Traceback" not in proc.stdout + proc.stderr and "Building" not in proc.stdout


def test_build_all_shows_progress_per_audience(report):
    small_report(report)
    result = run(report, "build-all", "--jobs", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    progress = result.stderr.splitlines()
    assert progress[0].strip() == "building 4 audience(s), 1 at a time"
    # one at a time: each audience starts, then ends, in the order asked
    assert [line.strip().split(" in ")[0] for line in progress[1:]] == [
        "public: building", "public: built", "participant:helios: building", "participant:helios: built",
        "participant:quill: building", "participant:quill: built", "internal: building", "internal: built"]
    quiet = run(report, "--quiet", "build-all", "--audience", "public")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_build_command_builds_one_audience_without_the_mkdocs_2_notice(report):
    small_report(report)
    env = {k: v for k, v in os.environ.items() if k not in ("REPORT_AUDIENCE", "NO_MKDOCS_2_WARNING")}
    result = subprocess.run([sys.executable, "-m", "macros", "build", "--audience", "participant:helios"],
                            cwd=report.root, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Material for MkDocs" not in output and "NO_MKDOCS_2_WARNING" not in output
    assert "[macros]" not in output and "Found" not in output
    assert "separate cluster" in (report.root / "site-private/participant-helios/index.html").read_text()
    assert not (report.root / "site/index.html").exists() or "separate cluster" not in (
        report.root / "site/index.html").read_text()
    failing = subprocess.run([sys.executable, "-m", "macros", "build", "--draft", "2026-13-45"],
                             cwd=report.root, env=env, capture_output=True, text=True, timeout=600)
    assert failing.returncode != 0
    assert "Traceback" not in failing.stdout + failing.stderr
