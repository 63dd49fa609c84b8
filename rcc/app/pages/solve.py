"""Solve: weights and time limit, a progress bar, and the headline result (kept on screen)."""

from __future__ import annotations

import streamlit as st

from rcc.app import state
from rcc.model import Weights

URGENCY_LABELS = {
    "urgency_today": "× unplaced when needed today",
    "urgency_within_5_days": "× unplaced when needed within 5 days",
    "urgency_later": "× unplaced when needed later",
}


def weights_form(key: str = "weights") -> Weights:
    current = state.weights()
    cols = st.columns(3)
    km = cols[0].number_input("£ per km per week", 0.0, 1000.0, float(current.km), 5.0, key=f"{key}_km")
    unplaced = cols[1].number_input("£ per unplaced child (emergency placement)", 0.0, 200000.0,
                                    float(current.unplaced), 1000.0, key=f"{key}_unplaced")
    split = cols[2].number_input("£ per extra home a sibling group is split over", 0.0, 100000.0,
                                 float(current.split), 500.0, key=f"{key}_split")
    with st.expander("Placements Data Standard settings (used only when the data records them)"):
        cols = st.columns(4)
        not_preferred = cols[0].number_input("£ when placed in a suitable but not preferred setting", 0.0, 100000.0,
                                             float(current.not_preferred), 100.0, key=f"{key}_not_preferred")
        urgency = {
            name: column.number_input(label, 0.0, 10.0, float(getattr(current, name)), 0.1, key=f"{key}_{name}")
            for column, (name, label) in zip(cols[1:], URGENCY_LABELS.items(), strict=True)
        }
    return current.replace(km=km, unplaced=unplaced, split=split, not_preferred=not_preferred, **urgency)


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
