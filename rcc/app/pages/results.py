"""Results: the measures against the status quo (and, after an SSDA903 import, today's placements), the
proof and the guards, each member authority's outcomes, the sibling groups, every child's match and why,
shortlists and pins."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rcc.app import glossary, imports, state, views
from rcc.model import KM_PER_MILE
from rcc.report import SIBLINGS_DEFINED, authority_table, sibling_table
from rcc.service import TODAY

PIN_RESOLVE_S = 30
SHORTLIST_COLUMNS = {
    "rank": "Rank", "home_id": "Home", "setting": "Setting", "provider": "Provider", "authority": "Authority",
    "miles": "Distance (miles)", "within_20_miles": "Within 20 miles", "own_authority": "In own authority",
    "weekly_cost": "Weekly price (£/week)", "chosen": "Current match", "blocked_by": "What stops this child joining",
}
UNPLACED = "—"


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
    views.wrapped(imports.status_quo_comparison(today.summary, solved.kpis))


def _proof_and_guards(solved) -> None:
    st.subheader("Proof", help=glossary.TERMS["bound"])
    st.caption("The weighted score (not money): this plan's, the least any plan could score, and whether this plan "
               "is proven to reach it." if solved.result.mode == "weighted" else
               "For each priority in turn: this plan's value, the least any plan could reach with the earlier "
               "priorities kept, and whether this plan is proven to reach it.")
    views.wrapped(views.proof_table(solved.result))
    st.subheader("Guards", help=glossary.TERMS["guards"])
    if solved.result.guards:
        views.wrapped(views.guards_table(solved))
    else:
        st.caption("None: the weighted score uses no guards." if solved.result.mode == "weighted"
                   else "None were set on the Solve page.")


def _sibling_groups(solved) -> None:
    st.subheader("Sibling groups")
    st.caption(SIBLINGS_DEFINED)
    show = st.radio("Show", ["Apart only", "All"], horizontal=True, key="sibling_show")
    groups = sibling_table(solved, apart_only=show == "Apart only")
    if len(groups):
        views.wrapped(groups)
    else:
        st.caption("No sibling group is apart." if show == "Apart only" else "The data has no sibling groups.")


def _children(solved) -> str:
    """Every child's match, and those without a home with why, for one authority or all (by name); returns
    the authority chosen, so the one-child panel below offers the same children. A row picked in the table
    opens that child in the panel, where the whole reason is: a reason clipped in a grid cell explains
    nothing, and 300 wrapped reasons would bury the table."""
    names = views.authority_names()
    codes = sorted({c.la_code for c in solved.instance.children}, key=lambda c: names.get(c, c))
    la = st.selectbox("Responsible authority", ["All", *codes], format_func=lambda c: names.get(c, c),
                      key="children_la")
    explained = solved.explainer.table()
    kids, km = solved.instance.child_by_id, solved.check.km
    table = pd.DataFrame({"Child": explained["child_id"],
                          "Authority": [names.get(kids[c].la_code, kids[c].la_code) for c in explained["child_id"]],
                          "Home": explained["home_id"].fillna(UNPLACED),
                          "Distance (miles)": [views.miles(km[c]) if c in km else UNPLACED
                                               for c in explained["child_id"]],
                          "Why": explained["reason"]})
    if la != "All":
        table = table[[kids[c].la_code == la for c in table["Child"]]]
    st.subheader("Every child")
    st.caption("Pick a row to see why in full, under “One child” below.")
    shown = list(table["Child"])

    def open_picked() -> None:  # only when the pick changes, so the Child box below stays the user's to change
        rows = st.session_state["children_table"].selection.rows
        if rows:
            st.session_state["pin_child"] = shown[rows[0]]

    st.dataframe(table.drop(columns="Why"), hide_index=True, width="stretch", on_select=open_picked,
                 selection_mode="single-row", key="children_table")
    unplaced = table[table["Home"] == UNPLACED]
    where = "" if la == "All" else f" in {names.get(la, la)}"
    st.subheader(f"Children without a home{where} ({len(unplaced):,})")
    if len(unplaced):
        views.wrapped(unplaced[["Child", "Authority", "Why"]])
    return la


def _shortlist(solved, child: str) -> pd.DataFrame:
    """The child's best homes with distances in miles and yes/no for the questions asked of each."""
    table = solved.explainer.shortlist(child, k=8)
    table = table.assign(miles=[round(km / KM_PER_MILE, 1) for km in table["km"]]).drop(columns="km")
    for column in ("within_20_miles", "own_authority", "chosen"):
        table[column] = table[column].map({True: "yes", False: "no"})
    table["blocked_by"] = table["blocked_by"].fillna("")
    return table[list(SHORTLIST_COLUMNS)].rename(columns=SHORTLIST_COLUMNS)


def _one_child(solved, la: str) -> None:
    """One child in full: where they are and why (the whole sentence, wrapping on a phone), their best
    homes, and a pin to a home (or to none) re-solved under the same objective and guards."""
    st.subheader("One child: why, the best homes, and a pin")
    children = [c.child_id for c in solved.instance.children if la == "All" or c.la_code == la]
    child = st.selectbox("Child", children, key="pin_child")
    if child is None:
        return
    kid, home = solved.instance.child_by_id[child], solved.result.assignment.get(child)
    st.markdown(f"**{child}** (need level {kid.need_level}, aged {kid.age}): "
                + (f"placed at **{home}**." if home else "**without a home**."), help=glossary.TERMS["need levels"])
    st.info(solved.explainer.reason(child))
    shortlist = _shortlist(solved, child)
    if len(shortlist):
        st.dataframe(shortlist, hide_index=True, width="stretch",
                     column_config={"Weekly price (£/week)": st.column_config.NumberColumn(format="localized"),
                                    "Distance (miles)": st.column_config.NumberColumn(format="%.1f")})
    else:
        st.caption("No home meets this child's needs, so the only pin is to leave them unplaced.")
    _pin_controls(solved, child, list(shortlist["Home"]) if len(shortlist) else [])


def _pin_controls(solved, child: str, homes: list[str]) -> None:
    """Pin the child to a home (or to none) and re-solve; the re-solve is recorded with every pin."""
    home = st.selectbox("Home to pin", ["(leave unplaced)", *homes], key="pin_home", help=glossary.TERMS["pin"])
    current = state.app()
    cols = st.columns(3)
    if cols[0].button("Pin and re-solve", type="primary", key="pin_run"):
        pinned = current.pins | {child: None if home == "(leave unplaced)" else home}
        new, greedy = state.solve_with_progress(solved.instance, solved.weights, PIN_RESOLVE_S, pinned,
                                                solved.objective or state.objective(), purpose="pin")
        if not new.result.has_plan:
            st.error(f"No plan with that pin: {new.result.message}. The plan below is unchanged.")
            return
        state.use_plan(new, greedy, pinned)
        st.rerun()
    if current.pins and cols[1].button("Clear pins"):
        current.pins = {}
    if current.pins:
        cols[2].write("Pinned: " + ", ".join(f"{c} → {h or 'unplaced'}" for c, h in current.pins.items()))


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
    views.kinship_metrics(solved.kpis, greedy.kpis if greedy else None)
    _proof_and_guards(solved)
    today_placements = state.status_quo()
    if today_placements is not None:
        _today_beside_plan(solved, today_placements)
    st.subheader("By member authority")
    views.show_authorities(authority_table(solved))
    _sibling_groups(solved)
    _one_child(solved, _children(solved))
    glossary.show("status quo", "bound", "gap", "proven", "guards", "within 20 miles", "need levels", "pin",
                  *(["family or friends carer"] if solved.kpis.get("kinship_carers") else []))
