"""The weighted score (contract v1) minimised exactly with OR-Tools CP-SAT, guided by the LP relaxation.

The model is :class:`rcc.solver.placement_model.PlacementModel`. ``solve`` runs it on shortlists of
pairs taken from the LP relaxation (:mod:`rcc.solver.lp`), then proves on the pairs left after
reduced-cost pruning with HiGHS's branch-and-cut (:class:`rcc.solver.highs.HighsModel`) where
that measured faster; its docstring says in which order, and why. This is the objective of the
benchmark families; commissioners' plans are solved by priorities (:mod:`rcc.solver.lexicographic`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from rcc.model import Instance, Weights
from rcc.result import ProgressUpdate, Result, Stage, Status
from rcc.solver.candidates import candidate_pairs
from rcc.solver.flow import flow_relaxation
from rcc.solver.greedy import solve_greedy
from rcc.solver.highs import HighsModel
from rcc.solver.incumbent import Plan
from rcc.solver.lp import LpRelaxation, lp_relaxation, tolerance
from rcc.solver.objective import SCALE
from rcc.solver.params import SolveParams, run
from rcc.solver.pipeline import solve_at_scale
from rcc.solver.placement_model import PlacementModel
from rcc.solver.pricing import PairSource
from rcc.solver.repair import repaired_flow

log = logging.getLogger(__name__)

OnProgress = Callable[[ProgressUpdate], None]



class _Progress(cp_model.CpSolverSolutionCallback):
    """Relays the score, its bound and the plan's real weekly spend whenever a better plan or bound is found.

    Starts from the best start's score and spend and the best proven bound so a page can show the
    bound rising toward the plan even before CP-SAT reports anything. A model restricted to a
    shortlist of pairs finds plans for the whole instance but no bound for it: ``proves`` is False.
    """

    def __init__(self, report: OnProgress, started: float, objective: float = math.inf, bound: float = -math.inf,
                 weekly_spend: float | None = None):
        super().__init__()
        self._report, self._started = report, started
        self._objective, self._bound, self._weekly = objective, bound, weekly_spend
        self._spend = None
        self.proves = True

    def watch(self, built: PlacementModel) -> None:
        """The model about to be solved, whose plans' spend is read as they come."""
        self._spend = built.measure("weekly_spend")

    def on_solution_callback(self):
        score = self.objective_value / SCALE
        if score < self._objective:
            self._objective = score
            self._weekly = self.value(self._spend) / 100 if self._spend is not None else None
        if self.proves:
            self._bound = max(self._bound, self.best_objective_bound / SCALE)
        self._emit()

    def on_bound(self, bound: float):
        self._bound = max(self._bound, bound / SCALE)
        self._emit()

    def on_plan(self, objective: float, weekly_spend: float, bound: float):
        """A plan and bound found by another engine (HiGHS), in £ and scaled units as CP-SAT's."""
        if objective < self._objective:
            self._objective, self._weekly = objective, weekly_spend
        self.on_bound(bound)

    def _emit(self):
        finite = math.isfinite(self._objective)
        self._report(ProgressUpdate(time.perf_counter() - self._started, "score", 1, 1,
                                    self._objective if finite else None,
                                    self._bound if math.isfinite(self._bound) else None, self._weekly))


def _best_start(instance: Instance, weights: Weights, pairs: pd.DataFrame, greedy: Result,
                relaxed: Mapping[str, str | None]) -> Plan:
    """The better of the status quo and the repaired relaxation."""
    repaired = Plan.of("repaired relaxation", instance, weights, pairs, repaired_flow(instance, weights, pairs,
                                                                                   dict(relaxed)))
    if repaired.objective < greedy.objective:
        return repaired
    return Plan("status quo", greedy.assignment, greedy.terms, greedy.measures)


# The LP-guided stage (measured in benchmarks/FINDINGS.md): the LP may take up to half the time
# left; CP-SAT then looks for a plan among each child's 4, then 16, best pairs by reduced cost,
# before HiGHS's branch-and-cut searches the whole (safely pruned) model; each gets an equal share
# of what is left. The whole model is searched only if it would fit a third of the time left at
# CP-SAT's presolve rate (regional-1000's 181,411 pairs do not fit 30 s, and HiGHS reached only a
# bound there, with a poor plan, in 26 s); otherwise the shortlists share all of it. An LP too
# large for its share (at the machine's ``lp_pairs_per_second``) is not built at all: the priced
# pipeline (rcc.solver.pipeline) solves the instance instead.
LP_SHARE = 0.5
LAGRANGIAN = "Lagrangian bound at the LP's prices of a place (HiGHS; sibling groups solved exactly)"
SHORTLISTS = (4, 16)  # pairs per child
BRANCH_AND_CUT = "HiGHS branch-and-cut on the pruned pairs"


def _run(built: PlacementModel, params: SolveParams, time_limit: float,
         relay: _Progress | None) -> tuple[int, cp_model.CpSolver]:
    if relay:
        relay.watch(built)
    return run(built.model, params, time_limit, relay, relay.on_bound if relay and relay.proves else None)


def _shortlists(instance: Instance, weights: Weights, params: SolveParams, pairs: pd.DataFrame, lp: LpRelaxation,
                best: Plan, hint: Mapping[str, str | None] | None, relay: _Progress | None,
                left: Callable[[], float], whole: bool) -> tuple[Plan, np.ndarray, bool]:
    """CP-SAT on each child's few best pairs by reduced cost, then on more of them.

    Returns the best plan, the pairs worth keeping against it (``LpRelaxation.worth_keeping``)
    and whether it is proven optimal: a shortlist's optimum is the optimum when no pair worth
    keeping lies outside the shortlist. Each stage gets an equal share of the time left with the
    whole pruned model, if that comes after them (``whole``).
    """
    children = pairs["child"].to_numpy()
    keep = lp.worth_keeping(best.objective)
    tried = np.zeros(len(pairs), bool)
    if relay:
        relay.proves = False  # a shortlist's bound is not one on the whole instance
    for stage, per_child in enumerate(SHORTLISTS):
        listed = lp.shortlist(children, per_child) & keep
        if (listed == tried).all():
            continue
        tried = listed
        model = PlacementModel(instance, weights, pairs[listed].reset_index(drop=True))
        model.minimise_score()
        start = best.assignment if stage else hint  # the first stage is not held near a poor start
        if start:
            model.hint(start)
        code, solver = _run(model, params, left() / (len(SHORTLISTS) - stage + whole), relay)
        log.info("LP shortlist of %d pairs per child (%d pairs): %s, %.2f", per_child, listed.sum(),
                 solver.status_name(code), solver.objective_value / SCALE)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = Plan.of(f"LP shortlist of {per_child} pairs per child", instance, weights, pairs,
                             model.assignment(solver.boolean_value))
            best = found if found.objective < best.objective else best
            keep = lp.worth_keeping(best.objective)
        if code == cp_model.OPTIMAL and not (keep & ~listed).any():
            return best, keep, True
    if relay:
        relay.proves = True
    return best, keep, False


def solve(
    instance: Instance,
    weights: Weights | None = None,
    params: SolveParams | None = None,
    hint: Mapping[str, str | None] | str | None = None,
    pins: Mapping[str, str | None] | None = None,
    progress: OnProgress | None = None,
    pairs: pd.DataFrame | None = None,
) -> Result:
    """Solve ``instance`` exactly (within ``params.time_limit``) and return a ``Result``.

    Four steps, each of which keeps what the one before proved:

    0. If the whole LP is too large for half the time (at the machine's ``lp_pairs_per_second``):
       the priced pipeline (:mod:`rcc.solver.pipeline`) — column generation's proven bound and
       CP-SAT by windows — instead of the steps below.
    1. The status quo (greedy) and the repaired min-cost-flow relaxation: a plan and a bound in
       milliseconds to seconds; the better plan is returned if nothing better is found.
    2. Unless ``params.lp_guide`` is off or matches are pinned: the LP relaxation (``rcc.solver.lp``),
       a far better bound; CP-SAT on each child's shortlist of pairs by reduced cost, a near-optimal
       plan fast; then reduced-cost pruning against the best plan so far. If a shortlist's optimum
       is proven and no pair that survived pruning lies outside it, that optimum is the optimum.
    3. Every pair that survived pruning, searched for the time left if CP-SAT could presolve them
       in a third of it (at 1,000 children it cannot in 30 s, and the shortlists get the whole
       budget): by HiGHS's branch-and-cut after the LP stage, which proves faster there
       (``_branch_and_cut``); by CP-SAT where no LP ran (pins, ``lp_guide`` off, an LP not solved in time).
    4. The best plan, its exact objective and the best proven bound.

    ``hint`` is a previous assignment (e.g. to re-solve after an edit), ``"greedy"`` or ``None``;
    pairs of a hint that are not feasible here are ignored. No hint is the default, and step 3 is
    not warm-started from step 2's plan: a hint holds CP-SAT's search near it (at 1,000 children a
    greedy hint ended 38% above the optimum in 60 s, against 1.6% without; at 200 children the
    shortlists' plan, 0.9% above the optimum, as a hint made the proof take 13 s instead of 3 s).
    ``pins`` fixes matches (``child_id → home_id``, or ``None`` for "leave unplaced").
    The returned objective and terms are recomputed exactly from the assignment; the caller
    re-checks them with ``rcc.check.verify``. ``stats`` says how many pairs the pruning kept.
    """
    weights = weights or Weights()
    params = params or SolveParams()
    started = time.perf_counter()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs

    def left() -> float:
        return params.time_limit - (time.perf_counter() - started)

    def stopped() -> Status:  # a plan returned without CP-SAT's last word: was the time up?
        return Status.TIME_LIMIT if left() < 0.05 * params.time_limit else Status.FEASIBLE

    greedy = None if pins else solve_greedy(instance, weights, pairs)  # neither start knows of pins
    if params.lp_guide and len(pairs) > params.lp_pairs_per_second * LP_SHARE * params.time_limit:
        scaled = solve_at_scale(instance, weights, dataclasses.replace(params, time_limit=max(0.01, left())), pins,
                                progress, status_quo=greedy)
        if scaled is not None:
            return dataclasses.replace(scaled, runtime_s=time.perf_counter() - started,
                                       stats={"pairs": len(pairs), **scaled.stats})
    relaxation_bound, relaxed = flow_relaxation(instance, weights, pairs)
    best = _best_start(instance, weights, pairs, greedy, relaxed) if greedy else None
    if hint == "greedy":
        hint = greedy.assignment if greedy else None
    known_bound = relaxation_bound
    stats: dict[str, float] = {"pairs": len(pairs)}
    bound_by = "min-cost flow relaxation"
    relay = _Progress(progress, started, best.objective if best else math.inf, known_bound,
                      best.measures["weekly_spend"] if best else None) if progress else None

    model_pairs = pairs
    lp = lp_relaxation(instance, weights, pairs, LP_SHARE * left()) if params.lp_guide and not pins else None
    if lp:
        if lp.bound > known_bound:
            known_bound, bound_by = lp.bound, "LP relaxation (HiGHS)"
        lagrangian = _lagrangian(instance, weights, pairs, lp)
        stats["lagrangian_bound"] = lagrangian
        if lagrangian > known_bound:
            known_bound, bound_by = lagrangian, LAGRANGIAN
        if relay:
            relay.on_bound(SCALE * known_bound)
        whole = lp.worth_keeping(best.objective).sum() <= params.presolve_pairs_per_second * left() / 3
        best, keep, proven = _shortlists(instance, weights, params, pairs, lp, best, hint, relay, left, whole)
        stats.update(lp_bound=lp.bound, lp_s=lp.seconds, pairs_kept=int(keep.sum()))
        log.info("LP relaxation in %.1fs: bound %.2f; best plan %.2f (%s); pruning keeps %d of %d pairs",
                 lp.seconds, lp.bound, best.objective, best.label, keep.sum(), len(pairs))
        if proven:
            return _result(Status.OPTIMAL, best, best.objective, started, params, stats,
                           "proven on an LP shortlist: reduced-cost pruning kept no pair outside it",
                           "LP reduced-cost pruning (HiGHS) and CP-SAT on the shortlist")
        model_pairs = pairs[keep].reset_index(drop=True)
        if whole:
            return _branch_and_cut(instance, weights, params, pairs, model_pairs, best, known_bound, bound_by,
                                   started, stats, relay)

    if best and len(model_pairs) > params.presolve_pairs_per_second * left():  # CP-SAT could not even presolve it
        return _result(stopped(), best, known_bound, started, params, stats,
                       f"the {best.label}'s plan: too little time left for CP-SAT to search {len(model_pairs):,} pairs",
                       bound_by)
    built = PlacementModel(instance, weights, model_pairs, pins)
    built.minimise_score()
    if built.infeasible_pins:
        return Result(Status.INFEASIBLE, "cp-sat", {c.child_id: None for c in instance.children},
                      runtime_s=time.perf_counter() - started, seed=params.seed,
                      message="; ".join(built.infeasible_pins))
    if hint:
        built.hint(hint)
    remaining = max(0.01, left())
    code, solver = _run(built, params, remaining, relay)
    log.info("cp-sat %s in %.2fs: objective %.2f, bound %.2f", solver.status_name(code),
             time.perf_counter() - started,
             solver.objective_value / SCALE if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else float("nan"),
             solver.best_objective_bound / SCALE)

    if code == cp_model.INFEASIBLE:
        return Result(Status.INFEASIBLE, "cp-sat", {c.child_id: None for c in instance.children},
                      runtime_s=time.perf_counter() - started, seed=params.seed,
                      message="the pinned matches cannot all hold")
    message = ""
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = Plan.of("CP-SAT", instance, weights, pairs, built.assignment(solver.boolean_value))
        status = Status.OPTIMAL if code == cp_model.OPTIMAL else (
            Status.TIME_LIMIT if solver.wall_time >= 0.95 * remaining else Status.FEASIBLE)
        if best and status is not Status.OPTIMAL and best.objective < found.objective:
            message = f"CP-SAT's best was worse than the {best.label} when time ran out: {best.label} returned"
        else:
            best = found
    elif best:  # no solution in time: the best start, which keeps every rule
        status, message = Status.TIME_LIMIT, f"no CP-SAT solution in time: {best.label}"
    else:
        return Result(Status.ERROR, "cp-sat", {c.child_id: None for c in instance.children},
                      runtime_s=time.perf_counter() - started, seed=params.seed,
                      message=f"CP-SAT ended with {solver.status_name(code)} and no solution")
    # CP-SAT's bound on a pruned model is one on the whole: the pruning keeps every pair of any
    # plan cheaper than the incumbent, and the incumbent itself.
    cpsat_bound = solver.best_objective_bound / SCALE
    if code == cp_model.OPTIMAL:
        bound, bound_by = min(best.objective, cpsat_bound), "CP-SAT"
    elif cpsat_bound >= known_bound:
        bound, bound_by = cpsat_bound, "CP-SAT"
    else:
        bound = known_bound
    return _result(status, best, bound, started, params, stats, message, bound_by)


def _branch_and_cut(instance: Instance, weights: Weights, params: SolveParams, pairs: pd.DataFrame,
                    kept: pd.DataFrame, best: Plan, bound: float, bound_by: str, started: float,
                    stats: dict[str, float], relay: _Progress | None) -> Result:
    """HiGHS's branch-and-cut on the pairs reduced-cost pruning kept, for the time left.

    Its bound over the kept pairs is one over every plan: a plan using a pair pruned away costs
    more than the incumbent. It proves faster than CP-SAT wherever the whole pruned model is
    searched (measured, to gap 0: Greater Manchester's 300 children in 20 s, where CP-SAT ended 1.6%
    short in 30 s; 500 generated children in 16 s, where CP-SAT ended 0.02% short). It gets no
    start, so the shortlists' plan is kept if HiGHS finds nothing better.
    """
    seconds = params.time_limit - (time.perf_counter() - started)
    assignment, status, highs_bound, message = HighsModel(instance, weights, kept).solve(
        max(0.01, seconds), params.relative_gap)
    log.info("HiGHS branch-and-cut on %d pairs: %s, bound %.2f (%s)", len(kept), status.value, highs_bound, message)
    if assignment is not None:
        found = Plan.of(BRANCH_AND_CUT, instance, weights, pairs, assignment)
        best = found if found.objective < best.objective else best
    highs_bound -= tolerance(highs_bound)
    if highs_bound > bound:
        bound, bound_by = highs_bound, BRANCH_AND_CUT
    if relay:
        relay.on_plan(best.objective, best.measures["weekly_spend"], SCALE * bound)
    if status is Status.OPTIMAL:
        return _result(Status.OPTIMAL, best, bound, started, params, stats,
                       f"proven by HiGHS branch-and-cut on the {len(kept):,} pairs reduced-cost pruning kept",
                       bound_by)
    status = Status.TIME_LIMIT if status is Status.TIME_LIMIT else Status.FEASIBLE
    return _result(status, best, bound, started, params, stats, f"HiGHS branch-and-cut: {message}", bound_by)


def _lagrangian(instance: Instance, weights: Weights, pairs: pd.DataFrame, lp: LpRelaxation) -> float:
    """The Lagrangian bound at the LP's prices of a place, with every sibling group solved exactly
    alone (:meth:`rcc.solver.pricing.PairSource.price`): above the LP where the LP spreads groups
    fractionally (regional-1000: 2,111,848 against the LP's 2,102,005), never above the optimum."""
    value = PairSource(instance, weights).price(lp.prices, pairs).bound
    return value - tolerance(value)


def _result(status: Status, plan: Plan, bound: float, started: float, params: SolveParams,
            stats: Mapping[str, float], message: str, bound_by: str) -> Result:
    """The plan with its score, measures and proof; ``bound_by`` names the stage that proved the bound."""
    runtime = time.perf_counter() - started
    bound = min(bound, plan.objective)
    score = Stage("score", plan.objective, bound, status is Status.OPTIMAL, runtime,
                  "cp-sat" if bound_by == "CP-SAT" else bound_by)
    return Result(status, "cp-sat", plan.assignment, objective=plan.objective, bound=bound, terms=plan.terms,
                  runtime_s=runtime, seed=params.seed, message=message, stats=stats, mode="weighted",
                  measures=plan.measures, stages=(score,), found_by=plan.label, proved_by=bound_by)
