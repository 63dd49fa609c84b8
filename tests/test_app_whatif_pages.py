"""The what-if pages read plainly: homes by name in the picker, caps said aloud, shares within 0–100%,
no raw column names, and a map with approximate outlines and colours that stay put."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from rcc import charts
from rcc.app.home_picker import caps, home_label
from rcc.app.state import AppState
from rcc.data import read_instance
from rcc.model import Weights
from rcc.outlines import authority_outlines
from rcc.scenarios.blockbook import BlockContract, apply_contracts
from rcc.service import greedy_checked, solve_checked
from rcc.solver.params import SolveParams
from tests.builders import home
from tests.conftest import FIXTURES

TIMEOUT = 120
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
NUMBER = re.compile(r"−?-?[\d,]+(?:\.\d+)?")
GM_AUTHORITIES = [f"E080000{n:02d}" for n in range(1, 11)]


@pytest.fixture(scope="module")
def gm():
    return read_instance(FIXTURES / "greater-manchester")


@pytest.fixture(scope="module")
def solved_state(gm) -> AppState:
    """Greater Manchester solved children first (5 s), and two homes block-booked and solved again."""
    weights, quick = Weights(), SolveParams(time_limit=5)
    solved = solve_checked(gm, weights, quick)
    contracts = [BlockContract(h.home_id, 1, round(0.85 * h.weekly_cost, 2))
                 for h in gm.homes if h.vacancies > h.block_booked][:2]
    booked = solve_checked(apply_contracts(gm, contracts), weights, quick)
    return AppState(instance=gm, label="Greater Manchester", solved=solved, greedy=greedy_checked(gm, weights),
                    block=(contracts, booked))


def _page(module: str, state: AppState | None = None) -> AppTest:
    at = AppTest.from_string(f"from rcc.app.pages import {module}\n{module}.render()\n", default_timeout=TIMEOUT)
    if state is not None:
        at.session_state["app"] = state
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _readable(at: AppTest) -> None:
    """No raw snake_case column or row name, no 'None'/'nan' cell, and every share (a row or column named
    with '%') between 0 and 100 — its difference between −100 and +100 points."""
    for frame in at.dataframe:
        table = frame.value
        names = [str(c) for c in table.columns] + [str(v) for v in table.iloc[:, 0]] if len(table.columns) else []
        assert not [n for n in names if SNAKE.match(n)], names
        for column in table.columns:
            text = [str(v) for v in table[column].dropna()]
            assert not [t for t in text if t in ("None", "nan", "NaN")], column
        for _, row in table.iterrows():
            share_row = "%" in str(row.iloc[0])
            for column, value in row.items():
                if not (share_row or "%" in str(column)) or not isinstance(value, str | float | int):
                    continue
                numbers = [float(n.replace(",", "").replace("−", "-")) for n in NUMBER.findall(str(value))]
                low = -100 if column == "Difference" else 0
                assert all(low <= n <= 100 for n in numbers), (row.iloc[0], column, value)


def test_a_home_reads_as_provider_setting_authority_price_and_vacancies():
    label = home_label(home(provider="Bright Futures Ltd", la_code="E08000006", weekly_cost=4250.0, vacancies=3,
                            block_booked=1), {"E08000006": "Salford"})
    assert label == "Bright Futures Ltd · children's home · Salford · £4,250/week · 2 vacancies"


def test_beds_beyond_a_homes_vacancies_are_capped_aloud():
    full, roomy = home("H1", vacancies=3), home("H2", vacancies=9)
    assert caps([full, roomy], 5) == ["Test Provider (H1): capped at 3: the home has 3 vacancies"]
    assert caps([full, roomy], 3) == []


def test_outlines_are_drawn_for_every_greater_manchester_authority():
    """Each of the ten authorities gets an outline around its own postcode districts."""
    from rcc.data import geo

    outlines = authority_outlines(tuple(GM_AUTHORITIES))
    assert sorted(outlines) == GM_AUTHORITIES
    districts = geo.postcode_districts()
    for code, (lons, lats) in outlines.items():
        xs, ys = [x for x in lons if x is not None], [y for y in lats if y is not None]
        mine = districts[districts["la_code"] == code]
        assert len(xs) >= 12, code  # a closed shape of several edges, not a stray line
        assert min(xs) < mine["lon"].min() and mine["lon"].max() < max(xs), code
        assert min(ys) < mine["lat"].min() and mine["lat"].max() < max(ys), code


def test_map_colours_stay_the_same_after_a_solve(gm, solved_state):
    """Homes of each setting and the children keep their colours whether or not match lines are drawn."""
    def colours(figure):
        return {t.name: t.marker.color for t in figure.data if t.mode == "markers"}

    before, after = charts.map_figure(gm), charts.map_figure(gm, solved_state.solved)
    assert colours(before) == colours(after)
    assert colours(before)["homes: foster"] == charts.SETTING_COLOURS["foster"]
    names = [t.name for t in after.data]
    assert names[0] == "authority outlines (approximate)"
    assert {a.text for a in after.layout.annotations} >= {"Manchester", "Salford", "Wigan"}


def test_map_page_says_the_outlines_are_approximate(solved_state):
    at = _run(_page("geomap", solved_state))
    assert any(charts.OUTLINE_NOTE in c.value for c in at.caption)


def test_block_booking_picker_names_homes_and_says_when_beds_are_capped(solved_state):
    at = _run(_page("blockbook", solved_state))
    picker = at.multiselect[0]
    assert all(" · " in option and "/week" in option and "vacanc" in option for option in picker.options)
    assert not [o for o in picker.options if o.lower().startswith("select all")]
    small = next(h for h in solved_state.instance.homes if 0 < h.vacancies - h.block_booked < 5)
    picker.set_value([small.home_id])
    at.number_input[0].set_value(5)
    _run(at)
    free = small.vacancies - small.block_booked
    assert any(f"capped at {free}" in w.value for w in at.warning)


def test_block_booking_evaluation_shows_shares_inside_0_to_100(solved_state):
    """The chosen contracts over 4 sampled scenarios (status quo placement, in this process): readable,
    with every share and its interval inside 0–100%."""
    at = _run(_page("blockbook", solved_state))
    at.selectbox(key="bb_eval_pol").set_value("greedy")
    at.number_input(key="bb_eval_workers").set_value(0)
    at.number_input(key="bb_eval_n").set_value(4)
    at.button(key="bb_eval_run").click()
    _run(at)
    table = at.session_state["app"].block_evaluation
    assert set(table["metric"]) >= {"placed_pct", "own_la_pct"}
    _readable(at)
    shown = at.dataframe[-1].value
    assert "Placed (%)" in set(shown.iloc[:, 0])


def test_sweep_and_scenarios_pages_read_plainly(solved_state):
    """A 3-scenario sweep (status quo placement, in this process), then the saved-scenarios comparison."""
    at = _page("sufficiency", solved_state)
    _run(at)
    at.number_input(key="sweep_workers").set_value(0)
    at.number_input(key="sweep_n").set_value(3)
    at.number_input(key="sweep_top").set_value(1)
    at.multiselect(key="sweep_settings").set_value(["foster"])
    at.button(key="sweep_run").click()
    _run(at)
    assert at.session_state["app"].sweep is not None
    assert any("solves of" in c.value for c in at.caption)  # the time it will take, said before it runs
    _readable(at)
    scenarios = _run(_page("scenarios", solved_state))
    scenarios.button[0].click()
    _run(scenarios)
    _readable(scenarios)


BAR_SCRIPT = """
import streamlit as st
from rcc.app.scenario_form import ProgressBar

bar = ProgressBar("Scenario", "cpsat", 2)
bar.start(12)
if st.session_state.get("done"):
    bar(st.session_state["done"], 12)
"""


def test_the_bar_says_what_is_running_then_counts_solves_with_time_left():
    """Before the first solve ends: what is running and the estimate; after 3 of 12: the count and time left."""
    # from_string, not from_function: that leaves a __main__ which dask's worker processes cannot import
    at = AppTest.from_string(BAR_SCRIPT, default_timeout=TIMEOUT)
    at.run()
    assert at.get("progress")[0].proto.text == "Scenarios 1–2 of 12 running · about 30 s in all"
    at.session_state["done"] = 3
    at.run()
    shown = at.get("progress")[0].proto
    assert shown.text.startswith("Scenario 3 of 12 done · about ") and shown.text.endswith(" s left")
    assert shown.value == 25
