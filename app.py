"""rcc for commissioners: `streamlit run app.py` (or `make run`). Pages live in rcc/app/pages."""

import streamlit as st

from rcc.app.auth import signed_in
from rcc.app.pages import blockbook, data, export, geomap, history, results, scenarios, solve, sufficiency, tradeoffs

st.set_page_config(page_title="rcc — placement matching", layout="wide")
if signed_in():
    st.navigation([
        st.Page(data.render, title="Data", url_path="data", default=True),
        st.Page(geomap.render, title="Map", url_path="map"),
        st.Page(solve.render, title="Solve", url_path="solve"),
        st.Page(results.render, title="Results", url_path="results"),
        st.Page(tradeoffs.render, title="Trade-offs", url_path="trade-offs"),
        st.Page(sufficiency.render, title="Sufficiency", url_path="sufficiency"),
        st.Page(blockbook.render, title="Block-booking", url_path="block-booking"),
        st.Page(scenarios.render, title="Scenarios", url_path="scenarios"),
        st.Page(export.render, title="Export", url_path="export"),
        st.Page(history.render, title="History", url_path="history"),
    ]).run()
