"""Data: the bundled region or an upload, the validation report, and demand against supply."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from rcc import charts
from rcc.app import state
from rcc.data.problems import Problem
from rcc.data.read import Report, read_text_table, read_workbook, validate_tables
from rcc.data.schema import TABLES
from rcc.summary import describe_instance


def _uploaded_tables(files) -> tuple[dict, list]:
    """Raw text tables from uploaded CSV files or one workbook, with any read problems."""
    problems, raw = [], {}
    for upload in files:
        name = upload.name
        if name.lower().endswith((".xlsx", ".xls")):
            raw.update(read_workbook(io.BytesIO(upload.getvalue()), problems, label=name))
            continue
        table = name.rsplit(".", 1)[0].lower()
        if table not in TABLES:
            expected = ", ".join(t + ".csv" for t in TABLES)
            problems.append(Problem(name, f"is not a contract file (expected {expected})"))
            continue
        frame = read_text_table(io.BytesIO(upload.getvalue()), name, problems)
        if frame is not None:
            raw[table] = (name, frame)
    return raw, problems


def upload_report(files) -> tuple[Report, pd.DataFrame]:
    """Validate uploaded files; the report and a table of every problem (file, row, column, value)."""
    raw, read_problems = _uploaded_tables(files)
    report = validate_tables(raw, name="upload", problems=read_problems)
    problems = pd.DataFrame(
        [{"severity": p.severity, "file": p.file, "row": p.row, "column": p.column,
          "value": "" if p.value is None else str(p.value), "problem": str(p)} for p in report.problems],
        columns=["severity", "file", "row", "column", "value", "problem"])
    return report, problems


def _show_upload() -> None:
    files = st.file_uploader("children.csv, homes.csv (optional separations.csv, travel.csv) — or one Excel "
                             "workbook with sheets of those names", type=["csv", "xlsx"], accept_multiple_files=True)
    if not files or not st.button("Validate and load", type="primary"):
        return
    report, problems = upload_report(files)
    if report.ok:
        state.set_instance(report.instance, "uploaded instance")
        st.success(f"Loaded: {report.instance!r}")
        if len(problems):
            st.dataframe(problems, hide_index=True, width="stretch")
    else:
        st.error(f"The upload breaks {len(report.errors)} rule(s) of the contract; nothing was loaded. "
                 "Fix these and upload again:")
        st.dataframe(problems, hide_index=True, width="stretch")


def render() -> None:
    st.title("Data")
    source = st.radio("Instance", ["Bundled: Greater Manchester", "Upload files"], horizontal=True)
    if source.startswith("Bundled") and st.session_state.get("instance_label") != "Greater Manchester (bundled)":
        state.set_instance(state.bundled_instance(), "Greater Manchester (bundled)")
    if source == "Upload files":
        _show_upload()
    inst = state.ensure_loaded()
    st.caption(f"Loaded: {st.session_state['instance_label']} — pseudonymous IDs only.")
    st.text(describe_instance(inst))
    left, right = st.columns(2)
    left.plotly_chart(charts.demand_chart(inst), width="stretch")
    right.plotly_chart(charts.supply_chart(inst), width="stretch")
    st.plotly_chart(charts.age_chart(inst), width="stretch")
