"""Scenarios: save the current plan under a name and compare two or more side by side."""

from __future__ import annotations

import streamlit as st

from rcc.app import state
from rcc.app.state import Scenario
from rcc.report import outcomes_text


def render() -> None:
    st.title("Scenarios")
    saved: dict[str, Scenario] = state.saved_scenarios()
    current = state.app()
    candidates = {"current plan": current.solved}
    if current.whatif is not None:
        candidates["last sufficiency what-if"] = current.whatif[0]
    if current.block is not None:
        candidates["last block-booking what-if"] = current.block[1]
    candidates = {k: v for k, v in candidates.items() if v is not None}
    if candidates:
        cols = st.columns(3)
        which = cols[0].selectbox("Save", list(candidates))
        name = cols[1].text_input("as", placeholder="a name, e.g. baseline", key="scenario_name")
        name = name or f"scenario {len(saved) + 1}"
        if cols[2].button("Save scenario", type="primary"):
            state.save_scenario(name, candidates[which])
            st.success(f"Saved '{name}'.")
    else:
        st.info("Solve something first; then save it here.")
    if saved:
        chosen = st.multiselect("Compare", list(saved), default=list(saved)[:3])
        if chosen:
            st.dataframe(outcomes_text({n: saved[n].solved for n in chosen}), width="stretch")
