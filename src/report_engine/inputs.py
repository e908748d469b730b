"""Inputs that would reach a page without passing through the engine, refused with their mkdocs.yml line.

The engine renders every page's Jinja itself and records what each audience may read; the leak
audit then searches the outputs for what was recorded. A Markdown extension that pastes files
into pages while MkDocs converts them (``pymdownx.snippets``' ``--8<--``, markdown-include) runs
after all of that: a partial's raw ``{% call redact %}`` source would be published, and the
audit would have nothing to look for. Partials (``{% include %}``) do the same job through the
engine. mkdocs-macros' ``include_yaml`` loads data outside ``data/``, where no ``!private`` value
is guarded: its files are read here with the engine's loader, so a malformed file stops with its
line and a ``!private`` value in one is refused (it belongs in ``data/``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from .data import load_yaml
from .errors import ReportError
from .facts import private_values

# Markdown extensions that read files into a page as it is converted, with what to use instead.
FILE_READING_EXTENSIONS = {
    "pymdownx.snippets": "include partials with {% include \"name.md\" %} (from partials/), which the engine renders",
    "pymdownx.b64": "link images as files: the engine publishes, reads and cleans each one",
    "markdown_include.include": "include partials with {% include \"name.md\" %} (from partials/)",
    "mdx_include": "include partials with {% include \"name.md\" %} (from partials/)",
    "markdown_include_lines": "include partials with {% include \"name.md\" %} (from partials/)",
}


def check_inputs(config: Any, config_file: Path | None) -> None:
    """Stop on a file-reading Markdown extension or on mkdocs-macros' ``include_yaml``."""
    display = config_file.name if config_file is not None else "mkdocs.yml"
    text = config_file.read_text(encoding="utf-8", errors="replace") if config_file and config_file.is_file() else ""
    for entry in config["markdown_extensions"]:
        name = entry if isinstance(entry, str) else type(entry).__module__
        for refused, instead in FILE_READING_EXTENSIONS.items():
            if name == refused or name.startswith(refused + "."):
                raise ReportError(f"the Markdown extension '{refused}' pastes files into pages after the engine "
                                  "has rendered and checked them, so redactions in those files would be published",
                                  display, _line(text, refused), f"remove it from markdown_extensions; {instead}")
    macros = config["plugins"].get("macros") if hasattr(config["plugins"], "get") else None
    project = config_file.parent if config_file is not None else Path.cwd()
    for name in included_yaml(getattr(macros, "config", None) if macros is not None else None):
        path = project / name
        if not path.is_file():
            continue
        shown = path.relative_to(project).as_posix() if path.resolve().is_relative_to(project.resolve()) else name
        for private in private_values(load_yaml(path, shown)):
            raise ReportError("a !private value in a file mkdocs-macros' include_yaml loads, where the engine "
                              "cannot guard it", private.source, private.line,
                              "move the file into data/: every data/NAME.yml is a namespace NAME, and its "
                              "!private values are kept to their owners' redactions")


def included_yaml(macros_config: Mapping[str, Any] | None) -> list[str]:
    """The files mkdocs-macros' ``include_yaml`` loads, as written (``- file.yml`` or ``- key: file.yml``)."""
    entries = (macros_config or {}).get("include_yaml") or []
    return [str(entry) if isinstance(entry, str) else str(next(iter(entry.values())))
            for entry in entries if isinstance(entry, str) or (isinstance(entry, dict) and entry)]


def _line(text: str, word: str) -> int | None:
    match = re.search(r"^[^#\n]*" + re.escape(word), text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def config_line(config_file: Path, section: str, entry: re.Pattern[str]) -> int | None:
    """The line of mkdocs.yml where ``entry`` first matches, from its top-level ``section:`` key on
    (from the top when there is none); None when the file cannot be read or nothing matches."""
    try:
        text = config_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start = re.search(rf"^{re.escape(section)}\s*:", text, re.M)
    match = entry.search(text, start.end() if start else 0)
    return text.count("\n", 0, match.start()) + 1 if match else None


def plugin_line(config_file: Path, name: str) -> int | None:
    """The line of mkdocs.yml's ``plugins:`` that lists the plugin ``name`` (``- name`` or ``name:``)."""
    return config_line(config_file, "plugins",
                       re.compile(r"^[ \t-]*['\"]?" + re.escape(name) + r"['\"]?\s*(?::|$|#)", re.M))
