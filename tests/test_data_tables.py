"""data_table(): a table of records from data/, with CSV and JSON of exactly the rows the audience reads."""

from __future__ import annotations

import csv
import io
import json

import pytest
from lxml import html as lxml_html

from conftest import Report, assert_clean_failure

pytestmark = pytest.mark.site

RECORDS = """\
- {id: R-01, date: 2026-02-18, participant: quill, kind: audit, effort: 1200, note: Logs were complete.}
- !private
  owner: helios
  value: {id: R-02, date: 2026-02-20, participant: helios, kind: drill, effort: 30, note: Helios drill on the egress path.}
- {id: R-03, date: 2026-02-19, participant: helios, kind: audit, effort: 5, note: A second audit.}
"""
KINDS = """\
kinds:
  - {id: audit, label: Audit of logs}
  - {id: drill, label: Red-team drill}
"""
TABLE = """# Records

The records are listed in {{ ref("tab-records") }}.

{{ data_table("records", columns=[["ID", "id"], ["Date", "date"], ["Who", "participant", "participant"],
   ["Kind", "kind", "label:taxonomy.kinds"], ["Effort", "effort"], ["Note", "note", "capitalize"]],
   sort="date", caption="Records by date.", id="tab-records", download="records") }}
"""


def write(report: Report, page: str = TABLE) -> None:
    report.write("data/records.yml", RECORDS)
    report.write("data/taxonomy.yml", KINDS)
    report.write("docs/appendices/records.md", page)
    report.page("index.md", "# Summary\n\nSee the records.\n")
    report.nav("index.md", "appendices/records.md")


def downloads(site) -> tuple[list[list[str]], dict]:
    rows = list(csv.reader(io.StringIO((site / "downloads" / "records.csv").read_bytes().decode("utf-8"), newline="")))
    return rows, json.loads((site / "downloads" / "records.json").read_text(encoding="utf-8"))


def test_the_table_and_its_downloads_hold_the_audiences_rows_as_printed(report: Report):
    write(report)
    site = report.build().site
    page = lxml_html.fromstring((site / "appendices" / "records" / "index.html").read_text(encoding="utf-8"))
    (table,) = page.xpath("//article//table")
    printed = [[" ".join(td.text_content().split()) for td in tr.xpath("./td")] for tr in table.xpath(".//tbody/tr")]
    assert printed == [
        ["R-01", "2026-02-18", "Quill Research", "Audit of logs", "1,200", "Logs were complete."],
        ["R-03", "2026-02-19", "Helios Labs", "Audit of logs", "5", "A second audit."],
    ], "sorted by date, labels looked up, participants named, the private record out"
    assert "Table 1. Records by date." in " ".join(page.xpath("//article")[0].text_content().split())
    assert "Table 1" in page.xpath("//article//a[contains(@href, 'tab-records')]")[0].text_content()
    rows, document = downloads(site)
    assert rows[0] == ["ID", "Date", "Who", "Kind", "Effort", "Note"]
    assert rows[1:] == printed, "the CSV holds the rows exactly as the page prints them"
    assert [row["id"] for row in document["rows"]] == ["R-01", "R-03"]
    assert document["source"] == "data/records.yml" and document["title"] == "Records by date."
    links = page.xpath('//p[contains(@class, "report-downloads")]/a/@href')
    assert links == ["../../downloads/records.csv", "../../downloads/records.json"]
    assert "egress" not in (site / "downloads" / "records.csv").read_text() + (site / "downloads" / "records.json").read_text()


def test_a_participant_gets_its_own_private_rows(report: Report):
    write(report)
    site = report.build("participant:helios").site
    rows, document = downloads(site)
    assert [row[0] for row in rows[1:]] == ["R-01", "R-03", "R-02"]
    assert rows[3][2] == "Helios Labs" and "egress path" in rows[3][5]
    assert "R-02" in [row["id"] for row in document["rows"]]


def test_a_table_inside_a_passage_the_audience_does_not_get_offers_nothing(report: Report):
    write(report, "# Records\n\n{% call redact('helios') %}\n" + TABLE.split("\n", 2)[2].replace(
        'The records are listed in {{ ref("tab-records") }}.\n\n', "") + "\n{% endcall %}\n")
    public = report.build().site
    assert not (public / "downloads").exists()
    assert "records.csv" not in (public / "appendices" / "records" / "index.html").read_text()
    private = report.build("participant:helios").site
    assert (private / "downloads" / "records.csv").is_file()


@pytest.mark.parametrize("call, fragment", [
    ('data_table("record", columns=[["ID", "id"]])', "no data at 'record'"),
    ('data_table("records", columns=[["ID", "idd"]])', "a record has no field 'idd'"),
    ('data_table("records", columns=[["Who", "participant", "pseudonyms"]])', "unknown column format 'pseudonyms'"),
    ('data_table("records", columns="id")', "data_table needs columns"),
    ('data_table("records", columns=[["ID", "id"]], download="Bad Name")', "download name 'Bad Name'"),
    ('data_table("records", columns=[["K", "kind", "label:taxonomy.kind"]])', "no data at 'taxonomy.kind'"),
])
def test_mistakes_name_the_file_and_line(report: Report, call, fragment):
    write(report, "# Records\n\nText.\n\n{{ " + call + " }}\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/appendices/records.md", 5, fragment)


def test_two_tables_cannot_offer_the_same_download(report: Report):
    call = '{{ data_table("records", columns=[["ID", "id"]], download="records") }}'
    write(report, f"# Records\n\n{call}\n\nMore.\n\n{call}\n")
    result = report.build(expect_ok=False)
    assert_clean_failure(result, "docs/appendices/records.md", 7, "two tables offer the download 'records'")


def test_a_private_field_in_a_public_table_is_refused_at_its_line(report: Report):
    report.write("data/records.yml", "- {id: R-01, note: !private {owner: helios, value: Helios only.}}\n"
                                     "- {id: R-02, note: Open.}\n")
    report.page("index.md", "# Summary\n\nSee below.\n\n"
                            '{{ data_table("records", columns=[["ID", "id"], ["Note", "note"]]) }}\n')
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 5, "private to 'helios'")
    report.page("index.md", "# Summary\n\nSee below.\n\n"
                            '{{ data_table("records", columns=[["ID", "id"]], sort="note") }}\n')
    assert_clean_failure(report.build(expect_ok=False), "docs/index.md", 5, "private to 'helios'")
