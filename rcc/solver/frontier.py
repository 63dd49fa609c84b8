"""The trade-off frontier between two measures: the efficient plans from "children first" to "cheapest".

ε-constraint method on one kept CP-SAT model (:class:`rcc.solver.lexicographic.Search`). The measures
ranked above both ``x`` and ``y`` are minimised first and held at their best, as in a priorities
solve; the guards hold throughout. Then:

1. the ``y`` end: ``y`` minimised, then ``x`` with ``y`` held (e.g. fewest brothers and sisters apart,
   and the least spend that allows);
2. the ``x`` end: ``x`` minimised, then ``y`` with ``x`` held (the least spend, and the fewest
   separations that allows);
3. between them, for limits ε on ``y`` rising from the ``y`` end towards the ``x`` end: ``x``
   minimised with ``y ≤ ε``, then ``y`` with ``x`` held, so each point is efficient (neither can
   improve without the other worsening). Each starts from the point before, whose plan keeps the
   new limit, so CP-SAT has a complete plan at once.

Every point then has the remaining measures minimised in their order with ``x`` and ``y`` held, so a
point is the best plan for its trade-off, not just any plan on the line. A point that a solve out of
time leaves dominated by another is dropped, and the frontier says how many were. Each point is a
``Result`` that the caller checks independently, like any plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.model import Instance, Weights
from rcc.priorities import MEASURES, Objective
from rcc.result import Result, Stage
from rcc.solver.lexicographic import Search
from rcc.solver.params import SolveParams

OnPoint = Callable[[int, int, Result], None]  # (points done, points planned, the newest point)


@dataclass(frozen=True)
class Frontier:
    """The efficient plans, from the ``y`` end to the ``x`` end, and how many were dropped."""

    x: str
    y: str
    points: tuple[Result, ...]
    dropped: int  # points a solve out of time left dominated by another, or that missed their limit
    message: str = ""  # why there is no frontier (the guards or pins allow no plan)


def frontier(instance: Instance, x: str, y: str, weights: Weights | None = None, objective: Objective | None = None,
             params: SolveParams | None = None, points: int = 7, on_point: OnPoint | None = None,
             pairs: pd.DataFrame | None = None, actual: Mapping[str, float] | None = None,
             pins: Mapping[str, str | None] | None = None) -> Frontier:
    """Up to ``points`` efficient plans trading ``x`` against ``y`` within ``params.time_limit`` seconds,
    every one keeping ``pins`` (the kinship placements, from :func:`rcc.service.frontier_checked`)."""
    if x == y or x not in MEASURES or y not in MEASURES:
        raise ValueError(f"the frontier needs two different measures, not {x!r} and {y!r} "
                         f"(measures: {', '.join(MEASURES)})")
    if points < 2:
        raise ValueError(f"a frontier has at least its two ends: points={points} must be ≥ 2")
    objective = objective or Objective()
    search = Search(instance, weights, objective, params, pins, pairs, actual)
    if search.failed:
        return Frontier(x, y, (), 0, search.failed.message)
    order = objective.priorities.order
    first = min(order.index(x), order.index(y))
    rest = tuple(m for m in order[first:] if m not in (x, y))
    for m in (x, y, *rest):
        search.limit(m, np.inf)
    above = order[:first]
    movable = frozenset((x, y, *rest))
    per_point = search.left() / (points + 0.5)
    found: list[Result] = []
    planned = points
    held: list[Stage] = []  # the stages of the priorities above both, solved with the first point

    def point(lead: str, other: str, label: str, first: tuple[str, ...] = (),
              then: tuple[str, ...] = ()) -> Result | None:
        """``first`` (the priorities above both, held for good), ``lead`` and ``then`` minimised in order,
        ``lead`` within whatever limit ``other`` has; then, ``then`` let go again, ``other`` with ``lead``
        held, then the rest in order with both held; the rest's limits are lifted again afterwards.
        One solve minimises counted measures together where that is exact: much faster than one after
        the other (and, on Greater Manchester, unplaced and siblings apart alone were harder than with
        the three counted measures after them). ``None`` if no plan keeps the guards."""
        seconds = min(per_point * (1.5 if first else 1), search.left() / max(1, planned - len(found)))
        stages = search.minimise((*first, lead, *then), seconds * 0.5, label=label, movable=movable)
        if search.failed:
            return None
        for m in then:  # held only to find ``lead`` fast: ``other`` is minimised given ``lead`` alone
            search.limit(m, np.inf)
        stages = [s for s in stages if s.measure not in then]
        stages += search.minimise((other,), seconds * 0.25, label=label, movable=movable)
        stages += search.minimise(rest, seconds * 0.25, label=label, movable=movable)
        for m in rest:
            search.limit(m, np.inf)
        held[:] = [s for s in stages if s.measure in above] or held
        result = search.result(held + sorted((s for s in stages if s.measure not in above),
                                             key=lambda s: order.index(s.measure)), label)
        found.append(result)
        if on_point:
            on_point(len(found), planned, result)
        return result

    between = tuple(m for m in order if order.index(y) < order.index(m) < order.index(x))  # y's end: children first
    y_end = point(y, x, f"fewest {MEASURES[y].label.lower()}", above, between)
    if y_end is None:
        return Frontier(x, y, (), 0, search.failed.message)
    y_end_plan = search.plan
    search.limit(x, np.inf)
    search.limit(y, np.inf)
    x_end = point(x, y, f"least {MEASURES[x].label.lower()}")
    targets = _targets(y_end.measures[y], x_end.measures[y], points - 2, MEASURES[y].whole)
    planned = 2 + len(targets)
    search.start_from(y_end_plan)  # it keeps every limit below: a complete start for the first of them
    between = []
    for target in targets:
        search.limit(x, np.inf)
        search.limit(y, target)
        between.append(point(x, y, f"{MEASURES[y].label.lower()} at most {MEASURES[y].format(target)}"))
    kept, dropped = efficient([y_end, *between, x_end], x, y, targets_missed(between, y, targets))
    return Frontier(x, y, tuple(kept), dropped)


def _targets(low: float, high: float, n: int, whole: bool) -> list[float]:
    """Up to ``n`` limits on ``y`` strictly between its two ends, evenly spread, rising."""
    if n <= 0 or high <= low:
        return []
    if whole:
        inside = np.arange(int(round(low)) + 1, int(round(high)))
        if len(inside) <= n:
            return [float(v) for v in inside]
        picks = np.unique(np.round(np.linspace(0, len(inside) - 1, n)).astype(int))
        return [float(inside[i]) for i in picks]
    return [float(v) for v in np.linspace(low, high, n + 2)[1:-1]]


def targets_missed(between: list[Result], y: str, targets: list[float]) -> set[int]:
    """Positions (among ``between``) of points whose plan is above its limit on ``y``: their solve found
    nothing in time, and the plan is the previous point's."""
    return {k for k, (result, target) in enumerate(zip(between, targets, strict=True))
            if result.measures[y] > target + 1e-6}


def efficient(results: list[Result], x: str, y: str, missed: set[int] = frozenset()) -> tuple[list[Result], int]:
    """The results no other result dominates (as good on both, better on one), one per (x, y), by
    rising ``y``; and how many were left out (dominated, repeated, or missed their limit)."""
    candidates = [r for k, r in enumerate(results) if k - 1 not in missed]  # results[k] is between[k - 1]
    kept = []
    for result in sorted(candidates, key=lambda r: (r.measures[y], r.measures[x])):
        if kept and result.measures[x] >= kept[-1].measures[x] - 1e-6:
            continue  # no cheaper in x for more y: dominated (or a repeat)
        kept.append(result)
    return kept, len(results) - len(kept)


def trade_off(better: Result, worse: Result, x: str, y: str) -> str:
    """What moving from ``worse`` to ``better`` on ``y`` costs in ``x``: "4 fewer separations of brothers
    and sisters costs £4,100/week more"."""
    gain = worse.measures[y] - better.measures[y]
    cost = better.measures[x] - worse.measures[x]
    return f"{MEASURES[y].change(-gain)} costs {MEASURES[x].change(cost)}"
