"""The "Beyond the region" page: the national-commissioning list and the pooled what-if, in plain words."""

from __future__ import annotations

import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from rcc.beyond_region import LIST_COLUMNS, beyond_region
from rcc.data import read_instance
from tests.conftest import FIXTURES

TIMEOUT = 120
RAW = set(LIST_COLUMNS) | {"home_id", "home_authority", "shared_as", "weekly_cost", "miles", "label", "la_code"}


def _page() -> AppTest:
    return AppTest.from_string("from rcc.app.pages import beyond\nbeyond.render()\n", default_timeout=TIMEOUT)


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe] + [t.value.reset_index() for t in at.table]


def _headings(at: AppTest) -> set[str]:
    return {str(c) for table in _tables(at) for c in table.columns}


def test_the_page_lists_the_bundled_regions_children_beyond_it_by_reason_and_authority():
    """The count, the reasons and authorities in words, every listed child with why; no raw column names."""
    at = _page()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    listed = beyond_region(read_instance(FIXTURES / "greater-manchester"))
    assert at.metric[0].value == f"{len(listed.children):,}"
    headings = _headings(at)
    assert {"Child", "Authority", "Reason", "Why", "Children"} <= headings and not headings & RAW
    every = next(t for t in _tables(at) if "Why" in t.columns)
    assert sorted(every["Child"]) == sorted(listed.child_ids)
    assert set(every["Authority"]) <= set(listed.children["authority"]) and "E08000003" not in set(every["Authority"])


def test_sharing_the_neighbours_homes_reports_children_placed_distance_and_spend():
    """The pooled what-if on the bundled neighbour, beds as listed: the four figures and one row per flagged
    child, in plain words, blanks as a dash."""
    at = _page()
    at.run()
    at.radio(key="pool_other_plan").set_value("as-given")
    at.button(key="pool_run").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    figures = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"\d+ of \d+", figures["More children placed"])
    assert figures["Weekly spend"].startswith("£") and figures["Weekly spend"].endswith("/week")
    assert "Mean distance" in figures and "Shared homes (beds)" in figures
    pooled = next(t for t in _tables(at) if "Home's authority" in t.columns)
    assert not _headings(at) & RAW and "None" not in pooled.astype(str).to_numpy()
    assert "Its vacancies as listed" in " ".join(c.value for c in at.caption)
