"""Guards: the hard limits of a priorities solve, where each cap comes from, and which one binds
when they cannot all hold.

"No worse than today" caps the first five measures at the status quo's values. The status quo is
the greedy one-referral-at-a-time plan (:mod:`rcc.solver.greedy`), except for the measures an
SSDA903 import records about today's actual placements (far from home, outside the authority),
which come from ``status_quo.csv``. The market guards (private spend, small local providers) are the
commissioner's own numbers. Because the greedy plan keeps every cap drawn from it, those
guards can always hold together; a budget below it, a fairness guard, today's actual figures or
pinned matches may not, and then :func:`diagnose` solves without each guard in turn and reports
the least its measure can be with the others held — never a bare "infeasible".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from ortools.sat.python import cp_model

from rcc.model import Instance, Weights
from rcc.priorities import GUARDED, MEASURES, Guards
from rcc.result import Guard, Result
from rcc.solver.objective import assignment_measures
from rcc.solver.params import SolveParams, run
from rcc.solver.placement_model import UNITS, PlacementModel

GREEDY = "the greedy status quo"
TODAY = "today's placements, SSDA903"


@dataclass(frozen=True)
class StatusQuo:
    """The status quo's measures, and where each came from."""

    measures: Mapping[str, float]
    sources: Mapping[str, str]


def status_quo(instance: Instance, weights: Weights, pairs: pd.DataFrame, greedy: Result,
               actual: Mapping[str, float] | None = None) -> StatusQuo:
    """The greedy plan's measures, with ``actual`` (today's, from an SSDA903 import) where given."""
    measures = assignment_measures(instance, weights, pairs, greedy.assignment)
    sources = dict.fromkeys(measures, GREEDY)
    for name, value in (actual or {}).items():
        measures[name], sources[name] = float(value), TODAY
    return StatusQuo(measures, sources)


def caps(guards: Guards, today: StatusQuo) -> tuple[Guard, ...]:
    """The guards as caps, in the order they are reported."""
    found = []
    if guards.status_quo:
        found += [Guard(m, today.measures[m], today.sources[m]) for m in GUARDED]
    if guards.budget == "today":
        found.append(Guard("weekly_spend", today.measures["weekly_spend"], f"budget: {GREEDY}'s weekly spend"))
    elif guards.budget is not None:
        found.append(Guard("weekly_spend", float(guards.budget), "budget"))
    if guards.fairness_points is not None:
        found.append(Guard("fairness", float(guards.fairness_points), "fairness"))
    if guards.private_spend is not None:
        found.append(Guard("private_spend", float(guards.private_spend), "market"))
    if guards.small_local_pct is not None:
        found.append(Guard("small_local", float(guards.small_local_pct), "market",
                           small_provider_homes=guards.small_provider_homes))
    return tuple(found)


def impose(built: PlacementModel, guards: tuple[Guard, ...]) -> None:
    for guard in guards:
        if guard.measure == "fairness":
            built.fairness(guard.cap)
        elif guard.measure == "small_local":
            built.small_local(guard.cap, guard.small_provider_homes)
        else:
            built.cap(guard.measure, guard.cap)


def describe_guard(guard: Guard) -> str:
    if guard.measure == "fairness":
        return f"no authority's placed share more than {guard.cap:g} points below the region's ({guard.source})"
    if guard.measure == "private_spend":
        return f"weekly spend with private providers ≤ £{guard.cap:,.0f}/week ({guard.source})"
    if guard.measure == "small_local":
        return (f"at least {guard.cap:g}% of placements with small local providers (independent owners of at most "
                f"{guard.small_provider_homes} homes, all in the region) ({guard.source})")
    measure = MEASURES[guard.measure]
    return f"{measure.label.lower()} ≤ {measure.format(guard.cap)} ({guard.source})"


def diagnose(instance: Instance, weights: Weights, pairs: pd.DataFrame, guards: tuple[Guard, ...],
             pins: Mapping[str, str | None] | None, params: SolveParams,
             seconds: float) -> tuple[tuple[Guard, ...], str]:
    """When the guards cannot all hold: for each guard, the least its measure can be with every other
    guard (and the pins) held. Returns the guards with ``least`` filled, and a plain-English verdict."""
    started = time.perf_counter()
    found = []
    for k, guard in enumerate(guards):
        left = seconds - (time.perf_counter() - started)
        least, proven = _least(instance, weights, pairs, guard, guards[:k] + guards[k + 1:], pins, params,
                               left / (len(guards) - k))
        found.append(Guard(guard.measure, guard.cap, guard.source, least, proven))
    binding = [g for g in found if g.least is not None]
    if not binding:
        if pins:
            return tuple(found), ("the pinned matches (family or friends carers' children included) cannot hold "
                                  "together with the guards, and no single guard lifted makes them hold: lift more "
                                  "than one guard, allow more time, or clear any pins set by hand")
        return tuple(found), "no single guard lifted makes the others hold: lift more than one"
    lines = []
    for guard in binding:
        proof = '' if guard.least_proven else ' (the best found; not proven least)'
        if guard.measure == "small_local":
            short = f"{guard.least:g} placement{'' if guard.least == 1 else 's'}"
            lines.append(f"{describe_guard(guard)} binds: with the other guards held, it falls at least {short} "
                         f"short{proof}")
            continue
        over = guard.least - guard.cap
        amount, least = _amount(guard.measure, over), _value(guard.measure, guard.least)
        lines.append(f"{describe_guard(guard)} binds: with the other guards held, the least is "
                     f"{least}{proof}, {amount} over")
    return tuple(found), "the guards cannot all hold; " + "; ".join(lines)


def _value(measure: str, value: float) -> str:
    """A guard's measure as people read it: points, £/week, children, miles."""
    if measure == "fairness":
        return f"{value:g} points"
    if measure == "private_spend":
        return f"£{value:,.0f}/week"
    return MEASURES[measure].format(value)


def _amount(measure: str, value: float) -> str:
    """How far a guard is over, in words: '£500 a week', '2 children'."""
    return _value(measure, value).replace("/week", " a week")


def _least(instance, weights, pairs, guard: Guard, others: tuple[Guard, ...], pins, params: SolveParams,
           seconds: float) -> tuple[float | None, bool]:
    """(least value of ``guard``'s measure with ``others`` held, proven?) or (None, …) if none is found."""
    built = PlacementModel(instance, weights, pairs, pins)
    if built.infeasible_pins:
        return None, True
    impose(built, others)
    if guard.measure == "fairness":
        objective, unit = built.fairness_slack(), 100.0
    elif guard.measure == "small_local":
        objective, unit = built.small_local_shortfall(guard.cap, guard.small_provider_homes), 1.0
    else:
        objective, unit = built.measure(guard.measure), float(UNITS[guard.measure])
    built.model.minimize(objective)
    code, solver = run(built.model, params, max(0.1, seconds))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, code == cp_model.INFEASIBLE
    return solver.objective_value / unit, code == cp_model.OPTIMAL
