"""Every table rcc writes keeps formula-looking text inert (OWASP CSV injection), whatever reached it.

Reading refuses such identifiers; these tests build the instance directly, past the reader, so they
check the second wall on its own: the writers.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from rcc.data.safe_cells import csv_text, neutralise, safe_table
from rcc.model import Instance
from rcc.outputs import write_outputs
from rcc.report import excel_bytes
from rcc.service import greedy_checked
from tests.builders import child, home

HOSTILE = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_looking_text_gets_a_leading_apostrophe_and_keeps_its_text(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["-3", "+4.5", "-1e3", "C1", "E08000003", "", 12, -7.5, None])
def test_numbers_and_ordinary_text_are_unchanged(value):
    assert neutralise(value) == value


def test_a_table_keeps_its_numbers_and_neutralises_text_labels_and_index():
    table = pd.DataFrame({"id": ["=1+1", "ok"], "km": [-1.5, 2.0]}, index=["@x", "y"])
    safe = safe_table(table)
    assert safe["id"].tolist() == ["'=1+1", "ok"]
    assert safe["km"].tolist() == [-1.5, 2.0]
    assert safe.index.tolist() == ["'@x", "y"]
    assert table["id"].tolist() == ["=1+1", "ok"]  # the caller's table is not changed


def _hostile_solve():
    children = tuple(child(f"=HYPERLINK(\"http://x/{k}\")") for k in range(2))
    homes = (home("@SUM(A1)", provider="+cmd|' /C calc'!A0"), home("-2+3"))
    return greedy_checked(Instance(children, homes))


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_written_csv_files_hold_no_live_formula(tmp_path):
    solved = _hostile_solve()
    assert solved.result.has_plan
    write_outputs(solved, tmp_path)
    for name in ("assignments.csv", "sibling_groups.csv"):
        cells = _cells((tmp_path / name).read_text())
        assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))], name
    assert "'=HYPERLINK(\"http://x/0\")" in _cells((tmp_path / "assignments.csv").read_text())


def test_the_excel_export_holds_text_not_formulas():
    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes(_hostile_solve())))
    values = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert values
    assert not [c.coordinate for c in values if c.data_type == "f"]
    assert "'=HYPERLINK(\"http://x/0\")" in {c.value for c in values}


def test_csv_text_is_what_downloads_send():
    assert _cells(csv_text(pd.DataFrame({"child_id": ["=1"]}))) == ["child_id", "'=1"]
