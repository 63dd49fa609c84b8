"""Pairs priced, not stored: each child's cheapest homes, and a proven bound from prices on places.

All of England has about 254 million feasible (child, home) pairs (``benchmarks/FINDINGS.md``):
too many to hold. This module streams chunks of children through the homes' KD-tree
(:func:`rcc.solver.candidates.feasible_within`) and keeps only what it was asked for, so memory
grows with children × ``k``, not children × homes. It does two things.

**Each child's ``k`` cheapest pairs** (:meth:`PairSource.cheapest`), searched in widening
circles: a child is done once its ``k``-th cheapest pair costs no more than any pair beyond the
circle could (the cheapest price a home of its age and need is charged, plus ``w_km`` × the
radius). Most children are done within a few miles.

**A pricing round** (:meth:`PairSource.price`). Given a price ``u_h ≥ 0`` for a place in each
home (the duals of the restricted LP's capacity rows), relaxing capacity into the objective
leaves one small problem per child and per sibling group, and

    L(u) = Σ_c penalty_c − Σ_h u_h · vacancies_h + Σ_children alone min(0, min_h rc_ch)
           + Σ_groups  G_g(u)

is a **lower bound on every plan**, whatever ``u`` is (a Lagrangian bound; Farley's when ``u``
comes from a restricted LP), where ``rc_ch = price_ch + u_h · w_ch`` is the pair's cost less the
child's unplaced penalty plus the places it takes (``w`` is the home's vacancies for a solo
child) and ``G_g`` is the exact least cost of group ``g`` alone: members in homes or unplaced,
``w_split`` per extra home, at most ``vacancies_h`` of them in home ``h``. Each relaxation step
only lowers the bound: separations, ``alongside`` and block-booked beds beyond the booking are
dropped (they only forbid plans or add cost), and two of a group's "blocks" may share a home.
The round also returns the pairs the LP should try next: those of negative reduced cost, and the
homes a group would use together.

The priced pipeline never returns a plan that splits more sibling groups (or spreads them over more
homes) than the status quo. With that **sibling cap**, its two rows are relaxed too, at prices of
their own: each group's least cost pays one per extra home and one if it is split, and ``L`` gives
back price × cap. The bound is then over the plans the pipeline may return, which is the problem it
solves. A round may also have a **deadline**: the children not searched by then count only their
price floor, so the bound holds, weaker.

Only pairs that could lower a child's term are searched for: a pair costs at least the child's
price floor plus ``w_km`` × its distance, so a child whose best known pair is already cheaper
than that at radius ``r`` needs no search beyond ``r``. The search radius therefore shrinks as
the prices settle (for a sibling the allowance is ``w_split`` wider: joining the group in a
dearer home can save a split).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.model import Instance, Weights
from rcc.solver.candidates import (
    Arrays,
    feasible_of,
    feasible_within,
    first_per_child,
    pair_keys,
    pair_table,
    unique_sorted,
)
from rcc.solver.incumbent import SiblingCap
from rcc.solver.objective import unplaced_penalties

RADII_KM = (5.0, 10.0, 20.0, 40.0)  # the widening circles of the cheapest-pairs search, then each child's reach
EXACT_GROUP_SIZE = 8  # groups up to this size get the exact subset recursion (3^k steps); larger, a weaker bound
GROUPS_PER_BATCH = 400
RADIUS_STEP_KM = 2.5  # pricing radii are rounded up to this (a farther search only finds more real pairs)
CHILDREN_PER_BATCH = 5_000  # lone children searched between looks at the deadline


@dataclass(frozen=True)
class PricingRound:
    """One round's proven bound and the pairs it proposes, as index arrays."""

    bound: float  # £/week: no plan of the instance costs less
    children: np.ndarray  # proposed pairs: child positions
    homes: np.ndarray  # proposed pairs: home positions
    km: np.ndarray
    searched: int  # pairs generated and priced this round (none stored)
    seconds: float
    unsearched: int = 0  # children not searched before the deadline: their term is only their price floor


class PairSource:
    """One instance's pairs, generated on demand and priced; ``pins`` fix a child's home (or none)."""

    def __init__(self, instance: Instance, weights: Weights, pins: Mapping[str, str | None] | None = None):
        self.instance, self.weights = instance, weights
        self.arrays = Arrays(instance)
        kids, homes = self.arrays.children, self.arrays.homes
        self.n_children, self.n_homes = len(instance.children), len(instance.homes)
        self.penalty = unplaced_penalties(instance, weights)
        self.vacancies = homes["vacancies"].astype(float)
        self.solo = kids["solo"]
        # the weighted price a placement is charged: nothing on a block-booked bed (the beds beyond
        # the booking are charged by the exact models; dropping that only lowers the bound)
        self.charge = np.where(np.array([h.block_booked > 0 for h in instance.homes], bool), 0.0,
                              weights.cost * homes["weekly_cost"])
        position, home_position = instance.child_position, instance.home_position
        self.pinned = np.full(self.n_children, -2)  # -2 free, -1 pinned unplaced, else the pinned home
        for child_id, home_id in (pins or {}).items():
            self.pinned[position[child_id]] = -1 if home_id is None else home_position[home_id]
        self.groups = [np.array([position[c] for c in members]) for members in instance.sibling_groups.values()]
        self.in_group = np.zeros(self.n_children, bool)
        for members in self.groups:
            self.in_group[members] = True

    # --- what a pair costs --------------------------------------------------------------

    def pair_cost(self, ci: np.ndarray, hi: np.ndarray, km: np.ndarray) -> np.ndarray:
        """Each pair's term of the weighted score less the child's unplaced penalty (£/week)."""
        not_preferred = self.arrays.children["not_preferred"]
        pref = (np.where(not_preferred[ci, self.arrays.homes["family"][hi]], self.weights.not_preferred, 0.0)
                if not_preferred.any() else 0.0)
        return self.charge[hi] + self.weights.km * km + pref - self.penalty[ci]

    def _weight(self, ci: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Places a pair takes in the capacity row: all of them for a solo child."""
        return np.where(self.solo[ci], self.vacancies[hi], 1.0)

    def price_floor(self, u: np.ndarray | None = None) -> np.ndarray:
        """Per child, the least a home of its age and need level could charge (plus its place price
        ``u``): checked per (age, need) type against every home, not per pair."""
        h, c = self.arrays.homes, self.arrays.children
        charge = self.charge + (0.0 if u is None else u)
        open_ = (h["vacancies"] >= 1) & ~h["inadequate"]
        floor = np.full(self.n_children, np.inf)
        for age, need in {(int(a), int(n)) for a, n in zip(c["age"], c["need"], strict=True)}:
            fits = open_ & (h["min_age"] <= age) & (age <= h["max_age"]) & (need <= h["max_need"])
            floor[(c["age"] == age) & (c["need"] == need)] = charge[fits].min() if fits.any() else np.inf
        return floor

    def _radius(self, allowance: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """km within which a pair could cost less than ``allowance`` (price floor + w_km × km),
        rounded up to :data:`RADIUS_STEP_KM`: the search takes children sharing a radius together,
        and one radius per child made a pass over 80,000 children quadratic."""
        reach = self.arrays.children["max_km"]
        if self.weights.km <= 0:
            return reach.copy()
        radius = np.maximum((allowance + self.penalty - floor) / self.weights.km, 0.0)
        return np.minimum(np.ceil(radius / RADIUS_STEP_KM) * RADIUS_STEP_KM, reach)

    def _pairs(self, children: np.ndarray, radius: np.ndarray | None = None,
               below: np.ndarray | None = None, u: np.ndarray | None = None) -> Iterator[tuple]:
        """Feasible pairs of ``children`` within ``radius`` km; with ``below`` (per child), only pairs
        whose cost (plus ``u`` × places) could be below it, judged before any geodesic is computed."""
        worth = None
        if below is not None:
            extra = np.zeros(self.n_homes) if u is None else u

            def worth(ci, hi, at_least_km):
                least = (self.charge[hi] + extra[hi] * self._weight(ci, hi) + self.weights.km * at_least_km
                         - self.penalty[ci])
                return least < below[ci]
        yield from feasible_within(self.instance, self.arrays, children, radius, worth=worth)

    # --- each child's k cheapest pairs --------------------------------------------------

    def cheapest(self, k: int, plan: Mapping[str, str | None] | None = None, by_distance: bool = False,
                 children: np.ndarray | None = None) -> pd.DataFrame:
        """Each child's (or each of ``children``'s) ``k`` cheapest feasible pairs by weighted cost (or
        the ``k`` nearest), plus ``plan``'s and the pins' pairs, as a pairs table
        (:func:`rcc.solver.candidates.pair_table`); a pinned child keeps its pin only."""
        if by_distance:
            floor, slope, offset = np.zeros(self.n_children), 1.0, np.zeros(self.n_children)
        else:
            floor, slope, offset = self.price_floor(), self.weights.km, self.penalty
        kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        open_ = np.arange(self.n_children) if children is None else np.asarray(children, int)
        reach = self.arrays.children["max_km"]
        cutoff = np.full(self.n_children, np.inf)  # the k-th cheapest so far: a final one costs no more
        for radius in (*RADII_KM, np.inf):
            if not len(open_):
                break
            r = np.minimum(reach[open_], radius)
            below = None if by_distance else cutoff + 1e-9
            parts = []
            for ci, hi, km in self._pairs(open_, r, below=below):  # at most k a child leave each chunk
                best = first_per_child(ci, km if by_distance else self.pair_cost(ci, hi, km), k)
                parts.append((ci[best], hi[best], km[best]))
            ci, hi, km = unique_sorted(self.instance, *_joined(parts))
            cost = km if by_distance else self.pair_cost(ci, hi, km)
            best = first_per_child(ci, cost, k)
            ci, hi, km, cost = ci[best], hi[best], km[best], cost[best]
            count = np.bincount(ci, minlength=self.n_children)
            kth = np.full(self.n_children, -np.inf)
            np.maximum.at(kth, ci, cost)
            kth[count < k] = np.inf
            done = (r >= reach[open_]) | (kth[open_] + offset[open_] <= floor[open_] + slope * r)
            cutoff = kth
            finished = np.isin(ci, open_[done])
            kept.append((ci[finished], hi[finished], km[finished]))
            open_ = open_[~done]
        ci, hi, km = unique_sorted(self.instance, *_joined([*kept, self._listed(plan)]))
        free = (self.pinned[ci] == -2) | (self.pinned[ci] == hi)  # a pinned child keeps its pin only
        return pair_table(self.instance, self.weights, self.arrays, ci[free], hi[free], km[free])

    def _listed(self, plan: Mapping[str, str | None] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of ``plan`` and of the pins that keep every rule (the rest are not pairs)."""
        position, home_position = self.instance.child_position, self.instance.home_position
        wanted = {position[c]: home_position[h] for c, h in (plan or {}).items() if h is not None}
        wanted.update({int(c): int(self.pinned[c]) for c in np.flatnonzero(self.pinned >= 0)})
        ci = np.array(list(wanted), int)
        hi = np.array([wanted[c] for c in ci.tolist()], int)
        return feasible_of(self.instance, self.arrays, ci, hi)

    # --- a pricing round ----------------------------------------------------------------

    def price(self, u: np.ndarray, kept: pd.DataFrame, child_duals: np.ndarray | None = None,
              group_duals: Mapping[str, float] | None = None, per_child: int = 8,
              cap: SiblingCap | None = None, cap_prices: tuple[float, float] = (0.0, 0.0),
              deadline: float | None = None) -> PricingRound:
        """The Lagrangian bound ``L(u)`` and the pairs to add to ``kept``.

        Children are searched in batches until ``deadline`` (a ``time.perf_counter()`` time); a child
        left unsearched adds only ``min(0, its price floor at u)``, which no pair of its can go
        below, so the bound stays valid, only weaker (and nothing is proposed for it).

        With a sibling ``cap``, the bound is over the plans that keep it, its two rows relaxed at
        ``cap_prices`` (≥ 0, the LP's duals of them): one per extra home a group uses, one per
        group split; each group's least cost pays them and the bound gives back price × cap.

        The LP's duals price what the LP would gain: ``child_duals`` (≥ 0, per child, of its "one
        home" row) make a pair's LP reduced cost ``rc + dual``, and ``group_duals`` (≥ 0, per sibling
        group, of its split row) charge each home a group uses. A child's pairs below zero are
        proposed (each child's ``per_child`` best), and for a sibling group every home where
        ``group dual + Σ members' min(0, LP reduced cost)`` is below zero — the home and the
        group-uses-home variable it brings, priced together — with the members' pairs there.
        """
        started = time.perf_counter()
        u = np.maximum(np.asarray(u, float), 0.0)
        duals = np.zeros(self.n_children) if child_duals is None else np.maximum(child_duals, 0.0)
        k_ci, k_hi, k_km = (kept[c].to_numpy() for c in ("child", "home", "km"))
        k_rc = self.pair_cost(k_ci, k_hi, k_km) + u[k_hi] * self._weight(k_ci, k_hi)
        best_known = np.zeros(self.n_children)
        np.minimum.at(best_known, k_ci, k_rc)
        # A pair matters if it could lower the child's term of the bound (below its best known, or
        # for a sibling ``w_split`` and the cap's prices above: joining the group can save a split)
        # or price into the LP.
        per_home, per_group = (max(0.0, p) for p in cap_prices) if cap else (0.0, 0.0)
        together = self.weights.split + per_home + per_group  # what a sibling saves by joining the group
        allowance = np.maximum(best_known + np.where(self.in_group, together, 0.0), -duals)
        floor = self.price_floor(u)  # a solo child's pair takes more places: u × 1 is still a floor
        radius = self._radius(allowance, floor)
        least = np.minimum(0.0, floor - self.penalty)  # a child's term when it is not searched
        kept_keys = np.sort(pair_keys(self.instance, k_ci, k_hi))
        bound = float(self.penalty.sum() - (u * self.vacancies).sum())
        if cap:
            bound -= per_home * cap.separations + per_group * cap.groups
        searched = 0
        proposed: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

        alone = np.flatnonzero(~self.in_group)
        best = best_known.copy()
        pinned_alone = alone[self.pinned[alone] != -2]
        search = alone[(radius[alone] > 0) & (self.pinned[alone] == -2)]
        unsearched = np.zeros(0, int)
        for start in range(0, len(search), CHILDREN_PER_BATCH):
            if _past(deadline):
                unsearched = search[start:]
                break
            batch = search[start:start + CHILDREN_PER_BATCH]
            for ci, hi, km in self._pairs(batch, radius[batch], below=allowance + 1e-9, u=u):
                searched += len(ci)
                rc = self.pair_cost(ci, hi, km) + u[hi] * self._weight(ci, hi)
                np.minimum.at(best, ci, rc)
                new = (rc + duals[ci] < -1e-6) & ~_member(pair_keys(self.instance, ci, hi), kept_keys)
                pick = np.flatnonzero(new)[first_per_child(ci[new], rc[new], per_child)]
                proposed.append((ci[pick], hi[pick], km[pick]))
        best[unsearched] = least[unsearched]
        free_alone = alone[self.pinned[alone] == -2]
        bound += float(best[free_alone].sum())  # best starts at min(0, kept): staying unplaced is free
        bound += self._pinned_terms(pinned_alone, k_ci, k_hi, k_rc)
        skipped = len(unsearched)

        for start in range(0, len(self.groups), GROUPS_PER_BATCH):
            batch = self.groups[start:start + GROUPS_PER_BATCH]
            members = np.concatenate(batch)
            if _past(deadline):  # each member at its floor, no split charged: below the group's least cost
                bound += float(least[members].sum())
                skipped += len(members)
                continue
            parts = [(k_ci[np.isin(k_ci, members)], k_hi[np.isin(k_ci, members)], k_km[np.isin(k_ci, members)])]
            look = members[(radius[members] > 0) & (self.pinned[members] == -2)]
            parts.extend(self._pairs(look, radius[look], below=allowance + 1e-9, u=u))
            ci, hi, km = unique_sorted(self.instance, *_joined(parts))
            searched += len(ci)
            rc = self.pair_cost(ci, hi, km) + u[hi] * self._weight(ci, hi)
            value, chosen = self._groups(batch, ci, hi, rc, duals, group_duals or {}, per_child,
                                         self.weights.split + per_home, per_group)
            bound += value
            new = chosen & ~_member(pair_keys(self.instance, ci, hi), kept_keys)
            proposed.append((ci[new], hi[new], km[new]))
        ci, hi, km = unique_sorted(self.instance, *_joined(proposed))
        return PricingRound(bound, ci, hi, km, searched, time.perf_counter() - started, skipped)

    def _pinned_terms(self, children: np.ndarray, k_ci: np.ndarray, k_hi: np.ndarray, k_rc: np.ndarray) -> float:
        """A child pinned to a home pays that pair's reduced cost; pinned unplaced, nothing."""
        placed = children[self.pinned[children] >= 0]
        return float(k_rc[np.isin(k_ci, placed) & (k_hi == self.pinned[k_ci])].sum())

    def _groups(self, batch: list[np.ndarray], ci: np.ndarray, hi: np.ndarray, rc: np.ndarray,
                child_duals: np.ndarray, group_duals: Mapping[str, float],
                per_child: int, split: float, apart: float) -> tuple[float, np.ndarray]:
        """Σ of each group's least cost ``G_g`` over the pairs given (``split`` per extra home,
        ``apart`` per group split), and the pairs the LP prices in."""
        total, chosen = 0.0, np.zeros(len(ci), bool)
        order = np.argsort(ci, kind="stable")
        starts = np.searchsorted(ci[order], np.arange(self.n_children + 1))
        for members in batch:
            rows = np.concatenate([order[starts[m]:starts[m + 1]] for m in members])
            rows = rows[(self.pinned[ci[rows]] == -2) | (self.pinned[ci[rows]] == hi[rows])]
            homes, col = np.unique(hi[rows], return_inverse=True)
            row_of = {int(m): i for i, m in enumerate(members)}
            member_row = np.array([row_of[int(c)] for c in ci[rows]], int)
            matrix = np.full((len(members), len(homes)), np.inf)
            matrix[member_row, col] = rc[rows]
            total += group_least_cost(matrix, self.vacancies[homes], split, self.pinned[members] >= 0, apart)
            split_dual = group_duals.get(self.instance.children[members[0]].sibling_group, 0.0)
            lp = rc[rows] + child_duals[ci[rows]]  # each pair's LP reduced cost, but for the group's rows
            gain = np.zeros(len(homes))
            np.add.at(gain, col, np.minimum(lp, 0.0))
            worth = np.flatnonzero(split_dual + gain < -1e-6)
            best_homes = worth[np.argsort(gain[worth])[:per_child]]
            chosen[rows[np.isin(col, best_homes) & (lp < 0)]] = True
            alone = np.flatnonzero(lp + split_dual < -1e-6)  # a home only this member uses
            chosen[rows[alone[first_per_child(ci[rows][alone], lp[alone], per_child)]]] = True
        return total, chosen

def group_least_cost(matrix: np.ndarray, room: np.ndarray, split: float, must: np.ndarray,
                     apart: float = 0.0) -> float:
    """The least cost of one sibling group alone: a lower bound on its part of any plan.

    ``matrix[m, h]`` is member ``m``'s reduced cost in home ``h`` (``inf`` where it may not go),
    ``room`` each home's vacancies, ``must`` the members pinned to a home (who may not stay
    unplaced). Members are split into blocks, each in one home that has room for it (its least
    summed cost), ``split`` per block beyond the first and ``apart`` once if there is more than one
    (the price of the sibling cap's count of groups split); a member may stay unplaced at no cost.
    Exact over the subsets of up to :data:`EXACT_GROUP_SIZE` members (two blocks may pick the same
    home: a relaxation, so still a bound); beyond that, each member on its own (no split charged).
    """
    k = len(matrix)
    if k == 0 or matrix.shape[1] == 0:
        return 0.0 if not must.any() else np.inf
    if k > EXACT_GROUP_SIZE:
        lower = np.where(must, matrix.min(1), np.minimum(matrix.min(1), 0.0))
        return float(lower.sum())
    size = np.array([bin(s).count("1") for s in range(1 << k)])
    block = np.full(1 << k, np.inf)
    for s in range(1, 1 << k):
        picked = [m for m in range(k) if s >> m & 1]
        summed = matrix[picked].sum(0)
        fits = room >= size[s]
        if fits.any():
            block[s] = summed[fits].min()
    must_mask = sum(1 << m for m in range(k) if must[m])
    none = np.where(np.arange(1 << k) & must_mask, np.inf, 0.0)  # nobody placed: only if nobody must be
    # over the members of s (the rest unplaced), ``split`` charged per block: exactly one, or two and more
    one, more = np.full(1 << k, np.inf), np.full(1 << k, np.inf)
    for s in range(1, 1 << k):
        low = s & -s  # the lowest member: unplaced, or in the block b, with the rest of s left
        free = not must_mask & low
        best_one, best_more = (one[s ^ low], more[s ^ low]) if free else (np.inf, np.inf)
        rest = s ^ low
        sub = rest
        while True:
            b = sub | low
            left = s ^ b
            best_one = min(best_one, block[b] + split + none[left])
            best_more = min(best_more, block[b] + split + min(one[left], more[left]))
            if sub == 0:
                break
            sub = (sub - 1) & rest
        one[s], more[s] = best_one, best_more
    full = (1 << k) - 1
    return float(min(none[full], one[full] - split, more[full] - split + apart))


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def _joined(parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chunks of (child positions, home positions, km) as one of each."""
    parts = list(parts)
    if not parts:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each key is in ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    at = np.clip(np.searchsorted(sorted_keys, keys), 0, len(sorted_keys) - 1)
    return sorted_keys[at] == keys
