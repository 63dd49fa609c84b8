"""Family and friends (kinship) carers: each child goes to the carer approved for them, unless a rule forbids it.

A home with ``reserved_for`` is a relative or friend assessed and approved as a foster carer for one
child or one sibling group (contract rule 10 keeps everyone else out). The law asks an authority to
prefer such a placement to any other (Children Act 1989 s.22C(7)–(8)), so rcc does not weigh it
against the market: a child whose carer may take them is **pinned** there, in every plan and in the
status quo alike. Pins are how the rest of rcc already fixes a match, so every solver, measure,
guard and check treats a kinship placement like any other placement — it still counts in spend,
distance and every KPI — while the optimiser chooses only for the children left.

The pins of one home are the largest set of its approved children that may live there together:
every pair is feasible (the candidate-pairs table, so rules 1–10 and distance), there is room for
all of them, nobody in it is solo unless alone, no two are separated, and their ages keep each
other's ``alongside``. Siblings are kept together first: the whole group when it fits, else as many
as the carer has room for, in the order of ``children.csv``. A child pinned elsewhere by hand keeps
that pin (and the room it takes). Homes are visited in ``homes.csv`` order, and a child approved for
two carers goes to the first. A child whose carer cannot take them is matched like anyone else, and
:attr:`Kinship.blocked` says why, for the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd

from rcc.model import Child, Home, Instance
from rcc.solver.candidates import DISTANCE_RULE, PAIR_RULES, Arrays, may_live_together, pair_distances


@dataclass(frozen=True)
class Kinship:
    """Who goes to their kinship carer (``pins``: child_id → home_id), and, for an approved child who
    cannot, the carer and the reason (``blocked``: child_id → (home_id, reason))."""

    pins: dict[str, str] = field(default_factory=dict)
    blocked: dict[str, tuple[str, str]] = field(default_factory=dict)


def approved_children(instance: Instance) -> dict[str, list[Child]]:
    """Each name a carer may be approved for (a ``child_id``, a ``sibling_group``) → its children, in
    ``children.csv`` order: built once, so a region with thousands of carers is not scanned per carer."""
    named: dict[str, list[Child]] = {}
    for child in instance.children:
        named.setdefault(child.child_id, []).append(child)
        if child.sibling_group and child.sibling_group != child.child_id:
            named.setdefault(child.sibling_group, []).append(child)
    return named


def kinship(instance: Instance, pairs: pd.DataFrame, pins: Mapping[str, str | None] | None = None) -> Kinship:
    """The kinship pins of ``instance`` given its candidate ``pairs`` and any ``pins`` set by hand (which
    win); see the module docstring."""
    pins = dict(pins or {})
    if not any(h.reserved_for for h in instance.homes):
        return Kinship()
    carers = pairs["home_id"].isin({h.home_id for h in instance.homes if h.reserved_for is not None})
    feasible = set(zip(pairs.loc[carers, "child_id"], pairs.loc[carers, "home_id"], strict=True))
    separated = {frozenset(p) for p in instance.separations}
    found = Kinship()
    why_not = _RuleReasons(instance)
    named = approved_children(instance)
    for home in instance.homes:
        if home.reserved_for is None:
            continue
        approved = [c for c in named.get(home.reserved_for, []) if c.child_id not in pins
                    and c.child_id not in found.pins]
        if not approved:
            continue
        there = [instance.child_by_id[c] for c, h in pins.items() if h == home.home_id]
        room = home.vacancies - len(there)
        eligible = [c for c in approved if (c.child_id, home.home_id) in feasible]
        chosen = _largest_household(eligible, there, room, separated)
        for child in chosen:
            found.pins[child.child_id] = home.home_id
            found.blocked.pop(child.child_id, None)  # an earlier carer could not take them; this one can
        for child in approved:
            if child not in chosen:
                why = (_room_reason(child, chosen, there, room, separated) if child in eligible
                       else why_not(child, home))
                found.blocked[child.child_id] = (home.home_id, why)
    return found


def with_kinship(instance: Instance, pairs: pd.DataFrame, pins: Mapping[str, str | None] | None = None
                 ) -> dict[str, str | None]:
    """``pins`` with every kinship pin added (a pin set by hand wins for its child)."""
    return {**kinship(instance, pairs, pins).pins, **dict(pins or {})}


def _fits(group: tuple[Child, ...], there: list[Child], separated: set[frozenset[str]]) -> bool:
    """Whether ``group`` may live together, and with the children already pinned there."""
    everyone = [*group, *there]
    if len(everyone) > 1 and any(c.solo or c.alongside == "solo" for c in everyone):
        return False
    return all(frozenset((a.child_id, b.child_id)) not in separated and may_live_together(a, b)
               for a, b in combinations(everyone, 2))


def _largest_household(eligible: list[Child], there: list[Child], room: int,
                       separated: set[frozenset[str]]) -> tuple[Child, ...]:
    """The most ``eligible`` children (at most ``room``) who may live together there; the first such set
    in ``children.csv`` order. Approved children are one child or a sibling group, so this is tiny."""
    for size in range(min(room, len(eligible)), 0, -1):
        for group in combinations(eligible, size):
            if _fits(group, there, separated):
                return group
    return ()


def _room_reason(child: Child, chosen: tuple[Child, ...], there: list[Child], room: int,
                 separated: set[frozenset[str]]) -> str:
    """Why a child the carer may take is not pinned there: room, solo, a separation or ``alongside``."""
    others = [*chosen, *there]
    if child.solo or child.alongside == "solo":
        return "the child must live alone and the carer takes their brothers or sisters"
    if any(c.solo or c.alongside == "solo" for c in others):
        return "a brother or sister placed there must live alone"
    apart = [c.child_id for c in others if frozenset((c.child_id, child.child_id)) in separated]
    if apart:
        return f"they must live apart from {apart[0]}, who is placed there"
    if any(not may_live_together(child, c) for c in others):
        return "their ages break a rule about who they may live with (alongside)"
    return f"the carer has room for {max(room, 0)} child(ren) only"


class _RuleReasons:
    """The contract rules a pair breaks, in words: the very rules that built the candidate pairs (the
    instance's arrays are built once, and only if some approved child's pair is infeasible)."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.child_position = {c.child_id: i for i, c in enumerate(instance.children)}
        self.home_position = {h.home_id: j for j, h in enumerate(instance.homes)}

    @cached_property
    def arrays(self) -> Arrays:
        return Arrays(self.instance)

    def __call__(self, child: Child, home: Home) -> str:
        ci = np.array([self.child_position[child.child_id]])
        hi = np.array([self.home_position[home.home_id]])
        broken = [rule.explanation for rule in PAIR_RULES if not rule.allows(self.arrays, ci, hi)[0]]
        if pair_distances(self.instance, self.arrays, ci, hi)[0] > child.max_distance_km:
            broken.append(DISTANCE_RULE.explanation)
        return "; ".join(broken) or "the pair is not among the candidate pairs searched"
