"""The changes page's comparison (changes.py), in process: snapshots as values, what changed between
two of them, what an audience may not be told, and the page's Markdown. No site is built."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from report_engine import changes
from report_engine.changes import Changes, Snapshot
from report_engine.values import Private

pytestmark = pytest.mark.unit


def snapshot(edition: str = "2026-03", label: str = "March 2026", **fields) -> Snapshot:
    return Snapshot(edition, label, **fields)


def page(src: str, title: str, *headings: tuple[str, str]) -> dict:
    return {"src": src, "title": title, "headings": [list(h) for h in headings]}


def fact(printed: str, sentence: str = "", where: str = "index.md") -> dict[str, str]:
    return {"printed": printed, "sentence": sentence, "page": where}


# ---- text as a reader reads it -----------------------------------------------------------------------

def test_plain_keeps_the_words_a_reader_sees():
    assert changes.plain("**Bold** [a link](x.md) and ![img](i.png)text[^1] {#anchor} <b>tag</b> `code`") \
        == "Bold a link and text  tag code"


def test_sentences_split_prose_and_leave_headings_out():
    assert changes.sentences("# Title\n\nFirst one. Second one!\n\n## Part\n\nThird has a [link](x.md) inside it.\n") \
        == ["First one.", "Second one!", "Third has a link inside it."]


def test_unnumbered_drops_section_numbers_only():
    assert changes.unnumbered("Appendix B.2 Results  and more") == "Results and more"
    assert changes.unnumbered("3.1. Method") == "Method"
    assert changes.unnumbered("Results in 2026") == "Results in 2026"


def test_sentence_with_finds_the_sentence_or_the_table_row():
    assert changes.sentence_with("We saw 42 cases. Then 7 more.", "7") == "Then 7 more."
    assert changes.sentence_with("| model | 42 | ok |\n", "42") == "model · 42 · ok"
    assert changes.sentence_with("Nothing here.", "9") == ""


def test_escape_makes_text_literal_markdown():
    assert changes.escape("a*b_c [d] <e> & #f") == "a\\*b\\_c \\[d\\] &lt;e> &amp; \\#f"


def test_a_snapshot_survives_json():
    before = snapshot(facts={"a.b": fact("12")}, records={"incidents:7": {"page": "x.md"}},
                      withheld_records=["incidents:9"], pages=[page("x.md", "X", ("h", "H"))],
                      sentences={"x.md": ["One."]})
    assert Snapshot.from_json(before.to_json()) == before


# ---- what an audience reads: records matched by their id fields ----------------------------------

def session(pages: list[SimpleNamespace], can_see=lambda owner: False, fact_uses=None) -> SimpleNamespace:
    return SimpleNamespace(pages={p.src: p for p in pages}, fact_uses=fact_uses or {},
                           audience=SimpleNamespace(can_see=can_see))


def record(src: str, output: str, title: str = "", in_nav: bool = True) -> SimpleNamespace:
    return SimpleNamespace(src=src, output=output, title=title, in_nav=in_nav)


def test_records_are_taken_from_the_data_by_id_never_from_the_text():
    # "6" in "July 6" is no record; the record 6 of the data is one, whatever the text prints (the
    # text only chooses the page it links to: a table row first).
    pages = [record("index.md", "# Home\n\nJuly 6 was quiet. INC-2 happened.\n", "Home"),
             record("log.md", "# Log\n\n| INC-2 | bad |\n", "Log")]
    namespaces = {"incidents": [{"id": "INC-2"}, {"id": 6}, {"name": "no id"}, {"id": True}, {"id": " "}],
                  "report": {"participants": [{"id": "helios"}]}}
    taken = changes.take_snapshot(session(pages), namespaces, "2026-05", "May")
    assert taken.records == {"incidents:INC-2": {"page": "log.md"}, "incidents:6": {"page": "index.md"}}
    assert (taken.edition, taken.label) == ("2026-05", "May")


def test_a_private_record_is_withheld_from_who_may_not_read_it():
    private_item = Private("helios", {"id": "INC-9"}, "data/incidents.yml", 3)
    private_id = {"id": Private("quill", "INC-8", "data/incidents.yml", 4)}
    namespaces = {"incidents": {"open": [{"id": "INC-1"}, private_item, private_id]}}
    rival = changes.take_snapshot(session([], can_see=lambda owner: owner == "quill"), namespaces, "e", "l")
    assert sorted(rival.records) == ["incidents:INC-1", "incidents:INC-8"]
    assert rival.withheld_records == ["incidents:INC-9"]


def test_facts_pages_and_headings_of_pages_in_the_nav():
    pages = [record("index.md", "# 1 Home\n\n## 1.1 Scope {#scope}\n\nWe ran 12 evaluations.\n", "1 Home"),
             record("hidden.md", "# Hidden\n", "Hidden", in_nav=False),
             record(changes.PAGE, "# Changes\n", "Changes")]
    uses = {"evals.count": ("index.md", "12"), "other.value": ("hidden.md", "3")}
    taken = changes.take_snapshot(session(pages, fact_uses=uses), {}, "e", "l")
    assert taken.facts == {"evals.count": {"printed": "12", "sentence": "We ran 12 evaluations.", "page": "index.md"}}
    assert taken.pages == [{"src": "index.md", "title": "Home", "headings": [["scope", "Scope"]]}]
    assert taken.sentences == {"index.md": ["We ran 12 evaluations."]}


# ---- the comparison ----------------------------------------------------------------------------------

def test_compare_finds_changed_added_and_dropped_figures():
    old = snapshot(facts={"a": fact("1"), "b": fact("2", "B was 2."), "gone": fact("3", "Gone 3.")})
    new = snapshot("2026-05", facts={"a": fact("1"), "b": fact("5", "B is 5.", "b.md"), "new": fact("9", "New 9.")})
    found = changes.compare(old, new)
    assert found.changed == [("b", "2", "5", "B is 5.", "b.md")]
    assert found.added_facts == [("new", "9", "New 9.", "index.md")]
    assert found.removed_facts == [("gone", "3", "Gone 3.")]
    assert (found.previous, found.previous_label) == ("2026-03", "March 2026")


def test_records_are_matched_by_key_and_a_withheld_one_is_never_removed():
    old = snapshot(records={"incidents:1": {"page": ""}, "incidents:2": {"page": ""}, "incidents:3": {"page": ""}})
    new = snapshot(records={"incidents:1": {"page": ""}, "incidents:4": {"page": "log.md"}},
                   withheld_records=["incidents:3"])
    found = changes.compare(old, new)
    assert found.added_records == [("incidents:4", "log.md")]
    assert found.removed_records == ["incidents:2"]


def test_compare_finds_pages_and_headings_added_removed_and_retitled():
    old = snapshot(pages=[page("a.md", "Alpha", ("x", "Ex"), ("y", "Why")), page("gone.md", "Gone")])
    new = snapshot(pages=[page("a.md", "Alpha prime", ("x", "Ex two"), ("z", "Zed")), page("b.md", "Beta")])
    found = changes.compare(old, new)
    assert found.added_pages == [("b.md", "Beta")]
    assert found.removed_pages == ["Gone"]
    assert found.retitled == [("a.md", "Alpha", "Alpha prime"), ("a.md#x", "Ex", "Ex two")]
    assert found.added_headings == [("a.md", "z", "Zed")]
    assert found.removed_headings == [("Alpha prime", "Why")]
    assert found.titles == {"a.md": "Alpha prime", "b.md": "Beta"}
    assert not found.empty()


def test_the_same_snapshot_changes_nothing():
    same = snapshot(facts={"a": fact("1")}, records={"r:1": {"page": ""}}, pages=[page("a.md", "A", ("h", "H"))])
    assert changes.compare(same, same).empty()


def test_withhold_leaves_out_what_this_audience_may_no_longer_read():
    found = Changes("2026-03", "March", changed=[("a", "Kestrel cluster", "new", "s", "p"), ("b", "7", "8", "s", "p")],
                    removed_facts=[("c", "Iowa datacenter", "It ran in Iowa."), ("d", "12", "Twelve."),
                                   ("e", "99", "Ninety-nine.")],
                    removed_records=["incidents:INC-77", "incidents:INC-5"],
                    removed_pages=["Secret appendix", "Methods"],
                    retitled=[("a.md", "Kestrel notes", "Notes")],
                    removed_headings=[("Page", "Kestrel cluster"), ("Page", "Scope")])
    kept = changes.withhold(found, ["The **Kestrel cluster** ran in the Iowa datacenter; see INC-77 and 7 of 12.",
                                    "Secret appendix", "Kestrel notes"], hidden_facts=["e"])
    assert kept.changed == [("b", "7", "8", "s", "p")], "a short number alone is too common to hide"
    assert kept.removed_facts == [("d", "12", "")], "an old sentence is never shown"
    assert kept.removed_records == ["incidents:INC-5"]
    assert kept.removed_pages == ["Methods"]
    assert kept.retitled == []
    assert kept.removed_headings == [("Page", "Scope")]
    assert found.removed_pages == ["Secret appendix", "Methods"], "the comparison itself is left as it was"


# ---- the page ----------------------------------------------------------------------------------------

def test_the_page_without_a_comparison():
    # What a page with nothing to compare says is the screen's: the PDF leaves it (and so the page) out.
    assert changes.markdown(None) == ("This is the first edition of the report: there is no earlier edition to "
                                      "compare it with.\n{: .report-screen-only }\n")
    assert changes.markdown(None, withdrawn=True).startswith("No earlier edition of the report is standing")
    assert changes.markdown(None, note="bad *markup*") == "The earlier edition could not be compared: bad \\*markup\\*.\n"


def test_the_page_when_nothing_changed():
    text = changes.markdown(Changes("2026-03", "March 2026"), "https://example.org/2026-03/")
    assert text == ("This page compares this edition with the previous one, *[March 2026](https://example.org/2026-03/)* "
                    "(edition 2026-03): the figures printed in the report, the records of its data and its sections "
                    "and headings. Nothing that this comparison follows has changed.\n{: .report-screen-only }\n")


def test_the_page_lists_every_kind_of_change():
    found = Changes("2026-03", "March", changed=[("a.b", "1", "2", "A is 2.", "a.md")],
                    added_facts=[("c", "3", "", "a.md")], removed_facts=[("d", "4", "D was 4.")],
                    added_records=[("incidents:INC-1", "log.md"), ("incidents:INC-2", "")],
                    removed_records=["incidents:INC-0"], added_pages=[("b.md", "Beta")], removed_pages=["Gone"],
                    retitled=[("a.md#x", "Old", "New")], added_headings=[("a.md", "z", "Zed")],
                    removed_headings=[("Alpha", "Why")], titles={"a.md": "Alpha", "log.md": "Log"})
    lines = changes.markdown(found).splitlines()
    assert lines[0].startswith("This page compares this edition with the previous one, *March* (edition 2026-03)")
    body = lines[2:]
    assert body == [
        "## Figures that changed", "",
        "- “A is 2.” ([Alpha](a.md)): was 1, now **2**.", "",
        "## Figures added or dropped", "",
        "- New: a figure on [Alpha](a.md): **3**.",
        "- No longer printed: “D was 4.” (was 4).", "",
        "## Records added or removed", "",
        "- Added: INC-1 ([Log](log.md))",
        "- Added: INC-2",
        "- Removed: INC-0", "",
        "## Sections added, removed or retitled", "",
        "- New: [Beta](b.md)",
        "- Removed: Gone",
        "- Retitled: Old → [New](a.md#x)",
        "- New section: [Zed](a.md#z)",
        "- Removed section: Why (from Alpha)",
    ]


def test_names_other_modules_use_are_still_here():
    from report_engine import gitrepo, settings

    assert changes.TAG_PREFIX == gitrepo.TAG_PREFIX == "edition-"
    assert changes.WITHDRAWN_PREFIX == "withdrawn-"
    assert changes.SNAPSHOT_ENV == settings.SNAPSHOT_ENV == "REPORT_SNAPSHOT"
    assert changes.in_git is gitrepo.in_git and changes.tag_commit is gitrepo.tag_commit


def test_a_figure_is_named_by_its_label_or_the_sentence_that_prints_it_never_by_its_path():
    found = Changes("2026-03", "March", changed=[("facts.doubling", "7", "6", "", "k.md"),
                                                 ("facts.runs", "40", "41", "", "k.md")],
                    removed_facts=[("facts.doubling", "5", "")], titles={"k.md": "Key facts"},
                    labels={"facts.doubling": "Doubling time of agents' task length (months)"})
    text = changes.markdown(found)
    assert "- Doubling time of agents' task length (months) ([Key facts](k.md)): was 7, now **6**." in text
    assert "- A figure on [Key facts](k.md): was 40, now **41**." in text
    assert "- No longer printed: Doubling time of agents' task length (months) (was 5)." in text
    assert "facts." not in text


def test_the_sentence_is_the_one_that_prints_the_figure_not_one_that_holds_the_same_number():
    source = ("The gap may not last: {{ citet('kwa2025') }} found that the task length doubles roughly every "
              "{{ fact(\"facts.capabilities.doubling\") }} months.\n\n"
              "/// table-caption\nattrs: {id: tab-facts}\nThe {{ facts|length }} key facts.\n///\n")
    output = ("/// table-caption\nattrs: {id: tab-facts}\nThe 6 key facts.\n///\n\n"
              "The gap may not last: [Kwa et al. (2025)](refs.md#kwa) found that the task length doubles roughly "
              "every 6 months.\n")
    pages = [record("k.md", output, "Key facts")]
    pages[0].template = source
    uses = {"facts.capabilities.doubling": ("k.md", "6")}
    namespaces = {"report": {"figure_labels": {"facts.other": "Other"}}}
    taken = changes.take_snapshot(session(pages, fact_uses=uses), namespaces, "e", "l")
    assert taken.facts["facts.capabilities.doubling"]["sentence"] == (
        "The gap may not last: Kwa et al. (2025) found that the task length doubles roughly every 6 months.")
    assert changes.sentences(output)[0] == "The 6 key facts.", "no block syntax in what a reader reads"
    # A figure printed by a macro: the one sentence that prints the value as a word, or none.
    assert changes.sentence_for("{{ table() }}", "We ran 16 runs. It took 6 days.", "p", "6") == "It took 6 days."
    assert changes.sentence_for("{{ table() }}", "It took 6 days. The 6 facts.", "p", "6") == ""


def test_a_title_loses_the_number_the_engine_gave_it_and_nothing_else():
    assert changes.unnumbered("3.2 Sub-agents") == "Sub-agents"
    assert changes.unnumbered("A.1 Helios detail") == "Helios detail"
    assert changes.unnumbered("Appendix A: Helios Labs") == "Helios Labs"
    assert changes.unnumbered("A section new in June") == "A section new in June"      # a word, not a letter
    assert changes.unnumbered("I  think") == "I think"
