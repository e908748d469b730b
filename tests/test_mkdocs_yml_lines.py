"""Mistakes in mkdocs.yml are reported at their line: the macros plugin's ``include_dir`` inside
docs/ (templates.sandbox), a ``report`` plugin that is not the engine's and a build the engine
never ran (commands.audit_folder, through commands.engine_line and inputs.plugin_line)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jinja2
import pytest

from report_engine import commands, templates
from report_engine.errors import ReportError
from report_engine.inputs import plugin_line

pytestmark = pytest.mark.unit

CONFIG = """\
site_name: A report
theme:
  name: material
  custom_dir: overrides
plugins:
  - search
  - report
  - macros:
      module_name: macros
      include_dir: docs/partials
      on_error_fail: true
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "mkdocs.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_include_dir_inside_docs_names_its_mkdocs_yml_line(tmp_path):
    write(tmp_path, CONFIG)
    with pytest.raises(ReportError) as caught:
        templates.sandbox(jinja2.Environment(), tmp_path, tmp_path / "docs", "docs/partials", jinja2.StrictUndefined,
                          object)
    error = caught.value
    assert (error.file, error.line) == ("mkdocs.yml", 10)
    assert "include_dir 'docs/partials' is inside docs/" in str(error)
    assert "partials/ next to mkdocs.yml" in str(error)


def test_an_include_dir_inside_docs_with_another_config_file(tmp_path):
    other = tmp_path / "site.yml"
    other.write_text(CONFIG.replace("plugins:\n", "plugins:\n  # partials\n"), encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        templates.sandbox(jinja2.Environment(), tmp_path, tmp_path / "docs", "docs", jinja2.StrictUndefined, object,
                          config_file=other)
    assert (caught.value.file, caught.value.line) == ("site.yml", 11)


def test_an_include_dir_outside_docs_is_no_error(tmp_path):
    write(tmp_path, CONFIG.replace("docs/partials", "partials"))
    env = templates.sandbox(jinja2.Environment(), tmp_path, tmp_path / "docs", "partials", jinja2.StrictUndefined,
                            object)
    assert env.globals["namespace"] is object


def test_the_engine_is_handed_the_build_at_the_macros_plugins_line(tmp_path):
    assert commands.engine_line(write(tmp_path, CONFIG)) == 8


def test_without_the_macros_plugin_the_plugins_key_is_the_line(tmp_path):
    config = write(tmp_path, "site_name: A report\ntheme: {name: material}\nplugins:\n  - search\n  - report\n")
    assert commands.engine_line(config) == 3
    flow = write(tmp_path, "site_name: A report\n\nplugins: [search, report]\n")
    assert commands.engine_line(flow) == 3


def test_without_any_plugins_there_is_no_line_to_name(tmp_path):
    assert commands.engine_line(write(tmp_path, "site_name: A report\ntheme: {name: material}\n")) is None
    assert commands.engine_line(tmp_path / "missing.yml") is None


def test_a_foreign_report_plugin_is_named_at_its_line(tmp_path):
    config = write(tmp_path, CONFIG.replace("  - report\n", "  - report:\n      option: 1\n"))
    assert plugin_line(config, commands.PLUGIN_NAME) == 7
