"""MkDocs run in this process as far as the engine's two passes, and what is read there.

A previous edition's snapshot (``python -m report_engine snapshot``, started by
:func:`report_engine.snapshots.snapshot_in`) and a participant's review items
(:mod:`report_engine.review`) are read from a build that writes no site: :func:`through_passes`.
This is the one module besides the plugin's own that drives the plugin.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator

from . import editions
from .adapter import get_files, get_navigation, load_config, set_exclusions
from .changes import Snapshot, take_snapshot
from .plugin import PLUGIN_NAME


def snapshot_main(out: str, config_file: str = "mkdocs.yml") -> int:
    """In the previous edition's folder: run MkDocs as far as the engine's two passes, write the
    snapshot to ``out`` (``python -m report_engine snapshot``, run by :func:`snapshot_in`)."""
    with through_passes(config_file) as build:
        if build is None:
            print("ERROR   -  the previous edition's build never ran the report engine", file=sys.stderr)
            return 1
        Path(out).write_text(snapshot_of(build).to_json(), encoding="utf-8")
        return 0


def snapshot_of(build: Any) -> Snapshot:
    """What the build's audience reads of its edition (the engine's build, its two passes done)."""
    report = build.data.report
    return take_snapshot(build.session, build.session.namespaces, editions.edition_id(report),
                         str(report["edition_label"]))


@contextlib.contextmanager
def through_passes(config_file: str = "mkdocs.yml") -> Iterator[Any]:
    """MkDocs run in this process as far as the engine's two passes (its ``on_nav``): the engine's
    build for the audience the environment names, or None when the engine never ran. Used by the
    processes that read a report without writing a site (snapshots, review packets)."""
    config = load_config(config_file)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files = get_files(config)
        files.add_files_from_theme(config.theme.get_env(), config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        config.plugins.on_nav(nav, config=config, files=files)
        yield getattr(config.plugins.get(PLUGIN_NAME), "build", None)
    finally:
        config.plugins.on_shutdown()
