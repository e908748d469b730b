"""A report of one's own, made from the README alone: *A report of your own*.

The engine is built into a wheel (``pip wheel --no-deps``) and installed, as the README says,
with ``pip install -r requirements.txt`` into an environment that already holds the pinned
stack (kept under ``.cache/test-venvs/``: tests/venvs.py). The report's files are the README's
own blocks, written into an empty folder; its shell blocks are run line by line; then every
command the README lists is run there, and two editions with quarterly ids are published to a
bare repository standing for the remote.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

import venvs
from conftest import REPO

pytestmark = pytest.mark.site

SECTION = "## A report of your own"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)


# An item of a participant's non-public information, written as the README's disclosure table says.
NONPUBLIC = """{% call nonpublic("alder", id="eval-budget") %}
Alder spent 400 GPU-hours on the evaluations.
{% endcall %}
"""


def readme_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end > 0 else None]


def readme_files(section: str) -> dict[str, str]:
    """Each block the README introduces with a file's name: the paragraph before it opens with
    `` `PATH` ``."""
    files = {}
    for match in FENCE.finditer(section):
        paragraph = section[:match.start()].rstrip("\n").split("\n\n")[-1]
        named = re.match(r"`([\w./-]+)`", paragraph)
        if named:
            files[named.group(1)] = match.group(2)
    return files


def readme_shell(section: str) -> list[list[str]]:
    """The README's shell blocks, each a list of command lines (comments dropped)."""
    return [[line.split("  #", 1)[0].strip() for line in m.group(2).splitlines() if line.strip()]
            for m in FENCE.finditer(section) if m.group(1) == "sh"]


def stack_recipe(python: Path) -> None:
    venvs.pip(python, "install", "--quiet", "-r", str(REPO / "requirements.txt"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server ended: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise AssertionError(f"{url}: nothing served in {seconds} s")


class Folder:
    """The report's folder, and its commands run as the README writes them."""

    def __init__(self, root: Path, python: Path) -> None:
        self.root, self.python = root, python
        self.env = venvs.environment(python, GIT_AUTHOR_NAME="Report Editor", GIT_AUTHOR_EMAIL="editor@example.org",
                                     GIT_COMMITTER_NAME="Report Editor", GIT_COMMITTER_EMAIL="editor@example.org")
        self.ran: list[str] = []

    def shell(self, line: str, timeout: int = 900) -> str:
        """A README line, with the report's ``.venv`` standing for the prepared environment."""
        line = line.replace(".venv/bin/", f"{self.python.parent}/")
        proc = subprocess.run(["bash", "-c", line], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        assert proc.returncode == 0, f"{line}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        assert "Traceback" not in proc.stdout + proc.stderr, line
        return proc.stdout + proc.stderr

    def macros(self, *args: str, timeout: int = 900) -> str:
        self.ran.append(args[0])
        proc = subprocess.run([str(self.python), "-m", "macros", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"python -m macros {' '.join(args)}\n{output[-6000:]}"
        assert "Traceback" not in output, output
        return output

    def server(self, *args: str) -> subprocess.Popen:
        self.ran.append(args[0])
        return subprocess.Popen([str(self.python), "-m", "macros", *args], cwd=self.root, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


def served(folder: Folder, url_path: str, *args: str) -> str:
    port = free_port()
    process = folder.server(*args, "--port", str(port))
    try:
        return wait_for(f"http://127.0.0.1:{port}{url_path}", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_report_of_ones_own_from_the_readme(tmp_path):
    section = readme_section()
    files = readme_files(section)
    assert set(files) >= {"requirements.txt", "mkdocs.yml", "macros/__init__.py", "macros/__main__.py",
                          "data/report.yml", "docs/index.md"}, sorted(files)
    assert "an empty `bibliography.bib` and `overrides/` folder" in section
    install, commands = readme_shell(section)

    # The engine as a wheel, built from a copy of the repository (building writes build/ beside it).
    source = tmp_path / "engine"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    python = venvs.cached("own-report", stack_recipe, ("requirements.txt",))
    venvs.pip(python, "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"), str(source))
    [wheel] = (tmp_path / "dist").glob("report_engine-*.whl")
    venvs.pip(python, "uninstall", "--yes", "report-engine")          # the environment holds the stack only

    # The report: the README's blocks, in an empty folder.
    root = tmp_path / "my-report"
    root.mkdir()
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if path == "requirements.txt":          # the pinned stack, and the engine from the wheel
            engine = [line for line in text.splitlines() if line.startswith("report-engine @ ")]
            assert engine, text
            text = (REPO / "requirements.txt").read_text(encoding="utf-8") + f"report-engine @ {wheel.as_uri()}\n"
        target.write_text(text, encoding="utf-8")
    (root / "bibliography.bib").write_text("", encoding="utf-8")
    (root / "overrides").mkdir()
    assert not list(root.rglob("report_engine*"))                    # no engine code in the report

    folder = Folder(root, python)
    for line in install:
        if line.startswith("python3.11 -m venv"):
            continue                      # the prepared environment stands for the new .venv
        folder.shell(line)
    where = folder.shell(".venv/bin/python -c 'import report_engine; print(report_engine.__file__)'")
    assert str(python.parent.parent) in where and str(REPO / "src") not in where, where

    # Every command the README lists, in the report's folder.
    documented = {line.split("-m macros ", 1)[1].split()[0] for line in commands}
    assert "/" not in "".join(documented)
    page = served(folder, "/", "serve")
    assert "My Report" in page and "Developer A" in page and "Alder Labs" not in page
    folder.macros("build")
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert "July 1, 2026" in index and "Alder Labs" not in index
    folder.macros("build", "--audience", "internal")
    assert "Alder Labs" in (root / "site-private" / "internal" / "index.html").read_text(encoding="utf-8")
    built = folder.macros("build-all")
    assert "participant:alder" in built and "FAILED" not in built
    folder.macros("pdf")
    assert list((root / "site").glob("*.pdf"))
    assert "no notes" in folder.macros("check")
    assert "ok: nothing the public audience" in folder.macros("audit", "site")
    # The disclosure process (README: *The disclosure process*): an item of Alder's, its packet, its
    # decision returned and recorded, the final build.
    index_md = root / "docs" / "index.md"
    index_md.write_text(index_md.read_text(encoding="utf-8") + "\n" + NONPUBLIC, encoding="utf-8")
    folder.macros("review", "--participant", "alder", "--out", "review-packets")
    returned = root / "review-packets" / "alder" / "decisions.yml"
    text = returned.read_text(encoding="utf-8")
    assert 'eval-budget: {decision: pending, by: "", date: null}' in text, text
    returned.write_text(text.replace('decision: pending, by: ""', 'decision: approved, by: "Alder Labs"').replace(
        "date: null", "date: 2026-09-20"), encoding="utf-8")
    folder.macros("review", "--import", str(returned))
    assert "eval-budget" in (root / "data" / "disclosures.yml").read_text(encoding="utf-8")
    folder.macros("build")
    assert "400 GPU-hours" in (root / "site" / "index.html").read_text(encoding="utf-8")
    folder.git("add", "-A")
    folder.git("commit", "-q", "-m", "Alder's decision recorded")
    folder.macros("courtesy", "--date", "2026-10-01")
    assert folder.git("tag", "--list", "courtesy-*").split() == ["courtesy-2026-q3"]

    # Two quarterly editions, pushed to a bare repository standing for the remote.
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    folder.git("remote", "add", "origin", str(remote))
    folder.git("push", "-q", "origin", "main")
    folder.macros("publish", "--push")
    report_yml = root / "data" / "report.yml"
    text = report_yml.read_text(encoding="utf-8")
    text = text.replace('edition: "2026-q3"', 'edition: "2026-q4"').replace(
        "edition_label: July to September 2026", "edition_label: October to December 2026")
    report_yml.write_text(text, encoding="utf-8")
    folder.git("commit", "-q", "-am", "Second edition")
    folder.macros("publish", "--push")
    listing = folder.macros("editions")
    assert "2026-q3" in listing and "2026-q4" in listing, listing
    versions = json.loads(subprocess.run(["git", "show", "gh-pages:versions.json"], cwd=remote, capture_output=True,
                                         text=True, check=True).stdout)
    assert [(v["version"], v["aliases"]) for v in versions] == [("2026-q4", ["latest"]), ("2026-q3", [])]
    assert {t for t in folder.git("ls-remote", "--tags", "origin").split() if "edition-" in t} == {
        "refs/tags/edition-2026-q3", "refs/tags/edition-2026-q4"}
    latest = served(folder, "/latest/", "preview")
    assert 'href="../2026-q4/"' in latest, latest             # latest/ redirects to the newest quarter

    assert documented == set(folder.ran), (sorted(documented), sorted(set(folder.ran)))
    assert yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))["theme"]["name"] == "material"
