"""Exact placement matching with OR-Tools CP-SAT.

The model has one Boolean per *feasible* (child, home) pair — never one per bed, so identical
vacancies in a home add no variables and no symmetry — plus, for each sibling group, one
"home used by the group" Boolean per home that two or more members could share. Every rule of the
contract that links several children is one method of :class:`PlacementModel`.

Integer scaling. CP-SAT needs integer coefficients, so every weighted cost is rounded to the
penny (``SCALE = 100`` units per pound). A coefficient is off by at most half a penny, and each
child contributes at most two rounded coefficients, so the scaled objective of any assignment is
within £0.01 × children of the true one; the reported objective is always recomputed exactly
from the assignment and re-checked by ``rcc.check``.

Formulation choices (measured in ``benchmarks/``):
- The unplaced penalty is folded into the pair coefficients (minus the child's penalty,
  ``w_unplaced`` × urgency, per placement, plus a constant), so no "unplaced" variables exist.
- Capacity and solo share one constraint per home: ``Σ x + (vacancies − 1) · Σ x_solo ≤ vacancies``;
  a placed solo child fills the home by itself.
- Group-uses-home Booleans are linked member by member (``x[c,h] ≤ y[g,h]``), the tight form.
- ``alongside`` is paired where that stays small (tight) and counted where it would not: running
  totals of a home's children by age and one enforced ``count ≤ 1`` per choosy child's age window
  (pairwise exclusions alone reached 4.4 million constraints at 1,000 children).
"""

from __future__ import annotations

import logging
import math
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from rcc.model import Instance, Weights
from rcc.result import Result, Status
from rcc.solver.candidates import age_totals, alongside_rules, candidate_pairs, separated_rows, sibling_rows
from rcc.solver.flow import flow_relaxation
from rcc.solver.greedy import solve_greedy
from rcc.solver.objective import SCALE, assignment_terms, unplaced_penalties
from rcc.solver.repair import repaired_flow

log = logging.getLogger(__name__)

Progress = Callable[[float, float, float], None]  # (objective £, bound £, elapsed s)


@dataclass(frozen=True)
class SolveParams:
    """Solver settings; ``cpsat`` passes any further CP-SAT parameter by name."""

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    relative_gap: float = 0.0
    cpsat: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        """Read the ``[solver]`` table (and its ``[solver.cpsat]`` sub-table) of a TOML file."""
        with open(path, "rb") as f:
            table = tomllib.load(f).get("solver", {})
        known = {f.name for f in fields(cls)}
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"{path}: unknown [solver] setting(s) {', '.join(sorted(unknown))}")
        return cls(**table)


class PlacementModel:
    """The CP-SAT model of one instance: variables, one method per rule, and the objective."""

    def __init__(self, instance: Instance, weights: Weights, pairs: pd.DataFrame,
                 pins: Mapping[str, str | None] | None = None):
        self.instance, self.weights, self.pairs = instance, weights, pairs
        self.model = cp_model.CpModel()
        self.x = self.model.new_bool_var_series("x", pairs.index)
        self._by_child = {c: idx.to_numpy() for c, idx in pairs.groupby("child").groups.items()}
        self._by_home = {h: idx.to_numpy() for h, idx in pairs.groupby("home").groups.items()}
        self._key = {(c, h): i for i, c, h in zip(pairs.index, pairs["child"], pairs["home"], strict=True)}
        self.group_uses: dict[tuple[str, int], cp_model.IntVar] = {}
        self.splits: dict[str, cp_model.IntVar] = {}
        self.paid: dict[int, cp_model.IntVar] = {}
        self.infeasible_pins: list[str] = []

        self._one_home_per_child()
        self._capacity_and_solo()
        self._separations()
        self._alongside()
        self._sibling_splits()
        self._block_booked_beds()
        self._pins(pins or {})
        self._objective()

    # --- constraints, one per rule ------------------------------------------------------

    def _one_home_per_child(self):
        """Each child is placed at most once (staying unplaced is allowed, and costed)."""
        for rows in self._by_child.values():
            if len(rows) > 1:
                self.model.add(sum(self.x[rows]) <= 1)  # linear, so every LP relaxation sees it

    def _capacity_and_solo(self):
        """Children placed in a home ≤ its vacancies; a placed solo child is alone there.

        One constraint per home does both: a solo child weighs the whole capacity. Where a home
        could take a solo child and has more than one vacancy, each other candidate also forms a
        clique with the solo candidates (at most one of them is placed there), which is what the
        LP relaxation needs to see that a solo child blocks the home.
        """
        solo = np.array([c.solo for c in self.instance.children], bool)
        children = self.pairs["child"].to_numpy()
        for home, rows in self._by_home.items():
            vacancies = self.instance.homes[home].vacancies
            is_solo = solo[children[rows]]
            weight = np.where(is_solo, vacancies, 1)
            if weight.sum() > vacancies:
                self.model.add(sum(int(w) * self.x[r] for w, r in zip(weight, rows, strict=True)) <= vacancies)
            if vacancies > 1 and is_solo.any():
                solo_rows = rows[is_solo]
                for row in rows:
                    clique = [self.x[row]] + [self.x[r] for r in solo_rows if r != row]
                    if len(clique) > 1:
                        self.model.add(sum(clique) <= 1)

    def _separations(self):
        """A separated pair is never placed in the same home."""
        x = self.x.to_numpy()
        for r, s in separated_rows(self.instance, self.pairs):
            self.model.add_at_most_one([x[r], x[s]])

    def _alongside(self):
        """A child placed in a home with an age window (``older_only``: 0–own age) lives with nobody
        else of those ages: pairs excluded where few, else running totals of the home's children by
        age and one enforced ``count ≤ 1`` per window (see ``candidates.AlongsideRules``)."""
        rules = alongside_rules(self.instance, self.pairs)
        x = self.x.to_numpy()
        for r, s in rules.pairs:
            self.model.add_at_most_one([x[r], x[s]])
        if not rules.windows:
            return
        ages = np.array([c.age for c in self.instance.children], int)[self.pairs["child"].to_numpy()]
        positions = self.pairs.groupby("home").indices
        for home, windows in rules.windows.items():
            rows = positions[home]
            total, below = {}, 0
            for age, members in age_totals(rows, ages[rows], windows):
                running = self.model.new_int_var(0, self.instance.homes[home].vacancies, f"aged_to_{age}_in_{home}")
                self.model.add(running == below + sum(x[members]))
                total[age] = below = running
            for w in windows:
                younger = total[w.youngest - 1] if w.youngest > 0 else 0
                self.model.add(total[w.oldest] - younger <= 1).only_enforce_if(x[w.row])

    def _sibling_splits(self):
        """split_g ≥ (homes used by the group's placed members) − 1.

        A home only one member could use needs no new variable: that member's pair Boolean says
        whether the group uses it.
        """
        for group, rows_by_home in sibling_rows(self.instance, self.pairs).items():
            members = self.instance.sibling_groups[group]
            by_home = {home: [self.x[row] for row in rows] for home, rows in rows_by_home.items()}
            if not by_home:
                continue
            used = []
            for home, xs in by_home.items():
                if len(xs) == 1:
                    used.append(xs[0])
                    continue
                y = self.model.new_bool_var(f"group_{group}_uses_{home}")
                for x in xs:
                    self.model.add(x <= y)
                room = min(self.instance.homes[home].vacancies, len(xs))
                self.model.add(sum(xs) <= room * y)  # tighter than the line above when beds < members
                self.group_uses[group, home] = y
                used.append(y)
            split = self.model.new_int_var(0, len(members) - 1, f"split_{group}")
            self.model.add(split >= sum(used) - 1)
            self._homes_needed(members, by_home, used)
            self.splits[group] = split

    def _homes_needed(self, members, by_home: dict[int, list], used: list) -> None:
        """If no home has room for the whole group, every placed member beyond what the roomiest
        home holds needs another home: homes used ≥ ⌈k / room⌉ − (members left unplaced).

        Valid for any assignment (leaving one member out lowers ⌈·/room⌉ by at most one) and it
        cuts off LP solutions that spread a group thinly over homes too small for it.
        """
        room = max(min(self.instance.homes[h].vacancies, len(xs)) for h, xs in by_home.items())
        k = len(members)
        if room >= k or room == 0:
            return
        placed = [x for xs in by_home.values() for x in xs]
        self.model.add(sum(used) - sum(placed) >= -(-k // room) - k)

    def _block_booked_beds(self):
        """Only beds beyond the block-booked ones are paid for: paid_h ≥ n_h − block_booked_h."""
        for home, rows in self._by_home.items():
            booked = self.instance.homes[home].block_booked
            if booked == 0:
                continue
            most = min(len(rows), self.instance.homes[home].vacancies) - booked
            if most <= 0:
                continue  # every bed it could fill is already paid for
            paid = self.model.new_int_var(0, most, f"paid_{home}")
            self.model.add(paid >= sum(self.x[rows]) - booked)
            self.paid[home] = paid

    def _pins(self, pins: Mapping[str, str | None]):
        """Fix chosen matches (or 'leave unplaced') before solving the rest."""
        position = {c.child_id: i for i, c in enumerate(self.instance.children)}
        home_position = {h.home_id: j for j, h in enumerate(self.instance.homes)}
        for child_id, home_id in pins.items():
            rows = self._by_child.get(position[child_id], [])
            if home_id is None:
                for row in rows:
                    self.model.add(self.x[row] == 0)
            elif (position[child_id], home_position[home_id]) in self._key:
                self.model.add(self.x[self._key[position[child_id], home_position[home_id]]] == 1)
            else:
                self.infeasible_pins.append(f"{child_id} → {home_id} breaks a rule of the contract")

    # --- objective ------------------------------------------------------------------------

    def _objective(self):
        """Weighted cost + km + unplaced + split + not preferred, in pence; placing a child earns
        back what leaving them unplaced would cost."""
        homes = self.pairs["home"].to_numpy()
        booked = np.array([h.block_booked > 0 for h in self.instance.homes], bool)
        unbooked_cost = np.where(booked[homes], 0.0, self.pairs["cost_term"].to_numpy())
        penalty = unplaced_penalties(self.instance, self.weights)
        coef = np.rint(SCALE * (unbooked_cost + self.pairs["km_term"].to_numpy() + self.pairs["pref_term"].to_numpy()
                                - penalty[self.pairs["child"].to_numpy()]))
        self.pair_coefficients = coef.astype(np.int64)
        terms = [cp_model.LinearExpr.weighted_sum(list(self.x), self.pair_coefficients.tolist())]
        for home, paid in self.paid.items():
            terms.append(int(round(SCALE * self.weights.cost * self.instance.homes[home].weekly_cost)) * paid)
        split_coef = int(round(SCALE * self.weights.split))
        terms.extend(split_coef * s for s in self.splits.values())
        self.offset = int(round(SCALE * penalty.sum()))
        self.model.minimize(sum(terms) + self.offset)

    # --- hints and reading a solution -----------------------------------------------------

    def hint(self, assignment: Mapping[str, str | None]):
        """Warm start from a (feasible) assignment: every variable gets its implied value."""
        position = {c.child_id: i for i, c in enumerate(self.instance.children)}
        home_position = {h.home_id: j for j, h in enumerate(self.instance.homes)}
        chosen = {
            self._key.get((position.get(c), home_position.get(h))) for c, h in assignment.items() if h is not None
        }
        for row, x in self.x.items():
            self.model.add_hint(x, row in chosen)
        homes_col = self.pairs["home"].to_numpy()
        used_homes: dict[str, set[int]] = {}
        for row in chosen - {None}:
            group = self.instance.children[int(self.pairs.at[row, "child"])].sibling_group
            used_homes.setdefault(group, set()).add(int(homes_col[row]))
        for (group, home), y in self.group_uses.items():
            self.model.add_hint(y, home in used_homes.get(group, set()))
        for group, split in self.splits.items():
            self.model.add_hint(split, max(0, len(used_homes.get(group, ())) - 1))
        for home, paid in self.paid.items():
            n = sum(1 for row in chosen - {None} if homes_col[row] == home)
            self.model.add_hint(paid, max(0, n - self.instance.homes[home].block_booked))

    def assignment(self, value: Callable[[cp_model.IntVar], int]) -> dict[str, str | None]:
        result: dict[str, str | None] = {c.child_id: None for c in self.instance.children}
        for row, x in self.x.items():
            if value(x):
                result[self.pairs.at[row, "child_id"]] = self.pairs.at[row, "home_id"]
        return result


class _Progress(cp_model.CpSolverSolutionCallback):
    """Relays (objective £, bound £, elapsed s) whenever a better solution or bound is found.

    Starts from the hint's objective so a page can show a bound rising toward it even before
    CP-SAT reports its own first solution.
    """

    def __init__(self, report: Progress, started: float, objective: float = math.inf):
        super().__init__()
        self._report, self._started = report, started
        self._objective, self._bound = objective, -math.inf

    def on_solution_callback(self):
        self._objective = self.objective_value / SCALE
        self._bound = max(self._bound, self.best_objective_bound / SCALE)
        self._emit()

    def on_bound(self, bound: float):
        self._bound = max(self._bound, bound / SCALE)
        self._emit()

    def _emit(self):
        self._report(self._objective, self._bound, time.perf_counter() - self._started)


# Measured on generated regional instances (see benchmarks/): CP-SAT's default two-worker portfolio
# runs no LP at all and its bound stalls. With two workers we ask for one full-problem worker with
# the whole LP relaxation (``max_lp``: linearization level 2, every constraint in the LP); CP-SAT
# then gives the second thread to its LNS and local-search workers, which improve the solutions.
DEFAULT_CPSAT = {"linearization_level": 2}
TWO_WORKER_SUBSOLVERS = ["max_lp"]


def _configure(solver: cp_model.CpSolver, params: SolveParams) -> None:
    p = solver.parameters
    p.max_time_in_seconds = params.time_limit
    p.num_workers = params.workers
    p.random_seed = params.seed
    p.relative_gap_limit = params.relative_gap
    p.log_search_progress = log.isEnabledFor(logging.DEBUG)
    p.log_to_stdout = False
    settings = dict(DEFAULT_CPSAT)
    if params.workers == 2:
        settings["subsolvers"] = TWO_WORKER_SUBSOLVERS
    settings.update(params.cpsat)
    for name, value in settings.items():
        if isinstance(value, list | tuple):
            getattr(p, name).extend(value)  # repeated fields, e.g. subsolvers
        else:
            setattr(p, name, value)
    solver.log_callback = lambda line: log.debug("cp-sat: %s", line)


def _best_start(instance: Instance, weights: Weights, pairs: pd.DataFrame, greedy: Result,
                relaxed: Mapping[str, str | None]) -> tuple[str, Mapping[str, str | None], float]:
    """(label, assignment, objective) of the better of the status quo and the repaired relaxation."""
    repaired = repaired_flow(instance, weights, pairs, dict(relaxed))
    repaired_objective = sum(assignment_terms(instance, weights, pairs, repaired).values())
    if repaired_objective < greedy.objective:
        return "repaired relaxation", repaired, repaired_objective
    return "status quo", greedy.assignment, greedy.objective


def solve(
    instance: Instance,
    weights: Weights | None = None,
    params: SolveParams | None = None,
    hint: Mapping[str, str | None] | str | None = None,
    pins: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
    pairs: pd.DataFrame | None = None,
) -> Result:
    """Solve ``instance`` exactly (within ``params.time_limit``) and return a ``Result``.

    ``hint`` is a previous assignment (e.g. to re-solve after an edit), ``"greedy"`` or ``None``;
    pairs of a hint that are not feasible here are ignored. No hint is the default: measured on
    generated regions (benchmarks/FINDINGS.md), a hint holds CP-SAT's search near it — at 1,000
    children a greedy hint ended 38% above the optimum in 60 s and a repaired-relaxation hint 21%,
    against 1.6% without — while CP-SAT's LP worker finds far better solutions on its own, given
    time. Both starts are still computed (in milliseconds to seconds) and the better of them is
    returned whenever CP-SAT has nothing better when time runs out.
    ``pins`` fixes matches (``child_id → home_id``, or ``None`` for "leave unplaced").
    The returned objective and terms are recomputed exactly from the assignment; the caller
    re-checks them with ``rcc.check.verify``.
    """
    weights = weights or Weights()
    params = params or SolveParams()
    started = time.perf_counter()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    built = PlacementModel(instance, weights, pairs, pins)
    if built.infeasible_pins:
        return Result(Status.INFEASIBLE, "cp-sat", {c.child_id: None for c in instance.children},
                      runtime_s=time.perf_counter() - started, seed=params.seed,
                      message="; ".join(built.infeasible_pins))
    relaxation_bound, relaxed = flow_relaxation(instance, weights, pairs)
    greedy = None if pins else solve_greedy(instance, weights, pairs)  # neither start knows of pins
    fallback = None if pins else _best_start(instance, weights, pairs, greedy, relaxed)
    if hint == "greedy":
        hint = greedy.assignment if greedy else None
    if hint:
        built.hint(hint)
    solver = cp_model.CpSolver()
    _configure(solver, params)
    remaining = max(0.01, params.time_limit - (time.perf_counter() - started))
    solver.parameters.max_time_in_seconds = remaining
    relay = None
    if progress:
        relay = _Progress(progress, started, fallback[2] if fallback else math.inf)
        solver.best_bound_callback = relay.on_bound
    code = solver.solve(built.model, relay)
    runtime = time.perf_counter() - started
    log.info("cp-sat %s in %.2fs: objective %.2f, bound %.2f", solver.status_name(code), runtime,
             solver.objective_value / SCALE if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) else float("nan"),
             solver.best_objective_bound / SCALE)

    message = ""
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignment = built.assignment(solver.boolean_value)
        status = Status.OPTIMAL if code == cp_model.OPTIMAL else (
            Status.TIME_LIMIT if solver.wall_time >= 0.95 * remaining else Status.FEASIBLE)
    elif code == cp_model.INFEASIBLE:
        return Result(Status.INFEASIBLE, "cp-sat", {c.child_id: None for c in instance.children},
                      runtime_s=runtime, seed=params.seed, message="the pinned matches cannot all hold")
    elif fallback:  # no solution in time: the better start, which keeps every rule
        assignment, status, message = fallback[1], Status.TIME_LIMIT, f"no CP-SAT solution in time: {fallback[0]}"
    else:
        return Result(Status.ERROR, "cp-sat", {c.child_id: None for c in instance.children}, runtime_s=runtime,
                      seed=params.seed, message=f"CP-SAT ended with {solver.status_name(code)} and no solution")
    terms = assignment_terms(instance, weights, pairs, assignment)
    objective = sum(terms.values())
    if fallback and status is not Status.OPTIMAL and fallback[2] < objective:
        label, assignment, objective = fallback
        terms = assignment_terms(instance, weights, pairs, assignment)
        message = f"CP-SAT's best was worse than the {label} when time ran out: {label} returned"
    if code == cp_model.OPTIMAL:
        bound = min(objective, solver.best_objective_bound / SCALE)
    else:  # the flow relaxation's bound is proven too, and better than CP-SAT's before its first LP
        bound = max(solver.best_objective_bound / SCALE, relaxation_bound)
    return Result(status, "cp-sat", assignment, objective=objective, bound=bound, terms=terms,
                  runtime_s=runtime, seed=params.seed, message=message)
