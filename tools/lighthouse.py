"""Lighthouse 12 over the example report, served the way GitHub Pages serves it.

    npm ci --prefix tools/lighthouse                    # once: Lighthouse 12 (package-lock.json pins it)
    .venv/bin/python tools/lighthouse.py                # build site/, serve it gzip-compressed, 5 runs a page
    .venv/bin/python tools/lighthouse.py --site DIR --runs 3 --page "" --page key-facts/

The site folder is served over HTTP on 127.0.0.1 with what GitHub Pages sends: text compressed
with gzip when the browser accepts it, ``Cache-Control: max-age=600``, and the right types. Each
page is measured ``--runs`` times with Lighthouse's default (mobile) preset in Debian's Chromium
(``CHROME_PATH``, default ``/usr/bin/chromium``), and the median of each category is printed,
with the console errors any run logged. Not part of the test run: it takes minutes and its
performance figure varies with the machine's load.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import mimetypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LIGHTHOUSE = HERE / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".md", ".bib", ".ris", ".map"}


class GitHubPagesLike(http.server.SimpleHTTPRequestHandler):
    """Static files as GitHub Pages serves them: gzip for text, a ten-minute cache."""

    cache: dict[Path, bytes] = {}

    def log_message(self, format: str, *args: object) -> None:      # noqa: A002 - the library's signature
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def send_head(self):                                              # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()                            # the redirect to "…/"
            path = path / "index.html"
        if (not path.is_file() or path.suffix not in COMPRESSED
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            body = self.cache[path] = gzip.compress(path.read_bytes(), 9, mtime=0)
        self.send_response(200)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith(
            ("javascript", "json", "xml")) else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io
        return io.BytesIO(body)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GitHubPagesLike, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def run_once(url: str, chrome: str, scratch: Path) -> dict:
    out = scratch / "report.json"
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    f"--only-categories={','.join(CATEGORIES)}",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
                   check=True, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def measure(url: str, runs: int, chrome: str) -> tuple[dict[str, float], list[str], dict[str, list[str]]]:
    """The median score of each category (0-100), the console errors, and what kept a category under 100."""
    scores: dict[str, list[float]] = {name: [] for name in CATEGORIES}
    errors: set[str] = set()
    failing: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(runs):
            report = run_once(url, chrome, Path(scratch))
            for name in CATEGORIES:
                category = report["categories"][name]
                scores[name].append(round(category["score"] * 100))
                for ref in category["auditRefs"]:
                    audit = report["audits"][ref["id"]]
                    if ref.get("weight") and audit.get("score") is not None and audit["score"] < 0.9:
                        failing.setdefault(name, set()).add(f"{ref['id']} ({audit.get('displayValue', audit['score'])})")
            for item in (report["audits"].get("errors-in-console", {}).get("details") or {}).get("items", []):
                errors.add(f"{item.get('source')}: {item.get('description')} {item.get('sourceLocation', {}).get('url', '')}")
    return ({name: statistics.median(values) for name, values in scores.items()}, sorted(errors),
            {name: sorted(found) for name, found in failing.items()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site folder (default: build the example into a scratch folder)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page", action="append", help="a page's path under the site (default: the landing page and key-facts/)")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: npm ci --prefix tools/lighthouse", file=sys.stderr)
        return 2
    pages = args.page or ["", "key-facts/"]
    scratch = None
    site = args.site
    if site is None:
        scratch = Path(tempfile.mkdtemp(prefix="lighthouse-site-"))
        site = scratch / "site"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        env.pop("REPORT_AUDIENCE", None)
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)], cwd=REPO, env=env,
                       check=True)
    server, root = serve(site)
    try:
        print(f"Lighthouse 12, default mobile preset, median of {args.runs} runs; {site} served gzip-compressed\n")
        print(f"| page | {' | '.join(CATEGORIES)} |")
        print("|---|" + "---:|" * len(CATEGORIES))
        notes = []
        for page in pages:
            medians, errors, failing = measure(root + page, args.runs, args.chrome)
            print(f"| {page or '(landing)'} | " + " | ".join(f"{medians[name]:g}" for name in CATEGORIES) + " |")
            notes += [f"{page or '(landing)'}: console: {error}" for error in errors]
            notes += [f"{page or '(landing)'}: {name}: {', '.join(found)}" for name, found in failing.items()]
        if notes:
            print("\n" + "\n".join(notes))
    finally:
        server.shutdown()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
