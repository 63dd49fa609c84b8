"""The status quo: how placements are found today, one referral at a time, nearest home first.

This is the baseline every optimised plan is compared against, so it imitates practice rather
than trying to be clever. Referrals are worked through most urgent and complex first: need level
(highest first), then solo children, then larger sibling groups, then older children, then
``child_id`` so the order is deterministic. Each child goes to the **nearest** suitable home that
still has room; cost is only a tie-break between equally near homes.

- Children with a family or friends carer who may take them go there first, whatever the price
  (:mod:`rcc.solver.kinship`: the law asks for that preference, and practice follows it); their
  brothers and sisters the carer has no room for are then placed like anyone else.
- A sibling group is handled when its first member comes up: the whole group goes to the nearest
  home that can take all of them (every member may go there, enough vacancies remain, nobody in
  the group or already there is separated from them, no solo child involved), "nearest" meaning
  the least total distance. If no home can, the members are placed one by one, at once, in order.
- A solo child needs an empty home and closes it; nobody joins a home holding a solo child.
- Nobody joins a home holding a child they are separated from, or whose age breaks either
  child's ``alongside`` rule (children already living there are screened by the candidate rules).
- A home of the setting family the child prefers is searched before one merely suitable, as a
  social worker would; "nearest" applies within each.
- If nothing suitable is left, or the nearest suitable home would cost more per week than an
  emergency placement (its weighted weekly cost, 0 on a free block-booked bed, above the child's
  unplaced penalty), the child is left unplaced; it is not sent to a farther, cheaper home.
  A group's home is held to the same test, on the group's total cost against its members'
  penalties; if it fails, the members are placed one by one.

The feasibility of each pair and its distance come from :func:`rcc.solver.candidates.candidate_pairs`.
Each child's candidates are sorted once (km, then weekly cost, then home position) and scanned
with numpy masks, so 80,000 children take seconds, not hours.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from rcc.model import Instance, Weights
from rcc.result import Result, Status
from rcc.solver.candidates import candidate_pairs, may_live_together
from rcc.solver.kinship import kinship
from rcc.solver.objective import assignment_measures, assignment_terms, unplaced_penalties

SOLVER_NAME = "greedy"


class _State:
    """Homes as the status quo fills them: occupants, remaining places, and which hold a solo child."""

    def __init__(self, instance: Instance):
        homes = instance.homes
        self.kids = instance.children
        self.choosy = any(c.alongside in ("older_only", "younger_only") for c in instance.children)
        self.remaining = np.array([h.vacancies for h in homes], int)
        self.occupancy = np.zeros(len(homes), int)
        self.solo_held = np.zeros(len(homes), bool)
        self.block_booked = np.array([h.block_booked for h in homes], int)
        self.occupants: list[list[int]] = [[] for _ in homes]
        position = {c.child_id: i for i, c in enumerate(instance.children)}
        self.separated: dict[int, set[int]] = {}
        for a, b in instance.separations:
            if a in position and b in position:
                self.separated.setdefault(position[a], set()).add(position[b])
                self.separated.setdefault(position[b], set()).add(position[a])

    def clashes(self, children: list[int], home: int) -> bool:
        """Whether any of ``children`` must not live with someone already in ``home``."""
        there = self.occupants[home]
        return bool(there) and any(
            self.separated.get(c, set()).intersection(there)
            or (self.choosy and not all(may_live_together(self.kids[c], self.kids[o]) for o in there))
            for c in children
        )

    def charge(self, home: int, cost_term: float, n: int = 1) -> float:
        """The weighted weekly cost of ``n`` more children in ``home``: free block-booked beds first."""
        free = max(0, self.block_booked[home] - self.occupancy[home])
        return cost_term * max(0, n - free)

    def place(self, child: int, home: int, solo: bool) -> None:
        self.occupants[home].append(child)
        self.occupancy[home] += 1
        self.remaining[home] -= 1
        if solo:
            self.solo_held[home] = True


def _referral_order(instance: Instance) -> list[int]:
    """Child positions, most urgent and complex first (deterministic)."""
    sizes = {g: len(ids) for g, ids in instance.sibling_groups.items()}

    def key(i: int):
        c = instance.children[i]
        return (-c.need_level, not c.solo, -sizes.get(c.sibling_group, 1), -c.age, c.child_id)

    return sorted(range(len(instance.children)), key=key)


def _sorted_candidates(pairs: pd.DataFrame, n_children: int):
    """Per-child candidates sorted by km, then weekly cost, then home position; with each child's slice bounds.

    Homes of a preferred setting family come first: a not-preferred home sorts as if it were
    farther than every preferred one.

    A four-key ``lexsort`` of millions of pairs takes seconds, so the common path sorts one float key
    (child position × span + km), which is nearly sorted already, then orders exact km ties by cost and
    home. If the float key is ever too coarse to order two distances, the exact ``lexsort`` is used.
    """
    child = pairs["child"].to_numpy(np.int64)
    home = pairs["home"].to_numpy(np.int64)
    actual_km = pairs["km"].to_numpy(float)
    weekly = pairs["weekly_cost"].to_numpy(float)
    reach = float(actual_km.max()) + 1.0 if len(actual_km) else 1.0
    km = actual_km + np.where(pairs["pref_term"].to_numpy() > 0, reach, 0.0)
    span = 2 * reach
    order = np.argsort(child * span + km, kind="stable")
    c, k = child[order], km[order]
    same_child = c[1:] == c[:-1]
    if np.any(c[1:] < c[:-1]) or np.any(same_child & (k[1:] < k[:-1])):
        order = np.lexsort((home, weekly, km, child))
    else:
        tie = same_child & (k[1:] == k[:-1])
        if tie.any():
            run = np.cumsum(np.r_[True, ~tie]) - 1
            idx = np.flatnonzero(np.bincount(run)[run] > 1)
            tied = order[idx]
            order[idx] = tied[np.lexsort((home[tied], weekly[tied], run[idx]))]
    cost_term = pairs["cost_term"].to_numpy(float)
    child = child[order]
    bounds = np.searchsorted(child, np.arange(n_children + 1))
    return home[order], actual_km[order], cost_term[order], bounds


def solve_greedy(instance: Instance, weights: Weights = Weights(), pairs: pd.DataFrame | None = None) -> Result:
    """Place children the way it is done today; see the module docstring. Always ``FEASIBLE``.

    ``pairs`` is the candidate-pairs table of ``instance`` and ``weights`` if already built.
    """
    start = time.perf_counter()
    if pairs is None:
        pairs = candidate_pairs(instance, weights)
    kids = instance.children
    home_of, km_of, cost_of, bounds = _sorted_candidates(pairs, len(kids))
    penalty = unplaced_penalties(instance, weights)
    state = _State(instance)
    chosen: dict[int, tuple[int, float]] = {}  # child position → (home position, km)
    done = np.zeros(len(kids), bool)
    position = {c.child_id: i for i, c in enumerate(kids)}
    members = {g: [position[c] for c in ids] for g, ids in instance.sibling_groups.items()}
    order = _referral_order(instance)
    rank = {child: r for r, child in enumerate(order)}

    def place_one(i: int) -> None:
        lo, hi = bounds[i], bounds[i + 1]
        homes = home_of[lo:hi]
        ok = (state.remaining[homes] > 0) & ~state.solo_held[homes]
        if kids[i].solo:
            ok &= state.occupancy[homes] == 0
        for k in np.flatnonzero(ok):
            h = int(homes[k])
            if state.clashes([i], h):
                continue
            if state.charge(h, cost_of[lo + k]) <= penalty[i]:
                state.place(i, h, kids[i].solo)
                chosen[i] = (h, float(km_of[lo + k]))
            return  # the nearest suitable home, or unplaced if even that is dearer than an emergency placement

    def place_together(group: list[int]) -> bool:
        if any(kids[i].solo for i in group):
            return False
        if any(state.separated.get(i, set()).intersection(group) for i in group):
            return False
        if not all(may_live_together(kids[i], kids[j]) for i in group for j in group if i < j):
            return False
        slices = [slice(bounds[i], bounds[i + 1]) for i in group]
        homes, inverse, counts = np.unique(
            np.concatenate([home_of[s] for s in slices]), return_inverse=True, return_counts=True
        )
        total_km = np.bincount(inverse, weights=np.concatenate([km_of[s] for s in slices]), minlength=len(homes))
        cost = np.zeros(len(homes))
        cost[inverse] = np.concatenate([cost_of[s] for s in slices])
        fits = (counts == len(group)) & (state.remaining[homes] >= len(group)) & ~state.solo_held[homes]
        for k in np.flatnonzero(fits)[np.lexsort((homes[fits], cost[fits], total_km[fits]))]:
            h = int(homes[k])
            if state.clashes(group, h):
                continue
            if state.charge(h, cost[k], len(group)) > penalty[group].sum():
                return False  # the nearest home for them all is dearer than emergency placements
            for i, s in zip(group, slices, strict=True):
                state.place(i, h, False)
                chosen[i] = (h, float(km_of[s][home_of[s] == h][0]))
            return True
        return False

    home_position = {h.home_id: j for j, h in enumerate(instance.homes)}
    for child_id, home_id in kinship(instance, pairs).pins.items():
        i, h = position[child_id], home_position[home_id]
        s = slice(bounds[i], bounds[i + 1])
        state.place(i, h, kids[i].solo)
        chosen[i] = (h, float(km_of[s][home_of[s] == h][0]))
        done[i] = True

    for i in order:
        if done[i]:
            continue
        group = members.get(kids[i].sibling_group) if kids[i].sibling_group else None
        if group:
            group = sorted((j for j in group if not done[j]), key=rank.__getitem__)  # not those with kin
            done[group] = True
            if len(group) < 2 or not place_together(group):
                for j in group:
                    place_one(j)
        else:
            done[i] = True
            place_one(i)

    assignment = {c.child_id: None for c in kids}
    for i, (h, _) in chosen.items():
        assignment[kids[i].child_id] = instance.homes[h].home_id
    terms = assignment_terms(instance, weights, pairs, assignment)
    return Result(
        status=Status.FEASIBLE,
        solver=SOLVER_NAME,
        assignment=assignment,
        objective=sum(terms.values()),
        bound=None,
        terms=terms,
        runtime_s=time.perf_counter() - start,
        message="status quo: each referral in turn to the nearest suitable home",
        measures=assignment_measures(instance, weights, pairs, assignment),
        found_by="status quo (greedy)",
    )

