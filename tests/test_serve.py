"""Live preview: `mkdocs serve` follows edits to data, bibliography and engine, and survives mistakes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log = root / "serve.log"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        env.pop("REPORT_AUDIENCE", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--livereload",
             "-a", f"127.0.0.1:{self.port}"],
            cwd=root, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text()

    def get(self, path: str = "/") -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
            return response.read().decode()

    def wait_for(self, predicate, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}\n{self.text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def server(report):
    report.write("data/numbers.yml", "agents: 1200\n")
    report.write("bibliography.bib", "@misc{doe2024, author = {Jane Doe}, title = {A Study}, year = {2024}}\n")
    report.page("index.md", "# Summary\n\nWe counted {{ fact('numbers.agents') }} agents {{ cite('doe2024') }}.\n")
    report.build()            # writes mkdocs.yml
    server = Server(report.root)
    server.wait_for(lambda: "1,200 agents" in server.get(), "the first build")
    yield server
    server.stop()


def test_serve_reloads_on_data_and_bibliography(report, server):
    time.sleep(1.1)
    report.write("data/numbers.yml", "agents: 1300\n")
    server.wait_for(lambda: "1,300 agents" in server.get(), "a rebuild after a data edit")
    time.sleep(1.1)
    report.write("bibliography.bib", "@misc{doe2024, author = {Jane Roe}, title = {A Study}, year = {2024}}\n")
    server.wait_for(lambda: "Roe" in server.get(), "a rebuild after a bibliography edit")


def test_serve_survives_a_mistake_and_recovers(report, server):
    time.sleep(1.1)
    report.page("index.md", "# Summary\n\nWe counted {{ fact('numbers.agnets') }} agents.\n")
    server.wait_for(lambda: "docs/index.md:3: unknown fact 'numbers.agnets'" in server.text(), "the error in the log")
    assert server.proc.poll() is None                     # still serving
    assert "Traceback" not in server.text()
    # the browser is told: it reloads into a page naming file, line, message and suggestion
    server.wait_for(lambda: "data-report-preview-error" in server.get(), "the error page in the browser")
    page = server.get()
    assert "docs/index.md:3" in page and "unknown fact &#x27;numbers.agnets&#x27;" in page
    assert "did you mean &#x27;numbers.agents&#x27;" in page
    assert "livereload" in page, "the error page reloads itself when the next rebuild succeeds"
    with pytest.raises(urllib.error.HTTPError) as missing:
        server.get("/no-such-page/")
    assert "data-report-preview-error" in missing.value.read().decode()
    assert server.text().count("unknown fact 'numbers.agnets'") == 1, "the error is logged once"
    assert not (report.root / "site" / "index.html").exists() or "data-report-preview-error" not in (
        report.root / "site" / "index.html").read_text(), "the error page never reaches a site folder"
    time.sleep(1.1)
    report.page("index.md", "# Summary\n\nWe counted {{ fact('numbers.agents') }} agents, fixed.\n")
    server.wait_for(lambda: "agents, fixed." in server.get(), "recovery after the fix")
    # a mistake found before any page is built (the data do not load) shows the same way
    time.sleep(1.1)
    report.write("data/numbers.yml", "agents: [1200\n")
    server.wait_for(lambda: "data-report-preview-error" in server.get(), "the data error in the browser")
    assert "data/numbers.yml:" in server.get() and "Traceback" not in server.text()
    time.sleep(1.1)
    report.write("data/numbers.yml", "agents: 1400\n")
    server.wait_for(lambda: "1,400 agents, fixed." in server.get(), "recovery after the data fix")


def test_serve_says_when_python_code_changed(report, server):
    """Python is loaded once per process: an edited macros module is named, not silently ignored."""
    time.sleep(1.1)
    module = report.root / "macros" / "__init__.py"
    module.write_text(module.read_text() + "\n# edited\n")
    server.wait_for(lambda: "macros/__init__.py: this Python file changed after `mkdocs serve` loaded it"
                    in server.text(), "the restart advice in the log")
    assert server.proc.poll() is None and "Traceback" not in server.text()
