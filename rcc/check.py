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
- The contract's **measures** (v1.1 priorities) are recomputed here too, from the assignment alone,
  and a result that reports them must agree exactly on every count (and within max(£1, 0.1%) on
  weekly spend, 1 m per child on km).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from geopy.distance import geodesic

from rcc.model import Child, Home, Instance, Weights
from rcc.result import TERMS, Result

ABS_TOLERANCE = 1.0  # GBP per week
REL_TOLERANCE = 1e-3  # 0.1%
FAR_KM = 20 * 1.609344  # 20 statute miles: the sector's "far from home" line, written out again

# The contract's setting families, written out again here rather than imported.
_FAMILY = {"foster": "foster", "childrens_home": "residential", "residential_school": "residential",
           "secure": "residential", "semi_independent": "supported"}
_URGENCY_WEIGHT = {"today": "urgency_today", "within_5_days": "urgency_within_5_days", "later": "urgency_later"}


class CheckFailed(AssertionError):
    """A solver result broke a hard rule or misreported its objective."""


@dataclass(frozen=True)
class Check:
    """What the checker found: rule violations (readable sentences), the recomputed objective and measures.

    Sibling groups are counted as people see them: a group is *together* when every member is placed
    in one home, *apart* when some member is placed but not all of them are in one home (split over
    homes, or some placed and some not), and neither when none is placed. ``splits`` is what the
    weighted split term charges, Σ over groups of (distinct homes of placed members − 1), so a group
    in three homes is one group apart and two splits. ``km`` and ``charged`` (unweighted GBP/week, 0
    on a block-booked bed) are given for placed children only. ``measures`` are the contract's
    priorities measures.
    """

    violations: tuple[str, ...]
    terms: dict[str, float]
    objective: float
    placed: int
    unplaced: int
    groups_apart: int
    km: dict[str, float] = field(default_factory=dict)
    charged: dict[str, float] = field(default_factory=dict)
    splits: int = 0
    groups_together: int = 0
    sibling_groups: int = 0
    measures: dict[str, float] = field(default_factory=dict)

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
    """Rules 1–7 of the contract, the pairwise Placements Data Standard rules (suitability, children
    already living there) and rule 10 (a kinship carer takes only the child or sibling group it is
    approved for), for one placed child, as sentences naming the child and home."""
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
    if home.reserved_for is not None and home.reserved_for not in (child.child_id, child.sibling_group):
        found.append(f"{where}, a family or friends carer approved only for {home.reserved_for} (rule 10: kinship)")
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

    groups: dict[str, list[Child]] = {}
    for child in instance.children:
        if child.sibling_group:
            groups.setdefault(child.sibling_group, []).append(child)
    split = apart = together = 0
    siblings_apart = 0
    for members in groups.values():
        if len(members) < 2:
            continue
        used = {assignment[c.child_id] for c in members if c.child_id in km}
        some_unplaced = any(c.child_id not in km for c in members)
        split += max(0, len(used) - 1)
        if used:
            siblings_apart += len(used) - 1 + some_unplaced
            apart += len(used) > 1 or some_unplaced
            together += len(used) == 1 and not some_unplaced
    named_groups = sum(len(members) > 1 for members in groups.values())

    placed = len(km)
    unplaced = len(instance.children) - placed
    unplaced_penalty = unplaced_factor = 0.0
    not_preferred = far = outside = 0
    for child in instance.children:
        if child.child_id not in km:
            factor = 1.0 if child.urgency is None else getattr(weights, _URGENCY_WEIGHT[child.urgency])
            unplaced_penalty += weights.unplaced * factor
            unplaced_factor += factor
        else:
            preferred = "preferred" in (child.suitability_foster, child.suitability_residential,
                                        child.suitability_supported)
            home = homes[assignment[child.child_id]]
            not_preferred += preferred and _suitability(child, home) == "suitable"
            far += km[child.child_id] > FAR_KM
            outside += home.la_code != child.la_code
    terms = {
        "cost": weights.cost * sum(charged.values()),
        "km": weights.km * sum(km.values()),
        "unplaced": unplaced_penalty,
        "split": weights.split * split,
        "not_preferred": weights.not_preferred * not_preferred,
    }
    measures = {
        "unplaced": unplaced_factor,
        "siblings_apart": float(siblings_apart),
        "far_from_home": float(far),
        "outside_own_la": float(outside),
        "not_preferred": float(not_preferred),
        "weekly_spend": sum(charged.values()),
        "km": sum(km.values()),
    }
    return Check(
        violations=tuple(violations),
        terms=terms,
        objective=sum(terms.values()),
        placed=placed,
        unplaced=unplaced,
        groups_apart=apart,
        km=km,
        charged=charged,
        splits=split,
        groups_together=together,
        sibling_groups=named_groups,
        measures=measures,
    )


def _differs(reported: float, recomputed: float) -> bool:
    return not abs(reported - recomputed) <= max(ABS_TOLERANCE, REL_TOLERANCE * abs(recomputed))


def _measure_differs(name: str, reported: float, recomputed: float, children: int) -> bool:
    """Counts must agree exactly (urgency factors to a millionth); money as the objective does; km to
    a metre per child."""
    if name == "weekly_spend":
        return _differs(reported, recomputed)
    if name == "km":
        return not abs(reported - recomputed) <= 1e-3 * max(1, children)
    return not abs(reported - recomputed) <= 1e-6


def fairness_shortfall(instance: Instance, assignment: Mapping[str, str | None]) -> float:
    """Percentage points by which the worst-placed authority's share of its children placed falls
    below the region's (0 when none does)."""
    by_la: dict[str, list[bool]] = {}
    for child in instance.children:
        by_la.setdefault(child.la_code, []).append(assignment.get(child.child_id) is not None)
    everyone = [placed for flags in by_la.values() for placed in flags]
    if not everyone:
        return 0.0
    region = 100.0 * sum(everyone) / len(everyone)
    return max(0.0, max(region - 100.0 * sum(flags) / len(flags) for flags in by_la.values()))


def private_spend(instance: Instance, assignment: Mapping[str, str | None], check: Check) -> float:
    """GBP a week charged for children placed with private providers (``charged``: 0 on a block-booked bed)."""
    return sum(check.charged.get(child_id, 0.0) for child_id, home_id in assignment.items()
               if home_id in instance.home_by_id and instance.home_by_id[home_id].sector == "private")


def small_local_placements(instance: Instance, assignment: Mapping[str, str | None],
                           most_homes: int) -> tuple[int, int]:
    """(placements with small local providers, placements): an owner is small and local when it is not a
    council and has at most ``most_homes`` homes in the data, each in an authority some waiting child is from."""
    region = {c.la_code for c in instance.children}
    count: dict[str, int] = {}
    outside_or_council: set[str] = set()
    for home in instance.homes:
        if home.owner is None:
            continue
        count[home.owner] = count.get(home.owner, 0) + 1
        if home.sector == "local_authority" or home.la_code not in region:
            outside_or_council.add(home.owner)
    placed = [instance.home_by_id[h] for h in assignment.values() if h in instance.home_by_id]
    small = sum(1 for home in placed if home.owner is not None and count[home.owner] <= most_homes
                and home.owner not in outside_or_council)
    return small, len(placed)


def _broken_guards(result: Result, instance: Instance, check: Check) -> list[str]:
    """Every guard the result was held to must hold on the recomputed measures."""
    broken = []
    for guard in result.guards:
        if guard.measure == "private_spend":
            value = private_spend(instance, result.assignment, check)
            if value > guard.cap and _differs(value, guard.cap):
                broken.append(f"spend with private providers is £{value:,.2f} a week, above its guard "
                              f"£{guard.cap:,.2f} ({guard.source})")
        elif guard.measure == "small_local":
            small, placed = small_local_placements(instance, result.assignment, guard.small_provider_homes)
            if 100 * small < guard.cap * placed - 1e-9:
                broken.append(f"{small} of {placed} placements are with small local providers, below the guard "
                              f"of {guard.cap:g}% ({guard.source})")
        elif guard.measure == "fairness":
            value = fairness_shortfall(instance, result.assignment)
            if value > guard.cap + 1e-9:
                broken.append(f"an authority's placed share is {value:.2f} points below the region's, beyond the "
                              f"fairness guard of {guard.cap:g}")
        elif check.measures[guard.measure] > guard.cap and _measure_differs(
                guard.measure, check.measures[guard.measure], guard.cap, len(instance.children)):
            broken.append(f"{guard.measure} is {check.measures[guard.measure]:,.2f}, above its guard "
                          f"{guard.cap:,.2f} ({guard.source})")
    return broken


def verify(result: Result, instance: Instance, weights: Weights = Weights()) -> Check:
    """Check a solver result; raise :class:`CheckFailed` on any violation or misreported objective,
    term or measure.

    The objective and each of its terms must match the recomputation within max(£1, 0.1%); each
    measure the result reports must match as :func:`_measure_differs` says. A result without an
    objective (infeasible, error) has only its assignment checked.
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
    if result.has_plan:
        problems += _broken_guards(result, instance, check)
    for name, value in result.measures.items():
        if name not in check.measures:
            problems.append(f"the result reports an unknown measure {name!r}")
        elif _measure_differs(name, value, check.measures[name], len(instance.children)):
            problems.append(f"reported {name} {value:,.3f} differs from the recomputed {check.measures[name]:,.3f}")
    if problems:
        head = f"{result.solver} result failed the independent check ({len(problems)} problem(s)):"
        raise CheckFailed("\n  ".join([head, *problems]))
    return check
