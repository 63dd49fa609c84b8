"""Export: assignments and KPIs as CSV and Excel, and a one-page HTML summary for a panel."""

from __future__ import annotations

import streamlit as st

from rcc.app import glossary, state
from rcc.data.safe_cells import csv_text
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
    cols[0].download_button("Assignments (CSV)", csv_text(assignments_table(solved)), "assignments.csv", "text/csv",
                            help="One row per child: the home (empty when none), the distance in km as the "
                                 "contract's files give it, the weekly price charged and the reason.")
    cols[1].download_button("KPIs (CSV)", csv_text(kpi_comparison(named), index=True), "kpis.csv", "text/csv",
                            help="The measures and shares of this plan beside the status quo's.")
    cols[2].download_button("Workbook (Excel)", excel_bytes(solved, greedy), "rcc-plan.xlsx",
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = summary_html(solved, greedy, state.app().label)
    cols[3].download_button("Panel summary (HTML)", page, "rcc-summary.html", "text/html")
    st.caption("Files in the contract's format keep its column names (child_id, km, …), so other tools read them.")
    with st.expander("Preview the panel summary"):
        st.html(page)
    glossary.show("weighted score", "status quo", "bound", "gap", "within 20 miles")
