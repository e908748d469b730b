"""A pytest plugin (``-p tests.on_base``) that runs the end-to-end suites on the report's base.

The suites start builds as an author types them, ``python -m mkdocs build``. In an environment
whose base is ProperDocs (``settings.base()``: the ``properdocs`` package installed; the one
test_bases.py makes has no MkDocs at all), this plugin hands each such command to the base
instead, exactly as the engine's own commands do (``Base.command``), and turns on ProperDocs'
``mkdocs`` imports in the test process for the tests that build in process. Under MkDocs it
changes nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from report_engine import settings


def pytest_configure(config) -> None:
    base = settings.base()
    base.activate()
    if base is settings.MKDOCS:
        return
    original = subprocess.Popen.__init__

    def on_base(self, args, *rest, **options):
        if isinstance(args, (list, tuple)) and len(args) >= 4 and list(args[1:3]) == ["-m", "mkdocs"]:
            cwd = Path(options.get("cwd") or Path.cwd())
            args = [args[0], *base.command(str(args[3]), *map(str, args[4:]), project_dir=cwd)[1:]]
        original(self, args, *rest, **options)

    subprocess.Popen.__init__ = on_base
