"""The Jinja environment pages are rendered in.

mkdocs-macros builds an ordinary Jinja environment; the engine renders every
page itself (pass one) in a sandboxed copy of it, for three reasons:

* an immutable sandbox refuses what could carry redacted text out of a
  ``{% call redact %}`` block behind the engine's back: changing an outer list
  or dict (``bag.append(...)``), reaching underscore attributes;
* pages see report data and a few plain values, not MkDocs' own objects (the
  plugin, the file list, the configuration), through which a page could read
  the raw source of any other page;
* template features that move text across blocks (``{% block %}``,
  ``{% extends %}``) are refused, and ``{% include %}`` reads partials from
  ``partials/`` next to mkdocs.yml, never from ``docs/`` (whose files MkDocs
  would publish as pages of their own).
"""

from __future__ import annotations

import marshal
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jinja2
import jinja2.runtime
from jinja2 import ext, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import mdscan
from .caches import Store, digest, entry_key
from .errors import ReportError
from .inputs import config_line

PARTIALS = "partials"
# The macros plugin's include_dir setting in mkdocs.yml (under plugins:), for errors about it.
INCLUDE_DIR_ENTRY = re.compile(r"^[ \t]*['\"]?include_dir['\"]?\s*:", re.M)
DELIMITERS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
              "comment_start_string", "comment_end_string")
# Jinja's own comment delimiters would make ``{#label}`` after a heading open a comment; unless the
# report chose others in mkdocs.yml (j2_comment_start_string), pages use these.
COMMENT_DELIMITERS = ("{##", "##}")
# What mkdocs-macros and Jinja put in every template; data namespaces may not take these names.
RESERVED = {"config", "page", "extra", "macros", "filters", "filters_builtin", "navigation", "files",
            "environment", "plugin", "git", "context", "macros_info", "now", "fix_url", "range", "dict",
            "lipsum", "cycler", "joiner", "namespace", "self", "caller", "loop", "varargs", "kwargs"}
HIDDEN_VARIABLES = ("plugin", "files", "navigation", "config", "page", "environment", "macros",
                    "filters", "filters_builtin",
                    "macros_info",     # dumps the whole environment, data of every audience included
                    "now")             # the clock: builds must not depend on it


@dataclass(frozen=True)
class PageInfo:
    """What a page may know about itself."""

    src: str
    url: str
    title: str
    meta: dict = field(default_factory=dict)


class Macro:
    """A macro as Jinja sees it: callable, and a clear error if printed without a call."""

    def __init__(self, name: str, function: Callable) -> None:
        self.name = name
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __str__(self) -> str:
        raise ReportError(f"'{self.name}' is a macro and was printed without being called",
                          suggestion=f"write {self.name}(...)")

    __html__ = __str__


def check_notes(text: str, path: str, offset: int = 0) -> None:
    """Editors' notes written so that MkDocs would publish them fail with their file and line."""
    mistake = mdscan.note_mistake(text)
    if mistake is not None:
        raise ReportError(mistake.message, path, offset + text.count("\n", 0, mistake.offset) + 1, mistake.suggestion)


class PartialLoader(jinja2.FileSystemLoader):
    """Partials from one folder, checked like pages and remembered (the audit reads their notes)."""

    def _display(self, path: Path) -> str:
        path = path.resolve()
        return path.relative_to(self.project_dir).as_posix() if path.is_relative_to(self.project_dir) else str(path)

    def __init__(self, folder: Path, project_dir: Path, seen: dict[str, str]) -> None:
        super().__init__(str(folder))
        self.project_dir = project_dir
        self.seen = seen

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as error:
            path = Path(self.searchpath[0]) / template
            line = path.read_bytes()[:error.start].count(b"\n") + 1 if path.exists() else None
            raise ReportError("this partial is not UTF-8 text", self._display(path), line,
                              "save it as UTF-8 (most editors offer it under 'Save with encoding')") from None
        path = Path(filename).resolve()
        display = self._display(path)
        check_notes(source, display)
        self.seen[display] = source
        return source, filename, uptodate


class PageSandbox(ImmutableSandboxedEnvironment):
    """The sandbox pages render in. Every call a template makes passes through :meth:`call` (the
    sandbox's own hook); a call block's body run by a macro of the report's own (``caller()``, the
    one kind of macro Jinja makes without a name) goes through ``run_caller``, so that what it
    records is decided where its text lands (positions.py)."""

    run_caller: Callable[[Callable[[], Any]], Any] | None = None

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's signature)
        if __self.run_caller is not None and isinstance(__obj, jinja2.runtime.Macro) and __obj.name is None:
            return __self.run_caller(lambda: ImmutableSandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs))
        return ImmutableSandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)


def page_delimiters(base: jinja2.Environment) -> dict[str, str]:
    """The delimiters pages are rendered with: mkdocs-macros' (``base``), with :data:`COMMENT_DELIMITERS`
    for Jinja's own comment delimiters."""
    delimiters = {name: str(getattr(base, name)) for name in DELIMITERS}
    if base.comment_start_string == "{#":
        delimiters["comment_start_string"], delimiters["comment_end_string"] = COMMENT_DELIMITERS
    return delimiters


def sandbox(base: jinja2.Environment, project_dir: Path, docs_dir: Path, include_dir: str,
            undefined: type, namespace: type, partials_seen: dict[str, str] | None = None,
            run_caller: Callable[[Callable[[], Any]], Any] | None = None,
            config_file: Path | None = None) -> ImmutableSandboxedEnvironment:
    """A sandboxed copy of mkdocs-macros' environment: same delimiters, filters and tests.
    ``config_file`` is the report's mkdocs.yml (``project_dir/mkdocs.yml`` unless given), for errors."""
    partials = (project_dir / include_dir).resolve() if include_dir else project_dir / PARTIALS
    if partials == docs_dir or docs_dir in partials.parents:
        config = config_file or project_dir / "mkdocs.yml"
        raise ReportError(f"include_dir '{include_dir}' is inside docs/, whose files MkDocs publishes",
                          config.name, config_line(config, "plugins", INCLUDE_DIR_ENTRY),
                          f"keep partials outside docs/, e.g. in {PARTIALS}/ next to mkdocs.yml")
    delimiters = page_delimiters(base)
    env = PageSandbox(
        loader=PartialLoader(partials, project_dir, {} if partials_seen is None else partials_seen), undefined=undefined,
        extensions=[type(ext) for ext in base.extensions.values()],
        **delimiters)
    env.run_caller = run_caller
    env.filters.update(base.filters)
    env.tests.update(base.tests)
    # The sandbox's own range() (bounded) stays: a page may not ask for a billion numbers.
    env.globals.update({k: v for k, v in base.globals.items() if k not in HIDDEN_VARIABLES and k != "range"})
    env.globals["namespace"] = namespace
    return env


class CompiledPages:
    """Pages' templates compiled once per content: in memory for the process (``mkdocs serve``
    rebuilds) and in the ``jinja`` cache between builds. Compiling (and checking) a template costs
    more than rendering it; the code depends only on the source and the environment's settings.
    ``cache`` is that cache (a :class:`caches.Store`, or the folder it is, or None for none)."""

    memory: dict[str, Any] = {}           # key -> code object, shared by the builds of a process

    def __init__(self, env: jinja2.Environment, cache: Store | Path | None) -> None:
        self.env = env
        settings = [jinja2.__version__, sys.version, type(env).__name__,
                    *(str(getattr(env, name)) for name in DELIMITERS),
                    *sorted(type(ext).__name__ for ext in env.extensions.values()),
                    str(env.trim_blocks), str(env.lstrip_blocks), str(env.keep_trailing_newline),
                    env.newline_sequence, str(env.autoescape)]
        self.settings = digest(*settings)
        self.store = Store(None, cache.name, root=cache.parent) if isinstance(cache, Path) else cache
        self.written = False

    def key(self, source: str) -> str:
        return entry_key("jinja", self.settings, source)

    def template(self, source: str) -> jinja2.Template:
        """The page's template, checked (see :func:`check_template`) and compiled."""
        key = self.key(source)
        code = self.memory.get(key)
        if code is None and self.store is not None:
            data = self.store.read_bytes(key)
            try:
                code = None if data is None else marshal.loads(data)
            except (ValueError, EOFError, TypeError):
                code = None
        if code is None:
            code = self.compile(key, source)
        self.memory[key] = code
        return self.env.template_class.from_code(self.env, code, self.env.make_globals(None))

    def compile(self, key: str, source: str) -> Any:
        code = self.env.compile(check_template(self.env, source))    # parsed once, for both
        if self.store is not None:
            self.store.write(key, marshal.dumps(code))
            self.written = True
        return code

    def known(self, source: str) -> bool:
        """Whether the compiled template of ``source`` is remembered (in memory or on disk)."""
        key = self.key(source)
        return key in self.memory or (self.store is not None and self.store.has(key))

    def compile_ahead(self, source: str) -> None:
        """Compile ``source`` into the cache only (a helper on another core; see ahead.py)."""
        self.compile(self.key(source), source)

    def close(self) -> None:
        if self.written and self.store is not None:
            self.store.prune()


# A block or extends tag is written with its keyword, whatever the delimiters: a page whose source
# holds neither word has neither tag, and its parsed template is not walked (most pages; walking
# costs as much as parsing), unless an extension adds tags of its own (Jinja's own ExprStmt, loop
# controls and debug tags make no block).
BLOCK_WORDS = ("block", "extends")
PLAIN_TAG_EXTENSIONS = (ext.ExprStmtExtension, ext.LoopControlExtension, ext.DebugExtension)


def check_template(env: jinja2.Environment, source: str) -> nodes.Template:
    """Refuse the template features that move text between blocks; the parsed template."""
    tree = env.parse(source)
    if not any(word in source for word in BLOCK_WORDS) and all(
            isinstance(extension, PLAIN_TAG_EXTENSIONS) or not extension.tags for extension in env.extensions.values()):
        return tree
    for node in tree.find_all((nodes.Block, nodes.Extends)):
        kind = "{% block %}" if isinstance(node, nodes.Block) else "{% extends %}"
        raise ReportError(f"{kind} is not supported in report pages", line=node.lineno,
                          suggestion="its text could be shown outside the redaction it was written in; "
                                     "use {% include %} of a file in partials/ or a macro")
    return tree


def page_variables(variables: dict[str, Any], meta: dict, info: PageInfo, site: dict) -> dict[str, Any]:
    """What a page's template sees: data, macros and plain values, its front matter last."""
    visible = {k: v for k, v in variables.items() if k not in HIDDEN_VARIABLES}
    visible.update(meta)
    visible["page"] = info
    visible["config"] = site
    return visible
