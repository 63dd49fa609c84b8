"""Candidate pairs: every (child, home) the contract allows, with its distance and cost terms.

This is where the data layer does the joins so that solvers only iterate over one tidy table.
Nothing loops over all child × home pairs: a KD-tree on unit-sphere points finds the homes within
each child's ``max_distance_km`` (the chord radius is widened by 1% so the sphere never hides a
pair the WGS84 ellipsoid allows), exact geodesics are computed only for those, ``travel.csv`` pairs
are added or overridden, and the pairwise rules are numpy masks over the survivors.

Each pairwise rule of the contract is one entry of :data:`PAIR_RULES`, so explanations can ask
"which rule excluded this home?" with the very same code that built the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from rcc.data.geo import geodesic_km, to_unit_vectors
from rcc.model import FAMILIES, SETTING_FAMILY, Child, Instance, Weights

_EARTH_MIN_RADIUS_KM = 6356.752
_RADIUS_MARGIN = 1.01
ANY_SEX = 0  # the code of a home's sex "any" in Arrays.codes (it is factorized first)


@dataclass(frozen=True)
class Arrays:
    """Column arrays of an instance's children and homes, built once per instance."""

    instance: Instance

    @cached_property
    def children(self) -> dict[str, np.ndarray]:
        kids = self.instance.children
        return {
            "lat": np.array([c.lat for c in kids], float),
            "lon": np.array([c.lon for c in kids], float),
            "age": np.array([c.age for c in kids], int),
            "sex": np.array([c.sex for c in kids], object),
            "need": np.array([c.need_level for c in kids], int),
            "needs": self._masks([c.needs for c in kids]),
            "max_km": np.array([c.max_distance_km for c in kids], float),
            "child_id": np.array([c.child_id for c in kids], object),
            "group": np.array([c.sibling_group or "" for c in kids], object),
            "solo": np.array([c.solo for c in kids], bool),
            "older_only": np.array([c.alongside == "older_only" for c in kids], bool),
            "younger_only": np.array([c.alongside == "younger_only" for c in kids], bool),
            # suitability per setting family (columns in the order of FAMILIES)
            "unsuitable": self._suitability(kids, lambda value: value == "unsuitable"),
            "not_preferred": self._suitability(kids, lambda value: value == "suitable")
            & np.array([c.prefers_a_family for c in kids], bool)[:, None],
        }

    @staticmethod
    def _suitability(kids, test) -> np.ndarray:
        return np.array([[test(getattr(c, f"suitability_{f}")) for f in FAMILIES] for c in kids], bool
                        ).reshape(len(kids), len(FAMILIES))

    @cached_property
    def homes(self) -> dict[str, np.ndarray]:
        homes = self.instance.homes
        return {
            "lat": np.array([h.lat for h in homes], float),
            "lon": np.array([h.lon for h in homes], float),
            "vacancies": np.array([h.vacancies for h in homes], int),
            "min_age": np.array([h.min_age for h in homes], int),
            "max_age": np.array([h.max_age for h in homes], int),
            "sex": np.array([h.sex for h in homes], object),
            "max_need": np.array([h.max_need_level for h in homes], int),
            "specialisms": self._masks([h.specialisms for h in homes]),
            "inadequate": np.array([h.ofsted == "inadequate" for h in homes], bool),
            "weekly_cost": np.array([h.weekly_cost for h in homes], float),
            "family": np.array([FAMILIES.index(SETTING_FAMILY[h.setting]) for h in homes], int),
            "residents": np.array([len(h.resident_ages) for h in homes], int),
            "youngest_resident": np.array([min(h.resident_ages, default=99) for h in homes], int),
            "oldest_resident": np.array([max(h.resident_ages, default=-1) for h in homes], int),
            "reserved_for": np.array([h.reserved_for or "" for h in homes], object),
            "home_id": np.array([h.home_id for h in homes], object),
        }

    @cached_property
    def codes(self) -> dict[str, np.ndarray]:
        """The text columns the rules compare, as integers (equal codes, equal text): the sexes
        (``"any"`` is :data:`ANY_SEX`), and the ids a kinship carer may be reserved for (−1: anyone)."""
        c, h = self.children, self.homes
        sexes, _ = pd.factorize(np.concatenate([["any"], c["sex"], h["sex"]]))
        n = len(c["sex"])
        ids, _ = pd.factorize(np.concatenate([c["child_id"], c["group"], h["reserved_for"]]))
        child_id, group, reserved = ids[:n], ids[n:2 * n], ids[2 * n:]
        return {"child_sex": sexes[1:n + 1], "home_sex": sexes[n + 1:],
                "child_id": child_id, "group": np.where(c["group"] == "", -2, group),
                "reserved_for": np.where(h["reserved_for"] == "", -1, reserved)}

    @cached_property
    def home_tree(self) -> tuple[cKDTree, np.ndarray]:
        """A KD-tree over the unit-sphere points of the homes any child may use, and their positions."""
        h = self.homes
        usable = np.flatnonzero((h["vacancies"] >= 1) & ~h["inadequate"])
        return cKDTree(to_unit_vectors(h["lat"][usable], h["lon"][usable])), usable

    @cached_property
    def unit_points(self) -> np.ndarray:
        """The children's points on the unit sphere."""
        return to_unit_vectors(self.children["lat"], self.children["lon"])

    @cached_property
    def _tag_bits(self) -> dict[str, int]:
        tags = set()
        for child in self.instance.children:
            tags |= child.needs
        return {tag: bit for bit, tag in enumerate(sorted(tags))}

    def _masks(self, tag_sets) -> np.ndarray:
        """Tag sets as bitmasks: int64 for up to 62 distinct needs, Python ints beyond (any number works)."""
        bits = self._tag_bits
        dtype = np.int64 if len(bits) <= 62 else object
        return np.array([sum(1 << bits[t] for t in tags if t in bits) for tags in tag_sets], dtype)


@dataclass(frozen=True)
class PairRule:
    """One pairwise rule of the contract: a vectorised test over child and home index arrays."""

    number: int
    name: str
    explanation: str
    allows: Callable[[Arrays, np.ndarray, np.ndarray], np.ndarray]


def _needs_met(a: Arrays, ci, hi) -> np.ndarray:
    needs, specialisms = a.children["needs"][ci], a.homes["specialisms"][hi]
    return (needs & ~specialisms) == 0 if len(ci) else np.zeros(0, bool)


def _setting_suitable(a: Arrays, ci, hi) -> np.ndarray:
    unsuitable = a.children["unsuitable"]
    if not unsuitable.any():  # the common case: no suitability recorded
        return np.ones(len(ci), bool)
    return ~unsuitable[ci, a.homes["family"][hi]]


def _residents_allow(a: Arrays, ci, hi) -> np.ndarray:
    """Children already living in the home: none for a solo child, and ``alongside`` applies to them."""
    residents = a.homes["residents"][hi] > 0
    if not residents.any():
        return np.ones(len(ci), bool)
    age = a.children["age"][ci]
    return (
        ~(a.children["solo"][ci] & residents)
        & ~(a.children["older_only"][ci] & (a.homes["youngest_resident"][hi] <= age))
        & ~(a.children["younger_only"][ci] & (a.homes["oldest_resident"][hi] >= age))
    )


def _kinship_allows(a: Arrays, ci, hi) -> np.ndarray:
    """A family or friends carer (``reserved_for``) is approved for one child or one sibling group only;
    every other home takes anyone. Compared as codes (:attr:`Arrays.codes`): string comparisons
    took an eighth of a pricing pass at 20,000 children."""
    codes = a.codes
    reserved = codes["reserved_for"][hi]
    open_to_all = reserved < 0
    if open_to_all.all():  # the common case: no kinship carers in the data
        return open_to_all
    return open_to_all | (reserved == codes["child_id"][ci]) | (reserved == codes["group"][ci])


def accepts(child: Child, other_age: int) -> bool:
    """Whether ``child``'s ``alongside`` lets them live with a child aged ``other_age``.

    ``older_only`` means every other child is strictly older, ``younger_only`` strictly younger
    (ages are whole years, so a same-age child is neither: the safe reading for safeguarding).
    ``solo`` is the contract's solo rule, handled with capacity; the rest accept anyone.
    """
    if child.alongside == "older_only":
        return other_age > child.age
    if child.alongside == "younger_only":
        return other_age < child.age
    return True


def may_live_together(a: Child, b: Child) -> bool:
    """The ``alongside`` rule between two children placed in one home, both ways."""
    return accepts(a, b.age) and accepts(b, a.age)


PAIR_RULES: tuple[PairRule, ...] = (
    PairRule(1, "vacancy", "the home has no vacancy", lambda a, ci, hi: a.homes["vacancies"][hi] >= 1),
    PairRule(
        2,
        "age",
        "the child's age is outside the home's age range",
        lambda a, ci, hi: (a.homes["min_age"][hi] <= a.children["age"][ci])
        & (a.children["age"][ci] <= a.homes["max_age"][hi]),
    ),
    PairRule(
        3,
        "sex",
        "the home takes only the other sex",
        lambda a, ci, hi: (a.codes["home_sex"][hi] == ANY_SEX) | (a.codes["home_sex"][hi] == a.codes["child_sex"][ci]),
    ),
    PairRule(
        4,
        "need_level",
        "the child's need level is above what the home can meet",
        lambda a, ci, hi: a.children["need"][ci] <= a.homes["max_need"][hi],
    ),
    PairRule(5, "needs", "the home lacks a specialism the child needs", _needs_met),
    PairRule(6, "ofsted", "the home is rated inadequate", lambda a, ci, hi: ~a.homes["inadequate"][hi]),
    PairRule(8, "suitability", "the child is recorded as unsuitable for the home's setting family",
             _setting_suitable),
    PairRule(9, "residents", "the children already living there are not ones this child may live with",
             _residents_allow),
    PairRule(10, "kinship", "the home is a family or friends carer approved for another child only",
             _kinship_allows),
)
DISTANCE_RULE = PairRule(7, "distance", "the home is beyond the child's maximum distance", lambda a, ci, hi: None)


def _travel_index(instance: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``travel.csv`` as index arrays (child positions, home positions, km)."""
    child_pos = {child.child_id: i for i, child in enumerate(instance.children)}
    home_pos = {home.home_id: j for j, home in enumerate(instance.homes)}
    rows = [(child_pos[c], home_pos[h], km) for (c, h), km in instance.travel.items()]
    table = np.array(rows, float).reshape(-1, 3)
    return table[:, 0].astype(int), table[:, 1].astype(int), table[:, 2]


def pair_distances(instance: Instance, arrays: Arrays, ci: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """km for index pairs: ``travel.csv`` where listed, else the WGS84 geodesic."""
    c, h = arrays.children, arrays.homes
    km = geodesic_km(c["lat"][ci], c["lon"][ci], h["lat"][hi], h["lon"][hi])
    if instance.travel and len(ci):
        tc, th, tkm = _travel_index(instance)
        n_homes = len(instance.homes)
        keys, listed = ci * n_homes + hi, tc * n_homes + th
        order = np.argsort(listed)
        pos = np.clip(np.searchsorted(listed[order], keys), 0, len(listed) - 1)
        hit = listed[order][pos] == keys
        km[hit] = tkm[order][pos[hit]]
    return km


_CHUNK = 2048  # children per tree query at most...
_CHUNK_PAIRS = 250_000  # ...and about this many pairs: memory stays bounded however dense the homes


def _chunk_size(tree: cKDTree, points: np.ndarray, chord: float) -> int:
    """Children per tree query so that a chunk finds about ``_CHUNK_PAIRS`` pairs (from the homes
    within reach of a sample of the children)."""
    sample = points[:: max(1, len(points) // 64)]
    homes_near = tree.query_ball_point(sample, chord, return_length=True).mean() if len(sample) else 0.0
    return int(np.clip(_CHUNK_PAIRS / max(homes_near, 1.0), 16, _CHUNK))


def feasible_of(instance: Instance, arrays: Arrays, ci: np.ndarray, hi: np.ndarray):
    """The pairs among (ci, hi) that pass every rule, with their km (rules first: they are cheaper)."""
    keep = np.ones(len(ci), bool)
    for rule in PAIR_RULES:
        keep &= rule.allows(arrays, ci, hi)
    ci, hi = ci[keep], hi[keep]
    km = pair_distances(instance, arrays, ci, hi)
    within = km <= arrays.children["max_km"][ci]
    return ci[within], hi[within], km[within]


def feasible_within(instance: Instance, arrays: Arrays, children: np.ndarray | None = None,
                    radius_km: np.ndarray | None = None, travel: bool = True,
                    worth: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None):
    """Feasible (ci, hi, km) in chunks: homes within each child's reach, then travel.csv pairs.

    ``children`` (positions; every child by default) and ``radius_km`` (per child, at most its
    ``max_distance_km``; the reach by default) let the pricing search only as far as a child's
    duals allow. Children are taken in chunks of nearby children sharing a radius (sorted along a
    coarse grid), and each chunk's own KD-tree is matched against the homes' tree in one call that
    returns index arrays — no Python object per pair, which is what made whole-England instances
    slow. Homes that no child may use (no vacancy, rated inadequate) never enter the tree.

    ``worth(ci, hi, at_least_km)`` may drop pairs before the rules and geodesics are computed, from
    a lower bound on their distance (the great circle on the polar radius, less the 1% margin).
    """
    c = arrays.children
    children = np.arange(len(c["lat"])) if children is None else np.asarray(children, int)
    reach = c["max_km"][children] if radius_km is None else np.minimum(radius_km, c["max_km"][children])
    tree, usable = arrays.home_tree
    if len(children) and len(usable):
        points = arrays.unit_points
        for radius in np.unique(reach):  # children share few reaches (80 km by default)
            chosen = children[reach == radius]
            chosen = chosen[np.lexsort((c["lon"][chosen], np.floor(c["lat"][chosen] * 2)))]  # half-degree bands
            chord = 2 * np.sin(min(np.pi, radius * _RADIUS_MARGIN / _EARTH_MIN_RADIUS_KM) / 2)
            chunk = _chunk_size(tree, points[chosen], chord)
            for start in range(0, len(chosen), chunk):
                part = chosen[start:start + chunk]
                near = cKDTree(points[part]).sparse_distance_matrix(tree, chord, output_type="ndarray")
                ci, hi = part[near["i"]], usable[near["j"]]
                if worth is not None:
                    at_least = 2 * np.arcsin(np.minimum(1.0, near["v"] / 2)) * _EARTH_MIN_RADIUS_KM / _RADIUS_MARGIN
                    keep = worth(ci, hi, at_least)
                    ci, hi = ci[keep], hi[keep]
                yield feasible_of(instance, arrays, ci, hi)
    if travel and instance.travel:  # a listed pair counts at its listed km, however far the geodesic
        tc, th, _ = _travel_index(instance)
        mine = np.isin(tc, children)
        yield feasible_of(instance, arrays, tc[mine], th[mine])


def pair_table(instance: Instance, weights: Weights, arrays: Arrays, ci: np.ndarray, hi: np.ndarray,
               km: np.ndarray) -> pd.DataFrame:
    """Index pairs as the pairs table every solver reads (columns: see :func:`candidate_pairs`)."""
    cost = arrays.homes["weekly_cost"][hi]
    not_preferred = arrays.children["not_preferred"]
    not_preferred = not_preferred[ci, arrays.homes["family"][hi]] if not_preferred.any() else np.zeros(len(ci), bool)
    return pd.DataFrame(
        {
            "child": ci,
            "home": hi,
            "child_id": arrays.children["child_id"][ci] if len(ci) else [],
            "home_id": arrays.homes["home_id"][hi] if len(hi) else [],
            "km": km,
            "weekly_cost": cost,
            "cost_term": weights.cost * cost,
            "km_term": weights.km * km,
            "not_preferred": not_preferred,
            "pref_term": np.where(not_preferred, weights.not_preferred, 0.0),
        }
    )


def first_per_child(children: np.ndarray, cost: np.ndarray, k: int) -> np.ndarray:
    """Positions of each child's ``k`` rows of least ``cost`` (``children``: the rows' child column)."""
    if not len(children):
        return np.zeros(0, int)
    order = np.lexsort((cost, children))
    starts = np.searchsorted(children[order], children[order], side="left")
    return order[np.arange(len(order)) - starts < k]


def pair_keys(instance: Instance, ci: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One integer per (child, home) position pair, ordered by child then home."""
    return np.asarray(ci).astype(np.int64) * max(1, len(instance.homes)) + np.asarray(hi)


def unique_sorted(instance: Instance, ci: np.ndarray, hi: np.ndarray, km: np.ndarray):
    """(ci, hi, km) with each pair once, sorted by child then home (a travel.csv pair may also have
    been found by the tree)."""
    _, first = np.unique(pair_keys(instance, ci, hi), return_index=True)
    return ci[first], hi[first], km[first]


def candidate_pairs(instance: Instance, weights: Weights | None = None) -> pd.DataFrame:
    """The feasible pairs as one table, sorted by child then home.

    Columns: ``child`` and ``home`` (positions in the instance), ``child_id``, ``home_id``, ``km``,
    ``weekly_cost`` (the spot price), ``cost_term`` (weighted price, charged unless the bed is
    block-booked), ``km_term`` (weighted distance), ``not_preferred`` (the child is merely suitable
    for the home's setting family while preferring another) and ``pref_term`` (``w_not_preferred``
    there, else 0). Instances too large to hold every pair are priced instead
    (:mod:`rcc.solver.pricing`).
    """
    weights = weights or Weights()
    arrays = Arrays(instance)
    parts = list(feasible_within(instance, arrays))
    ci = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, int)
    hi = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, int)
    km = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    return pair_table(instance, weights, arrays, *unique_sorted(instance, ci, hi, km))


def separated_rows(instance: Instance, pairs: pd.DataFrame) -> np.ndarray:
    """Positions of rows of ``pairs`` that may not both be chosen: a separated pair in the same home.

    An array of (row, row), smaller first, each once, so both exact models add the same
    at-most-one constraints.
    """
    if not instance.separations:
        return np.zeros((0, 2), np.int64)
    children, homes = pairs["child"].to_numpy(), pairs["home"].to_numpy()
    row_of = {(int(c), int(h)): r for r, (c, h) in enumerate(zip(children, homes, strict=True))}
    position = {c.child_id: i for i, c in enumerate(instance.children)}
    by_child = pairs.groupby("child").indices
    conflicts: set[tuple[int, int]] = set()
    for a, b in instance.separations:
        for r in by_child.get(position[a], ()):
            s = row_of.get((position[b], int(homes[r])))
            if s is not None:
                conflicts.add((min(r, s), max(r, s)))
    return np.array(sorted(conflicts), np.int64).reshape(-1, 2)


@dataclass(frozen=True)
class AgeWindow:
    """If pair ``row`` is chosen, ``home`` holds at most one child aged ``youngest``–``oldest``: the
    child of that row, whose ``alongside`` is ``older_only`` (window 0–own age) or ``younger_only``
    (own age–oldest candidate)."""

    row: int
    home: int
    youngest: int
    oldest: int


PAIRWISE_LIMIT = 2_000  # exclusions per home beyond which its age windows are counted, not paired


@dataclass(frozen=True)
class AlongsideRules:
    """The ``alongside`` rule for both exact models, in two forms chosen home by home.

    ``pairs`` are (row, row) that may not both be chosen: tight in the LP, and what proved the
    optimum of a 200-child region with one child in five choosy in 6 s (windows alone: 0.4% gap
    after 30 s). But pairs grow with the square of a home's candidates — 4.4 million at 1,000
    children — so a home with more than ``PAIRWISE_LIMIT`` of them gets ``windows`` instead,
    counted through running totals by age (``age_totals``).
    """

    pairs: np.ndarray
    windows: dict[int, list[AgeWindow]]


def alongside_rules(instance: Instance, pairs: pd.DataFrame) -> AlongsideRules:
    """Each choosy child's age window in each home it could go to, as pairs or as counted windows.

    Windows no other candidate of the home falls in, or in a home with one vacancy, are left out:
    nothing could break them.
    """
    kids = instance.children
    choosy = np.array([c.alongside in ("older_only", "younger_only") for c in kids], bool)
    excluded: list[tuple[int, int]] = []
    counted: dict[int, list[AgeWindow]] = {}
    if not choosy.any():
        return AlongsideRules(np.zeros((0, 2), np.int64), counted)
    children = pairs["child"].to_numpy()
    ages = np.array([c.age for c in kids], int)[children]
    for home, rows in pairs.groupby("home").indices.items():
        if instance.homes[home].vacancies < 2 or not choosy[children[rows]].any():
            continue
        windows, others = [], []
        for r in rows[choosy[children[rows]]]:
            child = kids[children[r]]
            youngest, oldest = (0, child.age) if child.alongside == "older_only" else (child.age, int(ages[rows].max()))
            inside = rows[(ages[rows] >= youngest) & (ages[rows] <= oldest) & (rows != r)]
            if len(inside):
                windows.append(AgeWindow(int(r), int(home), youngest, oldest))
                others.append(inside)
        if sum(len(o) for o in others) <= PAIRWISE_LIMIT:
            excluded.extend((min(w.row, int(o)), max(w.row, int(o))) for w, inside in zip(windows, others, strict=True)
                            for o in inside)
        else:
            counted[int(home)] = windows
    return AlongsideRules(np.array(sorted(set(excluded)), np.int64).reshape(-1, 2), counted)


def age_totals(rows: np.ndarray, ages: np.ndarray, windows: list[AgeWindow]) -> list[tuple[int, np.ndarray]]:
    """The running totals one home's windows need, given its candidate ``rows`` and their children's
    ``ages``: (age, rows aged above the previous cut and up to ``age``), by increasing age. A window
    counts total(oldest) − total(youngest − 1)."""
    cuts = sorted({w.oldest for w in windows} | {w.youngest - 1 for w in windows if w.youngest > 0})
    steps, below = [], -1
    for age in cuts:
        steps.append((age, rows[(ages > below) & (ages <= age)]))
        below = age
    return steps


def sibling_rows(instance: Instance, pairs: pd.DataFrame) -> dict[str, dict[int, list[int]]]:
    """For each sibling group: home position → the rows of ``pairs`` placing a member there.

    Both exact models (CP-SAT and the HiGHS baseline) link a group's members through these rows,
    so they share one reading of "which homes could this group use".
    """
    by_child = pairs.groupby("child").indices
    homes = pairs["home"].to_numpy()
    position = {child.child_id: i for i, child in enumerate(instance.children)}
    groups: dict[str, dict[int, list[int]]] = {}
    for group, members in instance.sibling_groups.items():
        by_home: dict[int, list[int]] = {}
        for child_id in members:
            for row in by_child.get(position[child_id], []):
                by_home.setdefault(int(homes[row]), []).append(int(row))
        groups[group] = by_home
    return groups


def excluding_rules(instance: Instance, child_index: int, arrays: Arrays | None = None) -> dict[str, int]:
    """For one child, how many homes each rule excludes (a home may fail several rules).

    Used to explain why a child has no feasible home; it runs the very rules that built the table.
    Pass the instance's ``arrays`` when asking for many children: building them is the slow part.
    """
    arrays = arrays or Arrays(instance)
    hi = np.arange(len(instance.homes))
    ci = np.full(len(hi), child_index)
    counts = {rule.explanation: int((~rule.allows(arrays, ci, hi)).sum()) for rule in PAIR_RULES}
    km = pair_distances(instance, arrays, ci, hi)
    counts[DISTANCE_RULE.explanation] = int((km > arrays.children["max_km"][ci]).sum())
    return {reason: n for reason, n in counts.items() if n}
