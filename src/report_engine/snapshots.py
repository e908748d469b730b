"""Reading a report without writing a site: MkDocs run as far as the engine's two passes.

The changes page compares this edition with a :class:`changes.Snapshot` of the previous one
(:func:`previous_snapshot`): its sources are taken from git into a temporary folder and read, in a
process of its own (:func:`snapshot_in`, which runs ``python -m report_engine snapshot``, that is
:func:`report_engine.readthrough.snapshot_main`), by the same engine for the same audience.

The build in that process is run by :mod:`report_engine.readthrough`, which knows the plugin;
this module does not, so the changes page (a stage of the build) can use it.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from . import caches, gitrepo
from .changes import Snapshot
from .settings import (AUDIENCE_ENV, DRAFT_ENV, EDITION_ENV, PDF_ENV, RECIPIENT_ENV, SNAPSHOT_ENV,
                       child_environment)


def previous_snapshot(project_dir: Path, commit: str, audience: str) -> Snapshot:
    """The previous edition's snapshot for ``audience``, from the cache or from its sources in git.
    Raises RuntimeError with the reason when its sources cannot be read by this engine."""
    store = caches.Store(project_dir, "changes")
    key = store.key(commit, audience)[:32]
    cached = store.read_bytes(key, ".json")
    if cached is not None:
        try:
            return Snapshot.from_json(cached.decode("utf-8"))
        except (ValueError, TypeError):
            pass
    prefix = gitrepo.git(project_dir, "rev-parse", "--show-prefix").stdout.strip()
    sources = gitrepo.archive(project_dir, f"{commit}:{prefix}" if prefix else commit)
    if sources.returncode != 0:
        raise RuntimeError(f"git could not read edition sources at {commit[:12]}: "
                           f"{sources.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="report-previous-") as scratch:
        with tarfile.open(fileobj=io.BytesIO(sources.stdout)) as tar:
            tar.extractall(scratch, filter="data")
        # git keeps no empty folder: the contract's theme overrides may be an empty `overrides/`
        (Path(scratch) / "overrides").mkdir(exist_ok=True)
        text = snapshot_in(Path(scratch), audience, Path(scratch) / ".snapshot.json")
    try:
        store.write(key, text.encode("utf-8"), ".json")
    except OSError:
        pass
    return Snapshot.from_json(text)


def snapshot_in(folder: Path, audience: str, out: Path) -> str:
    """The snapshot (as JSON) of the report in ``folder`` for ``audience``, read in a process of its
    own (a final build's passes: no draft, no PDF). Raises RuntimeError with the reason."""
    env = child_environment(drop=(PDF_ENV, DRAFT_ENV, RECIPIENT_ENV, EDITION_ENV),
                            **{SNAPSHOT_ENV: str(out), AUDIENCE_ENV: audience})
    proc = subprocess.run([sys.executable, "-m", "report_engine", "snapshot"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0 or not out.is_file():
        errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line or "Error" in line]
        raise RuntimeError(errors[-1].split("-  ", 1)[-1] if errors else f"exit status {proc.returncode}")
    return out.read_text(encoding="utf-8")
