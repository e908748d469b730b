"""report-engine: publish a research report from one Markdown source to many audiences, on MkDocs.

The engine is plain Python over typed values, run as stages (:mod:`report_engine.stages`;
ARCHITECTURE.md tells how a build flows). :mod:`report_engine.plugin` is its MkDocs plugin and
the hand-over from mkdocs-macros, and :mod:`report_engine.adapter` the one module that imports
MkDocs. A report uses it in two lines:

* ``mkdocs.yml`` lists the ``report`` plugin (optional: see below) and the
  ``macros`` plugin with ``module_name: macros``;
* the report's ``macros/__init__.py`` calls :func:`define_env` from its own
  ``define_env``, and may register macros of its own after it.

When ``mkdocs.yml`` lists only ``search`` and ``macros``, :func:`define_env`
adds the ``report`` plugin itself, so the build has every guarantee either way.
"""

from __future__ import annotations

import logging
from typing import Any

# mkdocs-macros reports at INFO what it found (modules, variables, macros, filters): lines that say
# nothing to an author; its warnings and errors still show. Set when the package is first imported:
# by MkDocs loading the report plugin, or by the report's macros module, before mkdocs-macros logs.
logging.getLogger("mkdocs.plugins.mkdocs_macros").setLevel(logging.WARNING)

__version__ = "0.8.2"


def define_env(env: Any) -> None:
    """Attach mkdocs-macros to the report engine (call it first in the report's ``define_env``)."""
    from .plugin import define_env as attach

    attach(env)


__all__ = ["define_env", "__version__"]
