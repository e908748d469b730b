"""Work done ahead on another core, whose only product is entries in the content-keyed caches.

MkDocs builds on one core. Where the next stretch of a build is a list of independent steps whose
results the engine caches by content (compiling page templates, converting pages' Markdown), a
forked helper takes the list from its end while the build works from its start; the helper stops
where it finds an entry already written, that is, where the two meet. The build never waits for
the helper and never depends on it: it looks for each entry as it always does, and makes any
that is missing itself. So a build with a helper writes exactly what it writes without one, and
a helper that fails, or is stopped half way, costs nothing but its own time.

There is no helper where the system cannot fork, on one core, under ``mkdocs serve`` (whose
rebuilds are warm), or when ``REPORT_HELPERS=0`` (``build-all`` sets it when its builds already
take every core).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from typing import Callable, Iterable, TypeVar

HELPERS_ENV = "REPORT_HELPERS"
T = TypeVar("T")


def available() -> bool:
    return (os.environ.get(HELPERS_ENV, "1") != "0" and (os.cpu_count() or 1) > 1 and sys.platform != "darwin"
            and "fork" in multiprocessing.get_all_start_methods())


class Helper:
    """One forked helper working through ``items`` from the end: for each, ``done`` says whether its
    entry exists (then the helper stops) and ``make`` writes it. :meth:`stop` ends the helper after
    the item in hand, so no entry is left half written."""

    def __init__(self, name: str, items: Iterable[T], done: Callable[[T], bool], make: Callable[[T], None]) -> None:
        self.process: multiprocessing.process.BaseProcess | None = None
        if not available():
            return
        todo = list(items)
        context = multiprocessing.get_context("fork")
        self.halt = context.Event()

        def run() -> None:
            # The build reports; a helper reports nothing. Its log records still exist (the page
            # conversion cache watches for them) but reach no terminal.
            for logger in (logging.getLogger(), logging.getLogger("mkdocs")):
                logger.handlers = [logging.NullHandler()]
            try:
                for item in reversed(todo):
                    if self.halt.is_set() or done(item):
                        return
                    make(item)
            except BaseException:                   # noqa: BLE001 - whatever it missed, the build makes
                pass

        self.process = context.Process(target=run, name=f"report-ahead-{name}", daemon=True)
        self.process.start()

    def stop(self) -> None:
        if self.process is not None:
            self.halt.set()
            self.process.join(timeout=10)
            if self.process.is_alive():             # pragma: no cover - one item never takes this long
                self.process.terminate()
                self.process.join(timeout=5)
            self.process = None
