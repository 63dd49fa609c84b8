"""Results: the measures against the status quo (and, after an SSDA903 import, today's placements), the
proof and the guards, each member authority's outcomes, the sibling groups, every child's match and why,
shortlists and pins."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rcc.app import imports, state, views
from rcc.report import SIBLINGS_DEFINED, authority_table, sibling_table
from rcc.solver.guards import TODAY

PIN_RESOLVE_S = 30
SHORTLIST_COLUMNS = {
    "rank": "Rank", "home_id": "Home", "setting": "Setting", "provider": "Provider", "authority": "Authority",
    "km": "Distance (km)", "within_20_miles": "Within 20 miles", "own_authority": "In own authority",
    "weekly_cost": "Weekly price (£/week)", "chosen": "Current match", "blocked_by": "What stops this child joining",
}


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


def _proof_and_guards(solved) -> None:
    st.subheader("Proof")
    st.caption("The weighted score (not money): this plan's, the least any plan could score, and whether this plan "
               "is proven to reach it." if solved.result.mode == "weighted" else
               "For each priority in turn: this plan's value, the least any plan could reach with the earlier "
               "priorities kept, and whether this plan is proven to reach it.")
    st.dataframe(views.proof_table(solved.result), hide_index=True, width="stretch")
    st.subheader("Guards")
    if solved.result.guards:
        st.dataframe(views.guards_table(solved), hide_index=True, width="stretch")
    else:
        st.caption("None: the weighted score uses no guards." if solved.result.mode == "weighted"
                   else "None were set on the Solve page.")


def _sibling_groups(solved) -> None:
    st.subheader("Sibling groups")
    st.caption(SIBLINGS_DEFINED)
    show = st.radio("Show", ["Apart only", "All"], horizontal=True, key="sibling_show")
    groups = sibling_table(solved, apart_only=show == "Apart only")
    if len(groups):
        st.dataframe(groups, hide_index=True, width="stretch")
    else:
        st.caption("No sibling group is apart." if show == "Apart only" else "The data has no sibling groups.")


def _children(solved) -> None:
    """Every child's match and why, and those without a home, for one authority or all."""
    names = views.authority_names()
    codes = sorted({c.la_code for c in solved.instance.children}, key=lambda c: names.get(c, c))
    la = st.selectbox("Responsible authority", ["All", *codes], format_func=lambda c: names.get(c, c),
                      key="children_la")
    explained = solved.explainer.table()
    kids = solved.instance.child_by_id
    table = pd.DataFrame({"Child": explained["child_id"],
                          "Authority": [names.get(kids[c].la_code, kids[c].la_code) for c in explained["child_id"]],
                          "Home": explained["home_id"].fillna("—"), "Why": explained["reason"]})
    if la != "All":
        table = table[[kids[c].la_code == la for c in table["Child"]]]
    st.subheader("Every child")
    st.dataframe(table, hide_index=True, width="stretch")
    unplaced = table[table["Home"] == "—"]
    st.subheader(f"Children without a home ({len(unplaced):,})")
    st.dataframe(unplaced[["Child", "Authority", "Why"]], hide_index=True, width="stretch")


def _pin_controls(solved) -> None:
    """Pin a child to a home (or to none) and re-solve under the same objective and guards."""
    st.subheader("Pin a match and re-solve")
    child = st.selectbox("Child", [c.child_id for c in solved.instance.children], key="pin_child")
    shortlist = solved.explainer.shortlist(child, k=8)
    if len(shortlist):
        st.dataframe(shortlist.rename(columns=SHORTLIST_COLUMNS), hide_index=True, width="stretch")
    else:
        st.caption("No home meets this child's needs, so the only pin is to leave them unplaced.")
    home = st.selectbox("Home to pin", ["(leave unplaced)", *shortlist["home_id"]], key="pin_home")
    pins = dict(st.session_state.get("pins", {}))
    cols = st.columns(3)
    if cols[0].button("Pin and re-solve", type="primary"):
        pinned = pins | {child: None if home == "(leave unplaced)" else home}
        new, greedy = state.solve_with_progress(solved.instance, solved.weights, PIN_RESOLVE_S, pinned,
                                                solved.objective or state.objective())
        if not new.result.has_plan:
            st.error(f"No plan with that pin: {new.result.message}. The plan below is unchanged.")
            return
        state.use_plan(new, greedy, pinned)
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
    sources = (solved.status_quo or {}).get("sources", {}).values()
    today = " and today's placements (SSDA903) for far from home and outside the authority" if TODAY in sources else ""
    st.caption(f"{solved.result.describe()} · every figure re-checked independently · changes compare with the status "
               f"quo: one child at a time, each to the best home left{today}.")
    views.measure_metrics(solved.check.measures, views.status_quo_measures(solved, greedy))
    views.share_metrics(solved.kpis, greedy.kpis if greedy else None)
    _proof_and_guards(solved)
    if state.status_quo() is not None:
        _today_beside_plan(solved, state.status_quo())
    st.subheader("By member authority")
    views.show_authorities(authority_table(solved))
    _sibling_groups(solved)
    _children(solved)
    _pin_controls(solved)
