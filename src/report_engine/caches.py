"""Content-keyed caches under the report's ``.cache/report-engine/`` (never in a site folder).

Every cache here is keyed by the content it stands for, together with the engine's own code
(:func:`engine_digest`), so a build that finds an entry produces exactly what it would have
produced without it: the tests compare cold, warm and incremental builds byte for byte. A cache
that cannot be read is ignored; one that cannot be written is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

log = logging.getLogger("mkdocs.plugins.report.caches")

CACHE_DIR = Path(".cache/report-engine")
PACKAGE = Path(__file__).resolve().parent
KEEP = 8              # files kept per kind of cache (one per audience and recent state)


@functools.lru_cache(maxsize=1)
def engine_digest() -> str:
    """The engine's code and theme, as a digest: a cache written by other code is never used."""
    return digest(*files_digest(PACKAGE))


def digest(*parts: str | bytes) -> str:
    """One digest of several parts (each length-prefixed, so parts never run into each other)."""
    result = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        result.update(str(len(data)).encode() + b":" + data)
    return result.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder: never half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:
        log.debug("cache %s not written: %s", path, error)


def prune(folder: Path, keep: int = KEEP) -> None:
    """Keep the ``keep`` most recently used files of ``folder``."""
    try:
        files = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for stale in files[keep:]:
        try:
            stale.unlink()
        except OSError:
            pass


class CleanFiles:
    """Output files the leak audit found clean, under one audit context (fingerprints, settings).

    A file with the same path, role and bytes under the same context is clean again, so a
    rebuild reads and parses only the files that changed. Only clean results are kept: a
    finding fails the build, and is looked for afresh every time.
    """

    def __init__(self, project_dir: Path | None, context: str) -> None:
        self.path = (project_dir / CACHE_DIR / "audit" / f"{context}.txt") if project_dir else None
        self.context = context
        self.known: set[str] = set()
        self.seen: set[str] = set()
        self.sharing = False            # an audit helper is at work: clean files are marked on disk too
        if self.path is not None:
            try:
                self.known = set(self.path.read_text(encoding="ascii").split())
                os.utime(self.path)
            except (OSError, ValueError):
                pass

    def key(self, relative: str, role: str, data: bytes) -> str:
        return digest(self.context, relative, role, data)

    @property
    def marks(self) -> Path | None:
        """Where an audit and its helper on another core (ahead.py) tell each other of clean files:
        one empty file per key, each true whoever wrote it and whenever."""
        return None if self.path is None else self.path.with_suffix(".marks")

    def is_clean(self, key: str) -> bool:
        return key in self.known or (self.sharing and self.marks is not None and (self.marks / key).exists())

    def mark_clean(self, key: str) -> None:
        self.seen.add(key)
        if self.sharing:
            self.mark_clean_ahead(key)

    def mark_clean_ahead(self, key: str) -> None:
        if self.marks is not None:
            write_atomic(self.marks / key, b"")

    def save(self, keys: Iterable[str] = ()) -> None:
        """Remember this audit's clean files (only these: files of older builds drop out)."""
        if self.path is None:
            return
        marked: set[str] = set()
        if self.marks is not None and self.marks.is_dir():
            marked = {path.name for path in self.marks.iterdir() if not path.name.endswith(".tmp")}
            shutil.rmtree(self.marks, ignore_errors=True)
        write_atomic(self.path, "\n".join(sorted(self.seen | marked | set(keys))).encode("ascii"))
        prune(self.path.parent)


class PassMemo:
    """The outcome of pass one and two for one set of inputs (see ``plugin.Build.passes_key``).

    A build whose pages, data, bibliography, partials, macros code, configuration, audience and
    engine are byte for byte those of an earlier build gets that build's linked pages back
    instead of rendering and linking them again. Stored pickled, one file per key, the most
    recent few kept.
    """

    def __init__(self, project_dir: Path, kind: str = "passes") -> None:
        self.folder = project_dir / CACHE_DIR / kind

    def has(self, key: str) -> bool:
        return (self.folder / f"{key}.pickle").exists()

    def load(self, key: str) -> object | None:
        import pickle

        path = self.folder / f"{key}.pickle"
        try:
            with path.open("rb") as stream:
                value = pickle.load(stream)
            os.utime(path)
            return value
        except FileNotFoundError:
            return None
        except Exception as error:                  # a damaged cache only costs time
            log.debug("ignoring cache %s: %s", path, error)
            return None

    def save(self, key: str, value: object) -> None:
        import pickle

        write_atomic(self.folder / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        prune(self.folder)


def files_digest(folder: Path, skip: tuple[str, ...] = ("__pycache__",)) -> list[str]:
    """Parts for :func:`digest`: each file under ``folder`` (relative path and bytes), in order,
    but those inside a folder named in ``skip`` (Python's byte-code caches, by default)."""
    parts: list[str] = []
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not set(skip) & set(p.parts)):
            parts += [path.relative_to(folder).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()]
    elif folder.is_file():
        parts += [folder.name, hashlib.sha256(folder.read_bytes()).hexdigest()]
    return parts
