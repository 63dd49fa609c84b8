"""Trade-offs: the efficient plans between two measures (say weekly spend and brothers and sisters apart),
what each step between them trades, and any of them opened and made the current plan.

The objective's priorities and guards come from the Solve page; every point is checked independently
and recorded in the run history, as ``rcc frontier`` does.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rcc import charts
from rcc.app import glossary, state, views
from rcc.priorities import MEASURES, Guards, Objective
from rcc.report import sentence

X_DEFAULT, Y_DEFAULT = "weekly_spend", "siblings_apart"


def _objective() -> Objective:
    """The Solve page's priorities and guards; the frontier holds the priorities above both measures,
    so it always ranks by priorities, even when the Solve page is set to the weighted score."""
    chosen = state.objective()
    if chosen.mode == "weighted":
        st.caption("The Solve page is set to the weighted score; the trade-off follows its priorities order and "
                   "guards instead.")
    return Objective("priorities", chosen.priorities, chosen.guards)


def _guards_in_words(guards: Guards) -> str:
    """The Solve page's guards as a commissioner set them, before any cap is known."""
    words = ["no worse than today on the first five"] if guards.status_quo else []
    if guards.budget == "today":
        words.append("a budget of today's spend")
    elif guards.budget is not None:
        words.append(f"a budget of {MEASURES['weekly_spend'].format(guards.budget)}")
    if guards.fairness_points is not None:
        words.append(f"no authority more than {guards.fairness_points:g} points below the region's placed share")
    return "; ".join(words) or "none"


def _settings() -> tuple[str, str, int, int] | None:
    """(x, y, plans, seconds), or ``None`` after saying why they cannot be traded."""
    names = list(MEASURES)
    cols = st.columns(4)
    x = cols[0].selectbox("Across (x)", names, names.index(X_DEFAULT), format_func=lambda m: MEASURES[m].label,
                          key="tradeoff_x")
    y = cols[1].selectbox("Up (y)", names, names.index(Y_DEFAULT), format_func=lambda m: MEASURES[m].label,
                          key="tradeoff_y")
    points = cols[2].number_input("Plans to find (the two ends included)", 2, 12, 6, key="tradeoff_points")
    seconds = cols[3].slider("Time limit (seconds, for all of them)", 30, 600, 240, 10, key="tradeoff_time")
    if x == y:
        st.error("Choose two different measures to trade against each other.")
        return None
    return x, y, int(points), int(seconds)


def _sentences(run: state.FrontierRun) -> list[str]:
    """For each point, what it is: the first end, or what it gives up against the point before."""
    table = run.found.table()
    return [sentence(plan) if k == 0 else f"From point {k + 1} to point {k}: {trade}"
            for k, (plan, trade) in enumerate(zip(table["plan"], table["trade_off"], strict=True))]


def _points_table(run: state.FrontierRun) -> pd.DataFrame:
    """One row per plan: its two measures, and how it was found."""
    x, y = MEASURES[run.found.x], MEASURES[run.found.y]
    return pd.DataFrame([{"Point": k, y.label: y.format(p.check.measures[y.name]),
                          x.label: x.format(p.check.measures[x.name]),
                          "How it was found": sentence(p.result.message)}
                         for k, p in enumerate(run.found.points, start=1)])


def _clicked(event) -> int | None:
    """The point clicked on the chart (0-based), if a point of the frontier (not the status quo) is selected."""
    chosen = [p for p in (event.selection.points if event else []) if p.get("curve_number", 0) == 0]
    return chosen[0].get("point_index") if chosen else None


def _open(run: state.FrontierRun, sentences: list[str], index: int) -> None:
    """One point: its measures against the status quo, what it trades, and the button to use it."""
    point = run.found.points[index]
    st.subheader(f"Point {index + 1}")
    st.markdown(sentences[index])
    st.caption(f"{point.result.describe()} · checked independently · changes are against the status quo.")
    views.measure_metrics(point.check.measures, views.status_quo_measures(point, run.greedy))
    if st.button("Use this plan", type="primary", key="tradeoff_use"):
        state.use_plan(point, run.greedy)
        st.success(f"Point {index + 1} is now the current plan: see Results, Map and Export.")


def _coordinates(run: state.FrontierRun, index: int) -> str:
    """'Point 2: 6 separations, £52,277/week'."""
    found = run.found
    m = found.points[index].check.measures
    return f"Point {index + 1}: {MEASURES[found.y].format(m[found.y])}, {MEASURES[found.x].format(m[found.x])}"


def _show(run: state.FrontierRun) -> None:
    found = run.found
    sentences = _sentences(run)
    event = st.plotly_chart(charts.frontier_figure(found, sentences), on_select="rerun", selection_mode="points",
                            key="tradeoff_chart", width="stretch")
    clicked = _clicked(event)
    current = state.app()
    if clicked is not None and clicked != current.frontier_clicked:
        st.session_state["tradeoff_open"] = clicked  # before the selectbox below is drawn, so it follows the click
    current.frontier_clicked = clicked
    if found.dropped:
        st.caption(f"{found.dropped} plan(s) were left out: another plan was as good on both measures, or the time "
                   "ran out before they were found.")
    st.subheader("What each step trades")
    st.markdown("\n".join(f"- {s}" for s in sentences[1:]) or "Only one plan: nothing to trade between them.")
    st.dataframe(_points_table(run), hide_index=True, width="stretch")
    index = st.selectbox("Open point", range(len(found.points)), key="tradeoff_open",
                         format_func=lambda k: _coordinates(run, k))
    _open(run, sentences, index)


def render() -> None:
    st.title("Trade-offs")
    inst = state.ensure_loaded()
    chosen = _objective()
    st.caption("The efficient plans between two measures: none of them can do better on one without doing worse on "
               "the other. The priorities ranked above both are held at their best, and every plan keeps the guards "
               f"set on the Solve page ({_guards_in_words(chosen.guards)}). Click a point, or pick it below, to open "
               "it.")
    settings = _settings()
    if settings and st.button("Find the trade-off", type="primary", key="tradeoff_run"):
        x, y, points, seconds = settings
        run = state.frontier_with_progress(inst, state.weights(), chosen, x, y, points, seconds)
        if run.found.points:
            state.app().frontier = run
            st.session_state.pop("tradeoff_open", None)
            state.record_frontier(run)
        else:
            st.error(f"No trade-off: {run.found.message}.")
    run = state.app().frontier
    if run is not None and run.instance is inst:
        _show(run)
    glossary.show("status quo", "guards", "proven", "tolerance")
