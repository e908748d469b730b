"""The engine's shape, checked over its source (every module, subpackages included).

One module reads the environment (settings.py); one module imports MkDocs (adapter.py); no two
modules import each other, however indirectly, even from inside a function; no class or
function grows past what can be read in one sitting.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "report_engine"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
CLASS_LINES, FUNCTION_LINES = 250, 60


def name_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imports(path: Path) -> set[str]:
    """The engine's modules ``path`` imports, wherever in it (type-checking blocks apart)."""
    module = name_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    checking: set[int] = set()
    parsed = tree(path)
    for node in ast.walk(parsed):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checking |= {id(child) for child in ast.walk(node)}
    for node in ast.walk(parsed):
        if id(node) in checking:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("report_engine")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("report_engine"):
                continue
            for alias in node.names:          # `from . import x` imports the module x
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in KNOWN else target)
    return {name for name in found if name in KNOWN and name != module}


KNOWN = {name_of(path) for path in MODULES}


def test_only_settings_reads_or_writes_the_environment():
    readers = []
    for path in MODULES:
        for node in ast.walk(tree(path)):
            touched = (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv")
                       and isinstance(node.value, ast.Name) and node.value.id == "os")
            touched |= isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                alias.name in ("environ", "getenv", "putenv") for alias in node.names)
            if touched:
                readers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert readers and all(r.startswith("settings.py:") for r in readers), readers


def test_only_the_adapter_imports_mkdocs():
    found = []
    for path in MODULES:
        for node in ast.walk(tree(path)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(name == "mkdocs" or name.startswith("mkdocs.") for name in names):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found and {f.split(":")[0] for f in found} == {"adapter.py"}, found


def test_no_import_circles():
    graph = {name_of(path): imports(path) for path in MODULES}
    # Importing a submodule imports its package first: a package's __init__ counts as imported.
    for name, targets in graph.items():
        for target in list(targets):
            parts = target.split(".")
            targets |= {".".join(parts[:n]) for n in range(2, len(parts)) if ".".join(parts[:n]) != name
                        and not name.startswith(".".join(parts[:n]) + ".")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_no_class_or_function_is_too_long_to_read():
    long = []
    for path in MODULES:
        for node in ast.walk(tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
                if size > limit:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({size} lines)")
    assert not long, long


def test_the_type_checker_requires_every_function_typed():
    pyproject = (PACKAGE.parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.mypy]", 1)[1].split("\n[", 1)[0]
    assert "disallow_untyped_defs = true" in section
