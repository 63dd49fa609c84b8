"""Hypothesis strategies: tiny random instances built straight from the model dataclasses.

Children and homes lie in a box around Manchester (lat 53.3–53.6, lon −2.5 to −2.0, so every pair
is within about 50 km and most within a default reach), with random ages, sexes, needs, sibling
groups, solo flags, separations, block-booked beds, ``travel.csv`` overrides, two authorities, and the Placements
Data Standard fields (urgency, setting suitability, ``alongside``, children already living in a home),
each absent most of the time so that the core contract's cases stay common. Ranges are wide
on purpose so that both feasible and infeasible pairs, full homes and unplaced children all occur.
"""

from __future__ import annotations

from hypothesis import strategies as st

from rcc.model import OFSTED_RATINGS, SETTINGS, Child, Home, Instance

LA_CODE = "E08000003"  # Manchester
OTHER_LA = "E08000006"  # Salford: so that some placements are outside the child's own authority
_la = st.sampled_from((LA_CODE, LA_CODE, OTHER_LA))
TAGS = ("self_harm", "going_missing", "disability")
LAT = (53.3, 53.6)
LON = (-2.5, -2.0)

_lat = st.floats(*LAT, allow_nan=False, allow_infinity=False)
_lon = st.floats(*LON, allow_nan=False, allow_infinity=False)
_needs = st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(TAGS), max_size=2))
_specialisms = st.one_of(st.just(frozenset(TAGS)), st.frozensets(st.sampled_from(TAGS)))
AGE_BANDS = ((0, 17), (0, 17), (8, 17), (0, 12), (11, 17), (16, 17))
_suitability = st.sampled_from(("not_specified",) * 4 + ("preferred", "suitable", "unsuitable"))
_residents = st.sampled_from(((),) * 4 + ((9,), (15, 16), (4, 12)))


@st.composite
def homes(draw, home_id: str) -> Home:
    """One home; vacancies 0–3, some inadequate, some dearer than an emergency placement, most usable."""
    vacancies = draw(st.sampled_from((2, 1, 3, 1, 2, 0)))
    min_age, max_age = draw(st.sampled_from(AGE_BANDS))
    return Home(
        home_id=home_id,
        provider="Test Provider",
        setting=draw(st.sampled_from(SETTINGS)),
        la_code=draw(_la),
        lat=draw(_lat),
        lon=draw(_lon),
        vacancies=vacancies,
        min_age=min_age,
        max_age=max_age,
        max_need_level=draw(st.sampled_from((4, 3, 4, 2))),
        weekly_cost=draw(st.sampled_from((900.0, 650.0, 4200.0, 0.0, 7500.0, 16000.0))),
        sex=draw(st.sampled_from(("any", "F", "any", "M"))),
        specialisms=draw(_specialisms),
        ofsted=draw(st.sampled_from(("good", "good", "outstanding", "unrated", *OFSTED_RATINGS))),
        block_booked=draw(st.integers(0, vacancies)),
        resident_ages=draw(_residents),
    )


@st.composite
def children(draw, child_id: str, groups: tuple[str, ...] = ("G1", "G2")) -> Child:
    """One child; about two thirds in a sibling group, a few solo, some with a short reach."""
    solo = draw(st.sampled_from((False,) * 5 + (True,)))
    alongside = ("no_preference",) * 4 + (("solo",) if solo else ("older_only", "younger_only", "with_others", "solo"))
    return Child(
        child_id=child_id,
        la_code=draw(_la),
        lat=draw(_lat),
        lon=draw(_lon),
        age=draw(st.integers(0, 17)),
        sex=draw(st.sampled_from(("F", "M"))),
        need_level=draw(st.integers(1, 4)),
        needs=draw(_needs),
        sibling_group=draw(st.sampled_from((None, *groups))),
        solo=solo,
        max_distance_km=draw(st.sampled_from((80.0, 30.0, 80.0, 15.0))),
        urgency=draw(st.sampled_from((None, None, None, "today", "within_5_days", "later"))),
        suitability_foster=draw(_suitability),
        suitability_residential=draw(_suitability),
        suitability_supported=draw(_suitability),
        alongside=draw(st.sampled_from(alongside)),
    )


@st.composite
def tiny_instances(
    draw,
    max_children: int = 6,
    max_homes: int = 4,
    min_children: int = 1,
    min_homes: int = 1,
    travel: bool = True,
) -> Instance:
    """A random instance with ``min_children``–``max_children`` children and ``min_homes``–``max_homes`` homes."""
    n_children = draw(st.integers(min_children, max_children))
    n_homes = draw(st.integers(min_homes, max_homes))
    kids = tuple(draw(children(f"C{i + 1}")) for i in range(n_children))
    places = tuple(draw(homes(f"H{j + 1}")) for j in range(n_homes))
    ids = [c.child_id for c in kids]
    separations = ()
    if len(ids) >= 2:
        pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
        separations = tuple(draw(st.lists(pairs, max_size=2, unique_by=lambda p: frozenset(p))))
    known = {}
    if travel and kids and places:
        keys = st.tuples(st.sampled_from(ids), st.sampled_from([h.home_id for h in places]))
        known = draw(st.dictionaries(keys, st.floats(0.0, 120.0, allow_nan=False), max_size=3))
    return Instance(children=kids, homes=places, separations=separations, travel=known, name="tiny")
