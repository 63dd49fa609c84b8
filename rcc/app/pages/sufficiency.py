"""Sufficiency what-ifs: change supply, demand or the distance policy; compare with the baseline."""

from __future__ import annotations

import time

import streamlit as st

from rcc import charts
from rcc.app import glossary, state, views
from rcc.app.glossary import TERMS
from rcc.app.home_picker import home_label
from rcc.app.scenario_form import ProgressBar, estimate, scenario_setup
from rcc.data import geo
from rcc.model import KM_PER_MILE, SETTINGS
from rcc.report import outcomes_text
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.sweep import RANKINGS, default_options, solves, sweep
from rcc.scenarios.whatif import (
    SupplyChange,
    change_supply,
    distance_policy,
    scale_demand,
    set_vacancies,
    shortfall_table,
)

# Defaults that finish within a minute on Greater Manchester (see rcc.app.scenario_form): a sweep solves
# every scenario once per what-if plus the baseline (3 authorities × 2 settings × their need levels: 25
# solves a scenario), so it places them the status quo's fast way, in the app, unless rcc is chosen
# (measured: 10 scenarios, 250 solves, in 5.1 s; with rcc each scenario would take about a minute).
SWEEP_SCENARIOS = 40
RANK_BY = {"priorities": "Priorities (children first, then money)", "spend": "Weekly spend saved"}
SHORTFALL_COLUMNS = {"la_name": "Authority", "age_band": "Age band", "need_level": "Need level",
                     "children": "Children", "unplaced": "Without a home", "far_from_home": "More than 20 miles away",
                     "not_met": "Not met well"}


def _scenario_instance(inst):
    names = geo.local_authorities()["la_name"]
    codes = sorted({h.la_code for h in inst.homes} | {c.la_code for c in inst.children})
    label = {c: names.get(c, c) for c in codes}
    st.subheader("Supply")
    cols = st.columns(4)
    la = cols[0].selectbox("Authority", codes, format_func=label.get, key="sup_la")
    setting = cols[1].selectbox("Setting", SETTINGS, key="sup_setting", format_func=charts.setting_name)
    need = cols[2].selectbox("Need level it can meet", [1, 2, 3, 4], index=1, key="sup_need")
    beds = cols[3].number_input("Beds to add (negative removes)", -50, 50, 0, key="sup_beds")
    cols = st.columns(2)
    home_id = cols[0].selectbox("Or change one home", ["(none)"] + [h.home_id for h in inst.homes], key="sup_home",
                                format_func=lambda h: h if h == "(none)" else home_label(inst.home_by_id[h], names))
    home_vacancies = cols[1].number_input("to this many vacancies", 0, 50, 0, key="sup_home_vac",
                                          disabled=home_id == "(none)")
    st.subheader("Demand")
    cols = st.columns(4)
    d_la = cols[0].selectbox("Authority", ["All"] + codes, format_func=lambda c: label.get(c, c), key="dem_la")
    band = cols[1].selectbox("Age band", ["All", "0-4", "5-9", "10-15", "16-17"], key="dem_band")
    d_need = cols[2].selectbox("Need level", ["All", 1, 2, 3, 4], key="dem_need")
    factor = cols[3].number_input("Scale demand by", 0.0, 3.0, 1.0, 0.1, key="dem_factor")
    st.subheader("Distance policy")
    policy_miles = st.number_input("Farthest acceptable home for every child (miles; 0 keeps each child's own)",
                                   0.0, 200.0, 0.0, 5.0, key="policy_miles")
    policy = policy_miles * KM_PER_MILE  # the data's maximum distance is in km
    if policy:
        st.caption(f"{policy_miles:g} miles is {policy:.1f} km, as the children's maximum distance is recorded.")
    scenario = inst
    if home_id != "(none)":
        scenario = set_vacancies(scenario, home_id, int(home_vacancies))
    if beds:
        scenario = change_supply(scenario, SupplyChange(la, setting, int(need), int(beds)))
    if factor != 1.0:
        scenario = scale_demand(scenario, factor, None if d_la == "All" else d_la, None if band == "All" else band,
                                None if d_need == "All" else int(d_need))
    if policy:
        scenario = distance_policy(scenario, policy)
    return scenario


def _sweep_section(inst) -> None:
    """Where to recruit or build next: what-ifs ranked over many sampled demand scenarios."""
    st.header("Where would extra beds help most?")
    st.caption("Each what-if adds beds of one setting and need level in one authority. Every scenario's referrals "
               "are drawn once and placed with and without each what-if, so the gains are paired. Each gain is per "
               "scenario, a mean with its 95% interval; spend saved is real money, negative when the new beds cost "
               "more than they save.")
    setup, workers, parameters = scenario_setup(inst, state.weights(), "sweep", policy="greedy")
    cols = st.columns([1, 1, 1, 2])
    scenarios = cols[0].number_input("Scenarios", 2, 1000, SWEEP_SCENARIOS, 2, key="sweep_n", help=TERMS["scenarios"])
    beds = cols[1].number_input("Beds per what-if", 1, 20, 2, key="sweep_beds")
    top = cols[2].number_input("Busiest authorities to try", 1, 20, 3, key="sweep_top")
    settings = cols[3].multiselect("Settings", SETTINGS, ["foster", "childrens_home"], key="sweep_settings",
                                   format_func=charts.setting_name)
    by = st.radio("Rank what-ifs by", list(RANK_BY), format_func=RANK_BY.get, horizontal=True, key="sweep_by")
    options = default_options(setup, int(beds), int(top), settings) if settings else []
    planned = len(solves(options, range(int(scenarios))))
    st.caption(f"{len(options)} what-ifs and the baseline on {int(scenarios)} scenarios. "
               + estimate(planned, setup.policy.solver, workers))
    if st.button("Run sweep", key="sweep_run") and settings:
        started = time.perf_counter()
        bar = ProgressBar("Solve", setup.policy.solver, workers)
        bar.start(planned)
        with dask_mapper(workers) as mapper:
            ranked, _ = sweep(setup, options, range(int(scenarios)), mapper, by=by, on_done=bar)
        bar.empty()
        state.app().sweep = (by, ranked)
        best = ranked.iloc[0]
        state.record_scenario_run(
            "sweep", inst, {**parameters, "scenarios": int(scenarios), "beds": int(beds), "top_las": int(top),
                            "settings": settings, "ranked_by": by},
            {"what_ifs": len(options), **{f"best_{gain}": float(best[gain]) for gain in views.GAIN_LABELS}},
            ranked.astype(object).where(ranked.notna(), None).to_dict("records"), time.perf_counter() - started)
    if state.app().sweep is not None:
        _ranked(*state.app().sweep)


def _ranked(by: str, ranked) -> None:
    """The ranking's chart of one gain (the ranking's first, unless another is chosen) and the table."""
    gains = list(views.GAIN_LABELS)
    gain = st.selectbox("Chart", gains, gains.index(RANKINGS[by][0]), format_func=views.GAIN_LABELS.get,
                        key="sweep_chart_gain")
    st.plotly_chart(charts.sweep_chart(_in_miles(ranked), gain, views.GAIN_LABELS[gain]), width="stretch")
    st.caption(f"Ranked by {RANK_BY[by].lower()}: "
               + ", then ".join(views.GAIN_LABELS[g].lower() for g in RANKINGS[by]) + ". Each cell is the average "
               "gain per scenario with its 95% interval in brackets; a negative gain is a loss.")
    st.dataframe(views.sweep_table(ranked), hide_index=True, width="stretch")
    glossary.show("scenarios", "interval", "seed")


def _in_miles(ranked):
    """The distance saved in miles, as the chart labels it (the sweep measures km, as the data does)."""
    columns = ["km_saved", "km_saved_low", "km_saved_high"]
    return ranked.assign(**{c: ranked[c] / KM_PER_MILE for c in columns})


def _what_if_section(baseline) -> None:
    """One what-if, solved exactly under the baseline's objective and compared with the baseline solve."""
    scenario = _scenario_instance(baseline.instance)
    if st.button("Solve scenario", type="primary"):
        solved, greedy = state.solve_with_progress(scenario, baseline.weights, 30, state.pins_for(scenario),
                                                   baseline.objective or state.objective(), purpose="what-if")
        if solved.result.has_plan:
            state.app().whatif = (solved, greedy)
        else:
            st.error(f"No plan for this what-if: {solved.result.message}.")
    if state.app().whatif is None:
        return
    solved, _ = state.app().whatif
    st.subheader("Scenario against baseline")
    views.outcome_metrics(solved, baseline, "the baseline plan (Solve page)")
    st.dataframe(outcomes_text({"Baseline": baseline, "Scenario": solved}), width="stretch")
    shortfall = shortfall_table(solved.instance, solved.result.assignment, solved.check)
    st.subheader("Shortfall: who is left without a home or more than 20 miles away")
    st.plotly_chart(charts.shortfall_heatmap(shortfall), width="stretch")
    st.dataframe(shortfall.loc[shortfall["not_met"] > 0, list(SHORTFALL_COLUMNS)].rename(columns=SHORTFALL_COLUMNS),
                 hide_index=True, width="stretch")


def render() -> None:
    st.title("Sufficiency what-ifs")
    baseline = state.app().solved
    if baseline is None:
        st.info("Solve the baseline first (Solve page) to compare one what-if with it; the sweep below needs no "
                "baseline.")
    else:
        _what_if_section(baseline)
    _sweep_section(baseline.instance if baseline else state.ensure_loaded())
