"""The engine as an installed package and a real MkDocs plugin.

Reports in these tests hold no engine code (see conftest): the engine comes from the
installed ``report-engine`` package. These tests cover how a report meets it: the
``report`` plugin listed or not, the report's own macros, and what the engine must
never do inside a build (private APIs of other libraries, the process environment: checked over
the source in test_package_source.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, error_line

pytestmark = pytest.mark.site

PAGE = """
    # Summary

    We met {{ org("quill", anonymous=true) }}.

    {% call redact("helios") %}
    Helios trained its largest model in the Iowa datacenter during March.
    {% endcall %}
    """


def test_a_report_with_the_plugin_listed_builds_with_every_guarantee(report):
    report.config["plugins"] = ["search", "report", {"macros": {"module_name": "macros"}}]
    report.page("index.md", PAGE)
    public = report.build()
    assert "Developer B" in public.article() and "Iowa" not in public.page()
    internal = report.build("internal")
    assert "Iowa datacenter" in internal.article()


def test_the_plugin_may_come_after_macros(report):
    report.config["plugins"] = ["search", {"macros": {"module_name": "macros"}}, "report"]
    report.page("index.md", PAGE)
    assert "Iowa" not in report.build().page()


def test_the_audience_can_be_set_in_mkdocs_yml(report):
    report.config["plugins"] = ["search", {"report": {"audience": "participant:helios"}},
                                {"macros": {"module_name": "macros"}}]
    report.page("index.md", PAGE)
    result = report.build()           # no REPORT_AUDIENCE: the plugin's setting decides
    helios = report.root / "site-private" / "participant-helios" / "index.html"
    assert "Iowa datacenter" in helios.read_text(encoding="utf-8")
    assert not (report.root / "site" / "index.html").exists()
    assert result.returncode == 0


def test_an_unknown_audience_in_mkdocs_yml_names_the_setting(report):
    report.config["plugins"] = ["search", {"report": {"audience": "participant:nobody"}},
                                {"macros": {"module_name": "macros"}}]
    report.page("index.md", PAGE)
    result = report.build(expect_ok=False)
    assert result.returncode != 0
    assert "unknown participant 'nobody'" in error_line(result)
    assert "Traceback" not in result.output


def test_the_plugin_without_macros_stops_the_build(report):
    report.config["plugins"] = ["search", "report"]
    report.page("index.md", PAGE)
    result = report.build(expect_ok=False)
    assert result.returncode != 0
    assert "mkdocs-macros never handed the report's pages to the report engine" in error_line(result)
    assert not (report.root / "site").exists()


def test_a_macros_module_that_skips_the_engine_stops_a_build_that_lists_the_plugin(report):
    report.config["plugins"] = ["search", "report", {"macros": {"module_name": "macros"}}]
    report.write("macros/__init__.py", "def define_env(env):\n    env.variables['x'] = 1\n")
    report.page("index.md", PAGE)
    result = report.build(expect_ok=False)
    assert result.returncode != 0
    assert "never handed the report's pages" in error_line(result)
    assert "Iowa" not in result.output


def test_a_report_adds_its_own_macro(report):
    report.write("macros/__init__.py", '''
        import report_engine


        def define_env(env):
            report_engine.define_env(env)

            @env.macro
            def shout(text):
                return text.upper() + "!"
        ''')
    report.page("index.md", """
        # Summary

        We say {{ shout("careful") }}

        {% call redact("helios") %}
        Helios said {{ shout("hush") }} about its Iowa datacenter plans for March.
        {% endcall %}
        """)
    public = report.build()
    assert "We say CAREFUL!" in public.article()
    assert "HUSH" not in public.page()
    assert "HUSH!" in report.build("internal").article()


def test_jinja_comment_delimiters_never_swallow_heading_ids(report):
    """mkdocs.yml without j2_comment_* settings: `{#label}` after a heading is an id, not a comment."""
    report.config["plugins"] = ["search", {"macros": {"module_name": "macros"}}]
    report.page("index.md", "# Summary\n\n## Findings {#findings}\n\nText after the heading.\n")
    article = report.build().article()
    assert 'id="findings"' in article and "Text after the heading." in article


@pytest.mark.parametrize("listed", [False, True])
def test_gh_deploy_is_refused_either_way(report, listed):
    import subprocess
    import sys

    if listed:
        report.config["plugins"] = ["search", "report", {"macros": {"module_name": "macros"}}]
    report.page("index.md", PAGE)
    report.build()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "gh-deploy", "--no-history"], cwd=report.root,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "would replace every published edition" in proc.stdout + proc.stderr


def test_the_package_type_checks():
    """mypy over src/report_engine, with the settings in pyproject.toml."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# The newest Zensical that installs from the registry (requirements-test.txt says why no later one).
ZENSICAL = "0.0.73"


def test_zensical_stops_in_one_line_and_leaves_nothing_to_upload(report):
    """Zensical reads mkdocs.yml and runs the macros module, but no plugin events: the engine refuses
    in one line that says why and what to build with instead, and no site is left half built."""
    import importlib.metadata
    import subprocess
    import sys

    assert importlib.metadata.version("zensical") == ZENSICAL
    zensical = Path(sys.executable).parent / "zensical"
    report.page("index.md", PAGE + '\n{% call redact("helios") %}\n![Map](assets/helios-map.svg)\n{% endcall %}\n')
    report.write("docs/assets/helios-map.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    report.build()                       # writes mkdocs.yml (and a good site, which Zensical replaces)
    proc = subprocess.run([str(zensical), "build"], cwd=report.root, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "cannot be guaranteed" in errors[0], output
    assert "Zensical" in errors[0] and "Build with" in errors[0], errors[0]
    assert "Traceback" not in output
    site = report.root / "site"
    assert not site.exists() or not any(site.rglob("*.html")), sorted(map(str, site.rglob("*")))
    assert not (site / "assets" / "helios-map.svg").exists()
    audited = subprocess.run([sys.executable, "-m", "macros", "audit", "site"], cwd=report.root,
                             capture_output=True, text=True, timeout=300)
    assert audited.returncode != 0 and "Traceback" not in audited.stdout + audited.stderr


def test_pip_install_from_the_repository_builds_a_report_with_no_engine_code(tmp_path):
    """The engine installed (not editable) from this repository into a fresh environment builds a
    report in another folder that holds only its sources and a four-line macros module."""
    import subprocess
    import sys
    import textwrap

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The pinned stack from this environment (no download), the engine installed anew in front of it.
    import sysconfig

    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    Path(own, "stack.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    source = tmp_path / "engine"          # a copy: building the wheel writes build/ next to pyproject.toml
    source.mkdir()
    import shutil

    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copy(REPO / "README.md", source)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(source)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    where = subprocess.run([str(python), "-c", "import report_engine; print(report_engine.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr    # the installed copy
    report = tmp_path / "second"
    files = {
        "mkdocs.yml": "site_name: X\ntheme: {name: material}\nplugins:\n  - search\n  - report\n"
                      "  - macros: {module_name: macros}\n",
        "macros/__init__.py": "import report_engine\n\n\ndef define_env(env):\n    report_engine.define_env(env)\n",
        "data/report.yml": """\
            title: Second Report
            edition: "2027-01"
            edition_label: January 2027
            assessment_window: {start: 2026-11-01, end: 2026-12-01}
            published: 2027-01-15
            organization: Other Evaluators
            canonical_url: https://other.example.org/second/
            participants:
              - {id: kite, name: Kite Labs, pseudonym: Developer K}
            """,
        "docs/index.md": """\
            # Summary

            We looked at {{ org("kite", anonymous=true) }}.

            {% call redact("kite") %}
            Kite keeps its evaluation cluster in a separate building with no network.
            {% endcall %}
            """,
    }
    for name, text in files.items():
        (report / name).parent.mkdir(parents=True, exist_ok=True)
        (report / name).write_text(textwrap.dedent(text), encoding="utf-8")
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(tmp_path)}
    built = subprocess.run([str(python), "-m", "mkdocs", "build", "--strict"], cwd=report, env=env,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    page = (report / "site" / "index.html").read_text(encoding="utf-8")
    assert "Developer K" in page and "separate building" not in page and "data-report-cover" in page
