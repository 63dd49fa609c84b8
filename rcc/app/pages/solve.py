"""Solve: weights and time limit, a progress bar, and the headline result (kept on screen)."""

from __future__ import annotations

import streamlit as st

from rcc.app import state
from rcc.model import Weights


def weights_form(key: str = "weights") -> Weights:
    current = state.weights()
    cols = st.columns(3)
    km = cols[0].number_input("£ per km per week", 0.0, 1000.0, float(current.km), 5.0, key=f"{key}_km")
    unplaced = cols[1].number_input("£ per unplaced child (emergency placement)", 0.0, 200000.0,
                                    float(current.unplaced), 1000.0, key=f"{key}_unplaced")
    split = cols[2].number_input("£ per extra home a sibling group is split over", 0.0, 100000.0,
                                 float(current.split), 500.0, key=f"{key}_split")
    return Weights(cost=current.cost, km=km, unplaced=unplaced, split=split)


def render() -> None:
    st.title("Solve")
    inst = state.ensure_loaded()
    st.write(f"{len(inst.children)} children, {len(inst.homes)} homes, {inst.total_vacancies} vacancies.")
    weights = weights_form()
    time_limit = st.slider("Time limit (seconds)", 5, 300, 30, 5)
    if st.button("Solve", type="primary"):
        st.session_state["weights"] = weights
        solved, greedy = state.solve_with_progress(inst, weights, time_limit, st.session_state.get("pins"))
        st.session_state["solved"], st.session_state["greedy"] = solved, greedy
        state.record(solved, {"time_limit": time_limit, "pins": dict(st.session_state.get("pins") or {})})
    solved = st.session_state.get("solved")
    if solved:
        result = solved.result
        st.success(f"{result.describe()}: £{solved.check.objective:,.0f}/wk in {result.runtime_s:.1f}s — "
                   f"{solved.kpis['placed']} of {solved.kpis['children']} placed. Checked independently. "
                   "See Results.")
