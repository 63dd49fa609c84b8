"""Results: KPIs against the status quo (and, after an SSDA903 import, today's placements), every child's match
and why, shortlists, pins, per-LA view."""

from __future__ import annotations

import streamlit as st

from rcc.app import imports, state
from rcc.kpis import kpis_by_la

METRICS = (
    ("placed_pct", "Placed", "{:.1f}%", False),
    ("within_20_miles_pct", "Within 20 miles", "{:.1f}%", False),
    ("siblings_together_pct", "Sibling groups together", "{:.1f}%", False),
    ("own_la_pct", "In own LA", "{:.1f}%", False),
    ("mean_km", "Mean distance", "{:.1f} km", True),
    ("weekly_cost", "Weekly cost", "£{:,.0f}", True),
    ("block_booked_used", "Block-booked beds used", "{:.0f}", False),
)


def kpi_metrics(solved, baseline, label: str = "vs status quo") -> None:
    """One metric per KPI, with the difference from ``baseline`` as the delta."""
    cols = st.columns(4) + st.columns(4)  # two rows, so labels and deltas are not truncated
    for col, (key, title, fmt, lower_is_better) in zip(cols, METRICS, strict=False):
        value = solved.kpis[key]
        base = baseline.kpis[key] if baseline else None
        delta = None
        if value is not None and base is not None:
            delta = f"{value - base:+,.1f} {label}"
        col.metric(title, "—" if value is None else fmt.format(value), delta,
                   delta_color="inverse" if lower_is_better else "normal")


def _today_beside_plan(solved, today: state.StatusQuo) -> None:
    """Where the imported children live today beside where rcc would place them, with what each side counts."""
    inst = solved.instance
    st.subheader("Today (SSDA903) beside rcc's plan")
    st.caption(
        f"Today's placements are wherever the SSDA903 records them, including homes not on the imported list "
        f"({imports.placed_in_listed_homes(today.table, inst):,} of {today.summary['children']:,} children live in a "
        f"listed home). rcc's plan re-matches the same children to the {inst.total_vacancies:,} imported vacancies "
        "only, so a child it leaves unplaced is one the list has no suitable bed for, not a child who would lose a "
        "home. Distances and shares are of children with a known placement location today, and of children placed "
        "in rcc's plan.")
    st.dataframe(imports.status_quo_comparison(today.summary, solved.kpis), hide_index=True, width="stretch")


def _pin_controls(solved) -> None:
    st.subheader("Pin a match and re-solve")
    child = st.selectbox("Child", [c.child_id for c in solved.instance.children], key="pin_child")
    shortlist = solved.explainer.shortlist(child, k=8)
    st.dataframe(shortlist, hide_index=True, width="stretch")
    options = ["(leave unplaced)"] + list(shortlist["home_id"])
    home = st.selectbox("Home to pin", options, key="pin_home")
    pins = dict(st.session_state.get("pins", {}))
    cols = st.columns(3)
    if cols[0].button("Pin and re-solve", type="primary"):
        pins[child] = None if home == "(leave unplaced)" else home
        st.session_state["pins"] = pins
        new, greedy = state.solve_with_progress(solved.instance, solved.weights, 30, pins)
        st.session_state["solved"], st.session_state["greedy"] = new, greedy
        st.rerun()
    if pins and cols[1].button("Clear pins"):
        st.session_state["pins"] = {}
    if pins:
        cols[2].write("Pinned: " + ", ".join(f"{c} → {h or 'unplaced'}" for c, h in pins.items()))


def render() -> None:
    st.title("Results")
    solved, greedy = state.current_solve()
    if solved is None:
        return
    result = solved.result
    st.caption(f"{result.describe()} · objective £{solved.check.objective:,.0f}/wk · every figure re-checked "
               "independently. Deltas compare with one-child-at-a-time (status quo).")
    kpi_metrics(solved, greedy)
    today = state.status_quo()
    if today is not None:
        _today_beside_plan(solved, today)
    table = solved.explainer.table()
    st.subheader("Every child")
    la = st.selectbox("Responsible authority", ["All"] + sorted({c.la_code for c in solved.instance.children}))
    shown = table if la == "All" else table[[solved.instance.child_by_id[c].la_code == la for c in table.child_id]]
    st.dataframe(shown, hide_index=True, width="stretch")
    unplaced = table[table["home_id"].isna()]
    st.subheader(f"Children without a home ({len(unplaced)})")
    st.dataframe(unplaced[["child_id", "reason"]], hide_index=True, width="stretch")
    st.subheader("By member authority")
    st.dataframe(kpis_by_la(solved.instance, result.assignment, solved.check), hide_index=True,
                 width="stretch")
    _pin_controls(solved)
