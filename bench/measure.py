"""The benchmark of record: the engine against the floor, side by side in one run.

    .venv/bin/python bench/measure.py                       # 300 pages, 5,000 references, 3 rounds
    .venv/bin/python bench/measure.py --pages 60 --entries 1000 --repeat 2

Generates a report (bench/generate.py) and its floor (the same pages with every
macro already expanded, built by plain MkDocs + Material), then measures, each
variant in a fresh process, interleaved round by round, medians reported:

* the floor's build; the engine's public build with a cold cache and a warm one;
* every audience of the report (public, each participant, internal) in sequence;
* peak memory (RSS) of the floor and of a warm public build;
* the leak audit's share of a warm public build (from the build's own log);
* ``mkdocs serve``: the time from saving a file to the new content being served,
  after a one-page prose edit (engine and floor), a data edit and a ``.bib``
  edit (engine).

Prints the table and writes it to ``bench/results.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

PYTHON = sys.executable
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
ENV.pop("REPORT_AUDIENCE", None)


def run(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, str]:
    """Wall time, peak RSS in MB and output of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode("utf-8", errors="replace") if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)} in {cwd}\n{output[-3000:]}")
    return elapsed, usage.ru_maxrss // 1024, output


def build(root: Path, *extra: str) -> tuple[float, int, str]:
    return run([PYTHON, "-m", "mkdocs", "build", *extra], root)


def audit_seconds(output: str) -> float | None:
    match = re.search(r"Leak audit passed for the \S+ build in ([\d.]+) s", output)
    return float(match.group(1)) if match else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", errors="replace")
    except Exception:
        return None


class Server:
    """``mkdocs serve`` in the background, for save-to-reload timings."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.root = root
        self.log = root / ".serve.log"
        self.process = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{self.port}"],
                                        cwd=root, env=ENV, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        self.base = ""
        deadline = time.time() + 900
        while not self.base or fetch(self.base) is None:
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit(f"mkdocs serve did not start in {root}: {self.log.read_text()[-2000:]}")
            served = re.search(r"Serving on (http://\S+)", self.log.read_text(errors="replace"))
            self.base = served.group(1) if served else ""      # serve mounts the site under site_url's path
            time.sleep(0.2)

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + "/" + path

    def reload_time(self, file: Path, old: str, new: str, page: str, marker: str | None, limit: float = 900,
                    first: tuple[tuple[Path, str | None, str | None], ...] = (),
                    also: tuple[tuple[Path, str | None, str | None], ...] = ()) -> float:
        """Seconds from saving each of ``first``, ``file`` (``old`` replaced by ``new``) and each of
        ``also`` (``(path, old, new)``: ``old`` None writes ``new`` as the whole file, ``new`` None
        deletes it), to ``marker`` appearing on ``page`` (``marker`` None: to ``page`` being gone)."""
        text = file.read_text(encoding="utf-8")
        assert old in text, (file, old)
        start = time.perf_counter()
        self.save(first)
        file.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.save(also)
        while time.perf_counter() - start < limit:
            body = fetch(self.url(page))
            if (body is not None and marker is not None and marker in body) or (marker is None and body is None):
                return time.perf_counter() - start
            time.sleep(0.05)
        raise SystemExit(f"{marker!r} never appeared on {page}" if marker else f"{page} was never gone")

    @staticmethod
    def save(edits: tuple[tuple[Path, str | None, str | None], ...]) -> None:
        for path, before, after in edits:
            if after is None:
                path.unlink()
            elif before is None:
                path.write_text(after, encoding="utf-8")
            else:
                content = path.read_text(encoding="utf-8")
                assert before in content, (path, before)
                path.write_text(content.replace(before, after, 1), encoding="utf-8")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve_edits(report: Path, floor: Path, round_number: int, entries: int) -> dict[str, float]:
    """One save-to-reload timing per kind of edit."""
    times: dict[str, float] = {}
    marker = f"Benchmarkmarker{round_number}"
    for name, root in (("floor", floor), ("engine", report)):
        server = Server(root)
        try:
            page = root / "docs" / "section-1.md"
            text = page.read_text(encoding="utf-8")
            first = next(line for line in text.splitlines() if line and not line.startswith(("#", "{", "[")))
            words = first.split()[0]
            times[f"serve: prose edit ({name})"] = server.reload_time(page, words, f"{marker}prose {words}",
                                                                      "section-1/", f"{marker}prose")
            if name == "engine":
                data = root / "data" / "incidents.yml"
                public = 'id: INC-001, participant: boreal, severity: medium, summary: "'      # not a !private row
                times["serve: data edit (engine)"] = server.reload_time(
                    data, public, public + f"{marker}data ", "appendices/incidents/", f"{marker}data")
                bib = root / "bibliography.bib"
                times["serve: .bib edit (engine)"] = server.reload_time(
                    bib, "Study 0 of", f"{marker}bib Study 0 of", "references/", f"{marker}bib")
                section = root / "docs" / "section-2.md"
                times["serve: heading that renumbers (engine)"] = server.reload_time(
                    section, "\n## ", f"\n## {marker}heading\n\nA new subsection.\n\n## ", "section-2/",
                    f"{marker}heading")
                times["serve: new citation (engine)"] = server.reload_time(
                    section, "\n\n", f"\n\n{marker}cite {{{{ cite('ref{entries - 2}') }}}}\n\n", "section-2/",
                    f"{marker}cite")
                times["serve: redaction, statement changes (engine)"] = server.reload_time(
                    section, "\n\n", f"\n\n{{% call redact('aurora', material=true, replacement='{marker}redaction') %}}\n"
                    "Aurora described a new internal review process to us in some detail.\n{% endcall %}\n\n",
                    "section-2/", f"{marker}redaction")
                label = re.search(r"\{#sec-2-1[^}]*\}", section.read_text(encoding="utf-8"))   # an earlier round renamed it
                assert label is not None
                times["serve: label rename (engine)"] = server.reload_time(
                    section, label.group(0), f"{{#sec-2-1-{marker.lower()}}}", "section-2/", f"sec-2-1-{marker.lower()}")
                added = root / "docs" / "section-added.md"
                config = root / "mkdocs.yml"
                times["serve: page added (engine)"] = server.reload_time(
                    config, "  - references.md", "  - section-added.md\n  - references.md", "section-added/",
                    f"{marker}added", first=((added, None, f"# Added section\n\n{marker}added text.\n"),))
                times["serve: page removed (engine)"] = server.reload_time(
                    config, "  - section-added.md\n", "", "section-added/", None, also=((added, "", None),))
        finally:
            server.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve timings")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="report-bench-", ignore_cleanup_errors=True) as scratch:
        report, floor = Path(scratch) / "report", Path(scratch) / "floor"
        generate.generate(report, args.pages, args.entries)
        # In a process of its own: Linux hands a child the peak memory of the process that forked it
        # (execve keeps it), so a benchmark that had built the report itself would read its own peak
        # as every build's.
        subprocess.run([PYTHON, "-c", "import sys, pathlib; sys.path.insert(0, sys.argv[1]); import generate; "
                        "generate.floor(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]))",
                        str(Path(__file__).resolve().parent), str(report), str(floor)],
                       env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        build(floor)                                    # warm the interpreter's file cache
        samples: dict[str, list[float]] = {}
        memory: dict[str, list[int]] = {"floor": [], "engine (warm public build)": []}
        audit: list[float] = []
        audit_cold: list[float] = []

        def add(name: str, value: float) -> None:
            samples.setdefault(name, []).append(value)

        for round_number in range(args.repeat):
            seconds, rss, _ = build(floor)
            add("floor: plain MkDocs + Material", seconds)
            memory["floor"].append(rss)
            shutil.rmtree(report / ".cache", ignore_errors=True)
            seconds, _, output = build(report)
            add("engine: public build, cold caches", seconds)
            if audit_seconds(output) is not None:
                audit_cold.append(audit_seconds(output) / seconds)
            seconds, rss, output = build(report)
            add("engine: public build, warm caches", seconds)
            memory["engine (warm public build)"].append(rss)
            if audit_seconds(output) is not None:
                audit.append(audit_seconds(output) / seconds)
            add("engine: every audience in sequence", run([PYTHON, "-m", "macros", "build-all", "--no-strict"],
                                                          report)[0])
            if not args.no_serve:
                for name, value in serve_edits(report, floor, round_number, args.entries).items():
                    add(name, value)
    floor_time = statistics.median(samples["floor: plain MkDocs + Material"])
    floor_serve = statistics.median(samples.get("serve: prose edit (floor)", [floor_time]))
    lines = [f"Report: {args.pages} pages, {args.entries:,} references; {args.repeat} rounds, medians, "
             f"interleaved. Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
             "", "| | seconds | ratio to the floor |", "|---|---:|---:|"]
    for name, values in samples.items():
        base = floor_serve if name.startswith("serve") else floor_time
        lines.append(f"| {name} | {statistics.median(values):.2f} | {statistics.median(values) / base:.2f}× |")
    public = statistics.median(samples["engine: public build, warm caches"])
    lines.append(f"| every audience / one warm public build | | "
                 f"{statistics.median(samples['engine: every audience in sequence']) / public:.2f}× (of the build) |")
    lines += ["", "| peak memory (RSS) | MB | ratio |", "|---|---:|---:|"]
    floor_rss = statistics.median(memory["floor"])
    for name, values in memory.items():
        lines.append(f"| {name} | {statistics.median(values):.0f} | {statistics.median(values) / floor_rss:.2f}× |")
    if audit:
        lines += ["", f"Leak audit: {statistics.median(audit) * 100:.1f}% of a warm public build"
                  + (f", {statistics.median(audit_cold) * 100:.1f}% of a cold one." if audit_cold else ".")]
    table = "\n".join(lines) + "\n"
    print(table)
    args.out.write_text("# Benchmark results\n\nWritten by `bench/measure.py`.\n\n" + table, encoding="utf-8")


if __name__ == "__main__":
    main()
