"""History: every recorded solve, frontier point, evaluation and sweep — from this app and from nightly
batch jobs. The recorded objective is the weighted score, shown as a score; a solve's measures (v1.1)
are shown in their own units. A solve made in the app can be opened again as the current plan
(re-checked on the data it was made on)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rcc.app import glossary, state, views
from rcc.app.auth import signed_in
from rcc.data.safe_cells import csv_text
from rcc.report import label_authorities, sentence
from rcc.result import STATUS_WORDS
from rcc.service import KPI_LABELS, SCORE_LABEL
from rcc.store import RunStore

MONEY = {"weekly_spend", "weekly_bill_saved", "in_sample_saving", "out_of_sample_saving", "best_spend_saved",
         "saving_per_week"}  # recorded figures in £ a week, from this app and older runs
RUN_COLUMNS = {"id": "Run", "kind": "Kind", "recorded_at": "Recorded", "instance": "Instance", "status": "Status",
               "objective": SCORE_LABEL, "bound": "Bound on the score", "gap": "Gap", "runtime_s": "Seconds"}
RUN_HELP = {SCORE_LABEL: glossary.TERMS["weighted score"], "Bound on the score": glossary.TERMS["bound"],
            "Gap": glossary.TERMS["gap"]}
RECORDED_LABELS = {  # what solves, evaluations, optimisations and sweeps record, beyond the service's labels
    **KPI_LABELS, "mean_km": "Mean distance (miles)",
    "children": "Children", "placed": "Placed", "unplaced": "Not placed", "weekly_spend": "Weekly spend",
    "block_booked_beds": "Block-booked beds", "weekly_bill_saved": "Weekly bill saved",
    "in_sample_saving": "Weekly bill saved in sample", "out_of_sample_saving": "Weekly bill saved out of sample",
    "beds": "Beds", "what_ifs": "What-ifs tried", "home_id": "Home", "price": "Price per bed (£/week)",
    **{f"best_{gain}": f"Top what-if: {label[:1].lower()}{label[1:]}".replace(" (£/week)", "")
       for gain, label in views.GAIN_LABELS.items()},
}


def _human(name: str) -> str:
    """A recorded key as words: a known label, else 'out_of_sample' → 'Out of sample'."""
    return RECORDED_LABELS.get(name, name.replace("_", " ").capitalize())


def _table(rows) -> pd.DataFrame:
    """Recorded rows as the pages show them: an evaluation's summary and a sweep's ranking in their own
    tables, anything else with its keys as words."""
    table = pd.DataFrame(rows)
    if {"metric", "contracts", "spot", "difference"} <= set(table.columns):
        return views.scenario_summary_table(table)
    if set(views.GAIN_LABELS) <= set(table.columns):
        return views.sweep_table(table)
    return table.rename(columns={c: _human(c) for c in table.columns})


def _score(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.0f}"


def _runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs in words: statuses, the weighted score to the point (named as a score), the gap as a
    percentage, times to the minute, and "—" where nothing was recorded."""
    statuses = {status.value: words for status, words in STATUS_WORDS.items()}
    shown = runs.assign(
        kind=runs["kind"].str.replace("_", " ").str.capitalize(),
        recorded_at=pd.to_datetime(runs["recorded_at"]).dt.strftime("%d %b %Y %H:%M"),
        status=runs["status"].map(lambda s: statuses.get(s, s.replace("_", " ").capitalize())),
        objective=runs["objective"].map(_score), bound=runs["bound"].map(_score),
        gap=runs["gap"].map(lambda g: "—" if g is None or pd.isna(g) else f"{100 * g:.1f}%"),
        runtime_s=runs["runtime_s"].map(lambda s: "—" if s is None or pd.isna(s) else f"{s:,.1f}"))
    return shown.rename(columns=RUN_COLUMNS)


def _figure(key: str, value) -> str:
    """A recorded figure as text: money as £, shares to one decimal, counts as they are."""
    if value is None:
        return "—"
    if key in MONEY:
        return views.pounds(value) + "/week"
    if key == "mean_km":
        return views.miles(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _solve_results(results: dict) -> None:
    """A solve's measures beside its status quo, the guards it kept and each authority's outcomes."""
    st.subheader("Measures")
    baseline = (results.get("status_quo") or {}).get("measures")
    views.wrapped(views.measure_rows(results["measures"], baseline))
    if results.get("guards"):
        st.subheader("Guards")
        st.markdown("\n".join(f"- {sentence(g['says'])}" for g in results["guards"]))
    if results.get("by_authority"):
        st.subheader("By member authority")
        views.show_authorities(label_authorities(pd.DataFrame(results["by_authority"])))


def _results(run: dict) -> None:
    results = run["results"]
    if isinstance(results, list):  # an evaluation's summary or a sweep's ranking
        st.subheader("Results")
        st.dataframe(_table(results), hide_index=True, width="stretch")
    elif isinstance(results, dict) and results.get("measures"):  # a solve with a plan
        _solve_results(results)
    elif isinstance(results, dict) and run["kind"] != "solve":  # an optimisation: contracts, out of sample, …
        for name, rows in results.items():
            st.subheader(_human(name))
            st.dataframe(_table(rows), hide_index=True, width="stretch")


def _offer_opening(run: dict) -> None:
    """'Open this run': a solve with a plan becomes the current plan again, re-checked on its own data."""
    if not state.has_plan(run):
        return
    if st.button("Open this run", type="primary", key="history_open",
                 help="Make this plan the current one (Results, Map, Export), on the data it was solved on, "
                      "with its settings and pins. It is checked again before it is shown."):
        problem = state.open_run(int(run["id"]))
        if problem:
            st.error(f"Run {run['id']} cannot be opened: {problem}.")
        else:
            st.success(f"Run {run['id']} is now the current plan: see Results, Map and Export.")


def render() -> None:
    st.title("Run history")
    if not signed_in():  # app.py shows no page before sign-in; this page holds every run, so it checks too
        st.info("Sign in to see the run history.")
        return
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
    st.dataframe(_runs_table(runs), hide_index=True, width="stretch",
                 column_config={name: st.column_config.TextColumn(help=text) for name, text in RUN_HELP.items()})
    run_id = st.selectbox("Show run", runs["id"].tolist(),
                          format_func=lambda i: f"{i}: {runs.set_index('id').loc[i, 'instance']}")
    run = store.run(int(run_id))
    _offer_opening(run)
    st.subheader("Figures")
    kpis = run["kpis"] or {}
    st.dataframe(pd.DataFrame({"": [_human(k) for k in kpis], "Value": [_figure(k, v) for k, v in kpis.items()]}),
                 hide_index=True)
    if run["message"]:
        st.caption(f"Note: {run['message']}")
    with st.expander("Settings as recorded, and the inputs' fingerprints"):
        st.json(run["parameters"])
        st.write(f"Inputs (sha256): {run['inputs']}")
    assignments = run["assignments"]
    if len(assignments):  # a solve: one match per child
        st.write(f"{len(assignments)} children, {int(assignments['home_id'].notna().sum())} placed.")
        st.download_button("Assignments of this run (CSV)", csv_text(assignments).encode(),
                           file_name=f"run-{run_id}-assignments.csv", mime="text/csv")
    _results(run)
    glossary.show("weighted score", "bound", "gap", "seed", "in-sample", "out-of-sample", "guards")
