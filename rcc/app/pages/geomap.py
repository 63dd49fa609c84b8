"""Map: approximate authority outlines, children per postcode district, homes by setting, and (after a
solve) every match."""

from __future__ import annotations

import streamlit as st

from rcc import charts
from rcc.app import state


def render() -> None:
    st.title("Map")
    inst = state.ensure_loaded()
    solved = state.app().solved
    st.caption("Children are counted per postcode district, never shown individually. "
               + ("Lines join each child's district to their home: green within 20 miles, red beyond. "
                  if solved else "Solve to see the matches. ") + charts.OUTLINE_NOTE)
    st.plotly_chart(charts.map_figure(inst, solved), width="stretch")
