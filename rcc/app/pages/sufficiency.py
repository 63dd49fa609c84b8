"""Sufficiency what-ifs: change supply, demand or the distance policy; compare with the baseline."""

from __future__ import annotations

import time

import streamlit as st

from rcc import charts
from rcc.app import state, views
from rcc.app.scenario_form import progress_bar, scenario_setup
from rcc.data import geo
from rcc.model import SETTINGS
from rcc.report import outcomes_text
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.sweep import RANKINGS, default_options, sweep
from rcc.scenarios.whatif import (
    SupplyChange,
    change_supply,
    distance_policy,
    scale_demand,
    set_vacancies,
    shortfall_table,
)

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
    setting = cols[1].selectbox("Setting", SETTINGS, key="sup_setting", format_func=lambda s: s.replace("_", " "))
    need = cols[2].selectbox("Need level it can meet", [1, 2, 3, 4], index=1, key="sup_need")
    beds = cols[3].number_input("Beds to add (negative removes)", -50, 50, 0, key="sup_beds")
    cols = st.columns(2)
    home_id = cols[0].selectbox("Or change one home", ["(none)"] + [h.home_id for h in inst.homes], key="sup_home")
    home_vacancies = cols[1].number_input("to this many vacancies", 0, 50, 0, key="sup_home_vac",
                                          disabled=home_id == "(none)")
    st.subheader("Demand")
    cols = st.columns(4)
    d_la = cols[0].selectbox("Authority", ["All"] + codes, format_func=lambda c: label.get(c, c), key="dem_la")
    band = cols[1].selectbox("Age band", ["All", "0-4", "5-9", "10-15", "16-17"], key="dem_band")
    d_need = cols[2].selectbox("Need level", ["All", 1, 2, 3, 4], key="dem_need")
    factor = cols[3].number_input("Scale demand by", 0.0, 3.0, 1.0, 0.1, key="dem_factor")
    st.subheader("Distance policy")
    policy = st.number_input("Farthest acceptable home for every child (km; 0 keeps each child's own)", 0.0, 300.0,
                             0.0, 5.0, key="policy")
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
    setup, workers, parameters = scenario_setup(inst, state.weights(), "sweep")
    cols = st.columns([1, 1, 1, 2])
    scenarios = cols[0].number_input("Scenarios", 5, 1000, 50, 5, key="sweep_n")
    beds = cols[1].number_input("Beds per what-if", 1, 20, 2, key="sweep_beds")
    top = cols[2].number_input("Busiest authorities to try", 1, 20, 3, key="sweep_top")
    settings = cols[3].multiselect("Settings", SETTINGS, ["foster", "childrens_home"], key="sweep_settings",
                                   format_func=lambda s: s.replace("_", " "))
    by = st.radio("Rank what-ifs by", list(RANK_BY), format_func=RANK_BY.get, horizontal=True, key="sweep_by")
    if st.button("Run sweep", key="sweep_run") and settings:
        options = default_options(setup, int(beds), int(top), settings)
        started = time.perf_counter()
        bar, progress = progress_bar(f"{len(options)} what-ifs")
        with dask_mapper(workers, progress=progress) as mapper:
            ranked, _ = sweep(setup, options, range(int(scenarios)), mapper, by=by)
        bar.empty()
        st.session_state["sweep_result"] = (by, ranked)
        best = ranked.iloc[0]
        state.record_scenario_run(
            "sweep", inst, {**parameters, "scenarios": int(scenarios), "beds": int(beds), "top_las": int(top),
                            "settings": settings, "ranked_by": by},
            {"what_ifs": len(options), **{f"best_{gain}": float(best[gain]) for gain in views.GAIN_LABELS}},
            ranked.astype(object).where(ranked.notna(), None).to_dict("records"), time.perf_counter() - started)
    if "sweep_result" in st.session_state:
        _ranked(*st.session_state["sweep_result"])


def _ranked(by: str, ranked) -> None:
    """The ranking's chart of one gain (the ranking's first, unless another is chosen) and the table."""
    gains = list(views.GAIN_LABELS)
    gain = st.selectbox("Chart", gains, gains.index(RANKINGS[by][0]), format_func=views.GAIN_LABELS.get,
                        key="sweep_chart_gain")
    st.plotly_chart(charts.sweep_chart(ranked, gain, views.GAIN_LABELS[gain]), width="stretch")
    st.caption(f"Ranked by {RANK_BY[by].lower()}: "
               + ", then ".join(views.GAIN_LABELS[g].lower() for g in RANKINGS[by]) + ".")
    st.dataframe(views.sweep_table(ranked), hide_index=True, width="stretch")


def _what_if_section(baseline) -> None:
    """One what-if, solved exactly under the baseline's objective and compared with the baseline solve."""
    scenario = _scenario_instance(baseline.instance)
    if st.button("Solve scenario", type="primary"):
        solved, greedy = state.solve_with_progress(scenario, baseline.weights, 30, None,
                                                   baseline.objective or state.objective())
        if solved.result.has_plan:
            st.session_state["scenario_result"] = (solved, greedy)
        else:
            st.error(f"No plan for this what-if: {solved.result.message}.")
    if "scenario_result" not in st.session_state:
        return
    solved, _ = st.session_state["scenario_result"]
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
    baseline = st.session_state.get("solved")
    if baseline is None:
        st.info("Solve the baseline first (Solve page) to compare one what-if with it; the sweep below needs no "
                "baseline.")
    else:
        _what_if_section(baseline)
    _sweep_section(baseline.instance if baseline else state.ensure_loaded())
