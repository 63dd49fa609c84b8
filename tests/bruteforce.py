"""An exhaustive optimiser for tiny instances: the independent referee of the contract's objective.

It is written straight from ``CONTRACT.md`` and deliberately imports nothing from ``rcc.solver`` or
``rcc.check``, so a hand-computed optimum, a solver and a checker can all be compared against a fourth,
naive reading of the rules. Every child is tried in each of its pairwise-feasible homes and unplaced;
partial assignments that break capacity, ``solo``, a separation or ``alongside`` are cut as soon as they do. Fine for
about 6 children × 4 homes; hopeless beyond that, by design.
"""

from __future__ import annotations

from collections.abc import Iterator

from geopy.distance import geodesic

from rcc.model import Child, Home, Instance, Weights

Assignment = dict[str, str | None]

TIE_TOLERANCE = 1e-6
DEFAULT_WEIGHTS = Weights()  # frozen, so one shared default is safe


def _tags(values) -> frozenset[str]:
    return frozenset(str(v).strip().lower() for v in values if str(v).strip())


def distance_km(instance: Instance, child: Child, home: Home) -> float:
    """The contract's distance: the ``travel.csv`` km when the pair is listed, else the WGS84 geodesic."""
    key = (child.child_id, home.home_id)
    if key in instance.travel:
        return float(instance.travel[key])
    return geodesic((child.lat, child.lon), (home.lat, home.lon)).km


def distance_table(instance: Instance) -> dict[tuple[str, str], float]:
    """Every child–home distance, computed once (geopy is slow enough to matter in the enumeration)."""
    return {(c.child_id, h.home_id): distance_km(instance, c, h) for c in instance.children for h in instance.homes}


FAMILY_OF = {"foster": "foster", "childrens_home": "residential", "residential_school": "residential",
             "secure": "residential", "semi_independent": "supported"}


def suitability(child: Child, home: Home) -> str:
    return getattr(child, "suitability_" + FAMILY_OF[home.setting])


def unplaced_cost(child: Child, weights: Weights) -> float:
    """``w_unplaced`` × the multiplier of the child's urgency (× 1 when it has none)."""
    return weights.unplaced * (1.0 if child.urgency is None else getattr(weights, "urgency_" + child.urgency))


def alone(child: Child) -> bool:
    return child.solo or child.alongside == "solo"


def lives_with(child: Child, age: int) -> bool:
    """The contract's ``alongside`` (older/younger only: strictly older/younger) towards one other child."""
    return {"older_only": age > child.age, "younger_only": age < child.age}.get(child.alongside, True)


def pair_feasible(instance: Instance, child: Child, home: Home) -> bool:
    """Rules 1–7 of the contract, suitability, the children already living there and rule 10 (a kinship
    carer's ``reserved_for``: that child or sibling group only), for one pair."""
    return (
        suitability(child, home) != "unsuitable"
        and not (alone(child) and home.resident_ages)
        and all(lives_with(child, age) for age in home.resident_ages)
        and
        home.vacancies >= 1
        and home.min_age <= child.age <= home.max_age
        and (home.sex.lower() == "any" or home.sex.lower() == child.sex.lower())
        and child.need_level <= home.max_need_level
        and _tags(child.needs) <= _tags(home.specialisms)
        and home.ofsted.lower() != "inadequate"
        and (not home.reserved_for or home.reserved_for in {child.child_id, child.sibling_group})
        and distance_km(instance, child, home) <= child.max_distance_km
    )


def objective(
    instance: Instance,
    assignment: Assignment,
    weights: Weights = DEFAULT_WEIGHTS,
    km_table: dict[tuple[str, str], float] | None = None,
) -> float:
    """The contract's objective, in GBP per week, of a feasible assignment naming every child."""
    homes = instance.home_by_id
    children = instance.child_by_id
    if km_table is None:
        km_table = {}
    placed_in: dict[str, int] = {}
    km = 0.0
    unplaced = 0.0
    not_preferred = 0
    for child_id, home_id in assignment.items():
        child = children[child_id]
        if home_id is None:
            unplaced += unplaced_cost(child, weights)
            continue
        prefers = "preferred" in (child.suitability_foster, child.suitability_residential,
                                  child.suitability_supported)
        not_preferred += prefers and suitability(child, homes[home_id]) == "suitable"
        placed_in[home_id] = placed_in.get(home_id, 0) + 1
        pair = (child_id, home_id)
        if pair not in km_table:
            km_table[pair] = distance_km(instance, children[child_id], homes[home_id])
        km += km_table[pair]
    cost = sum(homes[h].weekly_cost * max(0, n - homes[h].block_booked) for h, n in placed_in.items())
    return (
        weights.cost * cost
        + weights.km * km
        + unplaced
        + weights.split * siblings_split(instance, assignment)
        + weights.not_preferred * not_preferred
    )


def siblings_split(instance: Instance, assignment: Assignment) -> int:
    """Σ over sibling groups of max(0, distinct homes used by the group's placed members − 1)."""
    groups: dict[str, set[str]] = {}
    for child in instance.children:
        if child.sibling_group:
            home_id = assignment.get(child.child_id)
            used = groups.setdefault(child.sibling_group, set())
            if home_id is not None:
                used.add(home_id)
    return sum(max(0, len(used) - 1) for used in groups.values())


def feasible_assignments(instance: Instance) -> Iterator[Assignment]:
    """Every assignment that respects the pairwise rules, capacity, ``solo``, separations and ``alongside``."""
    children = list(instance.children)
    options = [[h for h in instance.homes if pair_feasible(instance, c, h)] for c in children]
    separated: dict[str, set[str]] = {c.child_id: set() for c in children}
    for a, b in instance.separations:
        separated.setdefault(a, set()).add(b)
        separated.setdefault(b, set()).add(a)
    occupants: dict[str, list[Child]] = {h.home_id: [] for h in instance.homes}
    chosen: list[str | None] = [None] * len(children)

    def fits(child: Child, home: Home) -> bool:
        there = occupants[home.home_id]
        if len(there) >= home.vacancies:
            return False
        if there and (alone(child) or any(alone(o) for o in there)):
            return False
        if not all(lives_with(child, o.age) and lives_with(o, child.age) for o in there):
            return False
        return not any(o.child_id in separated[child.child_id] for o in there)

    def extend(i: int) -> Iterator[Assignment]:
        if i == len(children):
            yield {c.child_id: h for c, h in zip(children, chosen, strict=True)}
            return
        child = children[i]
        for home in options[i]:
            if fits(child, home):
                occupants[home.home_id].append(child)
                chosen[i] = home.home_id
                yield from extend(i + 1)
                occupants[home.home_id].pop()
        chosen[i] = None
        yield from extend(i + 1)

    yield from extend(0)


def optimal_assignments(
    instance: Instance, weights: Weights = DEFAULT_WEIGHTS, tolerance: float = TIE_TOLERANCE
) -> tuple[float, list[Assignment]]:
    """The optimal objective and every assignment that attains it (within ``tolerance``)."""
    best = float("inf")
    optima: list[Assignment] = []
    km_table = distance_table(instance)
    for assignment in feasible_assignments(instance):
        value = objective(instance, assignment, weights, km_table)
        if value < best - tolerance:
            best, optima = value, [assignment]
        elif value <= best + tolerance:
            optima.append(assignment)
    return best, optima


def brute_force(instance: Instance, weights: Weights = DEFAULT_WEIGHTS) -> tuple[float, Assignment]:
    """The optimal objective and one optimal assignment (the first in enumeration order)."""
    best, optima = optimal_assignments(instance, weights)
    return best, optima[0]


def groups_split(instance: Instance, assignment: Assignment) -> int:
    """Sibling groups whose placed members live in more than one home."""
    return sum(len({assignment[c] for c in members} - {None}) > 1 for members in instance.sibling_groups.values())


def capped_optimum(instance: Instance, separations: float, groups: float,
                   weights: Weights = DEFAULT_WEIGHTS) -> float:
    """The optimal objective over the plans that spread sibling groups over at most ``separations``
    extra homes and split at most ``groups`` groups (the priced pipeline's cap); inf if none does."""
    table = distance_table(instance)
    return min((objective(instance, a, weights, table) for a in feasible_assignments(instance)
                if siblings_split(instance, a) <= separations and groups_split(instance, a) <= groups),
               default=float("inf"))


def penny_rounding(instance) -> float:
    """How far apart (GBP) two objectives CP-SAT sees as equal can be.

    CP-SAT optimises pence-rounded coefficients, each off by at most half a penny per placed child, so
    two assignments it cannot tell apart differ by at most a penny per child in exact terms.
    """
    return 0.01 * len(instance.children) + 1e-6


# --- the measures of contract v1.1, and their lexicographic optimum ------------------------------

MEASURE_NAMES = ("unplaced", "siblings_apart", "far_from_home", "outside_own_la", "not_preferred", "weekly_spend",
                 "km")
TWENTY_MILES_KM = 32.18688
MEASURE_TIES = {"weekly_spend": 1e-6}  # exact arithmetic here: only float noise is a tie


def measures(instance: Instance, assignment: Assignment, weights: Weights = DEFAULT_WEIGHTS,
             km_table: dict[tuple[str, str], float] | None = None) -> dict[str, float]:
    """Every measure of the contract's priorities, counted from the assignment alone."""
    homes, children = instance.home_by_id, instance.child_by_id
    km_table = km_table if km_table is not None else {}
    placed_in: dict[str, int] = {}
    found = dict.fromkeys(MEASURE_NAMES, 0.0) | {"metres": 0}
    for child_id, home_id in assignment.items():
        child = children[child_id]
        if home_id is None:
            found["unplaced"] += 1.0 if child.urgency is None else getattr(weights, "urgency_" + child.urgency)
            continue
        pair = (child_id, home_id)
        if pair not in km_table:
            km_table[pair] = distance_km(instance, child, homes[home_id])
        found["km"] += km_table[pair]
        found["metres"] += round(1000 * km_table[pair])  # rcc counts distance to the metre, pair by pair
        found["far_from_home"] += km_table[pair] > TWENTY_MILES_KM
        found["outside_own_la"] += homes[home_id].la_code != child.la_code
        prefers = "preferred" in (child.suitability_foster, child.suitability_residential, child.suitability_supported)
        found["not_preferred"] += prefers and suitability(child, homes[home_id]) == "suitable"
        placed_in[home_id] = placed_in.get(home_id, 0) + 1
    found["weekly_spend"] = sum(homes[h].weekly_cost * max(0, n - homes[h].block_booked) for h, n in placed_in.items())
    groups: dict[str, list[str]] = {}
    for child in instance.children:
        if child.sibling_group:
            groups.setdefault(child.sibling_group, []).append(child.child_id)
    for members in groups.values():
        used = {assignment[c] for c in members if assignment[c] is not None}
        if used:
            found["siblings_apart"] += len(used) - 1 + any(assignment[c] is None for c in members)
    return found


def plans(instance: Instance, weights: Weights = DEFAULT_WEIGHTS) -> list[tuple[Assignment, dict[str, float]]]:
    """Every feasible assignment with its measures."""
    km_table = distance_table(instance)
    return [(a, measures(instance, a, weights, km_table)) for a in feasible_assignments(instance)]


def lexicographic(candidates: list[tuple[Assignment, dict[str, float]]], order: tuple[str, ...],
                  allowance=lambda name, best: 0.0) -> tuple[dict[str, float], list]:
    """(each measure's best in its stage, the plans left after the last): minimise each measure in
    ``order`` over the plans the earlier stages left, keeping those within ``allowance`` of its best.
    Distance is compared as rcc counts it, to the metre pair by pair: two plans a few centimetres
    apart are a tie."""
    best: dict[str, float] = {}
    for name in order:
        key = "metres" if name == "km" else name
        least = min(v[key] for _, v in candidates)
        most = least + allowance(name, least) * (1000 if name == "km" else 1) + MEASURE_TIES.get(name, 1e-9)
        candidates = [(a, v) for a, v in candidates if v[key] <= most]
        best[name] = min(v[name] for _, v in candidates)
    return best, candidates


def pareto(candidates: list[tuple[Assignment, dict[str, float]]], x: str, y: str) -> set[tuple[float, float]]:
    """The (x, y) pairs no plan beats on both (as good on both, better on one)."""
    points = {(round(v[x], 6), round(v[y], 6)) for _, v in candidates}
    return {p for p in points if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)}
