"""Disclosure decisions (disclosures.py), in process: data/disclosures.yml read as values. The
disclosure process in built reports is in test_disclosures.py."""

from __future__ import annotations

import pytest

from conftest import REPORT_YML
from report_engine import disclosures
from report_engine.data import load_data
from report_engine.errors import ReportError
from test_disclosures import DECIDED

pytestmark = pytest.mark.unit


def test_decisions_load_as_values(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "report.yml").write_text(REPORT_YML)
    (tmp_path / "data" / "disclosures.yml").write_text(DECIDED)
    data = load_data(tmp_path / "data", tmp_path)
    decided = disclosures.load(data.namespaces, data.files)
    assert decided["helios-eval"].material and decided["helios-eval"].note == "Evaluation details were withheld."
    assert decided["quill-incident"].decision == "anonymised" and decided["quill-incident"].line == 3
    (tmp_path / "data" / "disclosures.yml").write_text("x: {decision: maybe}\n")
    data = load_data(tmp_path / "data", tmp_path)
    with pytest.raises(ReportError):
        disclosures.load(data.namespaces, data.files)


def test_a_returned_packet_with_nothing_to_decide_holds_no_decisions(tmp_path) -> None:
    """A participant with no non-public items gets a decisions file of comments only; sent back
    as it is, it holds no decisions and no error."""
    from report_engine.review import check_returned

    returned = tmp_path / "decisions.yml"
    returned.write_text("# Nothing of yours is non-public in this edition.\n", encoding="utf-8")
    assert check_returned(returned, "decisions.yml", {}, {}, "helios") == ({}, [])
    returned.write_text("- a list\n", encoding="utf-8")
    assert check_returned(returned, "decisions.yml", {}, {}, "helios")[1] == [
        "decisions.yml:1: a decision file maps item ids to decisions"]
