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
* ``mkdocs serve``, for each kind of edit in ``bench/edits.py``: from MkDocs'
  "Detected file changes" to its first "Reloading browsers" (the edited page), to
  the preview settling (the whole site rebuilt), and from the save to the page
  showing the edit; the floor's prose edit is the base of every serve ratio
  (reloads to its reload, save-to-page times to its save-to-page time); and a
  prose edit on a small report (``--small`` pages, 20 by default).

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
import edits  # noqa: E402
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

    def timed_edit(self, edit: edits.Edit, limit: float = 900) -> dict[str, float]:
        """One edit saved; seconds, read off the server's log as its lines appear (every 10 ms):

        * ``page``: from "Detected file changes" to the first "Reloading browsers" (the edited page
          is served; for a whole-site rebuild, the site);
        * ``settled``: from "Detected file changes" to the preview settling (the engine's "Preview
          settled" after a page shown first; otherwise the same as ``page``);
        * ``save``: from the save to the edited page showing the edit (or being gone).
        """
        since = len(self.log.read_text(errors="replace"))
        start = time.perf_counter()
        edit.apply()
        detected = page = settled = seen = None
        quiet_since = None
        while time.perf_counter() - start < limit:
            now = time.perf_counter()
            text = self.log.read_text(errors="replace")[since:]
            if detected is None and "Detected file changes" in text:
                detected = now
            if detected is not None and page is None and "Reloading browsers" in text:
                page = now
            if detected is not None:
                last = text[text.rindex("Detected file changes"):]
                done = "Preview settled" in last if "shown in" in last else "Reloading browsers" in last
                if done and settled is None:
                    settled, quiet_since = now, now
                elif not done:
                    settled = quiet_since = None
            if seen is None and (page is not None or edit.marker is None):
                body = fetch(self.url(edit.page))
                if (body is not None and edit.marker is not None and edit.marker in body) or \
                        (edit.marker is None and body is None):
                    seen = now
            if settled is not None and seen is not None and quiet_since is not None and now - quiet_since > 1.5:
                assert detected is not None and page is not None
                return {"page": page - detected, "settled": settled - detected, "save": seen - start}
            time.sleep(0.01)
        raise SystemExit(f"{edit.name}: the preview never settled\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve_edits(report: Path, floor: Path, round_number: int, entries: int) -> dict[str, float]:
    """Each kind of edit timed under one `mkdocs serve` of the floor, then one of the engine."""
    times: dict[str, float] = {}
    marker = f"Benchmarkmarker{round_number}"
    for name, root in (("floor", floor), ("engine", report)):
        server = Server(root)
        try:
            kinds = [edits.prose(root, marker)]
            if name == "engine":
                kinds += edits.engine_edits(root, entries, marker)
            for edit in kinds:
                timing = server.timed_edit(edit)
                if name == "floor":
                    times["serve: prose edit, reload (floor)"] = timing["page"]
                    times["serve: prose edit, save to page (floor)"] = timing["save"]
                    continue
                times[f"serve: {edit.name}, page (engine)"] = timing["page"]
                times[f"serve: {edit.name}, settled (engine)"] = timing["settled"]
                times[f"serve: {edit.name}, save to page (engine)"] = timing["save"]
        finally:
            server.stop()
    return times


def small_serve(scratch: Path, pages: int, round_number: int) -> float:
    """A prose edit's detection-to-reload time on a small report (seconds)."""
    root = scratch / f"small-{pages}"
    if not root.exists():
        generate.generate(root, pages, 200)
    server = Server(root)
    try:
        return server.timed_edit(edits.prose(root, f"Smallmarker{round_number}"))["page"]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve timings")
    parser.add_argument("--small", type=int, default=20, help="pages of the small report whose prose edit is timed")
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
                add(f"serve: prose edit at {args.small} pages, page (engine)",
                    small_serve(Path(scratch), args.small, round_number))
    floor_time = statistics.median(samples["floor: plain MkDocs + Material"])
    floor_serve = statistics.median(samples.get("serve: prose edit, reload (floor)", [floor_time]))
    floor_save = statistics.median(samples.get("serve: prose edit, save to page (floor)", [floor_time]))
    lines = [f"Report: {args.pages} pages, {args.entries:,} references; {args.repeat} rounds, medians, "
             f"interleaved. Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
             "", "| | seconds | ratio to the floor |", "|---|---:|---:|"]
    for name, values in samples.items():
        base = (floor_save if "save to page" in name else floor_serve) if name.startswith("serve") else floor_time
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
