"""Audit stamps: a record that the engine's leak audit passed on a folder, bound to its content.

A failed build, a build by another tool (a plain ``mkdocs build`` of a broken
configuration, Zensical, a copy edited by hand) can leave a site folder behind
that no audit ever read. Every build whose audit passes writes a stamp: the
digest of every file in the folder (path and bytes) and the audience it was
audited for. ``publish`` and ``audit`` refuse a folder whose digest has no
stamp for the audience, so only a folder exactly as an audited build wrote it
goes out.

Stamps live under the report's cache folder (never in the site, which would
publish them), one small file per digest; a copy of an audited folder carries
the same digest and so the same stamp.
"""

from __future__ import annotations

import json
from pathlib import Path

from .caches import Store, digest, files_digest


def folder_digest(folder: Path) -> str:
    """One digest of every file under ``folder`` (none skipped): relative paths and bytes."""
    return digest(*files_digest(folder, skip=()))


def _store(project_dir: Path) -> Store:
    # Keyed by the folder's content alone, not the engine's: a stamp records a fact about that content.
    return Store(project_dir, "audited")


def write_stamp(project_dir: Path, folder: Path, audience: str) -> str:
    """Record that the audit for ``audience`` passed on ``folder`` as it is now; returns the digest."""
    key = folder_digest(folder)
    store = _store(project_dir)
    audiences = set(_audiences(store.read_json(key)))
    audiences.add(audience)
    store.write(key, json.dumps({"digest": key, "audiences": sorted(audiences)}).encode("utf-8"), ".json")
    return key


def _audiences(value: object) -> list[str]:
    audiences = value.get("audiences") if isinstance(value, dict) else None
    return [str(a) for a in audiences] if isinstance(audiences, list) else []


def unstamped_reason(project_dir: Path, folder: Path, audience: str) -> str | None:
    """Why ``folder`` may not go out to ``audience`` (None when an audit for it passed on this very content)."""
    if not folder.is_dir():
        return f"{folder} is not a folder"
    stamped = _audiences(_store(project_dir).read_json(folder_digest(folder)))
    if audience in stamped:
        return None
    if stamped:
        return f"{folder} was audited for {', '.join(stamped)}, not for {audience}"
    return (f"no passed leak audit is recorded for {folder} as it is now: it was not written by the report "
            "engine's build, or it changed after the build")
