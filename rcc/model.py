"""The problem data of rcc: children, homes, an instance and the objective weights.

Everything here is immutable and knows nothing of solvers or pandas, so reading and validating
data stays fast and light, and a what-if always builds a *new* instance (``instance.replace(...)``)
instead of editing the one a commissioner is looking at. Locations are always resolved to WGS84
``lat``/``lon`` by the time an object exists here; ``postcode_district`` is kept only so that pages
can aggregate children to a district without pinpointing anyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

SETTINGS = ("foster", "childrens_home", "semi_independent", "residential_school", "secure")
OFSTED_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate", "unrated")
SECTORS = ("local_authority", "private", "voluntary")  # who runs a home: the market the strategy asks about
SEXES = ("F", "M")
HOME_SEXES = ("any", "F", "M")
NEED_LEVELS = (1, 2, 3, 4)
DEFAULT_MAX_DISTANCE_KM = 80.0
KM_PER_MILE = 1.609344
MILES_20_KM = 20 * KM_PER_MILE  # 20 statute miles, the sector's "far from home" line

# Placements Data Standard v2 fields (the contract's optional extensions; absent = no effect).
URGENCIES = ("today", "within_5_days", "later")
SUITABILITIES = ("preferred", "suitable", "unsuitable", "not_specified")
ALONGSIDE = ("no_preference", "solo", "older_only", "younger_only", "with_others")
FAMILIES = ("foster", "residential", "supported")
SETTING_FAMILY = {
    "foster": "foster",
    "childrens_home": "residential",
    "residential_school": "residential",
    "secure": "residential",
    "semi_independent": "supported",
}


class _Replaceable:
    """``replace(**changes)``: the one way to derive a changed copy of a frozen object."""

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Child(_Replaceable):
    """A child waiting for a home, identified only by a pseudonymous ``child_id``."""

    child_id: str
    la_code: str
    lat: float
    lon: float
    age: int
    sex: str
    need_level: int
    needs: frozenset[str] = frozenset()
    sibling_group: str | None = None
    solo: bool = False
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM
    postcode_district: str | None = None
    urgency: str | None = None
    suitability_foster: str = "not_specified"
    suitability_residential: str = "not_specified"
    suitability_supported: str = "not_specified"
    alongside: str = "no_preference"

    def __post_init__(self):
        # The standard's "solo" alongside value *is* the contract's solo flag: one reading everywhere.
        if self.alongside == "solo":
            object.__setattr__(self, "solo", True)

    def suitability(self, setting: str) -> str:
        """The child's recorded suitability for ``setting``'s family (foster, residential, supported)."""
        return getattr(self, f"suitability_{SETTING_FAMILY[setting]}")

    @property
    def prefers_a_family(self) -> bool:
        return "preferred" in (self.suitability_foster, self.suitability_residential, self.suitability_supported)


@dataclass(frozen=True)
class Home(_Replaceable):
    """A home with vacancies; ``weekly_cost`` is the spot price per child per week (GBP)."""

    home_id: str
    provider: str
    setting: str
    la_code: str
    lat: float
    lon: float
    vacancies: int
    min_age: int
    max_age: int
    max_need_level: int
    weekly_cost: float
    sex: str = "any"
    specialisms: frozenset[str] = frozenset()
    ofsted: str = "unrated"
    block_booked: int = 0
    postcode_district: str | None = None
    resident_ages: tuple[int, ...] = ()
    sector: str | None = None  # one of SECTORS; None when the data does not say
    owner: str | None = None  # the organisation that owns the provider (a group may own many homes)
    reserved_for: str | None = None  # a family or friends carer: the child_id or sibling_group they will take

    def __post_init__(self):
        object.__setattr__(self, "resident_ages", tuple(self.resident_ages))


@dataclass(frozen=True)
class Weights(_Replaceable):
    """The weights of the contract's objective (GBP per week).

    ``cost`` multiplies the weekly spot cost, ``km`` is £ per km per week, ``unplaced`` is the
    price of an emergency placement and ``split`` the price of each extra home a sibling group
    is spread over. ``not_preferred`` is charged when a child goes to a setting family recorded
    as suitable while another is preferred; the ``urgency_*`` multipliers scale ``unplaced`` for
    a child with that ``urgency`` (a child without one is always charged ``unplaced`` × 1).
    """

    cost: float = 1.0
    km: float = 20.0
    unplaced: float = 15000.0
    split: float = 5000.0
    not_preferred: float = 1000.0
    urgency_today: float = 2.0
    urgency_within_5_days: float = 1.5
    urgency_later: float = 1.0

    def __post_init__(self):
        for name in [f.name for f in dataclasses.fields(self)]:
            value = getattr(self, name)
            if not value >= 0:
                raise ValueError(f"weight {name}={value!r} must be a number >= 0")

    def urgency_factor(self, child: Child) -> float:
        """The child's urgency multiplier (1 when the child has no urgency recorded)."""
        return 1.0 if child.urgency is None else getattr(self, f"urgency_{child.urgency}")

    def unplaced_penalty(self, child: Child) -> float:
        """What leaving ``child`` unplaced costs: ``unplaced`` × the child's urgency multiplier."""
        return self.unplaced * self.urgency_factor(child)


@dataclass(frozen=True)
class Instance(_Replaceable):
    """One region's waiting children, its homes with vacancies, and the pairwise facts.

    ``separations`` are unordered pairs of child IDs that must not share a home; ``travel``
    maps ``(child_id, home_id)`` to a known distance in km that replaces the geodesic one.
    """

    children: tuple[Child, ...]
    homes: tuple[Home, ...]
    separations: tuple[tuple[str, str], ...] = ()
    travel: Mapping[tuple[str, str], float] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self):
        # Freeze the containers too, so no caller can edit an instance through a reference.
        object.__setattr__(self, "children", tuple(self.children))
        object.__setattr__(self, "homes", tuple(self.homes))
        object.__setattr__(self, "separations", tuple(tuple(p) for p in self.separations))
        object.__setattr__(self, "travel", MappingProxyType(dict(self.travel)))

    def __hash__(self):
        return hash((self.children, self.homes, self.separations, tuple(sorted(self.travel.items()))))

    def __eq__(self, other):
        if not isinstance(other, Instance):
            return NotImplemented
        return (
            self.children == other.children
            and self.homes == other.homes
            and self.separations == other.separations
            and dict(self.travel) == dict(other.travel)
            and self.name == other.name
        )

    @cached_property
    def child_by_id(self) -> Mapping[str, Child]:
        return MappingProxyType({c.child_id: c for c in self.children})

    @cached_property
    def home_by_id(self) -> Mapping[str, Home]:
        return MappingProxyType({h.home_id: h for h in self.homes})

    @cached_property
    def child_position(self) -> Mapping[str, int]:
        """Child ID → its position in ``children`` (the row the solvers' arrays use)."""
        return MappingProxyType({c.child_id: i for i, c in enumerate(self.children)})

    @cached_property
    def home_position(self) -> Mapping[str, int]:
        """Home ID → its position in ``homes``."""
        return MappingProxyType({h.home_id: j for j, h in enumerate(self.homes)})

    @cached_property
    def sibling_groups(self) -> Mapping[str, tuple[str, ...]]:
        """Group label → child IDs, for groups with at least two children."""
        groups: dict[str, list[str]] = {}
        for child in self.children:
            if child.sibling_group:
                groups.setdefault(child.sibling_group, []).append(child.child_id)
        return MappingProxyType({g: tuple(ids) for g, ids in groups.items() if len(ids) > 1})

    @property
    def total_vacancies(self) -> int:
        return sum(h.vacancies for h in self.homes)

    def __repr__(self):
        return (
            f"Instance(name={self.name!r}, children={len(self.children)}, homes={len(self.homes)}, "
            f"vacancies={self.total_vacancies}, separations={len(self.separations)}, "
            f"travel={len(self.travel)})"
        )
