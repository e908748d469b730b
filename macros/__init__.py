"""The report engine, loaded by mkdocs-macros (``module_name: macros``).

The engine is plain Python in this package; :mod:`macros.plugin` is the only
module that knows MkDocs. Under ``mkdocs serve`` the same interpreter rebuilds
the site after every edit, so when a file of the engine has changed since it
was imported, its modules are dropped and imported afresh.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_loaded_stamp: tuple | None = None


def _stamp() -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in _HERE.glob("*.py")))


def define_env(env) -> None:
    """mkdocs-macros entry point: hand over to the adapter, reloaded if edited."""
    global _loaded_stamp
    stamp = _stamp()
    if _loaded_stamp is not None and stamp != _loaded_stamp:
        for name in [n for n in sys.modules if n.startswith(__name__ + ".")]:
            del sys.modules[name]
    _loaded_stamp = stamp
    importlib.import_module(__name__ + ".plugin").define_env(env)
