"""Work done ahead on another core, whose only product is entries in the content-keyed caches.

MkDocs builds on one core. Where the next stretch of a build is a list of independent steps whose
results the engine caches by content (compiling page templates, converting pages' Markdown, auditing
output files, formatting references), a forked :class:`Helper` takes the list from its end while the
build works from its start; the helper stops where it finds an entry already written, that is, where
the two meet. :class:`Helper` is the only way the engine forks for speed, and every helper is held to
one contract:

* it may only add content-keyed entries through the cache layer (:mod:`report_engine.caches`): in
  the forked process, any write outside a cache root is refused (:func:`caches.guard_helper`, through
  Python's audit hooks), and a helper refused once stops at once (:attr:`Helper.refused`);
* the build never waits for it and never depends on it: the build looks for each entry as it always
  does, and makes any that is missing itself;
* stopping it loses nothing: :meth:`Helper.stop` ends it after the item in hand, and an entry is
  written atomically or not at all.

So a build with a helper writes exactly what it writes without one, and a helper that fails, is
refused, or is stopped half way costs nothing but its own time. ``tests/test_caches.py`` tests this.

There is no helper where the system cannot fork, on one core, under ``mkdocs serve`` (whose
rebuilds are warm; the plugin starts none), or when ``REPORT_HELPERS=0`` (``build-all`` sets it
when its builds already take every core; read through :mod:`report_engine.settings`).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
from multiprocessing.synchronize import Event
from typing import Callable, Iterable, TypeVar

from . import caches, settings
from .errors import ReportError

HELPERS_ENV = settings.HELPERS_ENV          # the old name, kept for callers that import it from here
REFUSED_EXIT = 3                            # the exit code of a helper refused a write outside the cache
T = TypeVar("T")

log = logging.getLogger("mkdocs.plugins.report.ahead")


def available() -> bool:
    """Whether a helper may be forked here and now."""
    return (settings.environment().helpers_allowed and (os.cpu_count() or 1) > 1 and sys.platform != "darwin"
            and "fork" in multiprocessing.get_all_start_methods())


_HALT: list["Event | None"] = [None]           # in a helper: its halt
_PLANNED: list["Event | None"] = [None]        # in a helper: set once what the build may wait for is done


def stopping() -> bool:
    """In a helper: whether the build asked it to stop (an item that takes long looks now and then)."""
    return _HALT[0] is not None and _HALT[0].is_set()


def planned() -> None:
    """In a helper working out its list: what the build waits for (:meth:`Helper.wait_planned`) is
    done, though the list is not yet."""
    if _PLANNED[0] is not None:
        _PLANNED[0].set()


class Helper:
    """One forked helper working through ``items`` from the end: for each, ``done`` says whether its
    entry exists (then the helper stops) and ``make`` writes it, both in the helper's process and
    under the cache layer's guard. :meth:`stop` ends the helper after the item in hand, so no entry is
    left half written. With no helper available, nothing is forked (``process`` is None).

    ``items`` may be a function the helper calls first, in its own process, for the list: its work
    of finding what to do (such as parsing the file the items come from) is then done ahead too,
    and :meth:`wait_planned` returns once it is."""

    def __init__(self, name: str, items: Iterable[T] | Callable[[], Iterable[T]], done: Callable[[T], bool],
                 make: Callable[[T], None]) -> None:
        self.name = name
        self.process: multiprocessing.process.BaseProcess | None = None
        self.refused = False                # the helper tried to write outside the cache, and was stopped
        if not available():
            return
        listed = None if callable(items) else list(items)
        context = multiprocessing.get_context("fork")
        self.halt = context.Event()
        self.planned = context.Event()      # the helper has its list (set at once for a list given)
        if listed is not None:
            self.planned.set()

        def run() -> None:
            _begin()
            _HALT[0], _PLANNED[0] = self.halt, self.planned
            try:
                todo = list(items()) if listed is None and callable(items) else listed or []
                self.planned.set()
                for item in reversed(todo):
                    if self.halt.is_set() or done(item) or caches.refusals():
                        break
                    make(item)
            except BaseException:                   # noqa: BLE001 - whatever it missed, the build makes
                pass
            if caches.refusals():
                sys.exit(REFUSED_EXIT)

        self.process = context.Process(target=run, name=f"report-ahead-{name}", daemon=True)
        self.process.start()

    def wait_planned(self) -> None:
        """Return once the helper has worked out its list (see the class; or said so earlier, see
        :func:`planned`), or has ended without."""
        if self.process is not None:
            while not self.planned.wait(0.02) and self.process.is_alive():
                pass

    def stop(self, now: bool = False) -> None:
        """End the helper after the item in hand (at once if it is done already); ``now``: at once
        (a build that failed; a file it was writing is left as a temporary the cache never reads)."""
        if self.process is not None:
            self.halt.set()
            if _end(self.process, now) == REFUSED_EXIT:
                self.refused = True
                log.debug("helper %s was stopped: it tried to write outside the cache", self.name)
            self.process = None


class Verdict:
    """A check run on another core while the build goes on, whose verdict the build waits for
    before it promotes anything (the only other way the engine forks for speed).

    It is forked now, with the state it checks as it is now, and starts when :meth:`start` is
    called, so that it runs beside a stretch of the build that leaves a core idle. Like a helper it
    may write only into the caches. :meth:`verdict` waits for it and raises the :class:`ReportError`
    it found; where it ended without a verdict (it failed otherwise, or was refused a write),
    ``inline`` runs the check in the build's process instead, so a bug still shows as one.
    Only where :func:`available`; the caller runs the check itself otherwise."""

    def __init__(self, name: str, check: Callable[[], None], inline: Callable[[], None]) -> None:
        context = multiprocessing.get_context("fork")
        self.inline = inline
        self.go = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        parent = os.getpid()

        def run() -> None:
            _begin()
            while not self.go.wait(0.5):
                if os.getppid() != parent:          # the build is gone
                    os._exit(0)
            found: tuple[str, str | None, int | None, str | None] | None = None
            try:
                check()
            except ReportError as error:
                found = (error.message, error.file, error.line, error.suggestion)
            except BaseException:                   # noqa: BLE001 - the build runs it again itself
                sys.exit(1)
            if caches.refusals():
                sys.exit(REFUSED_EXIT)
            send.send(("done", found))

        self.process: multiprocessing.process.BaseProcess | None = context.Process(
            target=run, name=f"report-check-{name}", daemon=True)
        self.process.start()
        send.close()                                # the helper's end only: a helper that dies is seen

    def start(self) -> None:
        self.go.set()

    def verdict(self) -> None:
        """Wait for the check (starting it if it was not); raise what it found."""
        if self.process is None:
            return
        self.go.set()
        try:
            outcome = self._receive.recv()
        except EOFError:
            outcome = None
        self.stop()
        if outcome is None:
            log.debug("the check ended without a verdict: the build runs it itself")
            self.inline()
            return
        found = outcome[1]
        if found is not None:
            raise ReportError(found[0], found[1], found[2], found[3])

    def first(self, error: ReportError) -> ReportError:
        """The error a build that checked in process would have stopped on, the build having met
        ``error`` since it forked the check: the check's own, if it finds one, else ``error``."""
        try:
            self.verdict()
        except ReportError as found:
            return found
        return error

    def stop(self, now: bool = False) -> None:
        """Reap it once it has said its verdict; end it if it never started or ``now`` (a build that
        failed otherwise)."""
        if self.process is not None:
            _end(self.process, now or not self.go.is_set())
            self.process = None
            self._receive.close()


def _begin() -> None:
    """A helper's first steps in its own process: it reports nothing (its log records still exist,
    for the page conversion cache, but reach no terminal), it collects cycles again (it may have
    been forked while the passes paused the collector) and it may write only into the cache."""
    for logger in (logging.getLogger(), logging.getLogger("mkdocs"), logging.getLogger("properdocs")):
        logger.handlers = [logging.NullHandler()]
    gc.enable()
    caches.guard_helper()


def _end(process: multiprocessing.process.BaseProcess, at_once: bool) -> int | None:
    """Reap a helper's process, ended first if ``at_once`` (and if it outstays ten seconds, which
    one item or a verdict never takes); its exit code."""
    if at_once and process.is_alive():
        process.terminate()
    process.join(timeout=10)
    if process.is_alive():                          # pragma: no cover - see above
        process.terminate()
        process.join(timeout=5)
    return process.exitcode
