"""Data: the bundled region, an upload or an SSDA903 + Ofsted import, the reports, and demand against supply."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import streamlit as st

from rcc import charts
from rcc.app import glossary, imports, state, views
from rcc.data.problems import Problem
from rcc.data.read import Report, read_text_table, read_workbook, validate_tables
from rcc.data.schema import TABLES
from rcc.summary import describe_instance

SOURCES = ("Bundled: Greater Manchester", "Upload files", "Import SSDA903 + Ofsted list")
BUNDLED = state.BUNDLED


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
    problems = problems.rename(columns=str.capitalize)  # 'file' → 'File': read by people here
    if report.ok:
        state.set_instance(report.instance, "uploaded instance")
        st.success(views.loaded(report.instance))
        if len(problems):
            st.dataframe(problems, hide_index=True, width="stretch")
    else:
        st.error(f"The upload breaks {len(report.errors)} rule(s) of the contract; nothing was loaded. "
                 "Fix these and upload again:")
        st.dataframe(problems, hide_index=True, width="stretch")


def import_and_load(header, episodes, providers, vacancies, la_code: str, as_of: dt.date) -> imports.ImportOutcome:
    """Import both sources; load the instance, with today's placements beside it, only when it passed the contract.

    The outcome is kept either way, so its report (and the files) stay on the page until another load.
    """
    outcome = imports.import_sources(header, episodes, providers, vacancies, la_code, as_of)
    if outcome.ok:
        state.set_instance(outcome.instance, outcome.label)
        state.set_status_quo(outcome.ssda903.status_quo_summary, outcome.ssda903.status_quo)
    state.set_data_import(outcome)
    return outcome


def _import_inputs() -> dict | None:
    """The four files, the authority and the date; the arguments of an import once the button is pressed."""
    left, right = st.columns(2)
    inputs = {
        "header": left.file_uploader("SSDA903 Header table (CSV)", type=["csv"], key="imp_header"),
        "episodes": right.file_uploader("SSDA903 Episodes table (CSV)", type=["csv"], key="imp_episodes"),
        "providers": left.file_uploader("Ofsted provider list (xlsx, or CSV of one sheet)", type=["xlsx", "csv"],
                                        key="imp_providers"),
        "vacancies": right.file_uploader("Vacancies file (CSV, optional: see docs/vacancies-file.md)", type=["csv"],
                                         key="imp_vacancies"),
        "la_code": left.selectbox("Responsible local authority", imports.authority_codes(), index=None,
                                  format_func=imports.la_name, placeholder="The authority the 903 return is from",
                                  key="imp_la"),
        "as_of": right.date_input("As of (the cohort is the children in care on this date)",
                                  imports.default_as_of(dt.date.today()), min_value=dt.date(2000, 1, 1),
                                  max_value=dt.date.today(), key="imp_as_of"),
    }
    ready = all(value is not None for name, value in inputs.items() if name != "vacancies")
    if st.button("Import and load", type="primary", disabled=not ready,
                 help=None if ready else "Needs both 903 tables, the provider list and the authority."):
        return inputs
    return None


def _offer_files(files: dict[str, str]) -> None:
    st.subheader("Files")
    st.caption("What the command-line imports write: rcc import-903 and rcc import-ofsted.")
    columns = st.columns(4)
    for i, (name, text) in enumerate(files.items()):
        mime = "application/json" if name.endswith(".json") else "text/csv"
        columns[i % 4].download_button(name, text, file_name=name, mime=mime, on_click="ignore",
                                       key=f"imp_file_{name}")


def _show_import_outcome(outcome: imports.ImportOutcome) -> None:
    """Loaded or why not, what each importer made, counts by reason, every problem, and the files."""
    refused = imports.refusal(outcome)
    if refused:
        st.error(refused)
    else:
        st.success(views.loaded(outcome.instance))
    warning = imports.no_vacancy_warning(outcome)
    if warning:
        st.warning(warning)
    for line in imports.headlines(outcome):
        st.markdown(line)
    for note in imports.notes(outcome):
        st.caption(note)
    st.subheader("Counts by reason")
    st.dataframe(imports.reason_counts(outcome), hide_index=True, width="stretch")
    st.subheader("Every problem")
    st.dataframe(imports.problem_table(outcome), hide_index=True, width="stretch")
    files = imports.output_files(outcome)
    if files:
        _offer_files(files)


def _show_import() -> None:
    inputs = _import_inputs()
    if inputs:
        with st.spinner("Importing…"):
            import_and_load(**inputs)
    outcome = state.data_import()
    if outcome:
        _show_import_outcome(outcome)


def _source_index() -> int:
    """The option matching what is loaded, so coming back to this page keeps an upload or an import
    rather than reloading the bundled region over it."""
    if state.app().label in ("", BUNDLED):
        return 0
    return 2 if state.status_quo() is not None else 1


def _at_a_glance(inst) -> None:
    """The instance's size in four figures, before the charts and the full counts."""
    groups = len(inst.sibling_groups)
    for col, (label, value, help) in zip(st.columns(4), (
            ("Children waiting", f"{len(inst.children):,}", None),
            ("Homes", f"{len(inst.homes):,}", None),
            ("Vacancies", f"{inst.total_vacancies:,}", "Places free now, block-booked beds included."),
            ("Sibling groups", f"{groups:,}", "Brothers and sisters who should live together.")), strict=True):
        col.metric(label, value, help=help)


def render() -> None:
    st.title("Data")
    source = st.radio("Instance", SOURCES, index=_source_index(), horizontal=True)
    if source == SOURCES[0] and state.app().label != BUNDLED:
        state.set_instance(state.bundled_instance(), BUNDLED)
    if source == SOURCES[1]:
        _show_upload()
    if source == SOURCES[2]:
        _show_import()
    inst = state.ensure_loaded()
    st.caption(f"Loaded: {state.app().label} — pseudonymous IDs only.")
    _at_a_glance(inst)
    with st.expander("Every count, as `rcc describe` prints it"):
        st.text(describe_instance(inst))
    left, right = st.columns(2)
    left.plotly_chart(charts.demand_chart(inst), width="stretch")
    right.plotly_chart(charts.supply_chart(inst), width="stretch")
    st.plotly_chart(charts.age_chart(inst), width="stretch")
    glossary.show("need levels", "within 20 miles")
