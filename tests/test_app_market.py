"""The Market page: spend by sector, the five largest owners' share, HHI and small local providers on the
bundled region, in plain words; and the Solve page's market guards reaching the solve."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rcc.app.state import AppState
from rcc.data import read_instance
from rcc.market import market_summary
from rcc.service import SolveParams, greedy_checked, solve_checked
from tests.conftest import FIXTURES

TIMEOUT = 120
RAW = {"sector", "owner", "weekly_spend", "spend_pct", "placements_pct", "top_five_pct", "hhi", "small_local_pct",
       "la_code", "la_name", "private_spend", "local_authority", "not_recorded"}


@pytest.fixture(scope="module")
def plans():
    """The bundled region's open market (its family and friends carers, each for one child, left out: the
    market is what is bought), solved children first and by the status quo."""
    gm = read_instance(FIXTURES / "greater-manchester")
    market = gm.replace(homes=tuple(h for h in gm.homes if h.reserved_for is None))
    return solve_checked(market, params=SolveParams(time_limit=10, workers=1)), greedy_checked(market)


def _page(solved, greedy) -> AppTest:
    at = AppTest.from_string("from rcc.app.pages import market\nmarket.render()\n", default_timeout=TIMEOUT)
    at.session_state["app"] = AppState(instance=solved.instance, label="greater-manchester", solved=solved,
                                       greedy=greedy)
    return at


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe] + [t.value.reset_index() for t in at.table]


def _percentages(at: AppTest) -> list[float]:
    texts = [m.value for m in at.metric] + [str(v) for t in _tables(at) for v in t.to_numpy().ravel()]
    return [float(p) for text in texts for p in re.findall(r"(-?[\d.]+)%", text)]


def test_market_page_shows_spend_by_sector_top_five_and_hhi_in_plain_words(plans):
    solved, greedy = plans
    at = _page(solved, greedy)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    expected = market_summary(solved.instance, solved.result.assignment, solved.check)
    figures = {m.label: m.value for m in at.metric}
    assert figures["Five largest owners' share of spend"] == f"{expected['top_five_pct']:.1f}%"
    assert figures["Market concentration (HHI)"] == f"{expected['hhi']:,.0f}"
    assert figures["Weekly spend with private providers"] == f"£{expected['private_spend']:,.0f}/week"
    sectors = next(t for t in _tables(at) if "Share of spend" in t.columns and "Sector" in t.columns)
    assert list(sectors["Sector"]) == ["Council", "Private", "Voluntary"]
    headings = {str(c) for t in _tables(at) for c in t.columns}
    assert not headings & RAW and "Authority" in headings
    assert all(0 <= p <= 100 for p in _percentages(at)), _percentages(at)
    assert any("concentrated" in c.value for c in at.caption)
    assert len(at.get("arrow_vega_lite_chart")) >= 1 or len(at.get("vega_lite_chart")) >= 1


def test_market_page_says_when_the_homes_record_no_market(plans):
    solved, greedy = plans
    plain = solved.instance.replace(homes=tuple(h.replace(sector=None, owner=None) for h in solved.instance.homes))
    bare = greedy_checked(plain)
    at = _page(bare, None)
    at.run()
    assert not at.exception
    assert "no sector or owner" in at.info[0].value and not at.metric


def test_solve_page_market_guards_are_kept_for_the_solve():
    """The Solve page's market guards become the objective's guards the Solve button (and every what-if)
    uses; a value out of range is refused by the widget, never solved with."""
    at = AppTest.from_string("from rcc.app.pages import solve\nsolve.render()\n", default_timeout=TIMEOUT)
    at.run()
    at.number_input(key="guard_small_local").set_value(20.0)
    at.number_input(key="guard_private_spend").set_value(250_000.0)
    at.number_input(key="guard_small_provider_homes").set_value(2)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    guards = at.session_state["app"].objective.guards
    assert (guards.small_local_pct, guards.private_spend, guards.small_provider_homes) == (20.0, 250_000.0, 2)
