"""The base a report builds on (settings.base()): ProperDocs when installed, else MkDocs, and the
commands the engine starts on it. The builds on ProperDocs are in test_bases.py."""

from __future__ import annotations

import ast
import re
import sys

import pytest

import venvs
from conftest import REPO
from report_engine import settings

pytestmark = pytest.mark.unit


@pytest.fixture
def fresh_base():
    settings.base.cache_clear()
    yield
    settings.base.cache_clear()


def test_the_base_is_properdocs_when_it_is_installed_else_mkdocs(fresh_base, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "properdocs" else real(name, *a))
    assert settings.base() is settings.PROPERDOCS
    settings.base.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "properdocs" else real(name, *a))
    assert settings.base() is settings.MKDOCS


def test_a_base_command_names_the_reports_mkdocs_yml(tmp_path):
    assert settings.PROPERDOCS.command("build", "--strict", project_dir=tmp_path) == [
        sys.executable, "-m", "properdocs", "build", "--strict"]
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    assert settings.PROPERDOCS.command("build", "--strict", project_dir=tmp_path) == [
        sys.executable, "-m", "properdocs", "build", "--config-file", "mkdocs.yml", "--strict"]
    given = settings.MKDOCS.command("build", "--config-file", "other.yml", project_dir=tmp_path)
    assert given == [sys.executable, "-m", "mkdocs", "build", "--config-file", "other.yml"]
    assert settings.MKDOCS.command("serve", "-f", "x.yml", project_dir=tmp_path)[3:] == ["serve", "-f", "x.yml"]


def test_no_engine_module_starts_mkdocs_itself():
    """Every build the engine starts goes through Base.command: no module names `-m mkdocs`."""
    found = []
    for path in sorted((REPO / "src" / "report_engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List) and len(node.elts) >= 3:
                values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts[1:3]]
                if values == ["-m", "mkdocs"]:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not found, found


def test_the_requirements_pin_both_bases_and_material():
    stack = venvs.requirement_lines("requirements.txt")
    assert "mkdocs==1.6.1" in stack
    assert any(re.fullmatch(r"mkdocs-material==9\.\d+\.\d+", line) for line in stack)
    assert venvs.requirement_lines("requirements-properdocs.txt") == ["properdocs==1.6.7"]
