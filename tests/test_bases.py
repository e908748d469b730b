"""The two bases a report builds on: MkDocs 1.6.1 and ProperDocs (settings.base()).

The whole suite runs on MkDocs (this environment). On ProperDocs, in an environment made once
under ``.cache/test-venvs/`` (tests/venvs.py) from the pinned stack with ``properdocs`` added
and MkDocs removed, so that nothing can fall back on MkDocs unseen: the example report built,
audited and rebuilt warm by the engine's commands, and the subset the README names, the leak
suite and the honest reports (``-m "redteam or honest"``), run by ``tests/on_base.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import venvs
from conftest import REPO, copy_example

pytestmark = pytest.mark.site

SUBSET = "redteam or honest"          # the suites the README names as run on both bases


# Test tools the suites run here do not use (the browser suite, Zensical's test, mypy).
UNUSED_TOOLS = ("playwright", "zensical", "mypy", "types-")


def properdocs_recipe(python: Path) -> None:
    stack = [line for line in venvs.requirement_lines("requirements.txt") if not line.startswith("mkdocs==")]
    tools = [line for line in venvs.requirement_lines("requirements-test.txt") if not line.startswith(UNUSED_TOOLS)]
    venvs.pip(python, "install", "--quiet", *stack, *venvs.requirement_lines("requirements-properdocs.txt"), *tools)
    # Material and mkdocs-macros still ask for MkDocs; without it, any path that is not the base's fails.
    venvs.pip(python, "uninstall", "--yes", "mkdocs")
    venvs.pip(python, "install", "--quiet", "--no-deps", "-e", str(REPO))


def properdocs_python() -> Path:
    return venvs.cached("properdocs", properdocs_recipe,
                        ("requirements.txt", "requirements-test.txt", "requirements-properdocs.txt", "pyproject.toml"))


def run(python: Path, cwd: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], cwd=cwd, env=venvs.environment(python),
                          capture_output=True, text=True, timeout=timeout)


def test_the_example_builds_audits_and_rebuilds_on_properdocs(tmp_path):
    python = properdocs_python()
    assert run(python, tmp_path, "-c", "import mkdocs").returncode != 0          # no MkDocs to fall back on
    root = copy_example(tmp_path / "example")

    built = run(python, root, "-m", "macros", "build")
    output = built.stdout + built.stderr
    assert built.returncode == 0, output
    assert "Traceback" not in output and "properdocs.yml" not in output, output
    assert [line for line in output.splitlines() if "Building documentation to directory" in line] == [
        f"INFO    -  Building documentation to directory: {root / 'site'}"], output
    assert (root / "site" / "index.html").is_file()

    audited = run(python, root, "-m", "macros", "audit", "site")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "ok: nothing the public audience" in audited.stdout

    private = run(python, root, "-m", "macros", "build", "--audience", "internal")
    assert private.returncode == 0, private.stdout + private.stderr
    assert (root / "site-private" / "internal" / "index.html").is_file()

    # Commands that start builds of their own: build-all (each audience a process), a review packet
    # (a participant's build in process, started by the engine).
    every = run(python, root, "-m", "macros", "build-all", "--audience", "public", "--audience", "participant:openai")
    assert every.returncode == 0 and "FAILED" not in every.stdout, every.stdout + every.stderr
    packet = run(python, root, "-m", "macros", "review", "--participant", "openai", "--out", str(tmp_path / "packets"))
    assert packet.returncode == 0, packet.stdout + packet.stderr
    assert (tmp_path / "packets" / "openai" / "decisions.yml").is_file()


def test_a_warning_stops_every_strict_build_on_properdocs_warm_too(tmp_path):
    """A page's conversion that warned is not remembered (render_cache.py), so a warm build says it
    again and a strict build stops every time, as on MkDocs. ProperDocs' loggers do not pass on to
    the root logger: the cache must listen to ``properdocs`` too."""
    python = properdocs_python()
    root = copy_example(tmp_path / "example")
    index = root / "docs" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nSee [the notes](nowhere.md).\n", encoding="utf-8")
    for attempt in ("cold", "warm"):
        broken = run(python, root, "-m", "macros", "build")
        assert broken.returncode != 0, f"{attempt}: {broken.stdout + broken.stderr}"
        assert "nowhere.md" in broken.stdout + broken.stderr, attempt


def test_the_leak_suite_and_honest_reports_pass_on_properdocs(tmp_path):
    """The README's named subset, run again with ProperDocs as the base (about as long as on MkDocs)."""
    python = properdocs_python()
    proc = subprocess.run([str(python), "-m", "pytest", "-p", "tests.on_base", "-m", SUBSET, "-n", "2", "-q",
                           "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "suite"), "tests"],
                          cwd=REPO, env=venvs.environment(python), capture_output=True, text=True, timeout=3600)
    tail = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    passed = re.search(r"(\d+) passed", proc.stdout)
    assert passed and int(passed.group(1)) >= 300, tail
    shutil.rmtree(tmp_path / "suite", ignore_errors=True)
