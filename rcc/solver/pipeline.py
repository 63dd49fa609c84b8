"""The weighted score at any size: pairs priced not stored, a proven bound every round, CP-SAT by windows.

Used by :func:`rcc.solver.cpsat.solve` when the whole LP is too large for the time limit (from a
few thousand children), and by the benchmarks where the pairs table itself would not fit (all of
England: about 254 million pairs). Each stage uses the engine that measured best for it
(``benchmarks/FINDINGS.md``):

1. **Pairs** (:mod:`rcc.solver.pricing`): each child's cheapest and nearest homes, generated on
   demand. Memory grows with children × k.
2. **Starts**: the status quo (greedy, nearest first) over the nearest homes and the min-cost-flow
   relaxation over the kept pairs, repaired; the better one that splits no more sibling groups
   (nor spreads them over more homes) than the status quo.
3. **Bound** (:mod:`rcc.solver.colgen`): column generation with HiGHS's dual simplex, pricing
   every pair against the capacity duals; each round's Lagrangian bound is proven. The LP keeps
   the sibling cap, so the bound is over the plans this pipeline may return.
4. **Search**: the LP rounded (sibling groups as one); HiGHS's branch-and-cut on each child's few
   best pairs by LP reduced cost over the whole instance (at 5,000 children it found 8.53 M where
   CP-SAT found 8.59 M in the same 38 s; CP-SAT with the rounded plan as a hint, 9.10 M); then CP-SAT by windows
   (:mod:`rcc.solver.windows`) — first over the children the LP leaves unsettled, then sweeps over
   everyone — for the rest of the time. Every plan kept is complete, keeps every rule, is re-scored
   exactly and splits no more sibling groups than the status quo.

Regions of more than :data:`BLOCK_CHILDREN` children spanning several English regions are solved
region by region (children and homes of one region each, so the plans add up to a feasible one),
and the capacity prices of every region's LP then give one Lagrangian bound for the whole
instance: a valid bound whatever prices are used, over the plans that keep the regions' sibling
caps together. That last pass has a deadline, the time limit; children it has not reached count
their price floor.

The time limit is a :class:`Budget`; how long a stage may take is a share of what is left, and
window sizes follow what CP-SAT was measured to manage on this machine: a window proven optimal
quickly grows the next one, one that ran out of time shrinks it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.model import Instance, Weights
from rcc.result import ProgressUpdate, Result, Stage, Status
from rcc.solver.candidates import first_per_child
from rcc.solver.colgen import ColumnGeneration, column_generation
from rcc.solver.flow import flow_relaxation
from rcc.solver.greedy import solve_greedy
from rcc.solver.highs import HighsModel
from rcc.solver.incumbent import Plan, SiblingCap
from rcc.solver.lp import shortlist
from rcc.solver.params import SolveParams
from rcc.solver.pricing import PairSource
from rcc.solver.repair import repaired_flow, rounded_lp
from rcc.solver.windows import Window, improve_window, neighbourhood_windows, with_siblings

log = logging.getLogger(__name__)

OnProgress = Callable[[ProgressUpdate], None]

CHEAPEST, NEAREST = 8, 24  # pairs kept per child before pricing: by weighted cost, by distance
BOUND_SHARE = 0.3  # of the time left after the starts, for column generation
WHOLE_SHARE = 0.5  # of the time left after that, for HiGHS on the whole shortlist
WHOLE_PAIRS = 60_000  # the whole-instance shortlist is searched only up to this many pairs
SHORTLIST = 8  # pairs per child by LP reduced cost in the whole search (plus the LP's own and the plan's)
SHORTLIST_SEARCH = "HiGHS branch-and-cut on the LP shortlist"
WINDOW_CHILDREN = 300  # a first window's size; it grows or shrinks with what CP-SAT manages
WINDOW_PAIRS = 40  # each window child's cheapest pairs, generated for the window
WINDOW_SECONDS = 10.0
BLOCK_CHILDREN = 6_000  # beyond this, an instance spanning several English regions is solved region by region
GLOBAL_BOUND_SHARE = (0.1, 0.4)  # least and most of the time limit kept for the whole instance's bound
RESULT_SECONDS = 5.0  # kept at the end of a solve by regions (at most a tenth) to put the plan together
CAPPED = ("; over the plans that split no more sibling groups, nor spread them over more homes, than the status "
          "quo (the plans the pipeline may return)")


@dataclass
class Budget:
    """The solve's time limit, spent stage by stage."""

    seconds: float
    started: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    def share(self, fraction: float) -> float:
        return fraction * self.left()


@dataclass
class Solved:
    """What one run of the stages leaves: the plan, the pairs that hold it, the bound and its prices."""

    plan: Plan
    pairs: pd.DataFrame
    bound: ColumnGeneration
    cap: SiblingCap
    stats: dict[str, float]


def solve_at_scale(instance: Instance, weights: Weights, params: SolveParams,
                   pins: Mapping[str, str | None] | None = None, progress: OnProgress | None = None,
                   status_quo: Result | None = None) -> Result | None:
    """The weighted score's plan and a proven bound, never holding every pair (see the module docstring).

    ``status_quo`` is the greedy plan when the caller has it over every pair (it then sets the
    sibling cap and the plan to beat); otherwise greedy runs over each child's nearest homes.
    ``None`` when no start keeps the ``pins`` (greedy keeps kinship pins, not others).
    """
    budget = Budget(params.time_limit)
    blocks = _regions(instance)
    if len(instance.children) > BLOCK_CHILDREN and len(blocks) > 1:
        return _in_blocks(instance, weights, params, pins, progress, budget, blocks)
    solved = _stages(PairSource(instance, weights, pins), params, budget, pins, progress, status_quo)
    if solved is None:
        return None
    return _result(instance, solved.plan, solved.bound.bound, budget, params, solved.stats)


def _stages(source: PairSource, params: SolveParams, budget: Budget, pins, progress,
            status_quo: Result | None) -> Solved | None:
    instance, weights = source.instance, source.weights
    stats: dict[str, float] = {}
    kept = source.cheapest(CHEAPEST)
    near = source.cheapest(NEAREST, by_distance=True, plan=status_quo.assignment if status_quo else None)
    stats["candidates_s"] = budget.elapsed()
    if status_quo is None:
        status_quo = solve_greedy(instance, weights, near)
    start_pairs = _union(kept, near)
    plans = [Plan.of("status quo", instance, weights, start_pairs, status_quo.assignment)]
    _, relaxed = flow_relaxation(instance, weights, kept)
    plans.append(Plan.of("repaired relaxation", instance, weights, start_pairs,
                         repaired_flow(instance, weights, kept, relaxed)))
    cap = SiblingCap.of(instance, plans[0].assignment)
    best = _better(instance, plans, None, cap, pins)
    if best is None:
        return None  # no start keeps the pins: the caller solves another way
    _report(progress, budget, best, -math.inf)

    start = _plan_pairs(start_pairs, best.assignment)
    seconds = budget.share(BOUND_SHARE)
    bound = column_generation(source, _first_lp(kept, near, start, params, seconds), seconds, protected=start,
                              cap=cap, fallback=_union(kept, start))
    stats.update(lp_rounds=len(bound.rounds), lp_s=bound.seconds, pairs_kept=len(bound.pairs),
                 lp_bound=bound.bound, lp_converged=float(bound.converged),
                 pairs_priced=float(sum(r.searched for r in bound.rounds)))
    _report(progress, budget, best, bound.bound)
    every = _union(bound.pairs, start_pairs)
    if len(bound.values) == len(bound.pairs):
        rounded = Plan.of("rounded LP", instance, weights, every,
                          rounded_lp(instance, weights, bound.pairs, bound.values))
        best = _better(instance, [rounded], best, cap, pins)
    shortlist = _shortlist(bound, best, every)
    stats["shortlist_pairs"] = len(shortlist)
    if len(shortlist) <= WHOLE_PAIRS:
        found = _whole(instance, weights, params, shortlist, budget.share(WHOLE_SHARE), cap, pins)
        best = _better(instance, [found] if found else [], best, cap, pins)
        _report(progress, budget, best, bound.bound)
    unsettled = _unsettled(instance, bound, best)
    stats["lp_unsettled"] = len(unsettled.children)
    best, every, tried = _windows(source, params, every, best, budget, cap, pins, progress, bound.bound,
                                  among=unsettled.children, sweeps=1)
    best, every, more = _windows(source, params, every, best, budget, cap, pins, progress, bound.bound)
    stats["windows"] = tried + more
    return Solved(best, every, bound, cap, stats)


def _first_lp(kept: pd.DataFrame, near: pd.DataFrame, start: pd.DataFrame, params: SolveParams,
              seconds: float) -> pd.DataFrame:
    """The first restricted LP's pairs: each child's cheapest, the start's, and as many of its
    nearest as the machine's LP rate solves in column generation's ``seconds``.

    The nearest homes make round 1's prices near the last round's: at 5,000 children its bound was
    7.55 M with all 24 against 0.69 M with the cheapest alone, and reached 8.28 M in 3 rounds
    instead of 6. For all of England, South East's (14,833 children) bound was 20.8 M with all 24
    and 6.6 M with 8; London's LP with all 24 was not solved in time (hence column generation's
    fallback to the cheapest)."""
    children = max(1, kept["child"].nunique())
    per_child = int(params.lp_pairs_per_second * seconds / children) - CHEAPEST
    nearest = near.iloc[first_per_child(near["child"].to_numpy(), near["km"].to_numpy(), max(0, per_child))]
    return _union(kept, start, nearest)


def _better(instance: Instance, plans: list[Plan], best: Plan | None, cap: SiblingCap, pins) -> Plan | None:
    """The cheapest of ``plans`` and ``best`` that keeps the pins and the sibling cap."""
    fit = [p for p in plans if cap.allows(instance, p.assignment) and _keeps(p, pins)]
    return min(fit + ([best] if best else []), key=lambda p: p.objective, default=None)


def _keeps(plan: Plan, pins: Mapping[str, str | None] | None) -> bool:
    return all(plan.assignment.get(c) == h for c, h in (pins or {}).items())


def _union(*tables: pd.DataFrame) -> pd.DataFrame:
    joined = pd.concat(tables, ignore_index=True).drop_duplicates(["child", "home"])
    return joined.sort_values(["child", "home"], kind="stable").reset_index(drop=True)


def _plan_pairs(pairs: pd.DataFrame, assignment: Mapping[str, str | None]) -> pd.DataFrame:
    placed = {c: h for c, h in assignment.items() if h is not None}
    return pairs[pairs["child_id"].map(placed).to_numpy() == pairs["home_id"].to_numpy()]


def _shortlist(bound: ColumnGeneration, plan: Plan, every: pd.DataFrame) -> pd.DataFrame:
    """Each child's few pairs of least LP reduced cost, the LP's own and the plan's."""
    pairs = bound.pairs
    if len(bound.reduced_costs) == len(pairs):
        pairs = pairs[shortlist(pairs["child"].to_numpy(), bound.reduced_costs, bound.values, SHORTLIST)]
    return _union(pairs, _plan_pairs(every, plan.assignment))


def _whole(instance: Instance, weights: Weights, params: SolveParams, pairs: pd.DataFrame, seconds: float,
           cap: SiblingCap, pins) -> Plan | None:
    """HiGHS's branch-and-cut on the whole shortlist, under the sibling cap and the pins.

    Measured at 5,000 children (21,599 pairs, 37.6 s each): HiGHS 8,529,694 (0.16% above its own
    bound on the shortlist), CP-SAT from scratch 8,593,397. HiGHS's bound here is over the
    shortlist only, so it proves nothing for the instance."""
    model = HighsModel(instance, weights, pairs.reset_index(drop=True), cap, pins)
    if model.infeasible_pins:
        return None
    assignment, status, _, message = model.solve(seconds, params.relative_gap)
    if assignment is None:
        return None
    found = Plan.of(SHORTLIST_SEARCH, instance, weights, pairs, assignment)
    log.info("HiGHS on the shortlist of %d pairs: %.2f (%s)", len(pairs), found.objective, message)
    return found


def _unsettled(instance: Instance, bound: ColumnGeneration, plan: Plan) -> Window:
    """The children the LP does not settle: placed fractionally, or not where the plan has them
    (with their brothers and sisters). Windows go over these first."""
    pairs = bound.pairs.iloc[:len(bound.values)]
    children, x = pairs["child"].to_numpy(), bound.values
    whole = x > 1 - 1e-6
    settled = np.zeros(len(instance.children), bool)
    agrees = pairs["home_id"].to_numpy()[whole] == pairs["child_id"].map(plan.assignment).to_numpy()[whole]
    settled[children[whole][agrees]] = True
    placed = np.zeros(len(instance.children))
    np.add.at(placed, children, x)
    unplaced = np.array([plan.assignment.get(c.child_id) is None for c in instance.children], bool)
    settled |= (placed < 1e-6) & unplaced
    return with_siblings(instance, np.flatnonzero(~settled))


def _windows(source: PairSource, params: SolveParams, pairs: pd.DataFrame, plan: Plan, budget: Budget,
             cap: SiblingCap, pins, progress, bound: float, among: np.ndarray | None = None,
             sweeps: float = math.inf) -> tuple[Plan, pd.DataFrame, int]:
    """Sweeps of windows over the whole region (or over the children ``among``) until the time is
    up, ``sweeps`` are done, or a sweep of one window that holds everyone is proven optimal. Returns
    the plan, the pairs searched (they hold the plan's) and how many windows were tried.

    A window searches the kept pairs of its children and their ``WINDOW_PAIRS`` cheapest, generated
    for the window alone (the kept pairs can miss a home a sibling group would share). Its size
    follows CP-SAT: proven quickly, the next window is larger; out of time, smaller."""
    instance, weights = source.instance, source.weights
    size, tried, swept = WINDOW_CHILDREN, 0, 0
    rng = np.random.default_rng(params.seed)
    while budget.left() > 1.0 and swept < sweeps:
        swept += 1
        whole_proven = False
        for window in neighbourhood_windows(instance, size, rng, among):
            seconds = min(WINDOW_SECONDS, budget.left() - 0.5)
            if seconds < 1.0:
                break
            pairs = _union(pairs, source.cheapest(WINDOW_PAIRS, children=window.children))
            outcome = improve_window(instance, weights, params, plan, pairs, window, seconds, cap, pins)
            tried += 1
            log.info("window of %d children in %d authorities: %d pairs, %s in %.1f s; plan %.2f",
                     len(window.children), len(window.authorities(instance)), outcome.pairs,
                     "improved" if outcome.improved else "proven" if outcome.proven else "no better",
                     outcome.seconds, outcome.plan.objective)
            if outcome.improved:
                plan = outcome.plan
                _report(progress, budget, plan, bound)
            if outcome.proven and outcome.seconds < seconds / 3:
                size = min(len(instance.children), int(size * 1.25) + 1)
            elif not outcome.proven:
                size = max(50, int(size * 0.8))
            whole_proven = outcome.proven and len(window.children) == len(instance.children)
        if whole_proven:
            break
    return plan, pairs, tried


# --- region by region ---------------------------------------------------------------------


def _regions(instance: Instance) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """English region → (its children's positions, its homes' positions), by authority."""
    region_of = geo.local_authorities()["region"].to_dict()
    child_region = np.array([region_of.get(c.la_code, "") for c in instance.children], object)
    home_region = np.array([region_of.get(h.la_code, "") for h in instance.homes], object)
    return {r: (np.flatnonzero(child_region == r), np.flatnonzero(home_region == r))
            for r in sorted(set(child_region)) if (child_region == r).any()}


def _in_blocks(instance: Instance, weights: Weights, params: SolveParams, pins, progress, budget: Budget,
               blocks: dict[str, tuple[np.ndarray, np.ndarray]]) -> Result | None:
    """Each region solved on its own (its children, its homes), then one bound for everyone.

    Keeping each region's children to its own homes only restricts the plan, so the regions' plans
    together keep every rule. The bound is the whole instance's Lagrangian bound at the regions'
    capacity prices (a valid bound whatever the prices). The regions' sibling caps add up to one
    for the whole plan, priced at the regions' prices averaged by children, unless a sibling group
    spans two regions (then the bound is over every plan)."""
    assignment = {c.child_id: None for c in instance.children}
    prices = np.zeros(len(instance.homes))
    kept, stats = [], {"regions": float(len(blocks))}
    caps: list[SiblingCap] = []
    cap_prices: list[tuple[float, float]] = []
    sizes: list[int] = []
    waiting = len(instance.children)
    wanted = len(instance.children) / params.bound_pass_children_per_second  # for the whole instance's bound
    reserve = min(max(wanted, GLOBAL_BOUND_SHARE[0] * budget.seconds), GLOBAL_BOUND_SHARE[1] * budget.seconds)
    for name, (children, homes) in sorted(blocks.items(), key=lambda b: -len(b[1][0])):
        part = _sub_instance(instance, children, homes, name)
        seconds = max(1.0, (budget.left() - reserve) * len(children) / waiting)
        waiting -= len(children)
        region_pins = {c: h for c, h in (pins or {}).items() if c in {k.child_id for k in part.children}}
        solved = _stages(PairSource(part, weights, region_pins), params, Budget(seconds), region_pins, None, None)
        if solved is None:
            return None
        log.info("%s: %d children, plan %.2f, bound %.2f", name, len(children), solved.plan.objective,
                 solved.bound.bound)
        assignment.update(solved.plan.assignment)
        if len(solved.bound.prices):
            prices[homes] = solved.bound.prices
        caps.append(solved.cap)
        cap_prices.append(solved.bound.cap_prices)
        sizes.append(len(children))
        table = solved.pairs.copy()
        table["child"], table["home"] = children[table["child"].to_numpy()], homes[table["home"].to_numpy()]
        kept.append(table)
        for key, value in solved.stats.items():
            stats[key] = stats.get(key, 0.0) + value
    pairs = _union(*kept)
    plan = Plan.of("regions solved one by one (windowed CP-SAT)", instance, weights, pairs, assignment)
    deadline = budget.started + budget.seconds - min(RESULT_SECONDS, 0.1 * budget.seconds)
    cap = (SiblingCap(sum(c.separations for c in caps), sum(c.groups for c in caps))
           if _groups_within(instance, blocks) else None)
    priced = PairSource(instance, weights, pins).price(
        prices, pairs, cap=cap, cap_prices=tuple(np.average(cap_prices, axis=0, weights=sizes)), deadline=deadline)
    stats.update(bound_pass_s=priced.seconds, bound_pass_unsearched=float(priced.unsearched),
                 pairs_priced=stats.get("pairs_priced", 0.0) + priced.searched)
    _report(progress, budget, plan, priced.bound)
    return _result(instance, plan, priced.bound, budget, params, stats, capped=cap is not None)


def _groups_within(instance: Instance, blocks: dict[str, tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether every sibling group lies within one region (so the regions' caps add up)."""
    region = np.empty(len(instance.children), object)
    for name, (children, _) in blocks.items():
        region[children] = name
    position = instance.child_position
    return all(len({region[position[c]] for c in members}) == 1 for members in instance.sibling_groups.values())


def _sub_instance(instance: Instance, children: np.ndarray, homes: np.ndarray, name: str) -> Instance:
    kids = tuple(instance.children[i] for i in children)
    places = tuple(instance.homes[j] for j in homes)
    ids, home_ids = {c.child_id for c in kids}, {h.home_id for h in places}
    return Instance(kids, places, tuple((a, b) for a, b in instance.separations if a in ids and b in ids),
                    {(c, h): km for (c, h), km in instance.travel.items() if c in ids and h in home_ids},
                    name=f"{instance.name} {name}")


def _report(progress, budget: Budget, plan: Plan, bound: float) -> None:
    if progress:
        progress(ProgressUpdate(budget.elapsed(), "score", 1, 1, plan.objective,
                                bound if math.isfinite(bound) else None, plan.measures["weekly_spend"]))


def _result(instance: Instance, plan: Plan, bound: float, budget: Budget, params: SolveParams,
            stats: Mapping[str, float], capped: bool = True) -> Result:
    """The plan and its bound; ``capped`` when the bound is over the plans that keep the sibling cap."""
    proven = bound >= plan.objective - max(1.0, 1e-6 * abs(plan.objective))
    value = min(bound, plan.objective) if math.isfinite(bound) else None
    proved_by = ("Lagrangian bound from column generation (HiGHS dual simplex; every pair priced, none stored)"
                 + (CAPPED if capped else ""))
    status = Status.OPTIMAL if proven else Status.TIME_LIMIT
    stage = Stage("score", plan.objective, value, proven, budget.elapsed(), proved_by)
    return Result(status, "cp-sat", plan.assignment, objective=plan.objective, bound=value, terms=plan.terms,
                  runtime_s=budget.elapsed(), seed=params.seed, stats=stats, mode="weighted",
                  measures=plan.measures, stages=(stage,), found_by=plan.label, proved_by=proved_by,
                  message=f"{len(instance.children):,} children: pairs priced, not stored")
