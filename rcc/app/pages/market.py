"""Market: who the plan's money goes to — spend and placements by sector, the five largest owners' share,
how concentrated the market is (HHI), and placements with small local providers, for the region and for
each member authority, beside the status quo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rcc.app import glossary, state, views
from rcc.market import SECTOR_LABELS, SMALL_PROVIDER_HOMES, describe_hhi, has_market, market_summary

MONEY = st.column_config.NumberColumn(format="£%,.0f")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _pounds(value: float | None) -> str:
    return "—" if value is None else f"£{value:,.0f}/week"


def _headline(plan: dict, today: dict | None) -> None:
    """Four figures, each with the status quo's change beside it."""
    cols = st.columns(4)

    def change(key: str, unit: str) -> str | None:
        if today is None or plan[key] is None or today[key] is None:
            return None
        delta = plan[key] - today[key]
        return f"{delta:+,.0f} £/week" if unit == "£/week" else f"{delta:+.1f} points"

    cols[0].metric("Weekly spend with private providers", _pounds(plan["private_spend"]),
                   change("private_spend", "£/week"), delta_color="inverse")
    cols[1].metric("Five largest owners' share of spend", _percent(plan["top_five_pct"]),
                   change("top_five_pct", "points"), delta_color="inverse", help=glossary.TERMS["top five"])
    cols[2].metric("Market concentration (HHI)", "—" if plan["hhi"] is None else f"{plan['hhi']:,.0f}",
                   None if today is None or today["hhi"] is None or plan["hhi"] is None
                   else f"{plan['hhi'] - today['hhi']:+,.0f}", delta_color="inverse", help=glossary.TERMS["hhi"])
    cols[3].metric("Placements with small local providers",
                   f"{plan['small_local_placements']:,} ({_percent(plan['small_local_pct'])})",
                   change("small_local_pct", "points"), help=glossary.TERMS["small local providers"])
    st.caption(f"Concentration: {describe_hhi(plan['hhi'])}")


def _by_sector(plan: dict, today: dict | None) -> None:
    st.subheader("Spend by sector", help=glossary.TERMS["sector"])
    rows = pd.DataFrame(plan["by_sector"])
    chart = pd.DataFrame({"Sector": rows["sector"].map(SECTOR_LABELS), "rcc's plan": rows["weekly_spend"]})
    if today is not None:
        before = {r["sector"]: r["weekly_spend"] for r in today["by_sector"]}
        chart["Status quo"] = [before.get(s, 0.0) for s in rows["sector"]]
    st.bar_chart(chart.set_index("Sector"), stack=False, y_label="£ a week", horizontal=True)
    table = pd.DataFrame({
        "Sector": rows["sector"].map(SECTOR_LABELS),
        "Placements": rows["placements"],
        "Share of placements": [_percent(v) for v in rows["placements_pct"]],
        "Weekly spend": [_pounds(v) for v in rows["weekly_spend"]],
        "Share of spend": [_percent(v) for v in rows["spend_pct"]],
    })
    if today is not None:
        before = {r["sector"]: r for r in today["by_sector"]}
        table["Status quo: weekly spend"] = [_pounds(before[s]["weekly_spend"]) if s in before else "—"
                                             for s in rows["sector"]]
    views.wrapped(table)
    st.caption("Spend is what the authorities pay each week: a bed already paid for under a block contract adds "
               "nothing, as in the plan's weekly spend.")


def _owners(plan: dict) -> None:
    st.subheader("The five largest owners")
    if not plan["top_owners"]:
        st.caption("No spend with any recorded owner.")
        return
    views.wrapped(pd.DataFrame({
        "Owner": [o["owner"] for o in plan["top_owners"]],
        "Weekly spend": [_pounds(o["weekly_spend"]) for o in plan["top_owners"]],
        "Share of spend": [_percent(o["spend_pct"]) for o in plan["top_owners"]],
    }))
    if plan["spend_with_owner_pct"] is not None and plan["spend_with_owner_pct"] < 100:
        st.caption(f"Shares are of the spend with a recorded owner: {_percent(plan['spend_with_owner_pct'])} of "
                   "all spend.")


def _authorities(plan: dict) -> None:
    st.subheader("By member authority")
    st.caption("Each authority's own children: where the money for them goes.")
    rows = plan["by_authority"]

    def spend_in(row: dict, sector: str) -> float:
        return next((s["weekly_spend"] for s in row["by_sector"] if s["sector"] == sector), 0.0)

    table = pd.DataFrame({
        "Authority": [r["la_name"] for r in rows],
        "Placed": [r["placed"] for r in rows],
        "Council (£/week)": [spend_in(r, "local_authority") for r in rows],
        "Private (£/week)": [spend_in(r, "private") for r in rows],
        "Voluntary (£/week)": [spend_in(r, "voluntary") for r in rows],
        "Five largest owners' share": [_percent(r["top_five_pct"]) for r in rows],
        "With small local providers": [_percent(r["small_local_pct"]) for r in rows],
    })
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: MONEY for c in table.columns if c.endswith("(£/week)")})


def render() -> None:
    st.title("Market")
    solved, greedy = state.current_solve()
    if solved is None:
        return
    if not has_market(solved.instance):
        st.info("The homes of this instance record no sector or owner, so there is no market to describe. Add "
                "the optional homes.csv columns sector and owner (the Ofsted import fills them).")
        return
    guards = (solved.objective or state.objective()).guards
    most = st.number_input("A small provider owns at most this many homes", 1, 50,
                           guards.small_provider_homes or SMALL_PROVIDER_HOMES, key="market_small_homes",
                           help=glossary.TERMS["small local providers"])
    plan = market_summary(solved.instance, solved.result.assignment, solved.check, int(most))
    today = (market_summary(greedy.instance, greedy.result.assignment, greedy.check, int(most))
             if greedy is not None else None)
    st.caption("rcc's plan; changes compare with the status quo (one child at a time, each to the best home left). "
               f"{plan['small_local_owners']:,} owners count as small local providers.")
    _headline(plan, today)
    _by_sector(plan, today)
    _owners(plan)
    _authorities(plan)
    glossary.show("sector", "top five", "hhi", "small local providers", "status quo")
