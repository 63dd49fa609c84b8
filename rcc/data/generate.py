"""Synthetic, reproducible regional instances calibrated to published figures.

Real placement requests are personal data and never published, so solvers, pages and benchmarks run on
instances that *look like* a region's waiting list and market: children around real local-authority
centroids, homes with realistic settings, approvals and prices, and a supply that is large enough on
paper but badly located and not always suitable, so a good optimiser places most children, not all.
Everything is invented and pseudonymous (``C00001``, ``H00001``, ``G0001``; invented provider names,
any resemblance to a real organisation is coincidental). The same arguments always give the same
instance: one ``numpy.random.default_rng(seed)`` is consumed in a fixed order over sorted LA codes.

Published figures and the choices made from them
------------------------------------------------
Children (demand)
  * 83,630 children looked after (CLA) in England on 31 March 2024; 57% male. DfE, "Children looked
    after in England including adoptions", reporting year 2024 (explore-education-statistics.service.gov.uk).
  * Ages. CLA on 31 March 2022: 1-4 14%, 5-9 18%, 10-15 39%, 16+ 25% (under 1 the rest, ~4%); children
    *starting* care in 2024: 1-4 15%, 5-9 15%, 10-15 26%, 16+ 29% (under 1 ~16%). Same DfE publication.
    A waiting list mixes new entrants and moves, so ages are drawn 8/14/16/35/27% over
    under 1 / 1-4 / 5-9 / 10-15 / 16-17.
  * Sibling groups: about a third of waiting children belong to one, mean size ~2.5 (2-5). A planning
    assumption: there is no national count of sibling groups awaiting placement.
  * Need levels 1-4 (~50/30/15/6%) rise with age; ``needs`` tags come from the contract's vocabulary,
    more and rarer with need and age. ~3% of children must live alone (``solo``); ~1% are in a
    ``separations`` pair (children of one authority, never siblings). Assumptions, not statistics.
  * ``max_distance_km``: the contract default 80 for 80% of children, 60 for 12%, 40 for 8%.
  * Location: authority drawn in proportion to its number of unit postcodes (``n_postcodes``, a
    population proxy), then a postcode district of that authority likewise; the child's point is the
    district centroid scattered ~1 km (so nobody is pinpointed) and ``postcode_district`` is that district.

Places (supply), as shares of vacancies
  * Placement mix, England, 1 Sep 2024 (FOI to 150 LAs, sufficiency.org.uk, "English Local Authority
    Children's Placement Sufficiency"): in-house mainstream foster 27.9%, independent fostering agency
    24.8%, kinship 15.6% (foster 68%, matching DfE 2024), children's homes 11.4%, registered supported
    accommodation 9.8%, placed with parents 6.0%, other 3.3%, unregulated 1%, secure 0.1%.
    rcc places nobody with parents or "other", so the shares are renormalised over its settings:
    foster 75%, children's homes 12%, semi-independent (supported, 16-17 only) 11%, residential schools
    1.5%, secure 0.5% (above the stock share so that an instance holds a few secure beds). 53% of
    foster vacancies are in-house (27.9 : 24.8).
  * Tight by design: total vacancies are ~1.1 x children (a market "sufficient" on paper), but
    children's homes are located by sqrt(postcodes), away from where children live (the CMA study
    found homes clustered where property is cheap), most foster places take levels 1-2 and many are
    approved for young children only, and specialisms cover a child's ``needs`` tags only sometimes.
    :func:`max_placeable` (a max flow that even ignores siblings, solo and separations) places about
    90-95%: a good optimiser places most children, never all.
  * ~1% of homes are rated ``inadequate`` (Ofsted: about four in five children's homes are good or
    outstanding); supported accommodation, registered only since Oct 2023, is mostly ``unrated``.
  * ~10% of children's-home and supported homes are block-booked in full (regional block contracts).

Weekly costs per child (GBP, whole pounds)
  * In-house foster £450-800 (uniform). PSSRU, Unit Costs of Health and Social Care 2017: £646/week
    all-in; DfE answer to PQ 49075: ~£600.
  * Agency foster £800-1,100 (uniform). CMA children's social care market study, interim report 2021:
    ~£820/week average IFA price (2020 data), about £1,000 at 2024 prices (CPI +20%).
  * Children's homes £3,500 + lognormal(median £1,900, sigma 0.8): median ~£5,400, mean ~£6,100, one
    in twenty above £10,500. NAO, "Managing children's residential care" 2024: £318,400/year average
    place (~£6,123/week); CMA interim report: £3,830/week average of the largest private providers (2020).
  * Supported accommodation £800-2,500, residential schools £4,000-9,000, secure £7,000-12,000
    (uniform): assumptions; ``/work/shared/data/SOURCES.md`` section 5 holds no figure for these settings.
  * Council-run children's homes are 16% of homes (NAO 2024: ~84% of places are private); costs do not
    depend on who runs a home or on its need level, so a solver's choice is about fit, place and price.

The provider market (``sector``, ``owner``; drawn on a random stream of its own, so every other column is
what it was before the market was added; shares and sources in ``reference/SOURCES.md`` §8)
  * Council-run homes (in-house foster, council children's homes, secure units) are ``local_authority``
    and owned by their council. Other homes are voluntary by setting (foster agencies 15%, children's homes
    4%, supported 15%, schools 40%), else private.
  * About half of agency foster homes, 30% of independent children's homes, 20% of supported and 30% of
    schools belong to one of five large groups (CMA 2022: the 15 largest providers hold about half of IFA
    places and a quarter to a third of children's home places), the largest well ahead; every other home
    belongs to its provider's company in that authority, which owns one home or a few.

:data:`CALIBRATION` states these targets with tolerances, and :func:`measure` computes the same
statistics from any instance; ``tests/test_generate.py`` checks that they agree.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from rcc.data import geo
from rcc.data.fostering_allowance import fostering_allowance
from rcc.model import OFSTED_RATINGS, Child, Home, Instance


class Target(NamedTuple):
    """A calibration target: the value a generated instance should show, how close, and why."""

    value: float
    tolerance: float
    source: str


CALIBRATION: dict[str, Target] = {
    "foster_share_of_places": Target(0.75, 0.03, "68% foster of CLA, renormalised (sufficiency.org.uk 2024)"),
    "childrens_home_share_of_places": Target(0.12, 0.02, "11.4% children's homes, renormalised"),
    "semi_independent_share_of_places": Target(0.11, 0.02, "9.8% supported + 1% unregulated, renormalised"),
    "supply_ratio": Target(1.10, 0.05, "vacancies per waiting child: sufficient on paper"),
    "male_share": Target(0.57, 0.04, "DfE CLA 2024"),
    "age_10_15_share": Target(0.35, 0.04, "DfE CLA 2022 stock and 2024 starters, blended"),
    "age_16_17_share": Target(0.25, 0.04, "DfE blend 27%, less a little as siblings spread around an age"),
    "sibling_share": Target(0.33, 0.04, "planning assumption: a third of children in sibling groups"),
    "mean_sibling_group_size": Target(2.5, 0.3, "planning assumption"),
    "solo_share": Target(0.03, 0.01, "planning assumption"),
    "separated_share": Target(0.01, 0.005, "planning assumption"),
    "need_3_4_share": Target(0.21, 0.04, "planning assumption: most children need levels 1-2"),
    "inadequate_share_of_homes": Target(0.012, 0.008, "Ofsted: few homes inadequate"),
    "inhouse_foster_median_cost": Target(625, 50, "PSSRU 2017 £646; DfE PQ 49075 ~£600"),
    "agency_foster_median_cost": Target(950, 50, "CMA 2021 £820 (2020 prices)"),
    "childrens_home_mean_cost": Target(6123, 900, "NAO 2024: £318,400/year"),
    "childrens_home_median_cost": Target(5400, 600, "heavy tail: median below the NAO mean"),
    "childrens_home_p95_cost": Target(10500, 2500, "heavy tail: BASW reports some placements above £60,000"),
    "feasible_share": Target(0.97, 0.025, "nearly every child has at least one feasible home ..."),
    "placeable_share": Target(0.93, 0.04, "... but they compete for them: most children can be placed, not all"),
}

# --- children -------------------------------------------------------------------------------------

_AGE_BANDS = ((0, 0), (1, 4), (5, 9), (10, 15), (16, 17))
_AGE_BAND_SHARES = (0.08, 0.14, 0.16, 0.35, 0.27)
_MALE_SHARE = 0.57
# P(need level 1..4 | age band): needs rise with age, most children are 1-2.
_NEED_BY_AGE_BAND = np.array([
    [0.70, 0.22, 0.06, 0.02],
    [0.70, 0.22, 0.06, 0.02],
    [0.55, 0.28, 0.12, 0.05],
    [0.38, 0.32, 0.20, 0.10],
    [0.45, 0.32, 0.16, 0.07],
])
_SIBLING_SHARE = 1 / 3
_SIBLING_SIZES, _SIBLING_SIZE_P = (2, 3, 4, 5), (0.62, 0.25, 0.09, 0.04)  # mean 2.55
_SOLO_SHARE = 0.03
_SEPARATED_SHARE = 0.01
_MAX_KM, _MAX_KM_P = (80.0, 60.0, 40.0), (0.80, 0.12, 0.08)
_CHILD_SCATTER_KM = 1.0

# tag: (youngest age it applies to, prevalence among children, how often a capable home covers it)
_TAGS = {
    "self_harm": (10, 3.0, 1.0),
    "sexual_exploitation": (11, 2.0, 0.8),
    "criminal_exploitation": (11, 2.5, 0.8),
    "substance_use": (12, 1.5, 0.7),
    "eating_disorder": (11, 0.5, 0.3),
    "going_missing": (10, 3.0, 1.0),
    "harm_to_others": (5, 2.5, 0.8),
    "sexual_harm": (8, 0.8, 0.3),
    "fire_setting": (6, 0.4, 0.25),
    "harm_to_animals": (5, 0.3, 0.4),
    "disability": (0, 2.0, 0.5),
    "adapted_home": (0, 0.5, 0.15),
    "bsl": (0, 0.15, 0.08),
    "makaton": (0, 0.4, 0.25),
    "mental_health": (8, 3.0, 0.9),
    "dols": (10, 0.3, 0.2),
}
_TAG_NAMES = tuple(_TAGS)
_TAG_MIN_AGE = np.array([v[0] for v in _TAGS.values()])
_TAG_PREVALENCE = np.array([v[1] for v in _TAGS.values()])
_TAG_COVER = np.array([v[2] for v in _TAGS.values()])
_SCHOOL_TAGS = np.isin(_TAG_NAMES, ("disability", "adapted_home", "bsl", "makaton"))
# P(0..3 needs tags | need level 1..4)
_TAG_COUNT_BY_NEED = np.array([
    [0.90, 0.10, 0.00, 0.00],
    [0.55, 0.33, 0.12, 0.00],
    [0.20, 0.40, 0.30, 0.10],
    [0.05, 0.30, 0.40, 0.25],
])

# --- homes ----------------------------------------------------------------------------------------

_SUPPLY_RATIO = 1.10
_INHOUSE_FOSTER_SHARE = 0.53
_LA_CHILDRENS_HOME_SHARE = 0.16  # NAO 2024: ~84% of children's-home places are private
_BLOCK_BOOKED_SHARE = 0.10
_HOME_SCATTER_KM = 2.0
_SPECIALISM_BY_NEED = np.array([0.10, 0.35, 0.75, 1.0])  # capable homes are the specialist ones


@dataclass(frozen=True)
class _Setting:
    """How one setting's homes are drawn (shares of vacancies; probabilities sum to 1)."""

    share: float
    vacancies: dict[int, float]
    ages: dict[tuple[int, int], float]
    need: tuple[float, float, float, float]  # max_need_level 1..4
    sex_any: float
    ofsted: tuple[float, float, float, float, float]  # in OFSTED_RATINGS order
    specialism: float
    la_power: float  # authority drawn ∝ n_postcodes ** la_power
    district_power: float
    providers: tuple[str, ...]
    block_booked: float = 0.0


_SETTINGS = {
    "foster": _Setting(
        0.75, {1: 0.62, 2: 0.28, 3: 0.10},
        {(0, 4): 0.15, (0, 10): 0.25, (0, 17): 0.25, (5, 17): 0.15, (8, 17): 0.10, (11, 17): 0.10},
        (0.35, 0.50, 0.13, 0.02), 0.97, (0.15, 0.70, 0.12, 0.01, 0.02), 0.25, 1.0, 1.0,
        ("Northway Fostering Ltd", "Brightwater Family Placements", "Kestrelmoor Foster Care Ltd",
         "Meadowlark Fostering", "Harbourside Family Care CIC", "Larkfield Fostering Services"),
    ),
    "childrens_home": _Setting(
        0.12, {1: 0.50, 2: 0.30, 3: 0.15, 4: 0.05},
        {(5, 17): 0.05, (8, 17): 0.25, (10, 17): 0.35, (12, 17): 0.30, (13, 17): 0.05},
        (0.0, 0.15, 0.45, 0.40), 0.85, (0.20, 0.60, 0.15, 0.02, 0.03), 0.5, 0.5, 0.5,
        ("Northway Care Ltd", "Oakridge Children's Services", "Pennine View Care Ltd", "Greystone Care Group",
         "Willowmere Homes Ltd", "Summitfield Childcare Ltd", "Riverbend Residential Ltd"),
        _BLOCK_BOOKED_SHARE,
    ),
    "semi_independent": _Setting(
        0.11, {1: 0.40, 2: 0.30, 3: 0.20, 4: 0.10}, {(16, 17): 1.0},
        (0.35, 0.45, 0.20, 0.0), 0.80, (0.0, 0.15, 0.05, 0.01, 0.79), 0.25, 1.0, 1.0,
        ("Stepping Stones Supported Living", "Haven Lane Housing Support",
         "Clearpath Supported Accommodation Ltd", "Next Chapter Youth Housing"),
        _BLOCK_BOOKED_SHARE,
    ),
    "residential_school": _Setting(
        0.015, {1: 0.50, 2: 0.35, 3: 0.15}, {(5, 17): 0.2, (8, 17): 0.4, (11, 17): 0.4},
        (0.0, 0.10, 0.50, 0.40), 0.90, (0.20, 0.60, 0.15, 0.02, 0.03), 0.6, 0.0, 0.5,
        ("Fernhill Residential School", "Larchwood School Trust", "Heathcote Specialist College"),
    ),
    "secure": _Setting(
        0.005, {1: 0.70, 2: 0.30}, {(10, 17): 1.0},
        (0.0, 0.0, 0.0, 1.0), 1.0, (0.25, 0.55, 0.15, 0.03, 0.02), 0.8, 0.0, 0.5, (),
    ),
}

COST_RANGES = {  # GBP per child per week, (lowest, highest); children's homes are a lognormal tail above
    "foster_inhouse": (450, 800),
    "foster_agency": (800, 1100),
    "childrens_home": (3500, math.inf),
    "semi_independent": (800, 2500),
    "residential_school": (4000, 9000),
    "secure": (7000, 12000),
}
_CHILDRENS_HOME_MEDIAN_EXCESS, _CHILDRENS_HOME_SIGMA = 1900, 0.8
INHOUSE_FOSTER_PREFIX = "LA in-house fostering"
COUNCIL_HOME_MARK = " Council "  # in the name of every council-run children's home and secure unit


# --- public API -----------------------------------------------------------------------------------


def generate_instance(
    region: str | None = None,
    las: Sequence[str] | None = None,
    children: int = 300,
    seed: int = 1,
    homes: int | None = None,
    name: str | None = None,
) -> Instance:
    """A synthetic instance for one ONS ``region`` or a list of ``las`` (GSS codes), exactly one of them.

    ``homes`` defaults to the number that gives ~1.1 vacancies per child. Raises ``ValueError`` for an
    unknown region or code, or a count below 1.
    """
    codes = _resolve_las(region, las)
    if children < 1:
        raise ValueError(f"children must be at least 1, not {children}")
    if homes is not None and homes < 1:
        raise ValueError(f"homes must be at least 1, not {homes}")
    rng = np.random.default_rng(seed)
    kids = _children(rng, codes, children)
    separations = _separations(rng, kids)
    home_list = _homes(rng, codes, _default_homes(children) if homes is None else homes)
    home_list = _market(home_list, np.random.default_rng((seed, _MARKET_STREAM)))
    home_list += _kinship(kids, codes, np.random.default_rng((seed, _KINSHIP_STREAM)))
    return Instance(kids, home_list, separations, name=name or _default_name(region, codes))


def measure(instance: Instance) -> dict[str, float]:
    """The statistics named in :data:`CALIBRATION`, computed from any instance."""
    kids = pd.DataFrame([dataclasses.asdict(c) for c in instance.children])
    homes = pd.DataFrame([dataclasses.asdict(h) for h in instance.homes])
    homes = homes[homes["reserved_for"].isna()]  # the open market: a kinship carer takes only their own child
    places = homes.groupby("setting")["vacancies"].sum() / homes["vacancies"].sum()
    groups = kids["sibling_group"].dropna().value_counts()
    foster = homes[homes["setting"] == "foster"]
    inhouse = foster["provider"].str.startswith(INHOUSE_FOSTER_PREFIX)
    cost = homes.groupby("setting")["weekly_cost"]
    separated = {child for pair in instance.separations for child in pair}
    pairs = _feasible_pairs(instance)
    return {
        "foster_share_of_places": places.get("foster", 0.0),
        "childrens_home_share_of_places": places.get("childrens_home", 0.0),
        "semi_independent_share_of_places": places.get("semi_independent", 0.0),
        "supply_ratio": homes["vacancies"].sum() / len(kids),
        "male_share": (kids["sex"] == "M").mean(),
        "age_10_15_share": kids["age"].between(10, 15).mean(),
        "age_16_17_share": (kids["age"] >= 16).mean(),
        "sibling_share": groups.sum() / len(kids),
        "mean_sibling_group_size": groups.mean() if len(groups) else 0.0,
        "solo_share": kids["solo"].mean(),
        "separated_share": len(separated) / len(kids),
        "need_3_4_share": (kids["need_level"] >= 3).mean(),
        "inadequate_share_of_homes": (homes["ofsted"] == "inadequate").mean(),
        "inhouse_foster_median_cost": foster.loc[inhouse, "weekly_cost"].median(),
        "agency_foster_median_cost": foster.loc[~inhouse, "weekly_cost"].median(),
        "childrens_home_mean_cost": cost.mean().get("childrens_home", np.nan),
        "childrens_home_median_cost": cost.median().get("childrens_home", np.nan),
        "childrens_home_p95_cost": cost.quantile(0.95).get("childrens_home", np.nan),
        "feasible_share": len(np.unique(pairs[0])) / len(kids),
        "placeable_share": max_placeable(instance, pairs) / len(kids),
    }


def _feasible_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(child, home) positions of the contract's feasible pairs, from the solver's candidate table.

    Imported here, not at module level, so generating and reading data never loads solver code.
    """
    from rcc.solver.candidates import candidate_pairs

    pairs = candidate_pairs(instance)
    return pairs["child"].to_numpy(), pairs["home"].to_numpy()


def max_placeable(instance: Instance, pairs: tuple[np.ndarray, np.ndarray] | None = None) -> int:
    """Most children placeable at once if siblings, solo and separations are ignored (a max flow).

    An upper bound on what any solver can place, and so the honest measure of how tight an instance is.
    ``pairs`` is (child positions, home positions) of the feasible pairs when the caller has them.
    """
    kids, homes = instance.children, instance.homes
    child, home = _feasible_pairs(instance) if pairs is None else pairs
    source, sink = len(kids) + len(homes), len(kids) + len(homes) + 1
    tail = np.concatenate([np.full(len(kids), source), child, len(kids) + np.arange(len(homes))])
    head = np.concatenate([np.arange(len(kids)), len(kids) + home, np.full(len(homes), sink)])
    capacity = np.concatenate([np.ones(len(kids) + len(child)), [h.vacancies for h in homes]]).astype(np.int32)
    graph = csr_matrix((capacity, (tail, head)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, source, sink).flow_value)


# --- where ----------------------------------------------------------------------------------------


def _resolve_las(region: str | None, las: Sequence[str] | None) -> list[str]:
    """Sorted GSS codes for a region or a list, so the draw never depends on the order given."""
    if (region is None) == (las is None):
        raise ValueError("give exactly one of region or las")
    table = geo.local_authorities()
    if region is not None:
        regions = {r.lower(): r for r in geo.regions()}
        if region.strip().lower() not in regions:
            raise ValueError(f"unknown region {region!r}; choose one of: {', '.join(regions.values())}")
        return sorted(table.index[table["region"] == regions[region.strip().lower()]])
    if isinstance(las, str):  # "E08000001,E08000002" as typed on a command line
        las = las.split(",")
    codes = sorted({code.strip().upper() for code in las if code.strip()})
    unknown = [code for code in codes if code not in table.index]
    if unknown:
        raise ValueError(f"unknown local authority code(s) {', '.join(unknown)}; give English upper-tier "
                         "GSS codes such as E08000003 (Manchester)")
    if not codes:
        raise ValueError("las is empty; give at least one GSS code")
    return codes


def _default_name(region: str | None, codes: list[str]) -> str:
    """A folder-friendly name: the region, up to three authorities, or how many there are."""
    if region is not None:
        return _slug(region)
    if len(codes) <= 3:
        return "-".join(_slug(n) for n in geo.local_authorities().loc[codes, "la_name"])
    return f"{len(codes)}-las"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@lru_cache(maxsize=1)
def _english_districts() -> pd.DataFrame:
    """English postcode districts, sorted by authority so each authority's districts are contiguous."""
    table = geo.postcode_districts().reset_index(drop=True)
    return table[table["la_code"].notna()].sort_values(["la_code", "postcode_district"], ignore_index=True)


def _places(rng, codes: list[str], n: int, la_power: float, district_power: float, scatter_km: float):
    """``n`` points in ``codes``: an authority ∝ postcodes**la_power, then one of its districts
    ∝ postcodes**district_power, then the district centroid scattered by ``scatter_km`` (s.d.).

    Returns (la_code, district, lat, lon) arrays.
    """
    weight = geo.local_authorities().loc[codes, "n_postcodes"].to_numpy(float) ** la_power
    la_pick = rng.choice(len(codes), size=n, p=weight / weight.sum())
    districts = _english_districts()
    districts = districts[districts["la_code"].isin(codes)]
    group = np.searchsorted(codes, districts["la_code"].to_numpy())
    pick = _draw_within(rng, group, districts["n_postcodes"].to_numpy(float) ** district_power, la_pick)
    north, east = rng.normal(0.0, scatter_km, size=(2, n))
    lat = np.round(districts["lat"].to_numpy()[pick] + north / 111.32, 6)
    lon = np.round(districts["lon"].to_numpy()[pick] + east / (111.32 * np.cos(np.radians(lat))), 6)
    return np.asarray(codes)[la_pick], districts["postcode_district"].to_numpy()[pick], lat, lon


def _draw_within(rng, group: np.ndarray, weight: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each entry of ``wanted`` (a group number), a row of that group drawn ∝ ``weight``.

    Rows are sorted by group, so each group is one slice of the cumulative weights and a single
    ``searchsorted`` draws them all, however many groups there are.
    """
    cum = np.cumsum(weight)
    first = np.searchsorted(group, np.arange(group.max() + 1))
    last = np.searchsorted(group, np.arange(group.max() + 1), side="right") - 1
    below = cum[first] - weight[first]
    target = below[wanted] + rng.random(len(wanted)) * (cum[last] - below)[wanted]
    return np.clip(np.searchsorted(cum, target, side="right"), first[wanted], last[wanted])


# --- children -------------------------------------------------------------------------------------


def _children(rng, codes: list[str], n: int) -> tuple[Child, ...]:
    """Sibling groups and single children; siblings share an authority, a place and a distance limit."""
    sizes = _sibling_sizes(rng, n)
    units = rng.permutation(np.concatenate([sizes, np.ones(n - sizes.sum(), dtype=int)]))
    unit = np.repeat(np.arange(len(units)), units)
    la, district, lat, lon = (a[unit] for a in _places(rng, codes, len(units), 1.0, 1.0, _CHILD_SCATTER_KM))
    max_km = np.asarray(_MAX_KM)[rng.choice(len(_MAX_KM), size=len(units), p=_MAX_KM_P)][unit]
    in_group = units[unit] > 1
    spread = np.where(in_group, rng.integers(-3, 4, size=n), 0)  # siblings are a few years apart
    age = np.clip(_ages(rng, len(units))[unit] + spread, 0, 17)
    band = np.searchsorted([high for _, high in _AGE_BANDS], age)
    need = _draw_rows(rng, _NEED_BY_AGE_BAND[band]) + 1
    sex = np.where(rng.random(n) < _MALE_SHARE, "M", "F")
    needs = _needs(rng, age, need)
    solo = _solo(rng, age, need, in_group)
    group = _group_labels(unit, in_group)
    width = max(5, len(str(n)))
    columns = {
        "la_code": la.tolist(), "lat": lat.tolist(), "lon": lon.tolist(), "age": age.tolist(), "sex": sex.tolist(),
        "need_level": need.tolist(), "needs": needs, "sibling_group": group, "solo": solo.tolist(),
        "max_distance_km": max_km.tolist(), "postcode_district": district.tolist(),
    }
    rows = zip(*columns.values(), strict=True)
    return tuple(Child(child_id=f"C{i:0{width}d}", **dict(zip(columns, row, strict=True)))
                 for i, row in enumerate(rows, start=1))


def _sibling_sizes(rng, n: int) -> np.ndarray:
    """Group sizes (2-5) whose total is about a third of ``n``."""
    target = round(n * _SIBLING_SHARE)
    draws = rng.choice(_SIBLING_SIZES, size=target // 2 + 1, p=_SIBLING_SIZE_P)
    return draws[: np.searchsorted(np.cumsum(draws), target, side="right")]


def _ages(rng, n: int) -> np.ndarray:
    """Ages by the blended DfE bands, uniform within a band."""
    band = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_BAND_SHARES)
    low, high = np.array(_AGE_BANDS).T
    return low[band] + (rng.random(n) * (high[band] - low[band] + 1)).astype(int)


def _draw_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One category per row of ``probs`` (each row a distribution), by inverse CDF in one pass."""
    cum = np.cumsum(probs, axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _needs(rng, age: np.ndarray, need: np.ndarray) -> list[frozenset[str]]:
    """0-3 tags per child, more with need, only tags that fit the child's age (Gumbel top-k)."""
    count = _draw_rows(rng, _TAG_COUNT_BY_NEED[need - 1])
    fits = age[:, None] >= _TAG_MIN_AGE
    keys = np.where(fits, np.log(_TAG_PREVALENCE) + rng.gumbel(size=(len(age), len(_TAGS))), -np.inf)
    order = np.argsort(-keys, axis=1, kind="stable")
    chosen = np.zeros_like(fits)
    rows = np.arange(len(age))[:, None]
    chosen[rows, order] = np.arange(len(_TAGS)) < np.minimum(count, fits.sum(axis=1))[:, None]
    return _tag_sets(chosen)


def _solo(rng, age: np.ndarray, need: np.ndarray, in_group: np.ndarray) -> np.ndarray:
    """~3% of children, never siblings, mostly older children with high needs."""
    weight = np.where(in_group, 0.0, (need.astype(float) ** 2) * np.where(age >= 10, 2.0, 0.5))
    count = min(round(len(age) * _SOLO_SHARE), int((weight > 0).sum()))
    solo = np.zeros(len(age), dtype=bool)
    if count:
        solo[rng.choice(len(age), size=count, replace=False, p=weight / weight.sum())] = True
    return solo


def _group_labels(unit: np.ndarray, in_group: np.ndarray) -> list[str | None]:
    """``G0001``, ``G0002``, … in order of each group's first child."""
    group_units = np.unique(unit[in_group])
    number = dict(zip(group_units.tolist(), range(1, len(group_units) + 1), strict=True))
    width = max(4, len(str(len(group_units))))
    return [f"G{number[u]:0{width}d}" if g else None for u, g in zip(unit.tolist(), in_group, strict=True)]


def _separations(rng, kids: tuple[Child, ...]) -> tuple[tuple[str, str], ...]:
    """~1% of children in pairs who must live apart: two children aged 10+ of one authority, not siblings."""
    wanted = round(len(kids) * _SEPARATED_SHARE / 2)
    eligible = [c for c in kids if c.age >= 10]
    if wanted == 0 or len(eligible) < 2:
        return ()
    order = np.lexsort((rng.random(len(eligible)), [c.la_code for c in eligible]))
    first, second = [eligible[i] for i in order[0:-1:2]], [eligible[i] for i in order[1::2]]
    pairs = [
        tuple(sorted((a.child_id, b.child_id)))
        for a, b in zip(first, second, strict=True)
        if a.la_code == b.la_code and (a.sibling_group is None or a.sibling_group != b.sibling_group)
    ]
    chosen = rng.choice(len(pairs), size=min(wanted, len(pairs)), replace=False) if pairs else []
    return tuple(sorted(pairs[i] for i in chosen))


# --- homes ----------------------------------------------------------------------------------------


def _mean_vacancies(setting: _Setting) -> float:
    return sum(k * p for k, p in setting.vacancies.items())


def _default_homes(children: int) -> int:
    """Homes needed for ~1.1 vacancies per child at each setting's mean vacancies per home."""
    per_place = sum(s.share / _mean_vacancies(s) for s in _SETTINGS.values())
    return max(1, round(children * _SUPPLY_RATIO * per_place))


def _homes_per_setting(total: int) -> dict[str, int]:
    """Split ``total`` homes so each setting gets its share of *vacancies* (largest remainder)."""
    weight = np.array([s.share / _mean_vacancies(s) for s in _SETTINGS.values()])
    exact = total * weight / weight.sum()
    count = np.floor(exact).astype(int)
    count[np.argsort(-(exact - count), kind="stable")[: total - count.sum()]] += 1
    return dict(zip(_SETTINGS, count.tolist(), strict=True))


def _homes(rng, codes: list[str], total: int) -> tuple[Home, ...]:
    """Homes of every setting, shuffled so that IDs say nothing about the setting."""
    frames = [_setting_homes(rng, codes, name, n) for name, n in _homes_per_setting(total).items() if n]
    table = pd.concat(frames, ignore_index=True)
    table = table.iloc[rng.permutation(len(table))].reset_index(drop=True)
    width = max(5, len(str(total)))
    table["home_id"] = [f"H{i + 1:0{width}d}" for i in range(len(table))]
    return tuple(Home(**row) for row in table.to_dict("records"))


def _setting_homes(rng, codes: list[str], name: str, n: int) -> pd.DataFrame:
    """``n`` homes of one setting as columns named like :class:`Home`'s fields."""
    spec = _SETTINGS[name]
    la, district, lat, lon = _places(rng, codes, n, spec.la_power, spec.district_power, _HOME_SCATTER_KM)
    vacancies = np.array(list(spec.vacancies))[rng.choice(len(spec.vacancies), n, p=list(spec.vacancies.values()))]
    ages = np.array(list(spec.ages))[rng.choice(len(spec.ages), n, p=list(spec.ages.values()))]
    max_need = rng.choice(4, size=n, p=spec.need) + 1
    sex = np.where(rng.random(n) < spec.sex_any, "any", np.where(rng.random(n) < 0.5, "F", "M"))
    ofsted = np.asarray(OFSTED_RATINGS)[rng.choice(len(OFSTED_RATINGS), size=n, p=spec.ofsted)]
    provider, cost = _providers_and_costs(rng, name, spec, la, n)
    block = np.where(rng.random(n) < spec.block_booked, vacancies, 0)
    return pd.DataFrame({
        "provider": provider, "setting": name, "la_code": la, "lat": lat, "lon": lon, "vacancies": vacancies,
        "min_age": ages[:, 0], "max_age": ages[:, 1], "max_need_level": max_need, "weekly_cost": cost,
        "sex": sex, "specialisms": _specialisms(rng, spec, name, max_need, ages[:, 1]), "ofsted": ofsted,
        "block_booked": block, "postcode_district": district,
    }).astype({"weekly_cost": float})


def _providers_and_costs(rng, name: str, spec: _Setting, la: np.ndarray, n: int):
    """Who runs each home and its weekly price; council-run homes are named after their authority."""
    la_name = geo.local_authorities().loc[la, "la_name"].to_numpy()
    if spec.providers:
        rank = np.arange(1, len(spec.providers) + 1)
        provider = np.asarray(spec.providers)[rng.choice(len(rank), size=n, p=(1 / rank) / (1 / rank).sum())]
    if name == "foster":
        inhouse = rng.random(n) < _INHOUSE_FOSTER_SHARE
        provider = np.where(inhouse, [f"{INHOUSE_FOSTER_PREFIX} ({x})" for x in la_name], provider)
        (in_low, in_high), (ifa_low, ifa_high) = COST_RANGES["foster_inhouse"], COST_RANGES["foster_agency"]
        low, high = np.where(inhouse, in_low, ifa_low), np.where(inhouse, in_high, ifa_high)
        return provider, np.round(low + rng.random(n) * (high - low))
    if name == "childrens_home":
        council = rng.random(n) < _LA_CHILDRENS_HOME_SHARE
        provider = np.where(council, [f"{x}{COUNCIL_HOME_MARK}children's homes" for x in la_name], provider)
        excess = rng.lognormal(np.log(_CHILDRENS_HOME_MEDIAN_EXCESS), _CHILDRENS_HOME_SIGMA, size=n)
        return provider, np.round(COST_RANGES["childrens_home"][0] + excess)
    if name == "secure":
        provider = np.array([f"{x}{COUNCIL_HOME_MARK}secure children's home" for x in la_name])
    low, high = COST_RANGES[name]
    return provider, np.round(rng.uniform(low, high, size=n))


def _specialisms(rng, spec: _Setting, name: str, max_need: np.ndarray, max_age: np.ndarray):
    """Tags a home is equipped for: likelier in specialist (high-need) homes, only for ages it takes."""
    cover = _TAG_COVER
    if name == "residential_school":  # special schools are where disability and communication needs are met
        cover = np.where(_SCHOOL_TAGS, np.minimum(3 * _TAG_COVER, 1.0), _TAG_COVER)
    p = np.minimum(spec.specialism * _SPECIALISM_BY_NEED[max_need - 1, None] * cover, 0.95)
    has = (rng.random((len(max_need), len(_TAGS))) < p) & (max_age[:, None] >= _TAG_MIN_AGE)
    return _tag_sets(has)


# --- the provider market -------------------------------------------------------------------------

_MARKET_STREAM = 0x6D61726B  # its own random stream, so adding the market left every other column unchanged
# Sector of the homes a council does not run: P(voluntary), the rest private (SOURCES.md §8, "Provider market").
_VOLUNTARY_SHARE = {"foster": 0.15, "childrens_home": 0.04, "semi_independent": 0.15, "residential_school": 0.40,
                    "secure": 0.0}  # the generator's secure units are all council-run
# P(an independent home belongs to one of the large groups), by setting (CMA 2022; SOURCES.md §8).
_GROUP_SHARE = {"foster": 0.50, "childrens_home": 0.30, "semi_independent": 0.20, "residential_school": 0.30,
                "secure": 0.0}
LARGE_GROUPS = ("Keystone Children's Services Group", "Harrowgate Care Holdings", "Bluebridge Family Services plc",
                "Ardent Youth Care Group", "Cloverleaf Care Partners")


def _market(homes: tuple[Home, ...], rng) -> tuple[Home, ...]:
    """Each home's ``sector`` and ``owner``, drawn so the market looks like England's.

    A council-run home (the generator names them) is ``local_authority`` and owned by its council. Any
    other home is voluntary or private by its setting's share; it belongs to one of a few large groups
    (drawn 1/rank, so the biggest owns most: the concentration the CMA found) or, otherwise, to a small
    local company: its provider's company in the home's authority, which owns one or a few homes.
    """
    la_name = geo.local_authorities()["la_name"]
    setting = [h.setting for h in homes]
    council = np.array([h.provider.startswith(INHOUSE_FOSTER_PREFIX) or COUNCIL_HOME_MARK in h.provider
                        for h in homes], dtype=bool)
    voluntary = rng.random(len(homes)) < np.array([_VOLUNTARY_SHARE[s] for s in setting])
    grouped = rng.random(len(homes)) < np.array([_GROUP_SHARE[s] for s in setting])
    rank = np.arange(1, len(LARGE_GROUPS) + 1)
    group = np.asarray(LARGE_GROUPS)[rng.choice(len(rank), size=len(homes), p=(1 / rank) / (1 / rank).sum())]
    market = []
    for k, home in enumerate(homes):
        authority = la_name[home.la_code]
        if council[k]:
            sector, owner = "local_authority", f"{authority} Council"
        else:
            sector = "voluntary" if voluntary[k] else "private"
            owner = str(group[k]) if grouped[k] else f"{home.provider} ({authority})"
        market.append(home.replace(sector=sector, owner=owner))
    return tuple(market)


# --- family and friends (kinship) carers -----------------------------------------------------------

_KINSHIP_STREAM = 0x6B696E  # its own random stream: adding kinship carers left every other row unchanged
KINSHIP_SHARE = 0.15  # of children (single or sibling group) with an approved family or friends carer (SOURCES.md §9)
_KINSHIP_NEAREST_DISTRICTS = 3  # the carer lives in the child's postcode district or one of the two nearest
_KINSHIP_SCATTER_KM = 1.0

def _kinship(kids: tuple[Child, ...], codes: list[str], rng) -> tuple[Home, ...]:
    """A family or friends carer for about :data:`KINSHIP_SHARE` of children: a sibling group's carer
    takes the whole group (``reserved_for`` its label), anyone else's the child alone.

    The carer lives near the child (their postcode district or one of the nearest in the region's
    authorities ``codes``), is a foster carer
    approved by the child's own authority (``local_authority``, owned by its council) for exactly these
    children, so they can meet their needs, and is paid the fostering allowance for the oldest of them.
    These homes take nobody else (rule 10), so they add no supply to the open market.
    """
    units: dict[str, list[Child]] = {}
    for child in kids:
        units.setdefault(child.sibling_group or child.child_id, []).append(child)
    names = list(units)
    chosen = sorted(rng.choice(len(names), size=round(KINSHIP_SHARE * len(names)), replace=False).tolist())
    districts = _english_districts()
    districts = districts[districts["la_code"].isin(codes)].reset_index(drop=True)
    at = {d: k for k, d in enumerate(districts["postcode_district"])}
    lat, lon = districts["lat"].to_numpy(), districts["lon"].to_numpy()
    la_name = geo.local_authorities()["la_name"]
    width = max(5, len(str(len(chosen))))
    carers = []
    for number, k in enumerate(chosen, start=1):
        members = units[names[k]]
        first = members[0]
        own = at[first.postcode_district]
        nearest = np.argsort(np.hypot(lat - lat[own], (lon - lon[own]) * np.cos(np.radians(lat[own]))))
        home_district = int(nearest[rng.integers(_KINSHIP_NEAREST_DISTRICTS)])
        north, east = rng.normal(0.0, _KINSHIP_SCATTER_KM, size=2)
        authority = la_name[first.la_code]
        carers.append(Home(
            home_id=f"K{number:0{width}d}", provider=f"{authority} Council family and friends carers",
            setting="foster", la_code=districts["la_code"].iloc[home_district],
            lat=round(float(lat[home_district] + north / 111.32), 6),
            lon=round(float(lon[home_district] + east / (111.32 * math.cos(math.radians(lat[home_district])))), 6),
            vacancies=len(members), min_age=0, max_age=17, max_need_level=max(c.need_level for c in members),
            specialisms=frozenset().union(*(c.needs for c in members)),
            weekly_cost=float(fostering_allowance(max(c.age for c in members))),
            postcode_district=districts["postcode_district"].iloc[home_district],
            sector="local_authority", owner=f"{authority} Council", reserved_for=names[k],
        ))
    return tuple(carers)


# --- tags as bit masks ----------------------------------------------------------------------------


def _tag_sets(has: np.ndarray) -> list[frozenset[str]]:
    """Rows of a boolean (item × tag) matrix as frozensets, one shared object per distinct set."""
    bits = has.astype(np.int64) @ (1 << np.arange(len(_TAGS), dtype=np.int64))
    cache = {b: frozenset(t for k, t in enumerate(_TAG_NAMES) if b >> k & 1) for b in np.unique(bits).tolist()}
    return [cache[b] for b in bits.tolist()]
