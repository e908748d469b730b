"""The build's stages, in process, over plain values: no site is built and no MkDocs runs.

Each stage takes the values earlier stages returned (settings, data, the session) and a few
stand-ins for the MkDocs objects it reads (files, nav, config), and returns a value.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from report_engine import linking, settings as settings_module
from report_engine.data import load_data
from report_engine.errors import ReportError
from report_engine.session import Session
from report_engine.stages import configure, extras, passes, reachability
from report_engine.template_errors import ReportUndefined
from report_engine import templates

pytestmark = pytest.mark.unit

REPORT = """\
title: Stage Report
edition: "2026-03"
edition_label: February to March 2026
assessment_window: {start: 2026-02-16, end: 2026-03-16}
published: 2026-05-19
organization: Example Research
canonical_url: https://reports.example.org/stage/
participants:
  - {id: helios, name: Helios Labs}
  - {id: quill, name: Quill Research, pseudonym: Developer B}
  - {id: orion, name: Orion Labs, pseudonym: Developer C, exited: true}
"""


class FakeFile:
    """What the stages read of an MkDocs ``File``."""

    def __init__(self, docs: Path, src: str) -> None:
        self.src_uri = src
        self.abs_src_path = str(docs / src)
        page = src.endswith(".md")
        stem = src[:-3]
        self.url = "" if src == "index.md" else (f"{stem}/" if page else src)
        self.dest_uri = f"{stem}/index.html" if page and src != "index.md" else ("index.html" if page else src)
        self.page = SimpleNamespace(content="") if page else None

    @property
    def content_string(self) -> str:
        return Path(self.abs_src_path).read_text(encoding="utf-8")

    def is_documentation_page(self) -> bool:
        return self.src_uri.endswith(".md")


class FakeFiles(list):
    def documentation_pages(self) -> list[FakeFile]:
        return [f for f in self if f.is_documentation_page()]


class FakeConfig(dict):
    """MkDocs' configuration: a mapping with attributes."""

    def __init__(self, root: Path) -> None:
        super().__init__(extra={}, extra_css=[], extra_javascript=[],
                         theme={"name": "material"})
        self.config_file_path = str(root / "mkdocs.yml")
        self.docs_dir = str(root / "docs")
        self.site_name = "Stage Report"
        self.site_url = "https://reports.example.org/stage/"
        self.extra = self["extra"]
        self.theme = SimpleNamespace(custom_dir=None, dirs=[])


@dataclasses.dataclass
class Project:
    root: Path
    config: FakeConfig
    files: FakeFiles
    settings: settings_module.Settings
    session: Session

    def page(self, src: str) -> str:
        return self.session.pages[src].output


def project(tmp_path: Path, pages: dict[str, str], audience: str = "public", extra: dict[str, str] | None = None,
            env: settings_module.Environment | None = None) -> Project:
    root = tmp_path
    (root / "data").mkdir(parents=True)
    (root / "data" / "report.yml").write_text(REPORT, encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    docs = root / "docs"
    for src, text in {**pages, **(extra or {})}.items():
        (docs / src).parent.mkdir(parents=True, exist_ok=True)
        (docs / src).write_text(textwrap.dedent(text), encoding="utf-8")
    config = FakeConfig(root)
    data = load_data(root / "data", root)
    env = env or settings_module.Environment(audience=audience)
    settings = configure.read_settings(config, None, None, False, data, env)
    citations = configure.load_citations(settings, data)
    session = Session(data, settings.audience, citations)
    files = FakeFiles(FakeFile(docs, src) for src in sorted({**pages, **(extra or {})}))
    return Project(root, config, files, settings, session)


def run_passes(p: Project, nav: list[str]) -> None:
    """Pass one and two as the passes stage runs them, with mkdocs-macros' part played by Jinja."""
    by_src = {f.src_uri: f for f in p.files}
    fake_nav = SimpleNamespace(pages=[SimpleNamespace(file=by_src[src]) for src in nav])
    records = passes.page_records(p.settings, p.config, fake_nav, p.files)
    jinja = templates.sandbox(jinja2.Environment(), p.root, p.settings.docs_dir, "", ReportUndefined,
                              p.session.namespace_type(), p.session.partials, p.session.run_caller)
    compiled = templates.CompiledPages(jinja, p.root / ".cache" / "jinja")
    macros = passes.Macros(jinja, {**p.session.variables, **p.session.macros()}, {"include_dir": ""})
    p.session.render_pages(records, lambda r: passes.render_page(p.session, macros, compiled, p.config, r),
                           list(macros.variables))
    compiled.close()
    p.session.check_cites()
    linking.link(p.session)
    linking.check(p.session)


# ---- settings and configure ------------------------------------------------------------------


def test_settings_come_from_the_environment_value_given_not_the_process(tmp_path, monkeypatch):
    monkeypatch.setenv(settings_module.AUDIENCE_ENV, "internal")
    env = settings_module.Environment(audience="participant:helios", pdf="1", draft="2026-05-01", helpers="0")
    p = project(tmp_path, {"index.md": "# Home\n"}, env=env)
    s = p.settings
    assert str(s.audience) == "participant:helios"
    assert s.make_pdf and not s.helpers and str(s.draft) == "2026-05-01"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.serving = True            # type: ignore[misc]


def test_the_plugins_typed_settings_win_over_the_environment(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n"})
    data = p.session.data
    env = settings_module.Environment(audience="internal", pdf="1")
    chosen = configure.read_settings(p.config, "participant:quill", False, False, data, env)
    assert str(chosen.audience) == "participant:quill" and not chosen.make_pdf
    served = configure.read_settings(p.config, None, True, True, data, env)
    assert not served.make_pdf      # never a PDF under `mkdocs serve`


def test_a_bad_audience_names_where_it_came_from(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n"})
    with pytest.raises(ReportError) as caught:
        configure.read_settings(p.config, None, None, False, p.session.data,
                                settings_module.Environment(audience="participant:nobody"))
    assert "nobody" in caught.value.message and caught.value.file == settings_module.AUDIENCE_ENV


def test_exited_participants_pages_are_found_by_path_and_by_front_matter(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n", "appendices/orion.md": "# Orion\n",
                           "notes.md": "---\nparticipant: orion\n---\n# Notes\n", "other.md": "# Other\n"})
    gone = configure.gone_ids(p.settings, p.session.data)
    assert gone == {"orion"}
    assert configure.exited_pages(p.settings.docs_dir, gone) == {"appendices/orion.md", "notes.md"}
    internal = dataclasses.replace(p.settings, audience=configure.parse_audience("internal", ["orion"]))
    assert configure.gone_ids(internal, p.session.data) == frozenset()


def test_the_banner_says_whose_copy_it_is(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n"}, audience="participant:quill")
    assert configure.banner(p.settings, p.session.data).startswith("Confidential: Quill Research only")
    public = project(tmp_path / "pub", {"index.md": "# Home\n"})
    assert configure.banner(public.settings, public.session.data) == ""


# ---- passes one and two ------------------------------------------------------------------------


PAGES = {
    "index.md": """\
        # Home {#home}

        See {{ ref("sec-method") }}. Run by {{ org("quill", anonymous=true) }}.

        {% call redact("helios") %}
        Helios kept 12 logs.
        {% endcall %}
        """,
    "method.md": "# Method {#sec-method}\n\nBack to {{ ref('home') }}.\n",
}


def test_pass_one_and_two_resolve_references_and_withhold_redactions_from_the_public(tmp_path):
    p = project(tmp_path, PAGES)
    run_passes(p, ["index.md", "method.md"])
    home = p.page("index.md")
    assert "Helios kept 12 logs" not in home
    assert "Developer B" in home and "Quill Research" not in home
    assert "method" in home and "{{" not in home and "\x02" not in home
    assert p.session.reachable == {"index.md", "method.md"}


def test_the_owner_reads_its_redaction(tmp_path):
    p = project(tmp_path, PAGES, audience="participant:helios")
    run_passes(p, ["index.md", "method.md"])
    assert "Helios kept 12 logs" in p.page("index.md")


def test_an_unknown_label_stops_pass_two_at_its_line(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n\n{{ ref('nowhere') }}\n"})
    with pytest.raises(ReportError) as caught:
        run_passes(p, ["index.md"])
    assert "unknown label 'nowhere'" in caught.value.message
    assert caught.value.file == "docs/index.md" and caught.value.line == 3


def test_page_records_put_the_nav_first_and_refuse_render_macros_false(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n", "b.md": "# B\n", "a.md": "# A\n"})
    by_src = {f.src_uri: f for f in p.files}
    nav = SimpleNamespace(pages=[SimpleNamespace(file=by_src["b.md"]), SimpleNamespace(file=by_src["index.md"])])
    records = passes.page_records(p.settings, p.config, nav, p.files)
    assert [(r.src, r.in_nav) for r in records] == [("b.md", True), ("index.md", True), ("a.md", False)]
    (p.settings.docs_dir / "a.md").write_text("---\nrender_macros: false\n---\n# A\n", encoding="utf-8")
    with pytest.raises(ReportError, match="render_macros: false"):
        passes.page_records(p.settings, p.config, nav, p.files)


def test_malformed_front_matter_is_reported_at_its_line():
    raw = "---\ntitle: [unclosed\n---\n# Page\n"
    with pytest.raises(ReportError) as caught:
        passes.check_page_source(raw, "# Page\n", {}, "docs/page.md")
    assert "malformed front matter" in caught.value.message and caught.value.line == 2


# ---- reachability ------------------------------------------------------------------------------


def reach_project(tmp_path: Path, extra: dict[str, str]) -> tuple[Project, reachability.Reach]:
    pages = {"index.md": "# Home\n\n![chart](chart.svg)\n\n{% call redact('helios') %}\n[raw](helios.csv)\n{% endcall %}\n"}
    p = project(tmp_path, pages, extra=extra)
    run_passes(p, ["index.md"])
    index = next(f for f in p.files if f.src_uri == "index.md")
    index.page.content = '<p><img src="chart.svg"></p>'          # as MkDocs converted the public page
    return p, reachability.reach(p.settings, p.session, p.config, p.files, p.session.data.report, "data/report.yml")


def test_files_no_published_page_reaches_leave_the_build(tmp_path):
    p, reach = reach_project(tmp_path, {"chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
                                        "helios.csv": "a,b\n1,2\n", "orphan.txt": "nothing links here\n"})
    left = {f.src_uri for f in p.files}
    assert left == {"index.md", "chart.svg"}
    assert reach.media_files == ("chart.svg", "helios.csv", "orphan.txt")
    # the file only the redaction names is withheld, and the audit is told where it was named
    assert [src for src, _ in reach.withheld_assets] == ["helios.csv"]


def test_a_copied_data_file_with_private_values_is_refused(tmp_path):
    p = project(tmp_path, {"index.md": "# Home\n"}, extra={"data.yml": "x: !private {owner: helios, value: 1}\n"})
    with pytest.raises(ReportError) as caught:
        reachability.check_copied_file(p.settings, [], p.settings.docs_dir / "data.yml", "data.yml")
    assert "!private" in caught.value.message and caught.value.file == "docs/data.yml"


def test_declared_theme_files_and_well_known_files_count_as_reached(tmp_path):
    config = FakeConfig(tmp_path)
    config["extra_css"].append("css/extra.css")
    config["theme"] = {"logo": "/img/logo.png"}
    assert {"css/extra.css", "img/logo.png", "robots.txt"} <= reachability.theme_files(config)


# ---- extra outputs --------------------------------------------------------------------------------


def test_every_output_kind_is_registered_once_in_writing_order():
    names = [kind.name for kind in extras.OUTPUTS]
    assert names == ["newsletter", "downloads", "disclosure register", "social cards", "feed", "PDF"]
    assert [kind.name for kind in extras.OUTPUTS if kind.phase == "document"] == ["PDF"]


def test_an_output_kind_is_written_only_when_the_build_wants_it(tmp_path, monkeypatch):
    written: list[str] = []
    kinds = [extras.OutputKind("yes", lambda build: True, lambda build, site: written.append("yes")),
             extras.OutputKind("no", lambda build: False, lambda build, site: written.append("no")),
             extras.OutputKind("later", lambda build: True, lambda build, site: written.append("later"), "document")]
    monkeypatch.setattr(extras, "OUTPUTS", kinds)
    build: Any = SimpleNamespace()
    extras.write(build, tmp_path, "pages")
    assert written == ["yes"]
    extras.write(build, tmp_path, "document")
    assert written == ["yes", "later"]


def test_a_data_file_parsed_before_is_loaded_again_as_new_objects(tmp_path):
    """A preview's rebuilds read each data file's last parse back (data._PARSED): the same values and
    lines as a parse, objects of the build's own, and a parse again once the text changes."""
    from report_engine import data

    path = tmp_path / "facts.yml"
    path.write_text("rows:\n  - {name: A, value: !private {owner: helios, value: 3}}\n  - {name: B, value: 4}\n",
                    encoding="utf-8")
    first = data.load_yaml(path, "data/facts.yml")
    second = data.load_yaml(path, "data/facts.yml")
    assert str(path) in data._PARSED
    assert second == first and second is not first and second["rows"] is not first["rows"]
    assert second.line_of("rows") == first.line_of("rows") == 1
    assert [row.line for row in second["rows"]] == [2, 3]
    assert second["rows"][0]["value"].source == "data/facts.yml" and second["rows"][0]["value"].line == 2
    second["rows"].append("changed by a build")
    assert len(data.load_yaml(path, "data/facts.yml")["rows"]) == 2
    assert data.load_yaml(path, "data/other.yml")["rows"][0]["value"].source == "data/other.yml"
    path.write_text("rows:\n  - {name: C, value: 5}\n", encoding="utf-8")
    assert data.load_yaml(path, "data/facts.yml")["rows"] == [{"name": "C", "value": 5}]
    path.write_text("rows: [\n", encoding="utf-8")
    with pytest.raises(ReportError, match="malformed YAML"):
        data.load_yaml(path, "data/facts.yml")


@pytest.mark.parametrize("start", ["{%", "{%_", "<?j", "[["])
def test_block_and_extends_are_refused_whatever_the_delimiters(start):
    """A page whose source names neither tag is not walked for them (templates.check_template); with
    delimiters that end in a letter or underscore the keyword is no word of its own, and is found."""
    env = jinja2.Environment(block_start_string=start, block_end_string="%}")
    with pytest.raises(ReportError, match="block"):
        templates.check_template(env, f"Text.\n{start}block x %}}hi{start}endblock %}}\n")
    with pytest.raises(ReportError, match="extends"):
        templates.check_template(env, f'{start}extends "base.md" %}}\n')
    templates.check_template(env, "A blocked road; the report extends its reach.\n")


def test_a_template_extension_with_tags_of_its_own_is_walked():
    class Blocks(jinja2.ext.Extension):
        tags = {"section"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endsection",), drop_needle=True)
            return jinja2.nodes.Block("made", body, False, False, lineno=lineno)

    env = jinja2.Environment(extensions=[Blocks, "jinja2.ext.loopcontrols"])
    with pytest.raises(ReportError, match="block"):
        templates.check_template(env, "{% section %}hi{% endsection %}\n")
