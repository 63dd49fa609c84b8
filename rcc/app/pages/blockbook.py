"""Block-booking what-ifs: buy beds ahead at a per-bed price, paid whether used or not. Judged on the real
weekly bill (spot placements plus every contracted bed) and on the children, never on the score."""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd
import streamlit as st

from rcc.app import state, views
from rcc.app.scenario_form import progress_bar, scenario_setup
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.evaluate import evaluate, summary
from rcc.scenarios.optimise import optimise, validate_out_of_sample

CONTRACT_COLUMNS = {"home_id": "Home", "beds": "Beds", "price": "Price per bed (£/week)"}


def render() -> None:
    st.title("Block-booking what-ifs")
    baseline = st.session_state.get("solved")
    if baseline is None:
        st.info("Solve the baseline first (Solve page) to evaluate contracts you choose; the optimiser below needs "
                "no baseline.")
        _optimiser(state.ensure_loaded(), state.weights())
        return
    _chosen_contracts(baseline)
    _optimiser(baseline.instance, baseline.weights)


def _pick_contracts(inst) -> list[BlockContract]:
    by_provider = st.radio("Book by", ["home", "provider"], horizontal=True)
    if by_provider == "provider":
        provider = st.selectbox("Provider", sorted({h.provider for h in inst.homes}))
        homes = [h for h in inst.homes if h.provider == provider and h.vacancies > 0]
    else:
        ids = st.multiselect("Homes", [h.home_id for h in inst.homes if h.vacancies > 0])
        homes = [inst.home_by_id[h] for h in ids]
    cols = st.columns(2)
    beds = cols[0].number_input("Beds per home", 1, 20, 1)
    discount = cols[1].slider("Discount on the spot price (%)", 0, 50, 15)
    return [BlockContract(h.home_id, min(int(beds), h.vacancies), round(h.weekly_cost * (1 - discount / 100), 2))
            for h in homes]


def _chosen_contracts(baseline) -> None:
    inst = baseline.instance
    contracts = _pick_contracts(inst)
    st.caption("Evaluate the contracts you choose on today's waiting children below, or over sampled future "
               "demand with intervals; further down, the optimiser recommends contracts.")
    if contracts and st.button("Evaluate contracts", type="primary"):
        solved, _ = state.solve_with_progress(apply_contracts(inst, contracts), baseline.weights, 30, None,
                                              baseline.objective or state.objective())
        if solved.result.has_plan:
            st.session_state["block_result"] = (contracts, solved)
        else:
            st.error(f"No plan with these contracts: {solved.result.message}.")
    if "block_result" not in st.session_state:
        return
    contracts, solved = st.session_state["block_result"]
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
    scenarios = st.number_input("Scenarios", 5, 1000, 30, 5, key="bb_eval_n")
    if st.button("Evaluate over scenarios", key="bb_eval_run"):
        started = time.perf_counter()
        bar, progress = progress_bar("Evaluating")
        with dask_mapper(workers, progress=progress) as mapper:
            table = summary(evaluate(setup, contracts, range(int(scenarios)), mapper))
        bar.empty()
        st.session_state["bb_eval"] = table
        bill = table.set_index("metric").loc["weekly_bill"]
        state.record_scenario_run(
            "evaluate", inst, {**parameters, "scenarios": int(scenarios),
                               "contracts": [asdict(c) for c in contracts]},
            {"weekly_bill_saved": float(-bill["difference"])}, _records(table), time.perf_counter() - started)
    if "bb_eval" in st.session_state:
        st.dataframe(views.scenario_summary_table(st.session_state["bb_eval"]), hide_index=True, width="stretch")


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
    setup, workers, parameters = scenario_setup(inst, weights, "bb_opt")
    cols = st.columns(4)
    discount = cols[0].slider("Discount (%)", 0, 50, 15, key="bb_opt_discount") / 100
    in_sample = cols[1].number_input("In-sample scenarios", 2, 200, 10, key="bb_opt_in")
    fresh = cols[2].number_input("Out-of-sample scenarios", 2, 1000, 30, key="bb_opt_out")
    max_beds = cols[3].number_input("At most this many beds", 1, 200, 15, key="bb_opt_max")
    if st.button("Recommend contracts", type="primary", key="bb_opt_run"):
        started = time.perf_counter()
        with st.spinner("Searching contracts on the in-sample scenarios…"), dask_mapper(workers) as mapper:
            rec = optimise(setup, discount, range(int(in_sample)), mapper, max_beds=int(max_beds))
            rec = validate_out_of_sample(setup, rec, range(int(in_sample), int(in_sample) + int(fresh)), mapper)
        st.session_state["bb_opt"] = rec
        bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
        state.record_scenario_run(
            "optimise", inst, {**parameters, "discount": discount, "in_sample": int(in_sample),
                               "out_of_sample": int(fresh), "max_beds": int(max_beds)},
            {"beds": sum(c.beds for c in rec.contracts), "in_sample_saving": rec.in_sample_saving,
             "out_of_sample_saving": float(-bill["difference"])},
            {"contracts": [asdict(c) for c in rec.contracts], "out_of_sample": _records(rec.out_of_sample)},
            time.perf_counter() - started)
    rec = st.session_state.get("bb_opt")
    if rec is not None:
        _recommendation(rec)


def _recommendation(rec) -> None:
    bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
    cols = st.columns(3)
    cols[0].metric("Beds recommended", sum(c.beds for c in rec.contracts))
    cols[1].metric("Weekly bill saved in sample (£/week)", views.pounds(rec.in_sample_saving))
    cols[2].metric("Weekly bill saved out of sample (£/week)", views.pounds(-bill["difference"]),
                   f"95% interval {views.pounds(-bill['difference_high'])} to {views.pounds(-bill['difference_low'])}",
                   "off", delta_arrow="off")
    st.caption(f"In sample, the mean weekly bill is £{rec.mean_bill:,.0f}/week with the contracts and "
               f"£{rec.spot_mean_bill:,.0f}/week buying every placement spot.")
    if rec.contracts:
        st.dataframe(pd.DataFrame([asdict(c) for c in rec.contracts]).rename(columns=CONTRACT_COLUMNS),
                     hide_index=True, width="stretch",
                     column_config={"Price per bed (£/week)": st.column_config.NumberColumn(format="localized")})
    else:
        st.caption("No contract lowered the bill without worsening a children-first measure: buy spot.")
    st.dataframe(views.scenario_summary_table(rec.out_of_sample), hide_index=True, width="stretch")
