"""Children first: the measures a plan is judged by, their order, tolerances and guards (contract v1.1).

Commissioners rank outcomes rather than price them. The Children Act 1989 (s.22C) asks for a home
near the child's own, in the authority's own area, with brothers and sisters, that meets the child's
needs; money comes after. So the default objective minimises seven **measures** one after another
(lexicographically): each is made as small as it can be without letting any earlier one rise beyond
its tolerance. The v1 weighted sum stays available (``mode = "weighted"``) and is what the benchmark
families use; its value is a *score*, never money. ``weekly_spend`` is the real money.

**Guards** are hard limits: "no worse than today" caps each of the first five measures at the status
quo's value (the greedy status quo, or today's actual placements from an SSDA903 import for the
measures those record); a budget caps ``weekly_spend``; a fairness guard keeps every member
authority's placed share within N points of the region's. Two guards speak to the provider market
(:mod:`rcc.market`, when homes record sector and owner): a cap on weekly spend with private providers,
and a floor on the share of placements with small local providers (independent owners of at most
``small_provider_homes`` homes, all in the region).

Nothing here imports a solver: settings are read and checked at the boundary (TOML, flags, the page)
and every wrong value is a named error.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from rcc.model import KM_PER_MILE

MODES = ("priorities", "weighted")


@dataclass(frozen=True)
class Measure:
    """One measure: its name in files, a label and unit for people, and what it counts."""

    name: str
    label: str
    unit: str
    counts: str
    whole: bool  # counted in whole children or groups (an integer), so tolerances are whole too
    noun: str = ""  # what a change counts, for sentences: "4 fewer <noun>"

    def format(self, value: float | None) -> str:
        """The value as a commissioner reads it: '£312,235/week', '26 children', '1,401 miles'. Distances are
        added up in km (the contract's unit) but read in miles, like the "within 20 miles" line."""
        if value is None:
            return "—"
        if self.name == "weekly_spend":
            return f"£{value:,.0f}/week"
        if self.name == "km":
            return f"{value / KM_PER_MILE:,.0f} miles"
        if self.name == "unplaced" and not float(value).is_integer():
            return f"{value:,.1f} {self.unit}"
        return f"{value:,.0f} {_singular(self.unit) if value == 1 else self.unit}"

    def change(self, delta: float) -> str:
        """A change in plain words: '4 fewer separations of brothers and sisters', '£4,100/week more'."""
        if abs(delta) < 1e-9:
            return f"no change in {self.noun}"
        if self.name == "weekly_spend":
            return f"£{abs(delta):,.0f}/week {'more' if delta > 0 else 'less'}"
        if self.name == "km":
            return f"{abs(delta):,.0f} km {'more' if delta > 0 else 'less'} travelled in all"
        amount = f"{abs(delta):,.0f}" if float(delta).is_integer() else f"{abs(delta):,.1f}"
        noun = _singular(self.noun) if abs(delta) == 1 else self.noun
        return f"{amount} {'more' if delta > 0 else 'fewer'} {noun}"


def _singular(words: str) -> str:
    """'children placed …' → 'child placed …', 'separations of …' → 'separation of …'."""
    first, _, rest = words.partition(" ")
    first = {"children": "child", "separations": "separation"}.get(first, first)
    return f"{first} {rest}".strip()


MEASURES: Mapping[str, Measure] = MappingProxyType({m.name: m for m in (
    Measure("unplaced", "Children without a home", "children",
            "children left without a home, each × its urgency (needed today × 2, within 5 days × 1.5)", True,
            "children without a home"),
    Measure("siblings_apart", "Brothers and sisters apart", "separations",
            "for each sibling group: the homes its placed members use − 1, plus 1 when some are placed and "
            "some are not", True, "separations of brothers and sisters"),
    Measure("far_from_home", "Placed more than 20 miles away", "children",
            "placed children more than 20 miles (32.2 km) from home", True, "children placed more than 20 miles away"),
    Measure("outside_own_la", "Placed outside their own authority", "children",
            "placed children whose home is in another local authority", True,
            "children placed outside their authority"),
    Measure("not_preferred", "Not in the preferred kind of home", "children",
            "placed children in a setting recorded as suitable while another is preferred", True,
            "children not in their preferred kind of home"),
    Measure("weekly_spend", "Weekly spend", "£/week",
            "what the authorities pay each week: every placed child's weekly price, except on beds already "
            "block-booked", False, "weekly spend"),
    Measure("km", "Total distance", "km", "the distances of all placed children from home, added up", False,
            "total distance"),
)})
DEFAULT_ORDER = tuple(MEASURES)
GUARDED = DEFAULT_ORDER[:5]  # "no worse than today" caps these five


@dataclass(frozen=True)
class Tolerance:
    """How far a measure may rise above its best to gain the ones after it: absolute (in the measure's
    unit: children, separations, £/week, km) or relative (a fraction: 0.02 is 2%)."""

    value: float = 0.0
    relative: bool = False

    def __post_init__(self):
        if not (isinstance(self.value, int | float) and not isinstance(self.value, bool)
                and math.isfinite(self.value) and self.value >= 0):
            raise ValueError(f"a tolerance must be a number ≥ 0, not {self.value!r}")

    @classmethod
    def parse(cls, text: str | float | int) -> Tolerance:
        """'2%' (relative), '500', '£500' or a number (absolute)."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            return cls(float(text))
        if not isinstance(text, str):
            raise ValueError(f"a tolerance must be a number or a percentage such as '2%', not {text!r}")
        raw = text.strip().replace(",", "")
        relative = raw.endswith("%")
        number = raw.removesuffix("%").removeprefix("£").strip()
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"a tolerance must be a number or a percentage such as '2%', not {text!r}") from None
        return cls(value / 100 if relative else value, relative)

    def cap(self, best: float) -> float:
        """The most the measure may be once its best is known."""
        return best + (self.value * abs(best) if self.relative else self.value)

    def __str__(self) -> str:
        return f"{100 * self.value:g}%" if self.relative else f"{self.value:g}"


@dataclass(frozen=True)
class Priorities:
    """The measures in the order they are minimised, and each one's tolerance (0 unless given)."""

    order: tuple[str, ...] = DEFAULT_ORDER
    tolerances: Mapping[str, Tolerance] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "order", tuple(self.order))
        object.__setattr__(self, "tolerances", MappingProxyType(dict(self.tolerances)))
        problems = []
        unknown = [m for m in self.order if m not in MEASURES]
        if unknown:
            problems.append(f"unknown measure(s) {', '.join(map(repr, unknown))}")
        repeated = sorted({m for m in self.order if self.order.count(m) > 1})
        if repeated:
            problems.append(f"measure(s) listed twice: {', '.join(repeated)}")
        missing = [m for m in DEFAULT_ORDER if m not in self.order]
        if missing and not unknown:
            problems.append(f"the order must list every measure once; missing {', '.join(missing)}")
        stray = [m for m in self.tolerances if m not in MEASURES]
        if stray:
            problems.append(f"tolerance for unknown measure(s) {', '.join(map(repr, stray))}")
        if problems:
            raise ValueError("; ".join(problems) + f" (measures: {', '.join(DEFAULT_ORDER)})")

    def tolerance(self, measure: str) -> Tolerance:
        return self.tolerances.get(measure, Tolerance())

    def describe(self) -> list[dict]:
        """The order with tolerances, as plain records for summary.json and the run store."""
        return [{"measure": m, "tolerance": str(self.tolerance(m))} for m in self.order]


@dataclass(frozen=True)
class Guards:
    """Hard limits on the measures of any plan (see the module docstring).

    ``budget`` is £/week, or ``"today"`` for the status quo's weekly spend; ``fairness_points`` is the
    most any authority's placed % may fall below the region's, in percentage points. ``private_spend``
    is the most spent a week with private providers (£); ``small_local_pct`` the least share of placements,
    in %, with small local providers: independent owners of at most ``small_provider_homes`` homes.
    """

    status_quo: bool = True
    budget: float | str | None = None
    fairness_points: float | None = None
    private_spend: float | None = None
    small_local_pct: float | None = None
    small_provider_homes: int = 3

    def __post_init__(self):
        problems = []
        if not isinstance(self.status_quo, bool):
            problems.append(f"status_quo={self.status_quo!r} must be true or false")
        if self.budget is not None and self.budget != "today" and not _non_negative(self.budget):
            problems.append(f"budget={self.budget!r} must be 'today' or a weekly amount in £ ≥ 0")
        if self.fairness_points is not None and not (_non_negative(self.fairness_points)
                                                     and self.fairness_points <= 100):
            problems.append(f"fairness_points={self.fairness_points!r} must be a number of percentage points "
                            "from 0 to 100")
        if self.private_spend is not None and not _non_negative(self.private_spend):
            problems.append(f"private_spend={self.private_spend!r} must be a weekly amount in £ ≥ 0")
        if self.small_local_pct is not None and not (_non_negative(self.small_local_pct)
                                                     and self.small_local_pct <= 100):
            problems.append(f"small_local_pct={self.small_local_pct!r} must be a percentage from 0 to 100")
        if not (isinstance(self.small_provider_homes, int) and not isinstance(self.small_provider_homes, bool)
                and self.small_provider_homes >= 1):
            problems.append(f"small_provider_homes={self.small_provider_homes!r} must be a whole number of homes ≥ 1")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def any(self) -> bool:
        return (self.status_quo or self.budget is not None or self.fairness_points is not None
                or self.private_spend is not None or self.small_local_pct is not None)


GUARD_KEYS = frozenset(f.name for f in fields(Guards))


def _non_negative(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


@dataclass(frozen=True)
class Objective:
    """What a solve minimises: ``priorities`` (the default) or the v1 ``weighted`` score."""

    mode: str = "priorities"
    priorities: Priorities = field(default_factory=Priorities)
    guards: Guards = field(default_factory=Guards)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"objective={self.mode!r} must be one of {', '.join(MODES)}")

    @classmethod
    def from_toml(cls, path: str | Path) -> Objective:
        """``objective = "priorities" | "weighted"``, ``[priorities]`` (``order``, ``tolerance``) and
        ``[guards]`` (``status_quo``, ``budget``, ``fairness_points``, ``private_spend``, ``small_local_pct``,
        ``small_provider_homes``) of a settings file."""
        with open(path, "rb") as f:
            table = tomllib.load(f)
        try:
            return from_settings(table)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None


def from_settings(table: Mapping) -> Objective:
    """An :class:`Objective` from a parsed settings table (TOML), naming every wrong key or value."""
    priorities = table.get("priorities", {})
    guards = table.get("guards", {})
    for name, section, known in (("[priorities]", priorities, {"order", "tolerance"}),
                                 ("[guards]", guards, GUARD_KEYS)):
        if not isinstance(section, Mapping):
            raise ValueError(f"{name} must be a table")
        unknown = set(section) - known
        if unknown:
            raise ValueError(f"unknown {name} key(s) {', '.join(sorted(unknown))}; expected {', '.join(sorted(known))}")
    tolerances = priorities.get("tolerance", {})
    if not isinstance(tolerances, Mapping):
        raise ValueError("[priorities] tolerance must be a table such as { weekly_spend = \"2%\" }")
    try:
        parsed = {m: Tolerance.parse(v) for m, v in tolerances.items()}
    except ValueError as exc:
        raise ValueError(f"[priorities] tolerance: {exc}") from None
    order = priorities.get("order", DEFAULT_ORDER)
    if isinstance(order, str) or not isinstance(order, list | tuple):
        raise ValueError("[priorities] order must be a list of measures")
    try:
        chosen = Priorities(tuple(order), parsed)
    except ValueError as exc:
        raise ValueError(f"[priorities] {exc}") from None
    try:
        guard = Guards(**guards)
    except ValueError as exc:
        raise ValueError(f"[guards] {exc}") from None
    return Objective(table.get("objective", "priorities"), chosen, guard)


def parse_order(text: str) -> tuple[str, ...]:
    """A comma-separated order from a flag: 'unplaced,siblings_apart,…'."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_tolerances(items: list[str]) -> dict[str, Tolerance]:
    """``measure=value`` flags ('weekly_spend=2%', 'km=50') as tolerances, naming any malformed one."""
    found = {}
    for item in items:
        measure, sep, value = item.partition("=")
        if not sep or not measure.strip():
            raise ValueError(f"--tolerance {item!r} must be MEASURE=VALUE, e.g. weekly_spend=2%")
        try:
            found[measure.strip()] = Tolerance.parse(value)
        except ValueError as exc:
            raise ValueError(f"--tolerance {item!r}: {exc}") from None
    return found


def parse_budget(text: str) -> float | str:
    """'today', or a weekly amount such as '350000' or '£350,000'."""
    raw = text.strip().lower()
    if raw == "today":
        return "today"
    try:
        value = float(raw.removeprefix("£").replace(",", ""))
    except ValueError:
        raise ValueError(f"--budget {text!r} must be 'today' or a weekly amount in £") from None
    if not value >= 0:
        raise ValueError(f"--budget {text!r} must be ≥ 0")
    return value


def parse_pounds(flag: str, text: str) -> float:
    """A weekly amount from a flag: '350000', '£350,000'."""
    try:
        value = float(text.strip().removeprefix("£").replace(",", ""))
    except ValueError:
        raise ValueError(f"{flag} {text!r} must be a weekly amount in £") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{flag} {text!r} must be a weekly amount in £ ≥ 0")
    return value


def check_urgency_factors(weights) -> None:
    """The unplaced measure counts urgency factors to the hundredth (a CP-SAT model is whole numbers):
    a factor such as 1.337 is a named error rather than a silently rounded one."""
    wrong = [f"{name}={getattr(weights, name)!r}" for name in ("urgency_today", "urgency_within_5_days",
                                                                 "urgency_later")
             if abs(100 * getattr(weights, name) - round(100 * getattr(weights, name))) > 1e-9]
    if wrong:
        raise ValueError(f"{', '.join(wrong)}: urgency factors are counted to the hundredth (e.g. 1.25)")
