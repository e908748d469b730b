"""The instant preview: after every kind of edit, once `mkdocs serve` settles, every file it serves
equals a clean build's, byte for byte; a prose edit shows its page first, already as it settles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from report_engine import bibtex, caches
from test_serve import free_port

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import edits  # noqa: E402
import generate  # noqa: E402

ENTRIES = 80
EPOCH = "1767225600"
CLEAN_BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
config = load_config("mkdocs.yml", site_url=sys.argv[1], site_dir=sys.argv[2])
config.plugins.on_startup(command="build", dirty=False)
build(config)
"""


class Preview:
    """`mkdocs serve` on a report, its served folder found in a temporary folder of its own."""

    def __init__(self, root: Path, scratch: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = root / "serve.log"
        scratch.mkdir()
        self.env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": EPOCH}
        self.env.pop("REPORT_AUDIENCE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{self.port}"], cwd=root,
            env={**self.env, "TMPDIR": str(scratch)}, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.wait(lambda text: "Serving on" in text, "the server")
        served = [p for p in scratch.iterdir() if p.name.startswith("mkdocs_") and p.is_dir()]
        assert len(served) == 1, served
        self.served = served[0]

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self, done, what: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mkdocs serve ended\n{self.text()[-3000:]}")
            if done(self.text()):
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n{self.text()[-3000:]}")

    def settle(self, since: int) -> str:
        """Wait until the preview has settled after the saves made since log offset ``since``:
        the last rebuild finished (and, after a page shown first, the site behind it), then two
        quiet seconds. Returns the log of those saves."""
        def settled(text: str) -> bool:
            new = text[since:]
            if "Detected file changes" not in new:
                return False
            last = new[new.rindex("Detected file changes"):]
            return "Preview settled" in last if "shown in" in last else "Reloading browsers" in last
        self.wait(settled, "the preview to settle")
        size = -1
        while size != len(self.text()):
            size = len(self.text())
            time.sleep(2)
            self.wait(settled, "the preview to settle")
        return self.text()[since:]

    def clean_build(self, target: Path) -> Path:
        subprocess.run([sys.executable, "-c", CLEAN_BUILD, self.url, str(target)], cwd=self.root, env=self.env,
                       check=True, capture_output=True, text=True)
        return target

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(served: Path, clean: Path) -> list[str]:
    """What the served folder has that differs from the clean build (the clean build's audit stamp,
    which a preview never carries, apart)."""
    mine, theirs = tree(served), tree(clean)
    theirs = {name: data for name, data in theirs.items() if not name.startswith(".report-")}
    found = [f"only served: {name}" for name in sorted(set(mine) - set(theirs))]
    found += [f"only built: {name}" for name in sorted(set(theirs) - set(mine))]
    found += [f"differs: {name}" for name in sorted(set(mine) & set(theirs)) if mine[name] != theirs[name]]
    return found


def first_difference(served: Path, clean: Path, found: list[str]) -> str:
    """Where the first differing file differs, for the failure's message."""
    name = next((line.split(": ", 1)[1] for line in found if line.startswith("differs: ")), None)
    if name is None:
        return ""
    mine, theirs = (served / name).read_bytes(), (clean / name).read_bytes()
    at = next(i for i, (a, b) in enumerate(zip(mine + b"\0", theirs + b"\0")) if a != b)
    return f"{name} at byte {at}:\nserved: {mine[at - 200:at + 200]!r}\nbuilt:  {theirs[at - 200:at + 200]!r}"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("instant") / "report"
    generate.generate(root, pages=9, entries=ENTRIES, words=160)
    return root


def test_every_edit_settles_into_a_clean_build(report: Path, tmp_path: Path) -> None:
    preview = Preview(report, tmp_path / "tmp")
    try:
        marker = "Instantmarker"
        kinds = [edits.prose(report, marker), *edits.engine_edits(report, ENTRIES, marker)]
        for number, edit in enumerate(kinds):
            since = len(preview.text())
            shown_first = None
            edit.apply()
            if edit.name == "prose edit":       # the page is shown first, then the site rebuilt behind it
                preview.wait(lambda text: "shown in" in text[since:], "the edited page")
                shown_first = (preview.served / "section-1" / "index.html").read_bytes()
            log = preview.settle(since)
            assert "Traceback" not in log and "ERROR" not in log, log
            clean = preview.clean_build(tmp_path / f"clean-{number}")
            found = differences(preview.served, clean)
            assert found == [], f"after the {edit.name}: {found}\n{first_difference(preview.served, clean, found)}"
            page = preview.served / edit.page / "index.html"
            if edit.marker is None:
                assert not page.exists()
            else:
                assert edit.marker in page.read_text(encoding="utf-8"), edit.name
            if edit.name != "prose edit":      # each is scoped: its pages shown after the passes
                assert "shown in" in log, f"the {edit.name} rebuilt the site first\n{log}"
            if edit.name == "page added":       # with the new nav, before the site is rebuilt
                assert re.search(r"Preview: [^\n]*section-added\.md[^\n]* shown in", log), log
            if edit.name == "page removed":
                assert "section-added.md removed" in log, log
            if edit.name == "redaction, statement changes":     # the home page's statement follows with the site
                assert re.search(r"Preview: section-2\.md shown in", log), log
            if edit.name == ".bib edit":        # its new parse is kept by the preview's checker, off the critical path
                preview.wait(lambda text: "Preview checked" in text[since:].rsplit("Detected file changes", 1)[-1],
                             "the preview's checks")
                data = (report / "bibliography.bib").read_bytes()
                cache = bibtex._cache_entry(report / "bibliography.bib", data, report / caches.CACHE_DIR)
                assert cache is not None and cache.store.has(cache.key, bibtex.SUFFIX)
            if shown_first is not None:
                assert "section-1.md shown in" in log
                assert shown_first == page.read_bytes(), "the page shown first is the page the site settles on"
    finally:
        preview.stop()


def test_a_prose_edit_is_shown_first_and_a_newer_save_stops_the_rebuild(report: Path, tmp_path: Path) -> None:
    preview = Preview(report, tmp_path / "tmp")
    try:
        page = report / "docs" / "section-1.md"
        first = next(line for line in page.read_text(encoding="utf-8").splitlines()
                     if line and not line.startswith(("#", "{", "[")))
        word = first.split()[0]
        since = len(preview.text())
        edits.save(page, word, f"Firstsave {word}")
        preview.wait(lambda text: "shown in" in text[since:], "the edited page")
        edits.save(page, "Firstsave", "Secondsave")         # while the site is rebuilt behind the first
        log = preview.settle(since)
        assert log.count("section-1.md shown in") == 2, log
        stopped = log.count("a newer save stops the rebuild behind it")
        assert log.count("Preview settled") == 2 - stopped, log
        assert "Error" not in log and "Traceback" not in log, log
        shown = (preview.served / "section-1" / "index.html").read_text(encoding="utf-8")
        assert "Secondsave" in shown and "Firstsave" not in shown
        since = len(preview.text())
        edits.save(page, "Secondsave", "{{ cite('ref1') }} Thirdsave")      # a citation: the passes first
        log = preview.settle(since)
        assert re.search(r"Preview: section-1\.md shown in", log), log     # the edited page alone, then the site
        assert "Preview settled" in log
        assert differences(preview.served, preview.clean_build(tmp_path / "clean")) == []
    finally:
        preview.stop()
