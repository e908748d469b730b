"""Rules over the engine's own source, every module of src/report_engine and its subpackages, read
in process: the plugin's entry point, no private attribute of another library, no change to the
process environment inside a build. The engine as an installed package building reports is in
test_package.py."""

from __future__ import annotations

import ast
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.unit

PACKAGE = REPO / "src" / "report_engine"
# Modules that run as commands, outside any MkDocs build: a file named here (its path under
# src/report_engine/) or, for a name ending in "/", every module of that subpackage.
COMMAND_MODULES = {"__main__.py", "publish.py", "publish/", "commands.py"}


def modules() -> list[Path]:
    """Every module of the package, subpackages included."""
    return sorted(PACKAGE.rglob("*.py"))


def named(path: Path) -> str:
    """A module's path under src/report_engine/ (``plugin.py``, ``stages/pages.py``)."""
    return path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name


def listed(path: Path, names: set[str]) -> bool:
    """Whether a module is in ``names``: by its path under src/report_engine/, or a subpackage it is in."""
    folders = named(path).split("/")[:-1]
    return named(path) in names or any("/".join(folders[:n]) + "/" in names for n in range(1, len(folders) + 1))


# Files allowed to read attributes by a name computed at run time (matched as in COMMAND_MODULES).
ALLOWED_DYNAMIC = {
    "facts.py",       # a fact's value forwards attribute reads to the data value it stands for
    "numbering.py",   # counters of the engine's own dataclass, by kind
    "templates.py",   # Jinja's public delimiter settings, by name
}


# os._exit is the standard library's documented immediate exit, not a private attribute: the one
# way to stop Zensical without a traceback (plugin.refuse_foreign_host), and the way a forked
# preview checker ends when its server is gone (plugin._exit_with_parent).
ALLOWED_NAMES = {"os._exit"}
# The instant preview composes MkDocs 1.6.1's frozen serve (report_engine.adapter says why and
# how): the page being built, as MkDocs' own page build sets it, and the live-reload server's
# epochs and watched paths. Allowed in the adapter only.
ALLOWED_IN_ADAPTER = {"config._current_page", "server._epoch_cond", "server._wanted_epoch",
                      "server._visible_epoch", "getattr(server, '_watched_paths', None)",
                      "getattr(server, '_watch_refs', None)"}


def test_the_plugin_is_registered_through_the_entry_point():
    plugins = {ep.name: ep.value for ep in entry_points(group="mkdocs.plugins")}
    assert plugins.get("report") == "report_engine.plugin:ReportPlugin"


def _private_uses(path: Path) -> list[str]:
    found = []
    where = named(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) > 1):
            owner, name = node.args[0], node.args[1]
            own = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            if not own and not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)} (a name computed at run time)")
            elif (not own and isinstance(name, ast.Constant) and str(name.value).startswith("_")
                  and not str(name.value).startswith("__")):      # dunders are Python's, as above
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_private_attribute_of_another_library():
    found = [use for path in modules() for use in _private_uses(path)
             if not (listed(path, ALLOWED_DYNAMIC) and "computed at run time" in use)
             and use.split(": ", 1)[1] not in ALLOWED_NAMES
             and not (path.name == "adapter.py" and use.split(": ", 1)[1] in ALLOWED_IN_ADAPTER)]
    assert found == []


def test_the_private_api_check_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(plugins, env):\n    plugins._register_event('x', f)\n    return getattr(env, '_page')\n")
    assert len(_private_uses(sample)) == 2


def _environment_writes(path: Path) -> list[str]:
    found = []
    where = named(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        text = ast.unparse(node) if isinstance(node, (ast.Assign, ast.Call, ast.AugAssign, ast.Delete)) else ""
        if isinstance(node, ast.Assign) and any("os.environ" in ast.unparse(t) for t in node.targets):
            found.append(f"{where}:{node.lineno}: {text}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "os.environ.setdefault", "os.environ.pop", "os.environ.update", "os.putenv", "os.chdir"):
            found.append(f"{where}:{node.lineno}: {text}")
        elif isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.argv":
            found.append(f"{where}:{node.lineno}: sys.argv")
    return found


def test_a_build_never_changes_the_process_environment_or_folder():
    found = [use for path in modules() if not listed(path, COMMAND_MODULES)
             for use in _environment_writes(path)]
    # settings.py's one write (quiet_mkdocs, which silences MkDocs' notice) is for the commands only
    assert [use.split(":")[0] for use in found] == ["settings.py"], found
    callers = [named(path) for path in modules() if "quiet_mkdocs(" in path.read_text(encoding="utf-8")
               and named(path) != "settings.py"]
    assert callers and all(listed(Path(PACKAGE, c), COMMAND_MODULES) for c in callers), callers
