"""One source, many audiences: nothing non-public reaches a public output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_clean_failure

pytestmark = pytest.mark.site

SECRETS = {
    "paragraph": "Helios shared that their cluster scheduler ignores agent quotas",
    "heading": "Helios scheduler internals",
    "footnote": "The scheduler log was provided under embargo by Helios",
    "table": "Unmonitored batch queue capacity figure",
    "admonition": "Helios asked us not to describe the pager rotation",
    "alt": "Diagram of the Helios quota bypass path",
    "link": "https://intranet.helios.example/quota-bypass",
    "image": "helios-quota-bypass.svg",
    "inline": "roughly nine hundred idle accelerators",
    "note": "check with counsel before the courtesy draft goes out",
    "data": "Quota exemption granted to the research fleet",
}


def write_report(report):
    report.write("data/incidents.yml", f"""
        - {{id: INC-1, summary: A public incident about log deletion}}
        - !private {{owner: helios, value: {{id: INC-2, summary: "{SECRETS['data']}"}}}}
        """)
    report.page("index.md", f"""
        # Summary {{#summary}}

        Public opening paragraph about the assessment.

        <!-- {SECRETS['note']} -->

        The public count is {{{{ incidents | length }}}}; public readers learn that
        {{% call redact("helios") %}}{SECRETS['inline']}{{% endcall %}} were available.

        {{% call redact("helios") %}}
        ## {SECRETS['heading']} {{#helios-internals}}

        {SECRETS['paragraph']}.[^embargo]

        | Queue | Note |
        |---|---|
        | batch | {SECRETS['table']} |

        !!! warning "Pager"
            {SECRETS['admonition']}.

        ![{SECRETS['alt']}](assets/{SECRETS['image']})

        Read [the internal write-up]({SECRETS['link']}).

        [^embargo]: {SECRETS['footnote']}.
        {{% endcall %}}

        {{% call redact("quill", replacement="Quill shared figures we summarise only in its private report.") %}}
        Quill Research runs 412 agents in its evaluation fleet and none in production.
        {{% endcall %}}

        {{{{ org("quill", anonymous=true) }}}} described its review process for agent pull requests.

        {{% for i in incidents %}}
        - {{{{ i.id }}}}: {{{{ i.summary }}}}
        {{% endfor %}}

        ## Redactions

        {{{{ redaction_statement() }}}}
        """)
    report.write(f"docs/assets/{SECRETS['image']}",
                 '<svg xmlns="http://www.w3.org/2000/svg"><text>bypass</text></svg>')
    report.page("public.md", "# Public page\n\nOnly public text here.\n")
    report.nav("index.md", "public.md")
    report.config["markdown_extensions"] = ["admonition", "footnotes", "tables"]


def all_output_text(site: Path) -> str:
    chunks = []
    for path in site.rglob("*"):
        if path.is_file():
            chunks.append(path.relative_to(site).as_posix())
            if path.suffix != ".gz":
                chunks.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(chunks)


@pytest.fixture
def built(report):
    write_report(report)
    return {audience: report.build(audience) for audience in
            ("public", "participant:quill", "participant:helios", "internal")}


def helios_secrets():
    return {k: v for k, v in SECRETS.items() if k != "note"}


@pytest.mark.parametrize("audience", ["public", "participant:quill"])
def test_audiences_without_access_get_none_of_it(built, audience):
    text = all_output_text(built[audience].site)
    for where, secret in helios_secrets().items():
        assert secret not in text, f"{where} leaked to {audience}"
    assert SECRETS["note"] not in text
    assert not (built[audience].site / "assets" / SECRETS["image"]).exists()
    search = json.loads((built[audience].site / "search" / "search_index.json").read_text())
    titles = [doc["title"] for doc in search["docs"]]
    assert SECRETS["heading"] not in titles
    assert "helios-internals" not in built[audience].page()
    assert 'id="redaction-helios' not in text    # no trace of the redactions this audience does not see


@pytest.mark.parametrize("audience", ["participant:helios", "internal"])
def test_owner_and_internal_get_all_of_it_marked(built, audience):
    result = built[audience]
    text = all_output_text(result.site)
    for where, secret in helios_secrets().items():
        assert secret in text, f"{where} missing for {audience}"
    assert (result.site / "assets" / SECRETS["image"]).exists()
    article = result.article()
    assert 'class="redacted-passage"' in article
    assert "Helios Labs information, redacted in the public report" in article
    assert 'class="redacted-inline"' in article
    assert f'<h2 id="helios-internals">{SECRETS["heading"]}</h2>' in article


def test_editors_notes_reach_only_internal(built):
    assert SECRETS["note"] in built["internal"].page()
    for audience in ("public", "participant:helios", "participant:quill"):
        assert SECRETS["note"] not in all_output_text(built[audience].site)


def test_replacement_and_pseudonyms(built):
    public = built["public"].article()
    assert "Quill shared figures we summarise only in its private report." in public
    assert "412 agents" not in public
    assert "Developer B described its review process" in public
    assert "Quill Research described" not in public
    quill = built["participant:quill"].article()
    assert "412 agents" in quill
    assert "public readers see: “Quill shared figures" in quill
    assert 'title="Public readers see: Developer B">Quill Research</span> described' in quill
    helios = built["participant:helios"].article()
    assert "Developer B described" in helios and "412 agents" not in helios


def test_counts_follow_the_audience(built):
    assert "The public count is 1;" in built["public"].article()
    assert "The public count is 2;" in built["participant:helios"].article()
    assert "The public count is 1;" in built["participant:quill"].article()


def test_non_public_builds_are_marked_and_kept_apart(built, report):
    assert built["public"].site == report.root / "site"
    public_html = built["public"].page()
    assert "noindex" not in public_html and "data-report-banner" not in public_html
    for audience in ("participant:helios", "participant:quill", "internal"):
        result = built[audience]
        assert report.root / "site-private" in result.site.parents
        for page in result.site.rglob("*.html"):
            html = page.read_text()
            assert '<meta name="robots" content="noindex, nofollow, noarchive">' in html, page
            assert "data-report-banner" in html, page
        assert f"({audience})" in result.page()
    assert 'id="redaction-quill-1"' in built["participant:quill"].article()    # its own, counted among its own
    assert "Confidential: Helios Labs only" in built["participant:helios"].page()


def test_internal_build_has_a_register(built):
    register = built["internal"].article("redaction-register").replace("<wbr>", "")   # paths break at slashes
    assert "docs/index.md:8" in register           # the inline redaction
    assert "docs/index.md:10" in register
    assert "Quill Research" in register and "Helios Labs" in register
    assert not (built["public"].site / "redaction-register").exists()


def test_redaction_statement_standard_and_qualified(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}Minor detail.{% endcall %}

        {{ redaction_statement() }}
        """)
    assert "no information redacted at a participant's request was important" in report.build().article()
    report.page("index.md", """
        # Summary

        {% call redact("helios", material=true, note="Helios monitoring coverage was withheld.") %}
        The coverage was small.
        {% endcall %}

        {{ redaction_statement() }}
        """)
    public = report.build().article()
    assert '<div class="redaction-notice" id="material-redaction-1">' in public
    assert "<strong>Material redaction.</strong> Helios monitoring coverage was withheld." in public
    assert '<a href="#material-redaction-1">Helios monitoring coverage was withheld.</a>' in public
    assert "The coverage was small." not in public


def test_reference_to_a_redacted_label_fails_for_audiences_that_cannot_see_it(report):
    report.page("index.md", """
        # Summary

        {% call redact("helios") %}
        ## Hidden {#hidden}
        {% endcall %}

        See {{ ref("hidden") }}.
        """)
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/index.md", 7, "label 'hidden' is inside a redaction owned by 'helios'")
    assert 'href="#hidden"' in report.build("internal").article()


def test_explicit_site_dir_is_honoured_but_never_the_public_one(report):
    report.page("index.md", "# Summary\n")
    result = report.build("internal", "-d", "elsewhere")
    assert (report.root / "elsewhere" / "index.html").exists()
    result = report.build("internal", "-d", "site/internal", expect_ok=False)
    assert result.returncode != 0 and "inside the public site directory" in result.output
    assert not (report.root / "site" / "internal").exists()


def test_a_public_courtesy_draft_never_goes_to_the_public_site(report, monkeypatch):
    report.page("index.md", "# Summary\n\nDraft text.\n")
    monkeypatch.setenv("REPORT_DRAFT", "2026-05-12")
    result = report.build()
    assert result.site == report.root / "site-private" / "draft-public"
    assert "Draft text." in result.page()
    assert not (report.root / "site").exists()
