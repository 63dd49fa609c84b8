"""The CP-SAT model of the contract: one Boolean per feasible pair, one method per rule, and the
two things a solve may minimise — the v1 weighted score or any of the v1.1 measures.

The model has one Boolean per *feasible* (child, home) pair — never one per bed, so identical
vacancies in a home add no variables and no symmetry — plus, for each sibling group, one
"home used by the group" Boolean per home that two or more members could share. Every rule of the
contract that links several children is one method of :class:`PlacementModel`.

Integer scaling. CP-SAT needs integer coefficients, so every weighted cost is rounded to the
penny (``SCALE = 100`` units per pound). A coefficient is off by at most half a penny, and each
child contributes at most two rounded coefficients, so the scaled objective of any assignment is
within £0.01 × children of the true one; the reported objective is always recomputed exactly
from the assignment and re-checked by ``rcc.check``. Measures have units of their own
(:data:`UNITS`): urgency-weighted children in hundredths, spend in pence, distance in metres.

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

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from rcc.market import is_small_local
from rcc.model import MILES_20_KM, Instance, Weights
from rcc.solver.candidates import age_totals, alongside_rules, separated_rows, sibling_rows
from rcc.solver.objective import SCALE, unplaced_penalties

# Integer units per unit of each measure: urgency factors to the hundredth, pence, metres.
UNITS = {"unplaced": 100, "siblings_apart": 1, "far_from_home": 1, "outside_own_la": 1, "not_preferred": 1,
         "weekly_spend": 100, "km": 1000, "private_spend": 100}


class PlacementModel:
    """The CP-SAT model of one instance: variables, one method per rule, and what to minimise.

    Nothing is minimised until :meth:`minimise_score` or :meth:`minimise` says what.
    """

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
        self._used: dict[str, list] = {}  # each sibling group's "uses home h" literals
        self._measures: dict[str, cp_model.LinearExprT] = {}

        self._one_home_per_child()
        self._capacity_and_solo()
        self._separations()
        self._alongside()
        self._sibling_splits()
        self._block_booked_beds()
        self._pins(pins or {})

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
            self._used[group] = used

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

    # --- the weighted score (contract v1) -----------------------------------------------------

    def minimise_score(self):
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

    # --- the measures (contract v1.1), in integer UNITS ---------------------------------------

    def measure(self, name: str) -> cp_model.LinearExprT:
        """The measure ``name`` as an integer expression (see :data:`UNITS`), built once."""
        if name not in self._measures:
            self._measures[name] = getattr(self, f"_{name}")()
        return self._measures[name]

    @property
    def groups_linked(self) -> tuple[str, ...]:
        """The sibling groups some member of which could be placed (the others can never be apart)."""
        return tuple(self._used)

    def _over(self, rows: np.ndarray, coefficients: np.ndarray | None = None) -> cp_model.LinearExprT:
        x = self.x.to_numpy()
        if coefficients is None:
            return cp_model.LinearExpr.sum(list(x[rows]))
        return cp_model.LinearExpr.weighted_sum(list(x[rows]), coefficients[rows].tolist())

    def _unplaced(self):
        """Σ unplaced children × urgency factor: a constant less each placement's factor."""
        factor = np.array([self.weights.urgency_factor(c) for c in self.instance.children], float)
        factors = np.rint(UNITS["unplaced"] * factor)
        placed = factors.astype(np.int64)[self.pairs["child"].to_numpy()]
        return int(factors.sum()) - self._over(np.arange(len(self.pairs)), placed)

    def _siblings_apart(self):
        """Σ over groups of apart_g, where apart_g ≥ (homes used − 1) + (1 if a member is unplaced) for
        each member; 0 for a group nobody of which is placed (its homes used are then 0)."""
        x = self.x.to_numpy()
        position = {c.child_id: i for i, c in enumerate(self.instance.children)}
        terms = []
        for group, used in self._used.items():
            members = self.instance.sibling_groups[group]
            apart = self.model.new_int_var(0, len(members), f"apart_{group}")
            self.model.add(apart >= self.splits[group])
            for child_id in members:
                rows = self._by_child.get(position[child_id], np.zeros(0, int))
                self.model.add(apart >= sum(used) - sum(x[rows]))  # homes used − 1 + (1 − placed)
            terms.append(apart)
        return cp_model.LinearExpr.sum(terms)

    def _far_from_home(self):
        """Placed children more than 20 miles from home."""
        return self._over(np.flatnonzero(self.pairs["km"].to_numpy() > MILES_20_KM))

    def _outside_own_la(self):
        """Placed children whose home is in another authority."""
        own = np.array([c.la_code for c in self.instance.children], object)[self.pairs["child"].to_numpy()]
        there = np.array([h.la_code for h in self.instance.homes], object)[self.pairs["home"].to_numpy()]
        return self._over(np.flatnonzero(own != there))

    def _not_preferred(self):
        """Placed children in a suitable setting family while another is preferred."""
        return self._over(np.flatnonzero(self.pairs["not_preferred"].to_numpy()))

    def _weekly_spend(self):
        """Pence a week: each placement's price, except in block-booked homes, where the beds beyond
        the booked ones (``paid``) are charged."""
        return self._spend_in(np.ones(len(self.instance.homes), bool))

    def _private_spend(self):
        """Pence a week spent with private providers: weekly spend, counted in private homes only."""
        return self._spend_in(np.array([h.sector == "private" for h in self.instance.homes], bool))

    def _spend_in(self, chosen: np.ndarray) -> cp_model.LinearExprT:
        """Weekly spend in the homes ``chosen`` (a Boolean per home), in pence."""
        homes = self.pairs["home"].to_numpy()
        booked = np.array([h.block_booked > 0 for h in self.instance.homes], bool)
        price = np.rint(UNITS["weekly_spend"] * np.where(booked[homes], 0.0, self.pairs["weekly_cost"].to_numpy()))
        rows = np.flatnonzero(chosen[homes])
        spend = self._over(rows, price.astype(np.int64))
        paid = [int(round(UNITS["weekly_spend"] * self.instance.homes[h].weekly_cost)) * v
                for h, v in self.paid.items() if chosen[h]]
        return spend + cp_model.LinearExpr.sum(paid) if paid else spend

    def _km(self):
        """Metres from home, summed over placed children."""
        metres = np.rint(UNITS["km"] * self.pairs["km"].to_numpy()).astype(np.int64)
        return self._over(np.arange(len(self.pairs)), metres)

    def cap(self, name: str, most: float) -> None:
        """Hold measure ``name`` at or below ``most`` (in the measure's own unit, e.g. £/week).

        Spend and distance are summed from rounded coefficients (half a unit each at most, one per
        child), so their cap allows that much rounding: the independent check of the exact value
        allows max(£1, 0.1%) on spend."""
        slack = 0.5 * len(self.instance.children) if name in ("weekly_spend", "km", "private_spend") else 0.0
        self.cap_units(name, math.floor(UNITS[name] * most + slack + 1e-6))

    def cap_units(self, name: str, most: int) -> None:
        """Hold measure ``name`` at or below ``most`` of its integer :data:`UNITS`."""
        self.model.add(self.measure(name) <= int(most))

    def fairness(self, points: float) -> None:
        """No authority's placed % below the region's less ``points``:
        100·n·placed_a − 100·n_a·placed ≥ −points·n·n_a, for each authority a with waiting children."""
        for n, n_a, shares in self._authority_shares():
            self.model.add(shares >= math.ceil(-Fraction(str(points)) * n * n_a))

    def fairness_slack(self) -> cp_model.IntVar:
        """The least fairness guard that holds, in hundredths of a point: the shortfall of the authority
        whose placed share falls furthest below the region's."""
        slack = self.model.new_int_var(0, 100 * 100, "fairness_shortfall")
        for n, n_a, shares in self._authority_shares():
            self.model.add(100 * shares + n * n_a * slack >= 0)
        return slack

    def small_local(self, percent: float, most_homes: int) -> None:
        """At least ``percent`` % of placements with small local providers (:mod:`rcc.market`):
        100·b·small ≥ a·placed, where a/b = ``percent`` exactly."""
        small, everyone, ratio = self._small_local_counts(percent, most_homes)
        self.model.add(100 * ratio.denominator * small >= ratio.numerator * everyone)

    def small_local_shortfall(self, percent: float, most_homes: int) -> cp_model.IntVar:
        """The fewest extra small-local placements that would meet the floor (what the guard falls short by)."""
        small, everyone, ratio = self._small_local_counts(percent, most_homes)
        short = self.model.new_int_var(0, len(self.instance.children), "small_local_shortfall")
        self.model.add(100 * ratio.denominator * (small + short) >= ratio.numerator * everyone)
        return short

    def _small_local_counts(self, percent: float, most_homes: int):
        """(placements with small local providers, all placements, ``percent`` as a fraction)."""
        small_home = np.array(is_small_local(self.instance, most_homes), bool)
        small = self._over(np.flatnonzero(small_home[self.pairs["home"].to_numpy()]))
        return small, self._over(np.arange(len(self.pairs))), Fraction(str(percent))

    def _authority_shares(self):
        """Per authority: (n, n_a, 100·n·placed_a − 100·n_a·placed)."""
        children = self.pairs["child"].to_numpy()
        la = np.array([c.la_code for c in self.instance.children], object)
        n = len(self.instance.children)
        everyone = self._over(np.arange(len(self.pairs)))
        for code in sorted(set(la)):
            n_a = int((la == code).sum())
            mine = self._over(np.flatnonzero(la[children] == code))
            yield n, n_a, 100 * n * mine - 100 * n_a * everyone

    # --- hints and reading a solution -----------------------------------------------------

    def hint_solution(self, values: list[int]) -> None:
        """Warm start from every variable's value in an earlier solve of this same model (a plan the
        constraints added since still allow): CP-SAT then has a complete solution at once."""
        self.model.clear_hints()
        for index, value in enumerate(values):
            self.model.add_hint(self.model.get_int_var_from_proto_index(index), value)

    def hint_plan(self, assignment: Mapping[str, str | None], seconds: float = 10.0) -> list[int] | None:
        """Warm start from a plan, every auxiliary variable included (CP-SAT took 12 s to complete a
        hint of the pair Booleans alone on the 300-child region): a copy of the model with the pairs
        fixed to the plan is solved, and its whole solution is the hint, and is returned. ``None``,
        with no hint, when the plan uses a pair outside this model or breaks one of its constraints
        (a guard, a pin)."""
        position = {c.child_id: i for i, c in enumerate(self.instance.children)}
        home_position = {h.home_id: j for j, h in enumerate(self.instance.homes)}
        chosen = {self._key.get((position[c], home_position[h])) for c, h in assignment.items() if h is not None}
        if None in chosen:
            return None
        fixed = self.model.clone()
        for row, x in self.x.items():
            domain = fixed.proto.variables[x.index].domain
            domain[0] = domain[1] = int(row in chosen)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = 1
        if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        solution = list(solver.response_proto.solution)
        self.hint_solution(solution)
        return solution

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
