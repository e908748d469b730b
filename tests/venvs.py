"""Virtual environments the end-to-end tests make once and keep under ``.cache/test-venvs/``.

A second environment is how the tests see the engine as another installation would: on
ProperDocs instead of MkDocs (test_bases.py), or installed from a wheel into a report of one's
own (test_own_report.py). Making one takes a minute (pip's own cache makes it faster), so each
is kept, named by a digest of everything that goes into it (the requirements files, the
recipe, this Python): a change to any of them makes a new one, and ``make clean`` removes them
all. One test at a time makes a given environment (a lock file), marked complete only at the
end, so a crashed run never leaves half an environment to reuse.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / ".cache" / "test-venvs"
STALE = 3600        # seconds after which an environment of an earlier recipe is removed (a run under way may use it)


def requirement_lines(name: str) -> list[str]:
    """A requirements file's requirement lines (no comments, no ``-r`` includes)."""
    lines = []
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def pip(python: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"pip {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def cached(name: str, recipe: Callable[[Path], None], inputs: tuple[str, ...]) -> Path:
    """The environment ``name`` made by ``recipe(python)``, kept for the digest of ``inputs`` (files
    of the repository), the recipe's source and this Python; its ``bin/python`` is returned."""
    import inspect

    digest = hashlib.sha256()
    for path in inputs:
        digest.update(path.encode() + b"\0" + (REPO / path).read_bytes() + b"\0")
    digest.update(inspect.getsource(recipe).encode())
    digest.update(sys.version.encode())
    home = ROOT / f"{name}-{digest.hexdigest()[:12]}"
    python = home / "bin" / "python"
    ROOT.mkdir(parents=True, exist_ok=True)
    with open(ROOT / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / ".complete").is_file():
            return python
        for old in ROOT.glob(f"{name}-*"):          # a crashed attempt, and earlier recipes an hour old
            done = old / ".complete"
            if not done.is_file() or time.time() - done.stat().st_mtime > STALE:
                shutil.rmtree(old, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, timeout=300)
        try:
            recipe(python)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        (home / ".complete").write_text("", encoding="utf-8")
    return python


def environment(python: Path, **extra: str) -> dict[str, str]:
    """The environment a command of that venv runs in: its bin/ first on PATH, no variables of the
    engine or of this venv leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("REPORT_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "SOURCE_DATE_EPOCH")}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(python.parent.parent)
    env.update(extra)
    return env
