"""The engine's one cache layer: content-keyed entries under the report's ``.cache/report-engine/``.

Every cache the engine keeps is a :class:`Store`: one kind of entry, one folder under one root (the
report's ``.cache/report-engine/``, never a site folder), one file per key, written atomically (a
temporary file in the same folder, then :func:`os.replace`), pruned by the policy in :data:`KEEP_BY_KIND`.

The key rule, for every kind: **a key covers every input that could change the entry**, and the
engine's own code and theme (:func:`engine_digest`), so an entry is never trusted across engine
versions. :meth:`Store.key` makes such a key (the kind, the engine digest and the parts given, through
:func:`digest`); a caller that passes a key of its own derives it from a digest that includes
:func:`engine_digest` (``stages.passes.passes_key``, ``audit.audit_context``). A build that finds an
entry therefore produces exactly what it would have produced without it: the tests compare cold,
warm and incremental builds byte for byte. An entry that cannot be read is ignored; one that cannot
be written is skipped. Only helper processes (:mod:`report_engine.ahead`) are held to more: in one,
any write outside a cache root is refused (:func:`guard_helper`).

====================  ===========================================  ==============================================
folder                holds                                        its key covers
====================  ===========================================  ==============================================
``passes/``           pass one and two's linked pages (pickle);    ``stages.passes.passes_key``: pages, data,
                      :class:`PassMemo`                            bibliography, partials, macros, settings,
                                                                   audience, engine
``fingerprints/``     what the audit searches for (pickle);        the passes' key and the files left out
                      :class:`PassMemo`
``audit/``            files the leak audit found clean, one list   ``audit.audit_context`` (engine, settings,
                      per audit context; ``.marks/`` a helper's    fingerprints), then path, role and bytes of
                      marks; :class:`CleanFiles`                   each file
``pages/``            Markdown → HTML conversions (pickle);        the Markdown settings and package versions,
                      ``render_cache.PageRenders``                 the page's place and final Markdown; the
                                                                   files it looked up are compared on use
``jinja/``            compiled page templates (marshal);           Jinja and Python versions, the sandbox's
                      ``templates.CompiledPages``                  settings, engine, the page's source
(the root)            ``bibtex-<where>-<content>.pickle``: a       the .bib's place (``where``) and bytes, the
                      parsed .bib (``bibtex.load_bibtex``)         layout version, pybtex, engine
(the root)            ``….<style>_v<n>.formatted.pickle``: one     the parse's key, the style and its
                      style's formatted entries, and a helper's    ``max_names``, the layout version; a
                      ``.ahead-<chunk>`` files (``citations``)     helper's file also the keys it formatted
``audited/``          audit stamps (json; :mod:`stamps`)           the site folder's every path and bytes: a
                                                                   record, not a derived entry, so it holds
                                                                   across engine versions
``changes/``          an earlier edition's snapshot (json;         engine, the edition's commit, audience
                      ``snapshots.previous_snapshot``)
``cards/``            social cards (png; ``cards.render``)         engine, the card's text and edition
(the root)            ``pdf-pages-<audience>.json``: the PDF's     a hint, not an entry: page numbers the
                      page numbers last time (``pdf.render``)      typesetting starts from and checks
====================  ===========================================  ==============================================

``changes``, ``cards`` and ``pdf-pages`` are written by their own modules through :func:`write_atomic`
and are to move onto :class:`Store` like the rest.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

log = logging.getLogger("mkdocs.plugins.report.caches")

CACHE_DIR = Path(".cache/report-engine")
PACKAGE = Path(__file__).resolve().parent
KEEP = 8              # files kept per kind of cache (one per audience and recent state)
#: The pruning policy, in one place: entries kept per kind (the most recently used); a kind not
#: listed is never pruned by count (stamps; the root's files, each superseded by its own newer one).
KEEP_BY_KIND = {"passes": 2 * KEEP, "fingerprints": KEEP, "audit": KEEP, "pages": KEEP, "jinja": 4000}


@functools.lru_cache(maxsize=1)
def engine_digest() -> str:
    """The engine's code and theme, as a digest: a cache written by other code is never used."""
    return digest(*files_digest(PACKAGE))


def _digest_of(parts: Iterable[str | bytes]) -> Any:
    """The hash of several parts, each length-prefixed, so parts never run into each other."""
    result = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        result.update(str(len(data)).encode() + b":" + data)
    return result


def digest(*parts: str | bytes) -> str:
    """One digest of several parts (each length-prefixed, so parts never run into each other)."""
    return _digest_of(parts).hexdigest()


def file_digest(*parts: str, path: Path) -> str:
    """:func:`digest` of ``parts`` and the bytes of ``path`` as the last part, read a piece at a time."""
    result = _digest_of(parts)
    with path.open("rb") as file:
        result.update(str(os.fstat(file.fileno()).st_size).encode() + b":")
        for piece in iter(lambda: file.read(1 << 20), b""):
            result.update(piece)
    return result.hexdigest()


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


# -- the guard a helper process runs under (see ahead.py) ------------------------------------------

_ROOTS: set[Path] = set()          # every cache root a Store was opened on in this process
_GUARDED = [False]                 # this process is a helper: writes outside the roots are refused
_REFUSED: list[str] = []           # what a helper was refused, for ahead.py to act on
_MUTATIONS = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown",
              "os.utime", "shutil.rmtree"}                 # the paths they change: their first two arguments
_CREATIONS = {"os.symlink", "os.link", "shutil.copyfile"}  # (source, destination): only the second changes
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class OutsideCache(PermissionError):
    """A helper process tried to write somewhere else than a cache root (see ahead.py)."""


def register_root(root: Path) -> None:
    """Make ``root`` a cache root (a helper forked after this may write under it)."""
    _ROOTS.add(Path(os.path.abspath(root)))


def inside_cache(path: str | bytes | os.PathLike[Any]) -> bool:
    """Whether ``path`` is a cache root or lies under one."""
    target = Path(os.path.abspath(os.fsdecode(path)))
    return any(target == root or root in target.parents for root in _ROOTS)


def _above_a_root(path: str | bytes | os.PathLike[Any]) -> bool:
    folder = Path(os.path.abspath(os.fsdecode(path)))
    return any(folder in root.parents for root in _ROOTS)


def refusals() -> list[str]:
    """The writes this (helper) process was refused so far."""
    return list(_REFUSED)


def guard_helper() -> None:
    """Refuse, from now on in this process, any write outside the cache roots: opening a file to
    write, renaming, removing, making a folder... (through Python's audit hooks, which see every
    such call whoever makes it). For the forked helper of ahead.py only: it cannot be undone.
    Python's own byte-code caches are not written either (``sys.dont_write_bytecode``)."""
    if not _GUARDED[0]:
        _GUARDED[0] = True
        sys.dont_write_bytecode = True
        sys.addaudithook(_refuse_outside)


def _refuse_outside(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None))[:3]
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        targets = [path] if writing else []
    elif event in _MUTATIONS:
        targets = list(args[:2])
    elif event in _CREATIONS:
        targets = list(args[1:2])
    else:
        return
    for target in targets:
        if not isinstance(target, (str, bytes, os.PathLike)) or inside_cache(target):
            continue
        if event == "os.mkdir" and _above_a_root(target):
            continue                    # making the folders a cache root lies in
        _REFUSED.append(f"{event} {os.fsdecode(target)}")
        raise OutsideCache(f"a helper process may write only into the cache: {event} {os.fsdecode(target)}")


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``data`` (or what ``data(file)`` writes) to ``path`` through a temporary file in the
    same folder: never half a file. In a helper, a ``path`` outside the cache roots raises
    :class:`OutsideCache`."""
    if _GUARDED[0] and not inside_cache(path):
        _REFUSED.append(f"write {path}")
        raise OutsideCache(f"a helper process may write only into the cache: {path}")
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            if callable(data):
                data(out)
            else:
                out.write(data)
        os.replace(temporary, path)
    except OSError as error:
        log.debug("cache %s not written: %s", path, error)
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)


_LATER: list[Callable[[], None]] = []   # cache writes left until the preview is on screen


def later(write: Callable[[], None]) -> None:
    """A cache write the live preview leaves until its pages are shown: its checker (on another
    core) makes it (:func:`take_later`). What is written must not change meanwhile (pass copies)."""
    _LATER.append(write)


def take_later() -> list[Callable[[], None]]:
    """The writes :func:`later` was given, in order; given once (to whoever makes them)."""
    taken = list(_LATER)
    _LATER.clear()
    return taken


def _used(path: Path) -> bool:
    """``path`` counts as recently used, for pruning; False when it cannot be touched (gone)."""
    try:
        os.utime(path)
    except OSError:
        return False
    return True


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


# -- the interface ---------------------------------------------------------------------------------

def entry_key(kind: str, *parts: str | bytes) -> str:
    """The one key scheme: the digest of the kind, the engine (:func:`engine_digest`) and ``parts``,
    which must cover every input that could change the entry."""
    return digest(kind, engine_digest(), *parts)


class Store:
    """One kind of cache entry: the files of ``<root>/<kind>/`` (of the root itself when ``kind`` is
    empty), one per key and suffix. ``root`` is the report's ``.cache/report-engine/`` unless given;
    with neither a project nor a root there is no cache, and every read misses and every write is
    skipped."""

    def __init__(self, project_dir: Path | None, kind: str, *, root: Path | None = None,
                 keep: int | None = None) -> None:
        self.root = root if root is not None else (project_dir / CACHE_DIR if project_dir is not None else None)
        self.kind = kind
        self.folder = None if self.root is None else (self.root / kind if kind else self.root)
        self.keep = keep if keep is not None else KEEP_BY_KIND.get(kind)
        if self.root is not None:
            register_root(self.root)

    def key(self, *parts: str | bytes) -> str:
        """The key of an entry made from ``parts`` (see :func:`entry_key`)."""
        return entry_key(self.kind, *parts)

    def path(self, key: str, suffix: str = "") -> Path | None:
        return None if self.folder is None else self.folder / f"{key}{suffix}"

    def has(self, key: str, suffix: str = "") -> bool:
        path = self.path(key, suffix)
        return path is not None and path.exists()

    def read_bytes(self, key: str, suffix: str = "") -> bytes | None:
        """The entry's bytes (and it counts as used, for pruning); None when there is none."""
        path = self.path(key, suffix)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        _used(path)
        return data

    def read_json(self, key: str, suffix: str = ".json") -> Any:
        """The entry as JSON; None when there is none or it does not parse."""
        data = self.read_bytes(key, suffix)
        try:
            return None if data is None else json.loads(data)
        except ValueError:
            return None

    def read_pickle(self, key: str, suffix: str = ".pickle") -> Any:
        """The entry unpickled (read as it is unpickled: its bytes are never all in memory at
        once); None when there is none or it is damaged (that only costs time)."""
        path = self.path(key, suffix)
        if path is None:
            return None
        try:
            with path.open("rb") as file:
                value = pickle.load(file)
        except OSError:
            return None
        except Exception as error:                  # noqa: BLE001 - a damaged entry only costs time
            log.debug("ignoring cache entry %s: %s", path, error)
            return None
        _used(path)
        return value

    def touch(self, key: str, suffix: str = "") -> bool:
        """The entry counts as used (for pruning) without being read; False when it is not there."""
        path = self.path(key, suffix)
        return path is not None and _used(path)

    def write(self, key: str, data: bytes, suffix: str = "") -> None:
        """Write the entry atomically (skipped when there is no cache or it cannot be written)."""
        path = self.path(key, suffix)
        if path is not None:
            write_atomic(path, data)

    def write_pickle(self, key: str, value: object, suffix: str = ".pickle") -> None:
        """Pickled straight into the file (atomically, as :meth:`write`)."""
        path = self.path(key, suffix)
        if path is not None:
            write_atomic(path, lambda file: pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL))

    def remove(self, key: str, suffix: str = "") -> None:
        path = self.path(key, suffix)
        if path is not None:
            path.unlink(missing_ok=True)

    def names(self, pattern: str) -> list[str]:
        """The names of this kind's files that match the glob ``pattern`` (written ones only)."""
        if self.folder is None:
            return []
        return sorted(p.name for p in self.folder.glob(pattern) if not p.name.endswith(".tmp"))

    def supersede(self, family: str, key: str, suffix: str = "") -> None:
        """Remove the entries named ``family`` + anything + ``suffix`` but ``key``'s: older versions of
        one thing (a .bib file's parse) that its new entry replaces."""
        for name in self.names(f"{family}*{suffix}"):
            if name != f"{key}{suffix}" and self.folder is not None:
                try:
                    (self.folder / name).unlink(missing_ok=True)
                except OSError:
                    pass

    def prune(self, keep: int | None = None) -> None:
        """Keep the ``keep`` (default: this kind's policy) most recently used entries."""
        keep = self.keep if keep is None else keep
        if keep is not None and self.folder is not None and self.folder != self.root:
            prune(self.folder, keep)


class CleanFiles:
    """Output files the leak audit found clean, under one audit context (fingerprints, settings).

    A file with the same path, role and bytes under the same context is clean again, so a
    rebuild reads and parses only the files that changed. Only clean results are kept: a
    finding fails the build, and is looked for afresh every time.
    """

    def __init__(self, project_dir: Path | None, context: str) -> None:
        self.store = Store(project_dir, "audit")
        self.path = self.store.path(context, ".txt")
        self.context = context
        self.known: set[str] = set()
        self.seen: set[str] = set()
        self.sharing = False            # an audit helper is at work: clean files are marked on disk too
        data = self.store.read_bytes(context, ".txt")
        if data is not None:
            try:
                self.known = set(data.decode("ascii").split())
            except ValueError:
                pass

    def key(self, relative: str, role: str, data: bytes) -> str:
        return digest(self.context, relative, role, data)

    def file_key(self, relative: str, role: str, path: Path) -> str:
        """:meth:`key` of the file at ``path``, never all in memory at once."""
        return file_digest(self.context, relative, role, path=path)

    @property
    def marks(self) -> Path | None:
        """Where an audit and its helper on another core (ahead.py) tell each other of clean files:
        one empty file per key, each true whoever wrote it and whenever."""
        return self.store.path(self.context, ".marks")

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
        self.store.write(self.context, "\n".join(sorted(self.seen | marked | set(keys))).encode("ascii"), ".txt")
        self.store.prune()


class PassMemo:
    """The outcome of pass one and two for one set of inputs (see ``stages.passes.passes_key``).

    A build whose pages, data, bibliography, partials, macros code, configuration, audience and
    engine are byte for byte those of an earlier build gets that build's linked pages back
    instead of rendering and linking them again. Stored pickled, one file per key (the caller's,
    which covers the engine), the most recent few kept.
    """

    def __init__(self, project_dir: Path, kind: str = "passes") -> None:
        self.store = Store(project_dir, kind)
        self.folder = project_dir / CACHE_DIR / kind

    def has(self, key: str) -> bool:
        return self.store.has(key, ".pickle")

    def load(self, key: str) -> object | None:
        return self.store.read_pickle(key)

    def save(self, key: str, value: object) -> None:
        self.store.write_pickle(key, value)
        self.store.prune()

    # The passes' own: what later stages read, and beside it (``TEXTS``) the texts only some read.
    TEXTS = ".texts.pickle"

    def save_linked(self, key: str, state: object, texts: object) -> None:
        self.store.write_pickle(key, texts, self.TEXTS)
        self.save(key, state)

    def load_linked(self, key: str) -> tuple[object, Callable[[], Any]] | None:
        """The state saved under ``key`` and a function that reads the texts beside it; None when
        either is missing."""
        if not self.store.has(key, self.TEXTS):
            return None
        state = self.load(key)
        if state is None:
            return None
        if not self.store.touch(key, self.TEXTS):       # used with the state: pruned with it
            return None
        return state, lambda: self.store.read_pickle(key, self.TEXTS)
