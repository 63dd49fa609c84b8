"""Exact placement matching with OR-Tools CP-SAT, guided by the LP relaxation.

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

``solve`` runs this model on shortlists of pairs and on the pairs left after reduced-cost pruning,
both taken from the LP relaxation (:mod:`rcc.solver.lp`); its docstring says in which order, and why.
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
from rcc.solver.lp import LpRelaxation, cheapest_pairs, lp_relaxation
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
    lp_guide: bool = True  # the LP relaxation's bound, shortlist and pruning (``rcc.solver.lp``)
    cpsat: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        """A wrong setting (flag or TOML) is named here, not met later as a traceback mid-solve."""
        problems = [f"{name}={getattr(self, name)!r} {rule}" for name, ok, rule in (
            ("time_limit", _number(self.time_limit) and self.time_limit > 0, "must be a number of seconds > 0"),
            ("workers", _integer(self.workers) and self.workers >= 1, "must be a whole number ≥ 1"),
            ("seed", _integer(self.seed) and self.seed >= 0, "must be a whole number ≥ 0"),
            ("relative_gap", _number(self.relative_gap) and self.relative_gap >= 0, "must be a number ≥ 0"),
            ("lp_guide", isinstance(self.lp_guide, bool), "must be true or false"),
            ("cpsat", isinstance(self.cpsat, Mapping), "must be a table of CP-SAT parameters"),
        ) if not ok]
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        """Read the ``[solver]`` table (and its ``[solver.cpsat]`` sub-table) of a TOML file."""
        with open(path, "rb") as f:
            table = tomllib.load(f).get("solver", {})
        known = {f.name for f in fields(cls)}
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"{path}: unknown [solver] setting(s) {', '.join(sorted(unknown))}")
        try:
            return cls(**table)
        except ValueError as exc:
            raise ValueError(f"{path}: [solver] {exc}") from None


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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

    Starts from the best start's objective and the best proven bound so a page can show the
    bound rising toward the plan even before CP-SAT reports anything. A model restricted to a
    shortlist of pairs finds plans for the whole instance but no bound for it: ``proves`` is False.
    """

    def __init__(self, report: Progress, started: float, objective: float = math.inf, bound: float = -math.inf):
        super().__init__()
        self._report, self._started = report, started
        self._objective, self._bound = objective, bound
        self.proves = True

    def on_solution_callback(self):
        self._objective = min(self._objective, self.objective_value / SCALE)
        if self.proves:
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
                relaxed: Mapping[str, str | None]) -> _Plan:
    """The better of the status quo and the repaired relaxation."""
    repaired = _Plan.of("repaired relaxation", instance, weights, pairs, repaired_flow(instance, weights, pairs,
                                                                                   dict(relaxed)))
    if repaired.objective < greedy.objective:
        return repaired
    return _Plan("status quo", greedy.assignment, greedy.terms)


@dataclass(frozen=True)
class _Plan:
    """A complete assignment that keeps every rule, where it came from, and its exact objective terms."""

    label: str
    assignment: Mapping[str, str | None]
    terms: Mapping[str, float]

    @property
    def objective(self) -> float:
        return sum(self.terms.values())

    @classmethod
    def of(cls, label: str, instance: Instance, weights: Weights, pairs: pd.DataFrame,
           assignment: Mapping[str, str | None]) -> _Plan:
        return cls(label, assignment, assignment_terms(instance, weights, pairs, assignment))


# The LP-guided stage (measured in benchmarks/FINDINGS.md): the LP may take up to half the time
# left; CP-SAT then looks for a plan among each child's 4, then 16, best pairs by reduced cost,
# before the whole (safely pruned) model; each gets an equal share of what is left. The whole model
# is searched only if CP-SAT can presolve it in a third of the time left; otherwise the shortlists
# share all of it. Without the LP stage, a model CP-SAT could not presolve in the time left is not
# built at all (at 27 M pairs it would not fit in memory either): the best start is returned.
LP_SHARE = 0.5
# HiGHS's dual simplex solved the LP of 181,275 pairs in 9.4 s; that of 4.7 M pairs had not finished
# in 15 minutes. An LP larger than this rate allows in its share of the time is solved over each
# child's GUIDE_PAIRS_PER_CHILD cheapest pairs instead: a guide to where CP-SAT looks, which proves
# and prunes nothing (at 5,000 children: 77,635 pairs, 3.4 s).
LP_PAIRS_PER_SECOND = 20_000
GUIDE_PAIRS_PER_CHILD = 16
SHORTLISTS = (4, 16)  # pairs per child
PRESOLVE_PAIRS_PER_SECOND = 9_000  # CP-SAT presolved 181,275 pairs in ~21 s


def _run(built: PlacementModel, params: SolveParams, time_limit: float,
         relay: _Progress | None) -> tuple[int, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    _configure(solver, params)
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    if relay and relay.proves:
        solver.best_bound_callback = relay.on_bound
    return solver.solve(built.model, relay), solver


def _shortlists(instance: Instance, weights: Weights, params: SolveParams, pairs: pd.DataFrame, lp: LpRelaxation,
                best: _Plan, hint: Mapping[str, str | None] | None, relay: _Progress | None,
                left: Callable[[], float], whole: bool) -> tuple[_Plan, np.ndarray, bool]:
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
        start = best.assignment if stage else hint  # the first stage is not held near a poor start
        if start:
            model.hint(start)
        code, solver = _run(model, params, left() / (len(SHORTLISTS) - stage + whole), relay)
        log.info("LP shortlist of %d pairs per child (%d pairs): %s, %.2f", per_child, listed.sum(),
                 solver.status_name(code), solver.objective_value / SCALE)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = _Plan.of(f"LP shortlist of {per_child} pairs per child", instance, weights, pairs,
                             model.assignment(solver.boolean_value))
            best = found if found.objective < best.objective else best
            keep = lp.worth_keeping(best.objective)
        if code == cp_model.OPTIMAL and lp.complete and not (keep & ~listed).any():
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
    progress: Progress | None = None,
    pairs: pd.DataFrame | None = None,
) -> Result:
    """Solve ``instance`` exactly (within ``params.time_limit``) and return a ``Result``.

    Four steps, each of which keeps what the one before proved:

    1. The status quo (greedy) and the repaired min-cost-flow relaxation: a plan and a bound in
       milliseconds to seconds; the better plan is returned if nothing better is found.
    2. Unless ``params.lp_guide`` is off or matches are pinned: the LP relaxation (``rcc.solver.lp``),
       a far better bound; CP-SAT on each child's shortlist of pairs by reduced cost, a near-optimal
       plan fast; then reduced-cost pruning against the best plan so far. If a shortlist's optimum
       is proven and no pair that survived pruning lies outside it, that optimum is the optimum.
    3. CP-SAT on every pair that survived pruning, for the time left, if it can presolve them in
       time (at 1,000 children it cannot in 30 s, and the shortlists get the whole budget).
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

    relaxation_bound, relaxed = flow_relaxation(instance, weights, pairs)
    greedy = None if pins else solve_greedy(instance, weights, pairs)  # neither start knows of pins
    best = _best_start(instance, weights, pairs, greedy, relaxed) if greedy else None
    if hint == "greedy":
        hint = greedy.assignment if greedy else None
    known_bound = relaxation_bound
    stats: dict[str, float] = {"pairs": len(pairs)}
    relay = _Progress(progress, started, best.objective if best else math.inf, known_bound) if progress else None

    model_pairs = pairs
    lp = None
    if params.lp_guide and not pins:
        lp_pairs, budget = pairs, LP_SHARE * left()
        if len(pairs) > LP_PAIRS_PER_SECOND * budget:  # too large to solve in time:
            lp_pairs = pairs[cheapest_pairs(pairs, best.assignment, GUIDE_PAIRS_PER_CHILD)].reset_index(drop=True)
        lp = lp_relaxation(instance, weights, lp_pairs, budget, complete=lp_pairs is pairs)
    if lp and not lp.complete:  # its shortlists guide the search, but it proves and prunes nothing
        best, _, _ = _shortlists(instance, weights, params, lp_pairs, lp, best, hint, relay, left, whole=False)
        stats.update(lp_pairs=len(lp_pairs), lp_s=lp.seconds)
        return _result(stopped(), best, known_bound, started, params, stats,
                       f"the {best.label}'s plan, from an LP over each child's {GUIDE_PAIRS_PER_CHILD} cheapest "
                       f"pairs (the whole LP of {len(pairs):,} pairs is too large for the time limit)")
    if lp:
        known_bound = max(known_bound, lp.bound)
        if relay:
            relay.on_bound(SCALE * known_bound)
        whole = lp.worth_keeping(best.objective).sum() <= PRESOLVE_PAIRS_PER_SECOND * left() / 3
        best, keep, proven = _shortlists(instance, weights, params, pairs, lp, best, hint, relay, left, whole)
        stats.update(lp_bound=lp.bound, lp_s=lp.seconds, pairs_kept=int(keep.sum()))
        log.info("LP relaxation in %.1fs: bound %.2f; best plan %.2f (%s); pruning keeps %d of %d pairs",
                 lp.seconds, lp.bound, best.objective, best.label, keep.sum(), len(pairs))
        if proven:
            return _result(Status.OPTIMAL, best, best.objective, started, params, stats,
                           "proven on an LP shortlist: reduced-cost pruning kept no pair outside it")
        model_pairs = pairs[keep].reset_index(drop=True)

    if best and len(model_pairs) > PRESOLVE_PAIRS_PER_SECOND * left():  # CP-SAT could not even presolve it
        return _result(stopped(), best, known_bound, started, params, stats,
                       f"the {best.label}'s plan: too little time left for CP-SAT to search {len(model_pairs):,} pairs")
    built = PlacementModel(instance, weights, model_pairs, pins)
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
        found = _Plan.of("CP-SAT", instance, weights, pairs, built.assignment(solver.boolean_value))
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
    bound = (min(best.objective, solver.best_objective_bound / SCALE) if code == cp_model.OPTIMAL
             else max(solver.best_objective_bound / SCALE, known_bound))
    return _result(status, best, bound, started, params, stats, message)


def _result(status: Status, plan: _Plan, bound: float, started: float, params: SolveParams,
            stats: Mapping[str, float], message: str) -> Result:
    return Result(status, "cp-sat", plan.assignment, objective=plan.objective, bound=min(bound, plan.objective),
                  terms=plan.terms, runtime_s=time.perf_counter() - started, seed=params.seed, message=message,
                  stats=stats)
