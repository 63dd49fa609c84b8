"""Export: assignments and KPIs as CSV and Excel, and a one-page HTML summary for a panel."""

from __future__ import annotations

import streamlit as st

from rcc.app import state
from rcc.outputs import assignments_table
from rcc.report import excel_bytes, summary_html
from rcc.service import kpi_comparison


def render() -> None:
    st.title("Export")
    solved, greedy = state.current_solve()
    if solved is None:
        return
    named = {"optimised": solved} | ({"status quo": greedy} if greedy else {})
    cols = st.columns(4)
    cols[0].download_button("Assignments (CSV)", assignments_table(solved).to_csv(index=False), "assignments.csv",
                            "text/csv")
    cols[1].download_button("KPIs (CSV)", kpi_comparison(named).to_csv(), "kpis.csv", "text/csv")
    cols[2].download_button("Workbook (Excel)", excel_bytes(solved, greedy), "rcc-plan.xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = summary_html(solved, greedy, st.session_state.get("instance_label", ""))
    cols[3].download_button("Panel summary (HTML)", page, "rcc-summary.html", "text/html")
    with st.expander("Preview the panel summary"):
        st.html(page)
