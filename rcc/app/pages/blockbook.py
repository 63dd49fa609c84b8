"""Block-booking what-ifs: buy beds ahead at a per-bed price, paid whether used or not. Judged on the real
weekly bill (spot placements plus every contracted bed) and on the children, never on the score."""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd
import streamlit as st

from rcc.app import glossary, state, views
from rcc.app.glossary import TERMS
from rcc.app.home_picker import bookable, caps, free_beds, home_label
from rcc.app.scenario_form import ProgressBar, estimate, scenario_setup
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.evaluate import evaluate, summary
from rcc.scenarios.optimise import optimise, validate_out_of_sample

# Defaults that finish in about a minute on Greater Manchester (see rcc.app.scenario_form): the evaluation
# places 2 × 10 scenarios with rcc (~5 s each, 2 workers: measured 70 s on a busy machine); the
# recommender's search, which re-solves every in-sample scenario for each bed it tries (up to 310 solves
# here), uses the status quo's fast placement in the app unless rcc is chosen.
EVALUATION_SCENARIOS = 10
SEARCH = {"in_sample": 10, "out_of_sample": 20, "max_beds": 10, "candidates": 3}


def render() -> None:
    st.title("Block-booking what-ifs")
    baseline = state.app().solved
    if baseline is None:
        st.info("Solve the baseline first (Solve page) to evaluate contracts you choose; the optimiser below needs "
                "no baseline.")
        _optimiser(state.ensure_loaded(), state.weights())
        return
    _chosen_contracts(baseline)
    _optimiser(baseline.instance, baseline.weights)


def _pick_contracts(inst) -> list[BlockContract]:
    """Homes as commissioners know them (searchable by provider, setting, authority or price), beds per home
    capped at what each home can still book — and the cap said on the page, never applied silently."""
    names = views.authority_names()
    open_homes = bookable(inst.homes, names)
    by_provider = st.radio("Book by", ["home", "provider"], horizontal=True)
    if by_provider == "provider":
        provider = st.selectbox("Provider", sorted({h.provider for h in open_homes}))
        homes = [h for h in open_homes if h.provider == provider]
    else:
        ids = st.multiselect("Homes", [h.home_id for h in open_homes], select_all=False,
                             format_func=lambda home_id: home_label(inst.home_by_id[home_id], names),
                             placeholder="Type a provider, setting, authority or price to search")
        homes = [inst.home_by_id[h] for h in ids]
    cols = st.columns(2)
    beds = cols[0].number_input("Beds per home", 1, 20, 1)
    discount = cols[1].slider("Discount on the spot price (%)", 0, 50, 15)
    for sentence in caps(homes, int(beds)):
        st.warning(f"{sentence}.")
    return [BlockContract(h.home_id, min(int(beds), free_beds(h)), round(h.weekly_cost * (1 - discount / 100), 2))
            for h in homes]


def _chosen_contracts(baseline) -> None:
    inst = baseline.instance
    contracts = _pick_contracts(inst)
    st.caption("Evaluate the contracts you choose on today's waiting children below, or over sampled future "
               "demand with intervals; further down, the optimiser recommends contracts.")
    if contracts and st.button("Evaluate contracts", type="primary"):
        contracted = apply_contracts(inst, contracts)
        solved, _ = state.solve_with_progress(contracted, baseline.weights, 30, state.pins_for(contracted),
                                              baseline.objective or state.objective(), purpose="block-booking what-if")
        if solved.result.has_plan:
            state.app().block = (contracts, solved)
        else:
            st.error(f"No plan with these contracts: {solved.result.message}.")
    if state.app().block is None:
        return
    contracts, solved = state.app().block
    costs = contract_costs(solved.instance, contracts, solved.result.assignment)
    bill = solved.check.measures["weekly_spend"] + costs["contract_bill"]
    cols = st.columns(4)
    change = bill - baseline.check.measures["weekly_spend"]
    cols[0].metric("Weekly bill incl. void beds", f"£{bill:,.0f}/week",
                   f"{'+' if change > 0 else '-'}£{abs(change):,.0f}/week vs the current plan", "inverse")
    cols[1].metric("Contracted beds", costs["contracted_beds"])
    cols[2].metric("Void beds", costs["void_beds"])
    cols[3].metric("Utilisation", f"{costs['utilisation_pct']:.0f}%" if costs["utilisation_pct"] is not None else "—")
    st.caption(f"The bill adds the contracts (£{costs['contract_bill']:,.0f}/week, used or not) to the spot "
               "placements; the weekly spend below counts the spot placements only.")
    views.outcome_metrics(solved, baseline, "the current plan, without these contracts")
    _intervals(inst, baseline.weights, contracts)


def _intervals(inst, weights, contracts) -> None:
    """The chosen contracts over sampled future demand: means and 95% intervals against spot."""
    st.subheader("Over sampled future demand")
    setup, workers, parameters = scenario_setup(inst, weights, "bb_eval")
    scenarios = st.number_input("Scenarios", 2, 1000, EVALUATION_SCENARIOS, 2, key="bb_eval_n", help=TERMS["scenarios"])
    st.caption(estimate(2 * int(scenarios), setup.policy.solver, workers) + " Each scenario is placed twice: with "
               "the contracts and buying every place spot.")
    if st.button("Evaluate over scenarios", key="bb_eval_run"):
        started = time.perf_counter()
        bar = ProgressBar("Scenario", setup.policy.solver, workers)
        bar.start(int(scenarios))
        with dask_mapper(workers) as mapper:
            table = summary(evaluate(setup, contracts, range(int(scenarios)), mapper, bar))
        bar.empty()
        state.app().block_evaluation = table
        bill = table.set_index("metric").loc["weekly_bill"]
        state.record_scenario_run(
            "evaluate", inst, {**parameters, "scenarios": int(scenarios),
                               "contracts": [asdict(c) for c in contracts]},
            {"weekly_bill_saved": float(-bill["difference"])}, _records(table), time.perf_counter() - started)
    if state.app().block_evaluation is not None:
        _summary(state.app().block_evaluation)


def _records(table) -> list[dict]:
    return table.astype(object).where(table.notna(), None).to_dict("records")


def _optimiser(inst, weights) -> None:
    """Recommend contracts: searched on in-sample scenarios, validated on fresh ones."""
    st.header("Recommend block contracts")
    st.caption("Beds are added one at a time where P(the bed is used) × spot price beats the contract price. A bed "
               "is kept only if the in-sample mean weekly bill (contracts plus spot placements) falls and no "
               "children-first measure worsens (children without a home, brothers and sisters apart, placed more "
               "than 20 miles away or outside their authority). The recommendation is then measured on scenarios "
               "the search never saw.")
    setup, workers, parameters = scenario_setup(inst, weights, "bb_opt", policy="greedy")
    cols = st.columns(4)
    discount = cols[0].slider("Discount (%)", 0, 50, 15, key="bb_opt_discount") / 100
    in_sample = cols[1].number_input("In-sample scenarios", 2, 200, SEARCH["in_sample"], key="bb_opt_in",
                                     help=TERMS["in-sample"])
    fresh = cols[2].number_input("Out-of-sample scenarios", 2, 1000, SEARCH["out_of_sample"], key="bb_opt_out",
                                 help=TERMS["out-of-sample"])
    max_beds = cols[3].number_input("At most this many beds", 1, 200, SEARCH["max_beds"], key="bb_opt_max")
    most = int(in_sample) * (1 + SEARCH["candidates"] * int(max_beds)) + 2 * int(fresh)
    st.caption(estimate(most, setup.policy.solver, workers, most=True) + " The search stops as soon as no further "
               "bed lowers the bill, usually well before.")
    if st.button("Recommend contracts", type="primary", key="bb_opt_run"):
        started = time.perf_counter()
        bar = ProgressBar("Solve", setup.policy.solver, workers)
        with dask_mapper(workers) as mapper:
            rec = optimise(setup, discount, range(int(in_sample)), mapper, SEARCH["candidates"], int(max_beds),
                           on_done=bar, on_stage=bar.stage)
            bar.stage(f"Checking the recommendation on {int(fresh)} fresh scenarios")
            bar.start(int(fresh))
            rec = validate_out_of_sample(setup, rec, range(int(in_sample), int(in_sample) + int(fresh)), mapper,
                                         on_done=bar)
        bar.empty()
        state.app().block_recommendation = rec
        bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
        state.record_scenario_run(
            "optimise", inst, {**parameters, "discount": discount, "in_sample": int(in_sample),
                               "out_of_sample": int(fresh), "max_beds": int(max_beds)},
            {"beds": sum(c.beds for c in rec.contracts), "in_sample_saving": rec.in_sample_saving,
             "out_of_sample_saving": float(-bill["difference"])},
            {"contracts": [asdict(c) for c in rec.contracts], "out_of_sample": _records(rec.out_of_sample)},
            time.perf_counter() - started)
    rec = state.app().block_recommendation
    if rec is not None:
        _recommendation(rec, inst)


def _recommendation(rec, inst) -> None:
    bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
    cols = st.columns(3)
    cols[0].metric("Beds recommended", sum(c.beds for c in rec.contracts))
    cols[1].metric("Weekly bill saved in sample (£/week)", views.pounds(rec.in_sample_saving), help=TERMS["in-sample"])
    cols[2].metric("Weekly bill saved out of sample (£/week)", views.pounds(-bill["difference"]),
                   f"95% interval {views.pounds(-bill['difference_high'])} to {views.pounds(-bill['difference_low'])}",
                   "off", delta_arrow="off", help=TERMS["out-of-sample"] + " " + TERMS["interval"])
    st.caption(f"In sample, the mean weekly bill is £{rec.mean_bill:,.0f}/week with the contracts and "
               f"£{rec.spot_mean_bill:,.0f}/week buying every placement spot.")
    if rec.contracts:
        st.dataframe(_contract_table(rec.contracts, inst), hide_index=True, width="stretch")
    else:
        st.caption("No contract lowered the bill without worsening a children-first measure: buy spot.")
    _summary(rec.out_of_sample)


def _contract_table(contracts, inst) -> pd.DataFrame:
    names = views.authority_names()
    return pd.DataFrame({"Home": [home_label(inst.home_by_id[c.home_id], names) for c in contracts],
                         "Beds": [c.beds for c in contracts],
                         "Price per bed (£/week)": [views.pounds(c.price) for c in contracts]})


def _summary(table: pd.DataFrame) -> None:
    """The contracts against spot over sampled demand, with what the columns mean."""
    st.dataframe(views.scenario_summary_table(table), hide_index=True, width="stretch")
    st.caption("Each cell is the average over the scenarios with its 95% interval in brackets. Shares pool every "
               "child (or bed) in the scenarios; the difference is with the contracts minus buying spot.")
    glossary.show("scenarios", "interval", "in-sample", "out-of-sample", "weighted score")
