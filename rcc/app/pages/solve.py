"""Solve: what to optimise (children first, or the v1 weighted score), the guards, a progress bar, and
the headline of the plan (kept on screen). A solve whose guards cannot all hold says which one binds
and leaves the previous plan in place.

Valid settings are kept as soon as they are made, so the Trade-offs and scenario pages use them and
this page shows them again when one comes back to it.
"""

from __future__ import annotations

import streamlit as st

from rcc.app import glossary, state, views
from rcc.model import Weights
from rcc.priorities import (
    DEFAULT_ORDER,
    GUARDED,
    MEASURES,
    Guards,
    Objective,
    Priorities,
    Tolerance,
    check_urgency_factors,
)
from rcc.service import SCORE_LABEL

MODES = {"priorities": "Children first (priorities)", "weighted": "Weighted score (v1, for comparison)"}
BUDGETS = {"none": "No budget", "today": "Today's spend", "amount": "An amount (£ a week)"}
URGENCY_LABELS = {
    "urgency_today": "× when needed today",
    "urgency_within_5_days": "× when needed within 5 days",
    "urgency_later": "× when needed later",
}


def _label(name: str) -> str:
    return MEASURES[name].label


def _priorities_form(current: Priorities) -> Priorities | None:
    """The order (all seven, most important first) and a tolerance for each; ``None`` after naming
    what is wrong."""
    order = st.multiselect("Priorities, most important first", DEFAULT_ORDER, default=list(current.order),
                           format_func=_label, key="priority_order",
                           help="Each is made as small as it can be without letting an earlier one rise beyond its "
                                "tolerance. To move one to the end, remove it and add it again.")
    tolerances, problems = {}, []
    with st.expander("Tolerances: how far each may rise to gain the ones after it"):
        st.caption("0 keeps a measure at its best. A number is in the measure's own unit (children, separations, "
                   "£ a week, km); a percentage such as 2% is a share of its best value.")
        cols = st.columns(4)
        for k, name in enumerate(DEFAULT_ORDER):
            text = cols[k % 4].text_input(_label(name), str(current.tolerance(name)), key=f"tolerance_{name}",
                                          help=f"In {MEASURES[name].unit}, or a percentage such as 2%")
            try:
                tolerances[name] = Tolerance.parse(text)
            except ValueError as exc:
                problems.append(f"Tolerance for “{_label(name)}”: {exc}.")
    missing = [_label(m) for m in DEFAULT_ORDER if m not in order]
    if missing:
        problems.append(f"The order must list all seven measures: add {', '.join(missing)}.")
    for problem in problems:
        st.error(problem)
    return None if problems else Priorities(tuple(order), tolerances)


def _guards_form(current: Guards) -> Guards | None:
    """No worse than today, a budget and a fairness guard; ``None`` after naming what is wrong."""
    st.markdown("**Guards**: hard limits every plan must keep.", help=glossary.TERMS["guards"])
    cols = st.columns([2, 2, 3])
    status_quo = cols[0].checkbox(
        "No worse than today on the first five", current.status_quo, key="guard_status_quo",
        help="No more " + ", ".join(_label(m).lower() for m in GUARDED) + " than the status quo.")
    budgets = list(BUDGETS)
    chosen = "none" if current.budget is None else "today" if current.budget == "today" else "amount"
    budget = cols[1].radio("Budget", budgets, budgets.index(chosen), format_func=BUDGETS.get, key="guard_budget")
    amount = cols[1].number_input("Budget (£ a week)", 0.0, 1e9,
                                  float(current.budget) if chosen == "amount" else 350_000.0, 5_000.0, format="%.0f",
                                  key="guard_budget_amount", disabled=budget != "amount")
    fairness = cols[2].number_input(
        "Fairness: most points any authority's placed share may fall below the region's", 0.0, 100.0,
        current.fairness_points, 1.0, key="guard_fairness", placeholder="no fairness guard",
        help="Leave empty for no fairness guard.")
    private, small, homes = _market_guards(current)
    try:
        return Guards(status_quo, {"none": None, "today": "today", "amount": amount}[budget], fairness,
                      private_spend=private, small_local_pct=small, small_provider_homes=homes)
    except ValueError as exc:
        st.error(f"Guards: {exc}.")
        return None


def _market_guards(current: Guards) -> tuple[float | None, float | None, int]:
    """Spend with private providers at most £X a week; at least P% of placements with small local providers
    (owners of at most N homes, all in the region). Used when the homes record sector and owner."""
    with st.expander("Market guards: private spend and small local providers"):
        st.caption("They need the homes' sector and owner (homes.csv columns, filled by the Ofsted import); the "
                   "Market page shows the plan's figures.")
        cols = st.columns(3)
        private = cols[0].number_input("Most spend with private providers (£ a week)", 0.0, 1e9, current.private_spend,
                                       5_000.0, format="%.0f", key="guard_private_spend",
                                       placeholder="no private-spend guard", help="Leave empty for no such guard.")
        small = cols[1].number_input("Least share of placements with small local providers (%)", 0.0, 100.0,
                                     current.small_local_pct, 5.0, key="guard_small_local",
                                     placeholder="no small-provider guard",
                                     help=glossary.TERMS["small local providers"])
        homes = cols[2].number_input("A small provider owns at most (homes)", 1, 50, current.small_provider_homes,
                                     key="guard_small_provider_homes")
    return private, small, int(homes)


def _today_note(inst) -> None:
    """After an SSDA903 import, say which guards use today's actual placements."""
    actual = state.actual_for(inst)
    if actual:
        st.info(f"Today's placements from the SSDA903 import set the guards on "
                f"{_label('far_from_home').lower()} ({actual['far_from_home']:.0f} children today) and "
                f"{_label('outside_own_la').lower()} ({actual['outside_own_la']:.0f} children today). The other "
                "guards use the status quo: one child at a time, each to the best home left.")


def objective_form(inst) -> Objective | None:
    """The objective the Solve button will use; the priorities and guards are kept in weighted mode too,
    for the Trade-offs page."""
    current = state.objective()
    modes = list(MODES)
    mode = st.radio("What to optimise", modes, modes.index(current.mode), format_func=MODES.get, horizontal=True,
                    key="objective_mode", help=glossary.TERMS["objective"])
    if mode == "weighted":
        st.caption("The v1 contract's weighted sum, kept to compare with: its value is a score, not money, and "
                   "the guards do not apply.")
        return Objective("weighted", current.priorities, current.guards)
    priorities = _priorities_form(current.priorities)
    guards = _guards_form(current.guards)
    _today_note(inst)
    return None if priorities is None or guards is None else Objective("priorities", priorities, guards)


def _urgency(current: Weights, cols, key: str) -> dict[str, float]:
    return {name: column.number_input(label, 0.0, 10.0, float(getattr(current, name)), 0.25, key=f"{key}_{name}")
            for column, (name, label) in zip(cols, URGENCY_LABELS.items(), strict=True)}


def weights_form(mode: str, key: str = "weights") -> Weights | None:
    """The weights: the urgency factors under priorities (they count children without a home); every
    weight of the score in weighted mode. Weights are points of score, not money."""
    current = state.weights()
    if mode == "priorities":
        with st.expander("How urgency counts: a child without a home counts as"):
            changed = current.replace(**_urgency(current, st.columns(3), key))
    else:
        cols = st.columns(3)
        changed = current.replace(
            km=cols[0].number_input("Score per km from home", 0.0, 1000.0, float(current.km), 5.0, key=f"{key}_km"),
            unplaced=cols[1].number_input("Score per child without a home", 0.0, 200000.0, float(current.unplaced),
                                          1000.0, key=f"{key}_unplaced"),
            split=cols[2].number_input("Score per extra home a sibling group is split over", 0.0, 100000.0,
                                       float(current.split), 500.0, key=f"{key}_split"))
        st.caption("The score also counts each placement's weekly price as points. Every weight here is points "
                   "of score, not money.")
        with st.expander("Placements Data Standard settings (used only when the data records them)"):
            cols = st.columns(4)
            changed = changed.replace(
                not_preferred=cols[0].number_input("Score when in a suitable but not the preferred setting", 0.0,
                                                   100000.0, float(current.not_preferred), 100.0,
                                                   key=f"{key}_not_preferred"),
                **_urgency(current, cols[1:], key))
    try:
        check_urgency_factors(changed)
    except ValueError as exc:
        st.error(f"Urgency: {exc}.")
        return None
    return changed


def _solve(inst, weights: Weights, chosen: Objective, time_limit: int) -> None:
    """Solve (recorded, pins and all); only a result with a plan replaces the current one."""
    pins = state.app().pins
    solved, greedy = state.solve_with_progress(inst, weights, time_limit, pins, chosen)
    if solved.result.has_plan:
        state.use_plan(solved, greedy, pins)
    else:
        state.app().solve_failed = solved


def _show_outcome() -> None:
    """The last attempt's verdict, and the current plan's measures against the status quo."""
    current = state.app()
    failed, solved = current.solve_failed, current.solved
    if failed is not None:
        kept = " The previous plan is still the current one (Results)." if solved else ""
        st.error(f"No plan: {failed.result.message}.{kept}")
    if solved is None:
        return
    result = solved.result
    if failed is None:
        st.success(f"{result.describe()} in {result.runtime_s:.1f} s: {solved.kpis['placed']} of "
                   f"{solved.kpis['children']} children placed. Checked independently. See Results.")
    st.caption("Changes are against the status quo: one child at a time, each to the best home left.")
    views.measure_metrics(solved.check.measures, views.status_quo_measures(solved, current.greedy))
    st.caption(f"{SCORE_LABEL}: {solved.check.objective:,.0f}. It ranks plans under the v1 objective; it is not "
               "what anyone pays. Weekly spend is.")
    glossary.show("weighted score", "objective", "status quo", "guards", "tolerance", "bound", "gap", "proven",
                  "pin")


def render() -> None:
    st.title("Solve")
    inst = state.ensure_loaded()
    st.write(f"{len(inst.children)} children, {len(inst.homes)} homes, {inst.total_vacancies} vacancies.")
    chosen = objective_form(inst)
    weights = weights_form(st.session_state["objective_mode"])
    if chosen is not None and weights is not None:
        state.keep_settings(chosen, weights)
    time_limit = st.slider("Time limit (seconds)", 5, 300, 60, 5,
                           help="The solver stops here with the best plan found so far, and says how far it is "
                                "proven. A longer limit can prove more.")
    pins = state.app().pins
    if pins:
        st.caption("Pinned matches are kept: " + ", ".join(f"{c} → {h or 'unplaced'}" for c, h in pins.items()))
    if st.button("Solve", type="primary", disabled=chosen is None or weights is None, key="solve_run"):
        _solve(inst, weights, chosen, time_limit)
    _show_outcome()
