"""Children first: the contract's measures minimised one after another (lexicographically) with CP-SAT.

One model is built and kept. Each solve minimises the next measures, then caps each at its best
(plus its tolerance) before the next solve starts from the whole solution as a hint, so it has a
complete plan at once and can only improve on it. The guards (:mod:`rcc.solver.guards`) are
constraints from the start.

Consecutive counted measures (children, separations) are minimised **together** when that is exact:
``Σ w_k · m_k`` with each weight larger than everything the later measures can add up to is
minimised by exactly the lexicographic optimum. Their ranges come from the guards' caps (or from
how many children could count at all), so the weights stay small: on the 300-child Greater
Manchester fixture the first five measures together were proven in 15 s, against 131 s for five
solves one after another (each paying CP-SAT's presolve and LP warm-up again). Spend (pence) and
distance (metres) have ranges too wide to fold in, and get solves of their own. Solves share the
time by how hard their measures have proved (:data:`EFFORT`), and what one leaves passes on.

The first solve starts from scratch when it has the time (a hint holds CP-SAT's search near it: the
first five measures took 29 s from the status quo's plan, 15 s without), else from the status quo's
plan (:meth:`Search._first_solve`). That plan keeps every guard drawn from it, and it is what is
returned if CP-SAT has nothing as good in time: the answer is never worse than the status quo.

A solve that runs out of time keeps its best plan and caps its measures there: the plan is still
valid, and ``Stage.bound`` says how far from proven it is. Beyond the size CP-SAT searches well
(:data:`SEARCH_PAIRS`), each child keeps only their best pairs for the pair-level measures in the
chosen order (and their siblings' homes, and the status quo's pair): the plan is checked like any
other, but no stage is proven for the whole instance and no bound is claimed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from rcc.model import MILES_20_KM, Instance, Weights
from rcc.priorities import MEASURES, Objective, Priorities, check_urgency_factors
from rcc.result import Guard, ProgressUpdate, Result, Stage, Status
from rcc.solver import guards as guarding
from rcc.solver.candidates import candidate_pairs
from rcc.solver.greedy import solve_greedy
from rcc.solver.objective import assignment_measures, assignment_terms
from rcc.solver.params import SolveParams, run
from rcc.solver.placement_model import UNITS, PlacementModel

log = logging.getLogger(__name__)

OnProgress = Callable[[ProgressUpdate], None]

# A solve's share of the time left is its measures' effort over that of every solve left. Children
# first: at 1,000 children (regional-1000, 60 s) the first measures need most of the time to beat the
# status quo at all — with 22 s they found nothing better than its 135 children without a home, with
# 36 s, 60 — while spend and distance, which follow, start from a good plan and only improve it.
EFFORT = {"unplaced": 3.0, "siblings_apart": 3.0, "far_from_home": 1.0, "outside_own_la": 1.0,
          "not_preferred": 0.5, "weekly_spend": 2.0, "km": 1.0}
COMPOSITE_LIMIT = 2**31  # the largest value a measures-together objective may take
NO_LIMIT = 2**50  # a movable limit's "no limit"
# The most pairs the search takes. Measured on regional-1000 (181,275 pairs), the first five measures in
# 40-60 s: with every pair, nothing better than the status quo's 135 children without a home; with each
# child's best 16 to 25 (14,458 to 25,000 pairs), 60 to 64. Greater Manchester's 21,483 pairs, all of
# them, had the first five proven in 15 s.
SEARCH_PAIRS = 25_000
LEAST_PAIRS_PER_CHILD = 8
SCRATCH_SECONDS_PER_CHILD = 0.03  # the first solve's time from which it starts from scratch (see _first_solve)
PAIR_MEASURES = ("far_from_home", "outside_own_la", "not_preferred", "weekly_spend", "km")


def solve_priorities(
    instance: Instance,
    weights: Weights | None = None,
    objective: Objective | None = None,
    params: SolveParams | None = None,
    pins: Mapping[str, str | None] | None = None,
    progress: OnProgress | None = None,
    pairs: pd.DataFrame | None = None,
    actual: Mapping[str, float] | None = None,
) -> Result:
    """Minimise ``objective.priorities`` in order under ``objective.guards`` within ``params.time_limit``.

    ``actual`` holds today's measures from an SSDA903 import (``far_from_home``, ``outside_own_la``),
    which the "no worse than today" guards use instead of the greedy status quo's. The result's
    ``objective`` and ``terms`` are the plan's weighted score (for comparison, never money); its
    ``measures`` and ``stages`` are what was minimised and how far each was proven.
    """
    search = Search(instance, weights, objective, params, pins, pairs, actual)
    if search.failed:
        return search.failed
    stages = search.minimise(search.objective.priorities.order, search.left(), progress)
    return search.failed or search.result(stages)


class Search:
    """One CP-SAT model of an instance under the guards and pins, and the best plan found so far.

    :meth:`minimise` solves a sequence of measures lexicographically and caps each where it ended;
    :meth:`limit` holds a measure under a bound that can be moved between solves (the trade-off
    frontier's ε). ``failed`` is a finished result when there can be no plan (pins that break a rule,
    guards that cannot all hold, nothing found in time).
    """

    def __init__(self, instance: Instance, weights: Weights | None, objective: Objective | None,
                 params: SolveParams | None, pins: Mapping[str, str | None] | None, pairs: pd.DataFrame | None,
                 actual: Mapping[str, float] | None):
        self.instance, self.weights = instance, weights or Weights()
        self.objective, self.params, self.pins = objective or Objective(), params or SolveParams(), pins
        check_urgency_factors(self.weights)
        self.started = time.perf_counter()
        self.pairs = candidate_pairs(instance, self.weights) if pairs is None else pairs
        self.greedy = solve_greedy(instance, self.weights, self.pairs)
        today = guarding.status_quo(instance, self.weights, self.pairs, self.greedy, actual)
        self.guards = guarding.caps(self.objective.guards, today)
        start = {**self.greedy.assignment, **(pins or {})}
        self.searched, self.whole = _pairs_to_search(instance, self.pairs, start, self.objective.priorities.order,
                                                     self.left(), self.params.presolve_pairs_per_second)
        self.built = PlacementModel(instance, self.weights, self.searched, pins)
        self.plan: _Plan | None = None
        self.failed: Result | None = None
        self._limits: dict[str, cp_model.IntVar] = {}
        if self.built.infeasible_pins:
            self.failed = _no_plan(instance, Status.INFEASIBLE, self.started, self.params,
                                   "; ".join(self.built.infeasible_pins), self.guards)
            return
        guarding.impose(self.built, self.guards)
        for name in MEASURES:  # every variable exists before the first hint, so each solution hints all
            self.built.measure(name)
        self._upper = _upper_bounds(self.built, self.guards)

    def left(self) -> float:
        return self.params.time_limit - (time.perf_counter() - self.started)

    def minimise(self, measures: tuple[str, ...], seconds: float, progress: OnProgress | None = None,
                 label: str = "", movable: frozenset[str] = frozenset()) -> list[Stage]:
        """Minimise ``measures`` in this order within ``seconds``, then hold each at its best (plus its
        tolerance, for the last of each solve): for good, or, for those in ``movable``, under a
        :meth:`limit` a later call may move. The stages say how far each was proven."""
        order = self.objective.priorities.order
        deadline = time.perf_counter() + seconds
        groups = group_measures(measures, self.objective.priorities, self._upper)
        stages: list[Stage] = []
        for number, group in enumerate(groups, start=1):
            group_started = time.perf_counter()
            if group.trivial:  # no plan can count any of these: nothing to search, nothing to prove
                stages += [Stage(m, 0.0, 0.0, True, 0.0, "none needed") for m in group.measures]
                continue
            self.built.model.minimize(group.expression(self.built))
            share = (deadline - time.perf_counter()) * group.effort / sum(g.effort for g in groups[number - 1:])
            relay = _Relay(progress, self.started, group, order, self.built) if progress else None
            lead = group.measures[0]
            label_here = label or f"CP-SAT, priority {order.index(lead) + 1} ({lead})"
            if self.plan is None and self._status_quo_keeps_pins():  # the very first solve: see _first_solve
                code, solver, candidate = self._first_solve(group, share, relay, label_here)
            else:
                self._hint()
                code, solver = run(self.built.model, self.params, share, relay, relay.on_bound if relay else None)
                candidate = self._solved(code, solver, label_here)
                self.plan = candidate or self.plan
            found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)  # so the last run's bound is valid
            if self.plan is None:  # no plan in the first solve's time, and today's breaks a pin
                self.failed = self._unsolved(code)
                return stages
            proven = code == cp_model.OPTIMAL and self.whole and self.plan is candidate
            lead_bound = (math.floor(solver.best_objective_bound / group.weights[0]) / UNITS[group.measures[0]]
                          if self.whole and found else None)
            seconds_taken = time.perf_counter() - group_started
            for k, m in enumerate(group.measures):
                value = self.plan.measures[m]
                zero = self._upper[m] == 0  # no plan can count any: 0, and proven whatever the solve did
                bound = value if proven or zero else (lead_bound if k == 0 else None)
                stages.append(Stage(m, value, bound, proven or zero, seconds_taken))
                log.info("%s: %s (%s, solve %d of %d)", m, MEASURES[m].format(value),
                         "proven" if proven or zero else "not proven", number, len(groups))
                most = self.objective.priorities.tolerance(m).cap(value) if k == len(group.measures) - 1 else value
                if m in movable:
                    self.limit(m, most)
                else:
                    self.plan.cap(self.built, m, most)
        return stages

    def _solved(self, code: int, solver: cp_model.CpSolver, label: str) -> _Plan | None:
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return _Plan.solved(self.built, solver, self.instance, self.weights, self.searched, label)

    def _first_solve(self, group: _Group, share: float, relay: _Relay | None,
                     label: str) -> tuple[int, cp_model.CpSolver, _Plan | None]:
        """The first solve: from scratch when there is time for it, else from the status quo's plan
        (which keeps every guard drawn from it); either way never worse than the status quo.

        A hint holds CP-SAT near it. From scratch it proved the first five measures' optimum on Greater
        Manchester in 15 s (29 s from the status quo) and found 60 children without a home on
        regional-1000 in 36 s (113 from the status quo's 135) — but with 18 s at 1,000 children, or a
        minute at 5,000, it found nothing better than the status quo, where starting from it reached
        121 and 486 (against 593). Hence :data:`SCRATCH_SECONDS_PER_CHILD`.
        """
        today = _Plan.status_quo(self.built, self.greedy)
        scratch = today is None or share >= SCRATCH_SECONDS_PER_CHILD * len(self.instance.children)
        if not scratch:
            self.plan = today
            self._hint()
        code, solver = run(self.built.model, self.params, share, relay, relay.on_bound if relay else None)
        candidate = self._solved(code, solver, label)
        if candidate is not None and (today is None or not group.worse(candidate.measures, today.measures)):
            self.plan = candidate
            return code, solver, candidate
        self.plan = today
        return code, solver, None

    def _status_quo_keeps_pins(self) -> bool:
        """Whether the status quo may start the search: it must already keep every pin. The family or friends
        carers' pins always are (the status quo places those children first, as practice does); a pin set
        by hand usually is not."""
        return all(self.greedy.assignment.get(child) == home for child, home in (self.pins or {}).items())

    def limit(self, name: str, most: float) -> None:
        """Hold ``name`` at or below ``most`` (``inf``: no limit), a bound a later call may move. Limits
        must be made before the first solve, so every plan's solution names their variables."""
        if name not in self._limits:
            if self.plan is not None:
                raise RuntimeError(f"limit on {name} made after a plan was found")
            self._limits[name] = self.built.model.new_int_var(0, NO_LIMIT, f"limit_{name}")
            self.built.model.add(self.built.measure(name) <= self._limits[name])
        most = NO_LIMIT if math.isinf(most) else max(0, min(NO_LIMIT, math.floor(UNITS[name] * most + 1e-6)))
        domain = self.built.model.proto.variables[self._limits[name].index].domain
        domain[0], domain[1] = 0, most

    def start_from(self, plan: _Plan) -> None:
        """Continue from an earlier plan (one that keeps the limits now set)."""
        self.plan = plan

    def _hint(self) -> None:
        """The plan so far as the hint, each limit variable at its current most (which the plan keeps)."""
        if self.plan is None:
            return
        values = list(self.plan.solution)
        for var in self._limits.values():
            values[var.index] = self.built.model.proto.variables[var.index].domain[1]
        self.built.hint_solution(values)

    def result(self, stages: list[Stage], message: str = "") -> Result:
        """The plan as a checked-ready result: its weighted score, measures, stages, guards and proof."""
        plan = self.plan
        assignment = plan.assignment if plan else dict(self.greedy.assignment)
        measures = assignment_measures(self.instance, self.weights, self.pairs, assignment)
        # Later solves hold each measure at or below its stage's value, so the plan's own is reported.
        stages = [Stage(s.measure, measures[s.measure], s.bound, s.proven, s.seconds, s.engine) for s in stages]
        proven = all(s.proven for s in stages)
        status = Status.OPTIMAL if proven else (Status.TIME_LIMIT if self.left() < 0.05 * self.params.time_limit
                                                else Status.FEASIBLE)
        terms = assignment_terms(self.instance, self.weights, self.pairs, assignment)
        if not self.whole:
            message = "; ".join(filter(None, [message, (
                f"searched each child's best pairs for these priorities ({len(self.searched):,} of "
                f"{len(self.pairs):,} pairs): no stage is proven for the whole instance")]))
        return Result(status, "cp-sat", assignment, objective=sum(terms.values()), terms=terms,
                      runtime_s=time.perf_counter() - self.started, seed=self.params.seed, message=message,
                      stats={"pairs": len(self.pairs), "pairs_searched": len(self.searched)},
                      mode="priorities", measures=measures, stages=tuple(stages), guards=self.guards,
                      found_by=plan.found_by if plan else "status quo (greedy)", proved_by="CP-SAT" if proven else "")

    def _unsolved(self, code: int) -> Result:
        """The first solve found no plan: proven infeasible (say which guard binds) or out of time.

        The diagnosis searches the same pairs; on a restricted search, the verdict says that it is
        about each child's best pairs, not every pair of the instance."""
        if code == cp_model.INFEASIBLE:
            scope = "" if self.whole else f" (among each child's best pairs: {len(self.searched):,} searched)"
            if self.guards:
                diagnosed, verdict = guarding.diagnose(self.instance, self.weights, self.searched, self.guards,
                                                       self.pins, self.params, max(5.0, self.left()))
                return _no_plan(self.instance, Status.INFEASIBLE, self.started, self.params, verdict + scope,
                                diagnosed)
            return _no_plan(self.instance, Status.INFEASIBLE, self.started, self.params,
                            "the pinned matches cannot all hold" + scope)
        return _no_plan(self.instance, Status.TIME_LIMIT, self.started, self.params,
                        "no plan that keeps the guards and pins was found in the time limit: allow more time, or "
                        "loosen a guard", self.guards)


@dataclass(frozen=True)
class _Group:
    """Measures minimised in one solve: ``Σ weights[k] · measure[k]`` (in :data:`UNITS`) is exactly
    lexicographic because each weight exceeds the most the later measures can add."""

    measures: tuple[str, ...]
    weights: tuple[int, ...]
    trivial: bool  # every measure's upper bound is 0

    @property
    def effort(self) -> float:
        return sum(EFFORT[m] for m in self.measures)

    def expression(self, built: PlacementModel) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum([built.measure(m) for m in self.measures], list(self.weights))

    def worse(self, values: Mapping[str, float], than: Mapping[str, float]) -> bool:
        """Whether ``values`` is lexicographically worse than ``than`` on this group's measures."""
        return tuple(values[m] for m in self.measures) > tuple(than[m] for m in self.measures)


def group_measures(measures: tuple[str, ...], priorities: Priorities, upper: Mapping[str, int]) -> list[_Group]:
    """``measures`` cut into solves: a counted measure joins the one before it when that one is counted
    too, has no tolerance (a tolerance caps a measure above its best, which only a solve of its own
    can find first), and the weights stay within :data:`COMPOSITE_LIMIT`."""
    together: list[list[str]] = []
    for m in measures:
        previous = together[-1] if together else []
        joins = (previous and MEASURES[m].whole and all(MEASURES[p].whole for p in previous)
                 and priorities.tolerance(previous[-1]).value == 0
                 and _top(previous + [m], upper) <= COMPOSITE_LIMIT)
        if joins:
            previous.append(m)
        else:
            together.append([m])
    groups = []
    for names in together:
        weights = [1]
        for m in reversed(names[1:]):
            weights.insert(0, weights[0] * (upper[m] + 1))
        groups.append(_Group(tuple(names), tuple(weights), all(upper[m] == 0 for m in names)))
    return groups


def _top(run: list[str], upper: Mapping[str, int]) -> int:
    """The largest value ``run`` minimised together could take: Π (upper + 1) − 1."""
    return math.prod(upper[m] + 1 for m in run) - 1


def _upper_bounds(built: PlacementModel, guards: tuple[Guard, ...]) -> dict[str, int]:
    """The most each measure can be in this model, in :data:`UNITS`: its guard's cap where there is
    one, else what the pairs allow (children who could count at all)."""
    pairs, kids = built.pairs, built.instance.children
    children = pairs["child"].to_numpy()

    def could(mask: np.ndarray) -> int:
        return len(np.unique(children[mask]))

    own = np.array([c.la_code for c in kids], object)[children]
    there = np.array([h.la_code for h in built.instance.homes], object)[pairs["home"].to_numpy()]
    upper = {
        "unplaced": int(sum(round(UNITS["unplaced"] * built.weights.urgency_factor(c)) for c in kids)),
        "siblings_apart": sum(len(built.instance.sibling_groups[g]) for g in built.groups_linked),
        "far_from_home": could(pairs["km"].to_numpy() > MILES_20_KM),
        "outside_own_la": could(own != there),
        "not_preferred": could(pairs["not_preferred"].to_numpy()),
        "weekly_spend": int(UNITS["weekly_spend"] * pairs.groupby("child")["weekly_cost"].max().sum()) + 1,
        "km": int(UNITS["km"] * pairs.groupby("child")["km"].max().sum()) + 1,
    }
    for guard in guards:
        if guard.measure in upper:
            upper[guard.measure] = min(upper[guard.measure], math.floor(UNITS[guard.measure] * guard.cap + 1e-6))
    return upper


@dataclass(frozen=True)
class _Plan:
    """A complete solution of the model (every variable), its assignment and measures, and who found it."""

    solution: list[int]
    assignment: Mapping[str, str | None]
    measures: Mapping[str, float]
    found_by: str
    units: Mapping[str, int] | None  # the measures as the model counts them, when CP-SAT found the plan

    @classmethod
    def solved(cls, built: PlacementModel, solver: cp_model.CpSolver, instance, weights, pairs, label: str) -> _Plan:
        solution = list(solver.response_proto.solution)
        assignment = built.assignment(lambda var: solution[var.index])
        return cls(solution, assignment, assignment_measures(instance, weights, pairs, assignment), label,
                   {m: int(solver.value(built.measure(m))) for m in UNITS})

    @classmethod
    def status_quo(cls, built: PlacementModel, greedy: Result) -> _Plan | None:
        solution = built.hint_plan(greedy.assignment)
        if solution is None:
            return None
        return cls(solution, greedy.assignment, greedy.measures, "status quo (greedy)", None)

    def cap(self, built: PlacementModel, measure: str, most: float) -> None:
        """Cap ``measure`` at ``most``: exactly in the model's units when CP-SAT's own count is known."""
        if self.units is None:
            built.cap(measure, most)
        else:
            extra = most - self.measures[measure]
            built.cap_units(measure, self.units[measure] + math.floor(UNITS[measure] * extra + 1e-6))


def _pairs_to_search(instance: Instance, pairs: pd.DataFrame, start: Mapping[str, str | None],
                     order: tuple[str, ...], seconds: float,
                     presolve_rate: float) -> tuple[pd.DataFrame, bool]:
    """(the pairs CP-SAT searches, whether they are all of them).

    Every pair when they are at most :data:`SEARCH_PAIRS` and CP-SAT can presolve them three times in
    the time (at ``presolve_rate`` pairs a second); else each child's best pairs by the pair-level
    measures in the chosen order (at least :data:`LEAST_PAIRS_PER_CHILD`), the pairs in the homes any
    of their siblings' best pairs use, and the pair ``start`` gives each child (the status quo's, or a
    pin), so that plan stays a valid start and a pinned match is never mistaken for one that breaks a
    rule.
    """
    budget = min(SEARCH_PAIRS, presolve_rate * max(seconds, 0.0) / 3)
    if len(pairs) <= budget or not len(instance.children):
        return pairs, True
    per_child = max(LEAST_PAIRS_PER_CHILD, int(budget / len(instance.children)))
    children = pairs["child"].to_numpy()
    keys = {
        "far_from_home": pairs["km"].to_numpy() > MILES_20_KM,
        "outside_own_la": np.array([c.la_code for c in instance.children], object)[children]
        != np.array([h.la_code for h in instance.homes], object)[pairs["home"].to_numpy()],
        "not_preferred": pairs["not_preferred"].to_numpy(),
        "weekly_spend": pairs["weekly_cost"].to_numpy(),
        "km": pairs["km"].to_numpy(),
    }
    ranking = [keys[m] for m in reversed(order) if m in PAIR_MEASURES] + [children]
    ranked = np.lexsort(ranking)
    first = np.searchsorted(children[ranked], children[ranked], side="left")
    keep = np.zeros(len(pairs), bool)
    keep[ranked[np.arange(len(ranked)) - first < per_child]] = True
    keep |= _siblings_homes(instance, pairs, keep)
    planned = pairs["child_id"].map({c: h for c, h in start.items() if h is not None}).to_numpy()
    keep |= planned == pairs["home_id"].to_numpy()
    return pairs[keep].reset_index(drop=True), False


def _siblings_homes(instance: Instance, pairs: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
    """Pairs placing a sibling in a home another member of the group keeps: so a group can live together."""
    group_of = {c: g for g, members in instance.sibling_groups.items() for c in members}
    groups, _ = pd.factorize(pairs["child_id"].map(group_of))  # -1: not in a group
    key = groups.astype(np.int64) * max(1, len(instance.homes)) + pairs["home"].to_numpy()
    in_group = groups >= 0
    return in_group & np.isin(key, np.unique(key[keep & in_group]))


def _no_plan(instance: Instance, status: Status, started: float, params: SolveParams, message: str,
             guards=()) -> Result:
    """A result without a plan: proven infeasible, or out of time before any plan kept the guards and pins
    (then it is a time limit, but its everyone-unplaced assignment is no plan to check or show)."""
    return Result(status, "cp-sat", {c.child_id: None for c in instance.children},
                  runtime_s=time.perf_counter() - started, seed=params.seed, message=message, mode="priorities",
                  guards=tuple(guards), no_plan_found=True)


class _Relay(cp_model.CpSolverSolutionCallback):
    """Relays each better plan and bound of a solve as a :class:`ProgressUpdate` for its first measure,
    with the plan's real weekly spend."""

    def __init__(self, report: OnProgress, started: float, group: _Group, order: tuple[str, ...],
                 built: PlacementModel):
        super().__init__()
        self._report, self._started, self._group = report, started, group
        self._lead = group.measures[0]
        self._numbers = (order.index(self._lead) + 1, order.index(group.measures[-1]) + 1, len(order))
        self._lead_expr, self._spend = built.measure(self._lead), built.measure("weekly_spend")
        self._value = self._bound = self._weekly = None

    def on_solution_callback(self):
        self._value = self.value(self._lead_expr) / UNITS[self._lead]
        self._weekly = self.value(self._spend) / UNITS["weekly_spend"]
        self.on_bound(self.best_objective_bound)

    def on_bound(self, bound: float):
        self._bound = math.floor(bound / self._group.weights[0]) / UNITS[self._lead]
        first, last, stages = self._numbers
        self._report(ProgressUpdate(time.perf_counter() - self._started, self._lead, first, stages,
                                    self._value, self._bound, self._weekly, last))
