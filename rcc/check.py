"""The independent checker: every hard rule and the objective, recomputed from an assignment.

Why it is independent: a solver and the code that builds its model can share a misreading of the
contract, and then every test comparing the two passes. This module is written again, straight
from ``CONTRACT.md``, and imports nothing from ``rcc.solver`` or ``rcc.data`` (no candidate-pairs
table, no vectorised geodesic, no KD-tree): only the frozen model, the result type, the standard
library and geopy. It loops naively over children and homes, takes each distance from
``travel.csv`` or from geopy's ``geodesic`` itself, and recomputes the objective terms from
scratch. It is deliberately plain rather than fast (geopy costs ~0.2 ms per placed child, so
80,000 placed children take some seconds; identical coordinate pairs are measured once).

Every solver result that is shown or written goes through :func:`verify`, which raises
:class:`CheckFailed` loudly rather than let a wrong plan reach a commissioner.

Conventions the contract leaves to the checker:

- A child of the instance missing from the assignment, or assigned to an unknown home, is a
  violation *and* is counted as unplaced in the objective (it has no home).
- ``charged`` gives the weekly cost each placed child is charged (unweighted GBP). A home's
  block-booked beds go, free, to the children placed there in the order of ``instance.children``;
  the rest pay the home's ``weekly_cost``. Only the total per home matters to the objective.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from geopy.distance import geodesic

from rcc.model import Child, Home, Instance, Weights
from rcc.result import TERMS, Result

ABS_TOLERANCE = 1.0  # GBP per week
REL_TOLERANCE = 1e-3  # 0.1%

# The contract's setting families, written out again here rather than imported.
_FAMILY = {"foster": "foster", "childrens_home": "residential", "residential_school": "residential",
           "secure": "residential", "semi_independent": "supported"}
_URGENCY_WEIGHT = {"today": "urgency_today", "within_5_days": "urgency_within_5_days", "later": "urgency_later"}


class CheckFailed(AssertionError):
    """A solver result broke a hard rule or misreported its objective."""


@dataclass(frozen=True)
class Check:
    """What the checker found: rule violations (readable sentences) and the recomputed objective.

    ``siblings_split`` counts sibling groups placed in more than one home; ``splits`` is the number the
    split term charges, Σ over groups of (distinct homes of placed members − 1), so a group in three
    homes counts once in ``siblings_split`` and twice in ``splits``. ``km`` and ``charged`` (unweighted
    GBP/week, 0 on a block-booked bed) are given for placed children only.
    """

    violations: tuple[str, ...]
    terms: dict[str, float]
    objective: float
    placed: int
    unplaced: int
    siblings_split: int
    km: dict[str, float] = field(default_factory=dict)
    charged: dict[str, float] = field(default_factory=dict)
    splits: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


def distance_km(instance: Instance, child: Child, home: Home, _cache: dict | None = None) -> float:
    """The contract's distance: the ``travel.csv`` km if the pair is listed, else geopy's WGS84 geodesic."""
    key = (child.child_id, home.home_id)
    if key in instance.travel:
        return float(instance.travel[key])
    points = ((child.lat, child.lon), (home.lat, home.lon))
    if _cache is not None and points in _cache:
        return _cache[points]
    km = geodesic(*points).km
    if _cache is not None:
        _cache[points] = km
    return km


def _suitability(child: Child, home: Home) -> str:
    family = _FAMILY[home.setting]
    return {"foster": child.suitability_foster, "residential": child.suitability_residential,
            "supported": child.suitability_supported}[family]


def _lives_with(child: Child, other_age: int) -> bool:
    """``child``'s alongside rule about one other child (older/younger means strictly)."""
    if child.alongside == "older_only":
        return other_age > child.age
    if child.alongside == "younger_only":
        return other_age < child.age
    return True


def _is_solo(child: Child) -> bool:
    return child.solo or child.alongside == "solo"


def pair_violations(child: Child, home: Home, km: float) -> list[str]:
    """Rules 1–7 of the contract, and the pairwise Placements Data Standard rules (suitability,
    children already living there), for one placed child, as sentences naming the child and home."""
    where = f"child {child.child_id} is placed in home {home.home_id}"
    found = []
    if home.vacancies < 1:
        found.append(f"{where}, which has no vacancy (rule 1: vacancies >= 1)")
    if not home.min_age <= child.age <= home.max_age:
        found.append(
            f"{where} but is aged {child.age}, outside the home's ages {home.min_age}–{home.max_age} (rule 2: age)"
        )
    if home.sex.lower() != "any" and home.sex.lower() != child.sex.lower():
        found.append(f"{where}, which takes only sex {home.sex}, but the child is {child.sex} (rule 3: sex)")
    if child.need_level > home.max_need_level:
        found.append(
            f"{where} but has need level {child.need_level}, above the home's maximum {home.max_need_level} "
            "(rule 4: need level)"
        )
    missing = sorted(set(child.needs) - set(home.specialisms))
    if missing:
        found.append(f"{where}, which lacks the specialism(s) {', '.join(missing)} the child needs (rule 5: needs)")
    if home.ofsted.lower() == "inadequate":
        found.append(f"{where}, which is rated inadequate by Ofsted (rule 6: ofsted)")
    if not km <= child.max_distance_km:
        found.append(
            f"{where}, {km:.2f} km away, beyond the child's maximum of {child.max_distance_km:g} km (rule 7: distance)"
        )
    if _suitability(child, home) == "unsuitable":
        found.append(f"{where}, a {home.setting} home, but the child is unsuitable for that setting (suitability)")
    if _is_solo(child) and home.resident_ages:
        found.append(f"{where}, where {len(home.resident_ages)} child(ren) already live, but the child is solo "
                     "(resident_ages)")
    against = [age for age in home.resident_ages if not _lives_with(child, age)]
    if against:
        found.append(f"{where}, where children aged {', '.join(map(str, against))} already live, but the child's "
                     f"alongside is {child.alongside} (resident_ages)")
    return found


def check_assignment(instance: Instance, assignment: Mapping[str, str | None], weights: Weights = Weights()) -> Check:
    """Check ``assignment`` (child ID → home ID or ``None``) against every hard rule; recompute the objective."""
    children, homes = instance.child_by_id, instance.home_by_id
    violations: list[str] = []

    for child_id in assignment:
        if child_id not in children:
            violations.append(f"the assignment names child {child_id}, who is not in the instance (unknown child)")
    for child in instance.children:
        if child.child_id not in assignment:
            violations.append(f"child {child.child_id} is missing from the assignment (every child exactly once)")

    # Placed children per home, in the order of instance.children (block-booked beds go in this order).
    occupants: dict[str, list[Child]] = {}
    km: dict[str, float] = {}
    cache: dict = {}
    for child in instance.children:
        home_id = assignment.get(child.child_id)
        if home_id is None:
            continue
        home = homes.get(home_id)
        if home is None:
            violations.append(f"child {child.child_id} is assigned to home {home_id}, which is not in the instance")
            continue
        km[child.child_id] = distance_km(instance, child, home, cache)
        violations.extend(pair_violations(child, home, km[child.child_id]))
        occupants.setdefault(home_id, []).append(child)

    charged: dict[str, float] = {}
    for home_id, there in occupants.items():
        home = homes[home_id]
        ids = ", ".join(c.child_id for c in there)
        if len(there) > home.vacancies:
            violations.append(
                f"home {home_id} holds {len(there)} children ({ids}) but has {home.vacancies} vacancies (capacity)"
            )
        for child in there:
            if _is_solo(child) and len(there) > 1:
                others = ", ".join(c.child_id for c in there if c is not child)
                violations.append(f"solo child {child.child_id} shares home {home_id} with {others} (solo)")
            for other in there:
                if other is not child and not _lives_with(child, other.age):
                    violations.append(f"child {child.child_id} (aged {child.age}, alongside {child.alongside}) shares "
                                      f"home {home_id} with {other.child_id}, aged {other.age} (alongside)")
        for i, child in enumerate(there):
            charged[child.child_id] = 0.0 if i < home.block_booked else float(home.weekly_cost)

    for pair in sorted({tuple(sorted(p)) for p in instance.separations}):
        a, b = pair
        home_a, home_b = assignment.get(a), assignment.get(b)
        if home_a is not None and home_a == home_b and home_a in occupants:
            violations.append(f"separated children {a} and {b} are both placed in home {home_a} (separation)")

    groups: dict[str, set[str]] = {}
    for child in instance.children:
        if child.sibling_group:
            used = groups.setdefault(child.sibling_group, set())
            if child.child_id in km:
                used.add(assignment[child.child_id])
    split = sum(max(0, len(used) - 1) for used in groups.values())
    split_groups = sum(len(used) > 1 for used in groups.values())

    placed = len(km)
    unplaced = len(instance.children) - placed
    unplaced_penalty = 0.0
    not_preferred = 0
    for child in instance.children:
        if child.child_id not in km:
            factor = 1.0 if child.urgency is None else getattr(weights, _URGENCY_WEIGHT[child.urgency])
            unplaced_penalty += weights.unplaced * factor
        else:
            preferred = "preferred" in (child.suitability_foster, child.suitability_residential,
                                        child.suitability_supported)
            home = homes[assignment[child.child_id]]
            not_preferred += preferred and _suitability(child, home) == "suitable"
    terms = {
        "cost": weights.cost * sum(charged.values()),
        "km": weights.km * sum(km.values()),
        "unplaced": unplaced_penalty,
        "split": weights.split * split,
        "not_preferred": weights.not_preferred * not_preferred,
    }
    return Check(
        violations=tuple(violations),
        terms=terms,
        objective=sum(terms.values()),
        placed=placed,
        unplaced=unplaced,
        siblings_split=split_groups,
        km=km,
        charged=charged,
        splits=split,
    )


def _differs(reported: float, recomputed: float) -> bool:
    return not abs(reported - recomputed) <= max(ABS_TOLERANCE, REL_TOLERANCE * abs(recomputed))


def verify(result: Result, instance: Instance, weights: Weights = Weights()) -> Check:
    """Check a solver result; raise :class:`CheckFailed` on any violation or misreported objective or term.

    The objective and each of its terms must match the recomputation within max(£1, 0.1%). A
    result without an objective (infeasible, error) has only its assignment checked.
    """
    check = check_assignment(instance, result.assignment, weights)
    problems = list(check.violations)
    if result.objective is not None:
        if _differs(result.objective, check.objective):
            problems.append(
                f"reported objective {result.objective:,.2f} differs from the recomputed {check.objective:,.2f}"
            )
        for term in TERMS:
            if term not in result.terms:
                problems.append(f"the result does not report the {term} term")
            elif _differs(result.terms[term], check.terms[term]):
                problems.append(
                    f"reported {term} term {result.terms[term]:,.2f} differs from the recomputed "
                    f"{check.terms[term]:,.2f}"
                )
        for term in result.terms:
            if term not in TERMS:
                problems.append(f"the result reports an unknown term {term!r}")
    if problems:
        head = f"{result.solver} result failed the independent check ({len(problems)} problem(s)):"
        raise CheckFailed("\n  ".join([head, *problems]))
    return check
