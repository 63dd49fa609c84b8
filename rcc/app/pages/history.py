"""History: every recorded solve, evaluation and sweep — from this app and from nightly batch jobs."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rcc.service import KPI_LABELS
from rcc.store import RunStore


def render() -> None:
    st.title("Run history")
    try:
        store = RunStore()
        runs = store.runs(limit=200)
    except SQLAlchemyError as exc:
        st.error(f"The run history cannot be read ({type(exc).__name__}). Is RCC_DATABASE_URL right?")
        return
    st.caption(f"Store: {store.engine.url.render_as_string(hide_password=True)}")
    if runs.empty:
        st.info("No runs recorded yet: solve on the Solve page, or run `rcc solve` from the command line.")
        return
    st.dataframe(runs, hide_index=True, use_container_width=True,
                 column_config={"objective": st.column_config.NumberColumn("objective £/wk", format="%.2f"),
                                "gap": st.column_config.NumberColumn(format="%.4f")})
    run_id = st.selectbox("Show run", runs["id"].tolist(),
                          format_func=lambda i: f"{i}: {runs.set_index('id').loc[i, 'instance']}")
    run = store.run(int(run_id))
    left, right = st.columns(2)
    left.subheader("Parameters")
    left.json(run["parameters"])
    left.write(f"Inputs (sha256): {run['inputs']}")
    right.subheader("KPIs")
    kpis = {KPI_LABELS.get(k, k): v for k, v in (run["kpis"] or {}).items()}
    right.dataframe(pd.DataFrame({"KPI": list(kpis), "value": list(kpis.values())}), hide_index=True)
    assignments = run["assignments"]
    if len(assignments):  # a solve: one match per child
        st.write(f"{len(assignments)} children, {int(assignments['home_id'].notna().sum())} placed.")
        st.download_button("Assignments of this run (CSV)", assignments.to_csv(index=False).encode(),
                           file_name=f"run-{run_id}-assignments.csv", mime="text/csv")
    results = run["results"]
    if isinstance(results, list):  # an evaluation's summary or a sweep's ranking
        st.subheader("Results")
        st.dataframe(pd.DataFrame(results), hide_index=True, use_container_width=True)
    elif isinstance(results, dict):  # an optimisation: contracts, out-of-sample summary, sensitivity
        for name, rows in results.items():
            st.subheader(name.replace("_", " ").capitalize())
            st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
