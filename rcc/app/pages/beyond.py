"""Beyond the region: the children no home in the region can meet (the national-commissioning list), why, per
authority and per reason; and the pooled what-if, where a neighbouring region shares its scarce homes with them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from rcc.app import glossary, state, views
from rcc.app.pages.data import upload_report
from rcc.beyond_region import beyond_region, reason_label
from rcc.data import read_instance
from rcc.scenarios.pooled import pool
from rcc.service import SolveParams, greedy_checked, solve_checked

NEIGHBOUR = Path(__file__).resolve().parents[3] / "fixtures" / "neighbouring-region"
NEIGHBOUR_LABEL = "Bundled: a neighbouring region (Lancashire, Cheshire, Warrington, St Helens, Blackburn)"
OTHER_PLANS = {"solve": "After its own plan (rcc, children first)", "greedy": "After its status quo",
               "as-given": "Its vacancies as listed"}
POOL_SECONDS = 30
LIST_COLUMNS = {"child_id": "Child", "authority": "Authority", "about": "Why"}  # three columns: the why fits a phone
POOLED_COLUMNS = {"child_id": "Child", "authority": "Authority", "home_id": "Home", "setting": "Setting",
                  "home_authority": "Home's authority", "shared_as": "Shared as", "miles": "Distance (miles)",
                  "weekly_cost": "Weekly price (£/week)"}


def _national_list(inst):
    """The list, its counts and every child's reason; returns the list for the pooled what-if."""
    listed = beyond_region(inst, state.pairs_for(inst, state.weights()))
    st.subheader("Children no home in the region can meet", help=glossary.TERMS["national commissioning"])
    st.caption(f"Of {len(inst.children):,} children, those for whom every one of the region's {listed.homes:,} homes "
               "breaks at least one rule — not children left without a home because beds ran out. No plan inside "
               "the region can place them: they are the children to take to national commissioning.")
    st.metric("Children beyond the region", f"{len(listed.children):,}")
    if not len(listed.children):
        st.caption("Every child has at least one home in the region that meets the rules.")
        return listed
    by_reason = listed.by_reason()
    st.markdown("**By reason**")
    views.wrapped(by_reason[["label", "children"]].rename(columns={"label": "Reason", "children": "Children"}))
    st.markdown("**By responsible authority**")
    by_la = listed.by_authority().drop(columns="la_code")
    reasons = {r: reason_label(r) for r in by_reason["reason"]}
    st.dataframe(by_la.rename(columns={"authority": "Authority", "children": "Children", **reasons}),
                 hide_index=True, width="stretch")
    st.markdown("**Every child on the list**")
    children = listed.children
    table = children.assign(about=[f"Aged {a}, need level {n}. {why}" for a, n, why in
                                   zip(children["age"], children["need_level"], children["why"], strict=True)])
    views.wrapped(table[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS))
    return listed


def _other_region():
    """The other region, bundled or uploaded, or None (after saying why)."""
    source = st.radio("The other region", [NEIGHBOUR_LABEL, "Upload its files"], key="pool_source")
    if source == NEIGHBOUR_LABEL:
        return read_instance(NEIGHBOUR)
    files = st.file_uploader("The other region's children.csv and homes.csv (or one Excel workbook)",
                             type=["csv", "xlsx"], accept_multiple_files=True, key="pool_upload")
    if not files:
        return None
    report, problems = upload_report(files)
    if not report.ok:
        st.error("The other region's files cannot be used:")
        views.wrapped(problems[["file", "row", "column", "problem"]].rename(columns=str.capitalize))
        return None
    return report.instance.replace(name="uploaded region")


def _pooled_section(inst, listed) -> None:
    st.subheader("Pooled what-if: a neighbouring region shares its scarce homes",
                 help=glossary.TERMS["scarce homes"])
    st.caption("Only the children on the list above are offered the other region's scarce homes (secure units, "
               "children's homes for complex needs a child can have to themselves, specialist homes for complex "
               "needs); no other child crosses the border. The other region's own children come first.")
    if not len(listed.children):
        st.caption("Nobody to offer them: every child has a home in the region that meets the rules.")
        return
    other = _other_region()
    which = st.radio("Which of its beds are free", list(OTHER_PLANS), format_func=OTHER_PLANS.get,
                     key="pool_other_plan", horizontal=True)
    current = state.app()
    if other is not None and st.button("Share and solve", type="primary", key="pool_run"):
        weights, objective = state.weights(), state.objective()
        with st.spinner("Solving the other region's own plan, then the flagged children…"):
            if which == "as-given":
                plan = {}
            else:
                own = (greedy_checked(other, weights) if which == "greedy" else
                       solve_checked(other, weights, SolveParams(time_limit=POOL_SECONDS), objective=objective))
                plan = dict(own.result.assignment)
            current.pooled = (pool(inst, other, plan, listed.child_ids, weights=weights, objective=objective,
                                   params=SolveParams(time_limit=POOL_SECONDS)), which)
    if current.pooled is None:
        return
    pooled, which = current.pooled
    figures = pooled.summary()
    cols = st.columns(4)
    cols[0].metric("More children placed", f"{figures['more_placed']} of {figures['flagged']}")
    cols[1].metric("Shared homes (beds)", f"{figures['shared_homes']} ({figures['shared_beds']})")
    miles = figures["mean_miles"]
    cols[2].metric("Mean distance", views.NOTHING if miles is None else f"{miles} miles")
    cols[3].metric("Weekly spend", views.pounds(figures["weekly_spend"]) + "/week")
    st.caption(f"{OTHER_PLANS[which]} of {pooled.other.name}; every placement re-checked independently.")
    table = pooled.table()
    table["miles"] = table["miles"].map(lambda v: views.NOTHING if pd.isna(v) else f"{v:.1f}")
    table["weekly_cost"] = table["weekly_cost"].map(lambda v: views.NOTHING if pd.isna(v) else views.pounds(v))
    table = table.replace("", views.NOTHING)
    views.wrapped(table[list(POOLED_COLUMNS)].rename(columns=POOLED_COLUMNS))


def render() -> None:
    st.title("Beyond the region")
    inst = state.ensure_loaded()
    _pooled_section(inst, _national_list(inst))
    glossary.show("national commissioning", "scarce homes", "need levels")
