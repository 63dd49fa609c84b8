"""Open a home: a new RCC-run or voluntary home at a postcode district, judged over sampled demand against the
region as it is (weekly spend saved, children brought within 20 miles and into their own authority, children
without a home avoided, payback in weeks); where to open it; and when block contracts pay as spot prices rise.

Every figure of the home — setting, beds, ages, need level, specialisms, running and capital cost — is a field
on the page, never a default hidden in the engine (:mod:`rcc.scenarios.capital`)."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict

import pandas as pd
import streamlit as st

from rcc import charts
from rcc.app import glossary, state, views
from rcc.app.glossary import TERMS
from rcc.app.scenario_form import ProgressBar, estimate, scenario_setup
from rcc.model import NEED_LEVELS, SETTINGS, Instance
from rcc.scenarios import capital, drift
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.evaluate import evaluate

# Defaults that finish in about a minute on Greater Manchester (see rcc.app.scenario_form): opening a home
# places each scenario twice with rcc (10 × 2 solves of ~5 s on 2 workers: measured 61 s); the search places
# every scenario once per district plus once as it is, the status quo's fast way unless rcc is chosen; the
# price drift evaluates each scenario twice, like the Block-booking page.
OPEN_SCENARIOS, SEARCH_SCENARIOS, DRIFT_SCENARIOS = 10, 20, 10
RUNNERS = {"local_authority": "The RCC's authorities", "voluntary": "A voluntary provider"}
RANK_BY = {"children": "Children first (the priorities' order), then payback", "payback": "Payback first"}
DEFAULT_CAPITAL = 1_500_000  # an example to replace with the scheme's own figure; said on the page


def render() -> None:
    st.title("Open a home")
    inst = state.ensure_loaded()
    st.caption("A new home run by the RCC's authorities or a voluntary provider, at a postcode district's centre. "
               "Its running cost is paid every week whether its beds are filled or not, so the weekly spend with "
               "the home counts the whole running cost, void beds included.")
    new = _home_form(inst)
    _open_section(inst, new)
    _where_section(inst, new)
    _drift_section(inst)


def _region_districts(inst: Instance) -> dict[str, str]:
    """District → 'M8 · Manchester', for every district of the region's authorities."""
    names = views.authority_names()
    codes = sorted({h.la_code for h in inst.homes} | {c.la_code for c in inst.children})
    return {d: f"{d} · {names.get(code, code)}" for code in codes for d in capital.candidate_districts(code)}


def _typical_price(inst: Instance, setting: str) -> float:
    prices = [h.weekly_cost for h in inst.homes if h.setting == setting] or [h.weekly_cost for h in inst.homes]
    return statistics.median(prices)


def _home_form(inst: Instance) -> capital.NewHome:
    st.header("The home")
    districts = _region_districts(inst)
    options = list(districts)
    cols = st.columns(4)
    district = cols[0].selectbox("Postcode district", options, options.index("M8") if "M8" in options else 0,
                                 format_func=districts.get, key="oh_district")
    setting = cols[1].selectbox("Setting", SETTINGS, SETTINGS.index("childrens_home"), key="oh_setting",
                                format_func=charts.setting_name)
    beds = int(cols[2].number_input("Beds", 1, 50, 4, key="oh_beds"))
    runner = cols[3].radio("Run by", list(RUNNERS), format_func=RUNNERS.get, key="oh_runner")
    cols = st.columns(3)
    ages = cols[0].slider("Ages it takes", 0, capital.OLDEST, (8, capital.OLDEST), key="oh_ages")
    need = cols[1].selectbox("Highest need level it meets", NEED_LEVELS, NEED_LEVELS.index(3), key="oh_need")
    known = sorted({n for c in inst.children for n in c.needs} | {s for h in inst.homes for s in h.specialisms})
    specialisms = cols[2].multiselect("Specialisms it offers", known, key="oh_specialisms",
                                      format_func=lambda s: s.replace("_", " "))
    price = _typical_price(inst, setting)
    cols = st.columns(2)
    running = cols[0].number_input("Running cost (£ a week for the whole home)", 0.0, 1e7,
                                   float(round(beds * price, -2)), 100.0, key=f"oh_running_{setting}_{beds}",
                                   help="Staff, building and overheads: paid whether its beds are filled or not.")
    capital_cost = cols[1].number_input("Capital cost (£, once)", 0.0, 1e9, float(DEFAULT_CAPITAL), 10_000.0,
                                        key="oh_capital", help="Buying or building, refurbishing and registering "
                                        "the home.")
    st.caption(f"The running cost starts at {beds} beds × £{price:,.0f} a week, the region's median spot price for a "
               f"{charts.setting_name(setting)} place; the capital cost starts at an example "
               f"£{DEFAULT_CAPITAL:,.0f}. Enter your own figures.")
    return capital.NewHome(district, setting, beds, int(ages[0]), int(ages[1]), int(need), float(running),
                           float(capital_cost), frozenset(specialisms), runner)


def _interval(mean: float, low: float, high: float, money: bool = False) -> str:
    def shown(value: float) -> str:
        return views.pounds(value) if money else f"{round(value, 1) + 0.0:,.1f}".replace("-", "−")
    return shown(mean) if pd.isna(low) or pd.isna(high) else f"{shown(mean)} ({shown(low)} to {shown(high)})"


def _payback_words(row: dict) -> str:
    words = capital.payback_words(row["payback_weeks"])
    soonest, latest = row["payback_soonest"], row["payback_latest"]
    if row["payback_weeks"] is None or soonest is None:
        return words
    return f"{words}; 95% interval {soonest:,.0f} weeks to {'never' if latest is None else f'{latest:,.0f} weeks'}"


def _open_section(inst: Instance, new: capital.NewHome) -> None:
    st.header("Over sampled future demand")
    setup, workers, parameters = scenario_setup(inst, state.weights(), "oh")
    scenarios = int(st.number_input("Scenarios", 2, 1000, OPEN_SCENARIOS, 2, key="oh_n", help=TERMS["scenarios"]))
    st.caption(estimate(2 * scenarios, setup.policy.solver, workers) + " Each scenario is placed twice: as the "
               "region is, and with the new home.")
    if st.button("Open the home", type="primary", key="oh_run"):
        problems = new.problems()
        if problems:
            st.error("The home cannot be opened as described: " + "; ".join(problems) + ".")
            return
        started = time.perf_counter()
        bar = ProgressBar("Solve", setup.policy.solver, workers)
        bar.start(2 * scenarios)
        with dask_mapper(workers) as mapper:
            row, _ = capital.open_home(setup, new, range(scenarios), mapper, bar)
        bar.empty()
        state.app().open_home = (new, row)
        state.record_scenario_run("open_home", inst, {**parameters, "scenarios": scenarios, **_fields(new)},
                                  {k: row[k] for k in (*capital.GAINS, "payback_weeks")}, row,
                                  time.perf_counter() - started)
    if state.app().open_home is not None:
        _opened(*state.app().open_home)


def _fields(new: capital.NewHome) -> dict:
    return {**asdict(new), "specialisms": sorted(new.specialisms)}


def _opened(new: capital.NewHome, row: dict) -> None:
    st.subheader(f"A {new.beds}-bed {charts.setting_name(new.setting)} in {new.district}")
    cols = st.columns(3)
    cols[0].metric("Weekly spend saved", f"{views.pounds(row['spend_saved'])}/week",
                   help="The weekly bill as the region is, minus the bill with the home (its whole running cost "
                        "included). Negative: the home costs more than it saves.")
    cols[1].metric("Payback", capital.payback_words(row["payback_weeks"]), help=TERMS["payback"])
    cols[2].metric("Beds used on average", f"{row['home_used']:.1f} of {new.beds}")
    table = pd.DataFrame([{"": label, "Average per scenario (interval)":
                           _interval(row[name], row[f"{name}_low"], row[f"{name}_high"], name == "spend_saved")}
                          for name, (_, _, label) in capital.GAINS.items()])
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Weekly bill as the region is {views.pounds(row['bill_without'])}, with the home "
               f"{views.pounds(row['bill_with'])} (averages). Payback: {_payback_words(row)}. Intervals are 95% "
               "intervals. Children are counted per scenario, with the home minus without it, on the same sampled "
               "referrals.")
    glossary.show("scenarios", "interval")


def _where_section(inst: Instance, new: capital.NewHome) -> None:
    st.header("Where to open it")
    names = views.authority_names()
    codes = sorted({h.la_code for h in inst.homes} | {c.la_code for c in inst.children})
    authority = st.selectbox("Authority", codes, codes.index(new.la_code) if new.la_code in codes else 0,
                             format_func=lambda c: names.get(c, c), key="wo_la")
    districts = capital.candidate_districts(authority)
    chosen = st.multiselect("Districts to compare", districts, districts, key=f"wo_districts_{authority}")
    by = st.radio("Rank by", list(RANK_BY), format_func=RANK_BY.get, horizontal=True, key="wo_by")
    setup, workers, parameters = scenario_setup(inst, state.weights(), "wo", policy="greedy")
    scenarios = int(st.number_input("Scenarios", 2, 1000, SEARCH_SCENARIOS, 2, key="wo_n", help=TERMS["scenarios"]))
    st.caption(estimate((len(chosen) + 1) * scenarios, setup.policy.solver, workers) + " The home above is opened "
               "at each district in turn, on the same scenarios.")
    if chosen and st.button("Rank the districts", key="wo_run"):
        problems = sorted({p for d in chosen for p in new.at(d).problems()})
        if problems:
            st.error("The home cannot be opened as described: " + "; ".join(problems) + ".")
            return
        started = time.perf_counter()
        bar = ProgressBar("Solve", setup.policy.solver, workers)
        bar.start((len(chosen) + 1) * scenarios)
        with dask_mapper(workers) as mapper:
            ranked, _ = capital.where_to_open(setup, new, chosen, range(scenarios), mapper, by, bar)
        bar.empty()
        state.app().where_to_open = (by, ranked)
        state.record_scenario_run("where_to_open", inst, {**parameters, "scenarios": scenarios, "rank_by": by,
                                                          **_fields(new) | {"district": None}},
                                  {"districts": len(chosen), "best": ranked.loc[0, "district"]},
                                  ranked.astype(object).where(ranked.notna(), None).to_dict("records"),
                                  time.perf_counter() - started)
    if state.app().where_to_open is not None:
        by, ranked = state.app().where_to_open
        st.dataframe(_ranking_table(ranked), hide_index=True, width="stretch")
        st.caption(f"Ranked by {RANK_BY[by].lower()}; each cell is the average per scenario with its 95% interval.")


def _ranking_table(ranked: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"District": ranked["district"], "Authority": ranked["la_name"]})
    for name, (_, _, label) in capital.GAINS.items():
        table[label] = [_interval(r[name], r[f"{name}_low"], r[f"{name}_high"], name == "spend_saved")
                        for _, r in ranked.iterrows()]
    table["Payback"] = [capital.payback_words(None if pd.isna(w) else w) for w in ranked["payback_weeks"]]
    return table


def _drift_section(inst: Instance) -> None:
    st.header("When does a block contract pay, as spot prices rise?")
    chosen = state.app().block
    if chosen is None:
        st.info("Choose block contracts on the Block-booking page and evaluate them; they are priced here as spot "
                "prices rise year by year while the contracts keep their price.")
        return
    contracts = chosen[0]
    st.caption(f"{len(contracts)} contract(s) from the Block-booking page: {sum(c.beds for c in contracts)} bed(s), "
               f"{views.pounds(drift.contract_bill(contracts))} a week, used or not.")
    cols = st.columns(2)
    rise = cols[0].slider("Spot prices rise each year (%)", 0.0, 20.0, 5.0, 0.5, key="pd_rise") / 100
    years = int(cols[1].number_input("Years", 1, 30, 10, key="pd_years"))
    setup, workers, parameters = scenario_setup(inst, state.weights(), "pd")
    scenarios = int(st.number_input("Scenarios", 2, 1000, DRIFT_SCENARIOS, 2, key="pd_n", help=TERMS["scenarios"]))
    st.caption(estimate(2 * scenarios, setup.policy.solver, workers) + " Each scenario is placed with the contracts "
               "and buying every place spot at today's prices; each later year reprices the spot places.")
    if st.button("Price the years", key="pd_run"):
        started = time.perf_counter()
        bar = ProgressBar("Scenario", setup.policy.solver, workers)
        bar.start(scenarios)
        with dask_mapper(workers) as mapper:
            rows = evaluate(setup, contracts, range(scenarios), mapper, bar)
        bar.empty()
        table = drift.drift(rows, contracts, rise, years)
        state.app().price_drift = table
        state.record_scenario_run("price_drift", inst, {**parameters, "scenarios": scenarios, "rise": rise,
                                                        "years": years, "contracts": [asdict(c) for c in contracts]},
                                  {"verdict": drift.verdict(table)},
                                  table.astype(object).where(table.notna(), None).to_dict("records"),
                                  time.perf_counter() - started)
    if state.app().price_drift is not None:
        table = state.app().price_drift
        st.markdown(f"**{drift.verdict(table)}**")
        st.dataframe(pd.DataFrame({
            "Year": table["year"],
            "Spot price index (today = 1)": table["spot_price_index"].map(lambda v: f"{v:.3f}"),
            "Bill buying spot only (£ a year)": table["spot_only_bill"].map(views.pounds),
            "Bill with the contracts (£ a year)": table["with_contracts_bill"].map(views.pounds),
            "Saved by the contracts this year": [_interval(*r, money=True) for r in
                                                 table[["saving", "saving_low", "saving_high"]].to_numpy()],
            "Saved so far": [_interval(*r, money=True) for r in
                             table[["cumulative_saving", "cumulative_low", "cumulative_high"]].to_numpy()],
        }), hide_index=True, width="stretch")
        st.caption("Averages over the scenarios with 95% intervals; a negative saving means the contracts cost more "
                   "than buying spot that year.")
