"""Block-booking what-ifs: buy beds ahead at a per-bed price, paid whether used or not."""

from __future__ import annotations

import streamlit as st

from rcc.app import state
from rcc.app.pages.results import kpi_metrics
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs


def render() -> None:
    st.title("Block-booking what-ifs")
    baseline = st.session_state.get("solved")
    if baseline is None:
        st.info("Solve the baseline first (Solve page): block contracts are compared with spot purchasing.")
        return
    inst = baseline.instance
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
    contracts = [BlockContract(h.home_id, min(int(beds), h.vacancies), round(h.weekly_cost * (1 - discount / 100), 2))
                 for h in homes]
    st.caption("The optimiser that recommends contracts under uncertain demand arrives in a later release; "
               "this page evaluates the contracts you choose.")
    if contracts and st.button("Evaluate contracts", type="primary"):
        scenario = apply_contracts(inst, contracts)
        solved, _ = state.solve_with_progress(scenario, baseline.weights, 30)
        st.session_state["block_result"] = (contracts, solved)
    if "block_result" not in st.session_state:
        return
    contracts, solved = st.session_state["block_result"]
    costs = contract_costs(solved.instance, contracts, solved.result.assignment)
    spot = baseline.kpis["weekly_cost"]
    total = solved.kpis["weekly_cost"] + costs["contract_bill"]
    cols = st.columns(4)
    cols[0].metric("Weekly bill incl. void beds", f"£{total:,.0f}", f"{total - spot:+,.0f} vs spot", "inverse")
    cols[1].metric("Contracted beds", costs["contracted_beds"])
    cols[2].metric("Void beds", costs["void_beds"])
    cols[3].metric("Utilisation", f"{costs['utilisation_pct']:.0f}%" if costs["utilisation_pct"] is not None else "—")
    kpi_metrics(solved, baseline, "vs spot")
