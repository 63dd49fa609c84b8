"""HiGHS MIP of the contract: the researchers' reference solver, and the weighted solve's proving stage.

The same formulation as :mod:`rcc.solver.cpsat` — one binary per feasible pair, a "group uses
home" binary where two or more siblings could share a home, ``split_g ≥ homes used − 1``, one
weighted capacity-and-solo row per home, separations, ``alongside`` age windows, and paid beds beyond the block-booked
ones — but with exact (unrounded) costs, solved by HiGHS through ``scipy.optimize.milp``.
(``highspy`` and ortools 9.15 cannot be imported into one process; SciPy bundles its own HiGHS.)

Two uses. In benchmarks it is the researchers' reference: "how long does a good general MIP
solver take to reach the gap rcc reached?". In ``rcc.solver.cpsat.solve`` it is the proving stage
on the pairs reduced-cost pruning kept, where it measured faster than CP-SAT. Its plans pass the
same independent checker either way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from rcc.model import Instance, Weights
from rcc.result import Result, Status
from rcc.solver.candidates import age_totals, alongside_rules, candidate_pairs, separated_rows, sibling_rows
from rcc.solver.incumbent import SiblingCap
from rcc.solver.objective import assignment_measures, assignment_terms, unplaced_penalties


@dataclass
class _Rows:
    """A sparse constraint matrix built row by row: ``lower ≤ Σ value · var ≤ upper``."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, cols, values, lower: float = -np.inf, upper: float = np.inf) -> None:
        cols = np.asarray(cols, np.int64)
        self.rows.append(np.full(len(cols), len(self.lower), np.int64))
        self.cols.append(cols)
        self.values.append(np.broadcast_to(np.asarray(values, float), cols.shape))
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self, n_vars: int) -> LinearConstraint:
        matrix = coo_array(
            (np.concatenate(self.values), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(len(self.lower), n_vars),
        ).tocsr()
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))


class HighsModel:
    """Variables are numbered: the pairs first (row ``i`` of ``pairs`` is variable ``i``), then
    group-uses-home binaries, then one split and one paid-beds variable where needed (and, with a
    sibling cap, one "group split" binary per group)."""

    def __init__(self, instance: Instance, weights: Weights, pairs: pd.DataFrame, cap: SiblingCap | None = None,
                 pins: Mapping[str, str | None] | None = None):
        """With a sibling ``cap`` (the priced pipeline's), two more rows: the extra homes groups use
        and the groups split, each at most the cap's. ``pins`` (child ID → home ID, or None for
        "unplaced") fix the pinned children's pairs; a pin with no feasible pair is named in
        ``infeasible_pins``."""
        self.instance, self.weights, self.pairs = instance, weights, pairs.reset_index(drop=True)
        self.n_pairs = len(self.pairs)
        self.cost: list[float] = []  # objective coefficients of the variables after the pairs
        self.binary: list[bool] = []
        self.upper: list[float] = []
        self.rows = _Rows()
        self._children = self.pairs["child"].to_numpy()
        self._homes = self.pairs["home"].to_numpy()
        self._by_child = self.pairs.groupby("child").indices
        self._by_home = self.pairs.groupby("home").indices
        self._one_home_per_child()
        self._capacity_and_solo()
        self._separations()
        self._alongside()
        self._sibling_splits()
        self._block_booked_beds()
        self.cap_rows: tuple[int, int] | None = None  # the cap's rows (extra homes, groups split), for their duals
        if cap is not None and self._splits:
            self._sibling_cap(cap)
        self._pins(pins or {})

    def _new_var(self, cost: float, binary: bool, upper: float) -> int:
        self.cost.append(cost)
        self.binary.append(binary)
        self.upper.append(upper)
        return self.n_pairs + len(self.cost) - 1

    def _one_home_per_child(self):
        self.child_rows = {}  # child position → its row, whose dual prices the child (rcc.solver.colgen)
        for child, rows in self._by_child.items():
            self.child_rows[child] = len(self.rows.lower)
            self.rows.add(rows, 1.0, upper=1)

    def _capacity_and_solo(self):
        solo = np.array([c.solo for c in self.instance.children], bool)
        self.capacity_rows = {}  # home position → its row, whose dual is the price of a place there
        for home, rows in self._by_home.items():
            vacancies = self.instance.homes[home].vacancies
            weight = np.where(solo[self._children[rows]], vacancies, 1)
            if weight.sum() > vacancies:
                self.capacity_rows[home] = len(self.rows.lower)
                self.rows.add(rows, weight, upper=vacancies)

    def _separations(self):
        for r, s in separated_rows(self.instance, self.pairs):
            self.rows.add([r, s], 1.0, upper=1)

    def _alongside(self):
        """Pairs excluded where few; else running totals by age per home and, per age window,
        ``count − 1 ≤ (room − 1)(1 − x)``."""
        rules = alongside_rules(self.instance, self.pairs)
        for r, s in rules.pairs:
            self.rows.add([r, s], 1.0, upper=1)
        ages = np.array([c.age for c in self.instance.children], int)[self._children]
        for home, windows in rules.windows.items():
            rows = self._by_home[home]
            room = self.instance.homes[home].vacancies
            total, below = {}, []
            for age, members in age_totals(rows, ages[rows], windows):
                running = self._new_var(0.0, False, room)
                self.rows.add([running, *below, *members], [1.0, *([-1.0] * len(below)), *([-1.0] * len(members))],
                              lower=0, upper=0)
                total[age] = running
                below = [running]
            for w in windows:
                younger = [total[w.youngest - 1]] if w.youngest > 0 else []
                self.rows.add([total[w.oldest], *younger, w.row], [1.0, *([-1.0] * len(younger)), room - 1.0],
                              upper=room)

    def _sibling_splits(self):
        self.split_rows = {}  # sibling group → its split row, whose dual prices a group's extra home
        self._splits = {}  # sibling group → its split variable
        for group, by_home in sibling_rows(self.instance, self.pairs).items():
            members = self.instance.sibling_groups[group]
            if not by_home:
                continue
            used = []
            for home, xs in by_home.items():
                if len(xs) == 1:
                    used.append(xs[0])
                    continue
                y = self._new_var(0.0, True, 1)
                for x in xs:
                    self.rows.add([x, y], [1.0, -1.0], upper=0)
                room = min(self.instance.homes[home].vacancies, len(xs))
                self.rows.add(xs + [y], [1.0] * len(xs) + [-room], upper=0)
                used.append(y)
            split = self._new_var(self.weights.split, False, len(members) - 1)
            self._splits[group] = split
            self.split_rows[group] = len(self.rows.lower)
            self.rows.add(used + [split], [1.0] * len(used) + [-1.0], upper=1)

    def _sibling_cap(self, cap: SiblingCap):
        """Σ splits ≤ the cap's extra homes; ``split_g ≤ (|g| − 1) · apart_g`` and Σ apart ≤ its groups."""
        apart = []
        for group, split in self._splits.items():
            apart.append(self._new_var(0.0, True, 1))
            self.rows.add([split, apart[-1]], [1.0, 1.0 - len(self.instance.sibling_groups[group])], upper=0)
        homes_row = len(self.rows.lower)
        self.rows.add(list(self._splits.values()), 1.0, upper=cap.separations)
        self.rows.add(apart, 1.0, upper=cap.groups)
        self.cap_rows = (homes_row, homes_row + 1)

    def _pins(self, pins: Mapping[str, str | None]):
        """A pinned child's pair to the pinned home is fixed at 1 and every other pair of theirs at 0."""
        pinned = self.pairs[self.pairs["child_id"].isin(list(pins))]
        matches = pinned["home_id"].to_numpy() == pinned["child_id"].map(pins).to_numpy()
        self.pinned_on = pinned.index[matches].to_numpy()
        self.pinned_off = pinned.index[~matches].to_numpy()
        held = set(pinned["child_id"][matches])
        self.infeasible_pins = [f"{child_id} → {home_id} breaks a rule of the contract"
                                for child_id, home_id in pins.items() if home_id is not None and child_id not in held]

    def place_prices(self, duals: np.ndarray) -> np.ndarray:
        """Per home, the dual of its capacity row: the LP's price of a place (0 where the row is
        absent). Engines report a ≤ row's dual of a minimisation with either sign; its size is the price."""
        prices = np.zeros(len(self.instance.homes))
        for home, row in self.capacity_rows.items():
            prices[home] = abs(duals[row])
        return prices

    def _block_booked_beds(self):
        self._booked = np.array([h.block_booked > 0 for h in self.instance.homes], bool)
        for home, rows in self._by_home.items():
            booked = self.instance.homes[home].block_booked
            most = min(len(rows), self.instance.homes[home].vacancies) - booked
            if booked == 0 or most <= 0:
                continue
            paid = self._new_var(self.weights.cost * self.instance.homes[home].weekly_cost, False, most)
            self.rows.add(list(rows) + [paid], [1.0] * len(rows) + [-1.0], upper=booked)

    def objective(self) -> tuple[np.ndarray, Bounds]:
        """The objective coefficients (£/week) and bounds of every variable.

        A last variable fixed at 1 carries the constant (every child's unplaced penalty), so HiGHS's
        relative gap — its stopping rule — is measured on the whole objective, as rcc's is.
        """
        unbooked_cost = np.where(self._booked[self._homes], 0.0, self.pairs["cost_term"].to_numpy())
        penalty = unplaced_penalties(self.instance, self.weights)
        pair_cost = (unbooked_cost + self.pairs["km_term"].to_numpy() + self.pairs["pref_term"].to_numpy()
                     - penalty[self._children])
        c = np.concatenate([pair_cost, np.array(self.cost, float), [penalty.sum()]])
        lower = np.concatenate([np.zeros(len(c) - 1), [1]])
        upper = np.concatenate([np.ones(self.n_pairs), np.array(self.upper, float), [1]])
        lower[self.pinned_on] = 1
        upper[self.pinned_off] = 0
        return c, Bounds(lower, upper)

    def solve(self, time_limit: float, relative_gap: float) -> tuple[dict[str, str | None] | None, Status, float, str]:
        """(assignment or None if HiGHS found none, status, proven bound £/week, message)."""
        c, bounds = self.objective()
        integrality = np.concatenate([np.ones(self.n_pairs), np.array(self.binary, float), [0]])
        res = milp(
            c, integrality=integrality, bounds=bounds,
            constraints=[self.rows.constraint(len(c))] if self.rows.lower else None,
            options={"time_limit": max(0.01, time_limit), "mip_rel_gap": relative_gap, "disp": False},
        )
        bound = getattr(res, "mip_dual_bound", None)
        if bound is None or not np.isfinite(bound):  # no branch and bound ran (e.g. nothing to choose)
            bound = res.fun if res.status == 0 else -np.inf
        if res.x is None:
            return None, Status.TIME_LIMIT if res.status == 1 else Status.ERROR, bound, res.message
        assignment: dict[str, str | None] = {child.child_id: None for child in self.instance.children}
        chosen = res.x[: self.n_pairs] > 0.5
        for child_id, home_id in zip(self.pairs["child_id"][chosen], self.pairs["home_id"][chosen], strict=True):
            assignment[child_id] = home_id
        return assignment, Status.OPTIMAL if res.status == 0 else Status.TIME_LIMIT, bound, res.message


def solve_highs(
    instance: Instance,
    weights: Weights | None = None,
    pairs: pd.DataFrame | None = None,
    time_limit: float = 60.0,
    relative_gap: float = 1e-4,
) -> Result:
    """Solve with HiGHS until ``relative_gap`` is proven or ``time_limit`` seconds have passed.

    ``relative_gap`` is HiGHS's own stopping rule, so "seconds to reach rcc's gap" is simply the
    runtime of a call with rcc's gap. ``bound`` is HiGHS's dual bound (−inf if it has none).
    """
    weights = weights or Weights()
    started = time.perf_counter()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    model = HighsModel(instance, weights, pairs)
    remaining = time_limit - (time.perf_counter() - started)
    assignment, status, bound, message = model.solve(remaining, relative_gap)
    runtime = time.perf_counter() - started
    if assignment is None:  # no solution at all: nothing to check or report but the bound
        empty = {child.child_id: None for child in instance.children}
        return Result(status, "highs", empty, bound=bound, runtime_s=runtime, message=message)
    terms = assignment_terms(instance, weights, pairs, assignment)
    objective = sum(terms.values())
    return Result(status, "highs", assignment, objective=objective, bound=min(bound, objective), terms=terms,
                  runtime_s=runtime, message=message, found_by="HiGHS", proved_by="HiGHS",
                  measures=assignment_measures(instance, weights, pairs, assignment))
