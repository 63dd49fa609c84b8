"""Pooled what-if: a neighbouring region lends its scarce homes to our flagged children only.

The children on the national-commissioning list (:mod:`rcc.beyond_region`) fit no home of their own
region. Regions can agree to share the homes that are hard to find anywhere — a secure unit, a
children's home that meets complex needs with no one else living there — for those children alone. This
what-if asks how many more of them would then be placed, how far away and at what weekly spend.

Why no other child can ever cross the border: the pooled plan is a **separate, small instance** whose
children are the flagged children and nothing else, and whose homes are the other region's shared
homes and nothing else. It is solved after, and apart from, the region's own plan, so a child who is not
flagged is not in it and cannot be placed in it.

The other region's own children come first: only the beds its *own plan* leaves vacant are shared (the
plan the caller passes: the CLI and the app solve the other region first; an empty plan shares the
vacancies as listed, for a region that has already placed its children), and a shared home holds
its own placed children as residents, so a flagged child who must live alone is not sent there, and
``alongside`` applies to them. A shared bed is charged at the home's spot price even where the other
region block-booked it: that region paid for it for its own children, not for ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from rcc.beyond_region import beyond_region
from rcc.data import geo
from rcc.model import KM_PER_MILE, Home, Instance, Weights
from rcc.outputs import CheckedSolve
from rcc.priorities import Objective
from rcc.service import solve_checked
from rcc.solver.params import SolveParams

RESIDENTIAL = ("childrens_home", "residential_school", "secure")
COMPLEX = 3  # need level 3 (complex) and 4 (highly complex)
SEPARATOR = ":"  # a shared home's ID is "<other region's name>:<its home_id>", so IDs never collide


def scarcity(home: Home) -> tuple[str, ...]:
    """Why a home is scarce — the kinds of home regions agree to share — or ``()`` when it is not.

    A home is scarce when at least one holds:

    - ``secure``: its setting is ``secure`` (a secure children's home);
    - ``solo``: it is residential (children's home, residential school or secure), meets complex needs
      (need level 3 or more) and no child lives there yet — a home a child who must live alone can have
      to themselves;
    - ``specialist``: it meets complex needs (need level 3 or more) and offers at least one specialism.

    Ordinary foster and supported places are not shared: every region has them, and a child who fits
    none of its own region's does not fit them for want of one more of the same kind. A family or friends
    carer (``reserved_for``) is never shared: they take only their own child, and the other region's child
    IDs are not ours (its ``C00025`` is not our ``C00025``).
    """
    if home.reserved_for:
        return ()
    complex_needs = home.max_need_level >= COMPLEX
    kinds = []
    if home.setting == "secure":
        kinds.append("secure")
    if home.setting in RESIDENTIAL and complex_needs and not home.resident_ages:
        kinds.append("solo")
    if complex_needs and home.specialisms:
        kinds.append("specialist")
    return tuple(kinds)


def shared_homes(other: Instance, other_plan: Mapping[str, str | None]) -> tuple[Home, ...]:
    """The other region's scarce homes with the beds its own plan leaves vacant.

    Each keeps everything but: its ID (prefixed with the other region's name), its vacancies (those left),
    its residents (its own placed children's ages added) and its block-booked beds (none: see the module
    docstring). Scarcity is judged before the other region's children move in, so a solo-capable home
    they partly fill is still shared, with them living there.
    """
    placed: dict[str, list[int]] = {}
    for child_id, home_id in other_plan.items():
        if home_id is not None:
            placed.setdefault(home_id, []).append(other.child_by_id[child_id].age)
    shared = []
    for home in other.homes:
        ages = placed.get(home.home_id, [])
        left = home.vacancies - len(ages)
        if scarcity(home) and left >= 1:
            shared.append(home.replace(home_id=f"{other.name}{SEPARATOR}{home.home_id}", vacancies=left,
                                       block_booked=0, resident_ages=(*home.resident_ages, *ages)))
    return tuple(shared)


def pooled_instance(region: Instance, flagged: Iterable[str], homes: tuple[Home, ...], other_name: str) -> Instance:
    """The flagged children of ``region`` against ``homes`` only: separations between flagged children
    are kept; ``travel.csv`` distances are not, since they name the region's own homes."""
    wanted = set(flagged)
    unknown = sorted(wanted - set(region.child_by_id))
    if unknown:
        raise ValueError(f"flagged child(ren) {', '.join(unknown)} are not children of {region.name}")
    children = tuple(c for c in region.children if c.child_id in wanted)
    separations = tuple((a, b) for a, b in region.separations if a in wanted and b in wanted)
    return Instance(children, homes, separations, name=f"{region.name} with {other_name}'s shared homes")


@dataclass(frozen=True)
class Pooled:
    """The pooled what-if's outcome: the flagged children, the homes shared with them, and the checked plan."""

    region: Instance
    other: Instance
    flagged: tuple[str, ...]
    shared: tuple[Home, ...]
    solve: CheckedSolve

    @property
    def placed(self) -> int:
        """Flagged children the shared homes take (for children on the list, each one more placed than the
        region alone can manage)."""
        return self.solve.check.placed

    @property
    def weekly_spend(self) -> float:
        return float(self.solve.check.measures["weekly_spend"])

    def table(self) -> pd.DataFrame:
        """One row per flagged child: their authority, where the pooled plan places them (the other region's
        home ID, setting and authority), how far in miles and the weekly price; no home → empty cells."""
        names = geo.local_authorities()["la_name"]
        homes = self.solve.instance.home_by_id
        rows = []
        for child in self.solve.instance.children:
            home_id = self.solve.result.assignment.get(child.child_id)
            home = homes[home_id] if home_id else None
            original = home_id.split(SEPARATOR, 1)[1] if home_id else ""
            km = self.solve.check.km.get(child.child_id)
            rows.append({
                "child_id": child.child_id,
                "authority": names.get(child.la_code, child.la_code),
                "home_id": original,
                "setting": home.setting.replace("_", " ") if home else "",
                "home_authority": names.get(home.la_code, home.la_code) if home else "",
                "shared_as": ", ".join(scarcity(self.other.home_by_id[original])) if home else "",
                "miles": round(km / KM_PER_MILE, 1) if km is not None else None,
                "weekly_cost": self.solve.check.charged.get(child.child_id),
            })
        return pd.DataFrame(rows, columns=["child_id", "authority", "home_id", "setting", "home_authority",
                                           "shared_as", "miles", "weekly_cost"])

    def summary(self) -> dict:
        """The figures a commissioner asks for, as JSON-ready values."""
        table = self.table()
        placed = table[table["home_id"] != ""]
        return {
            "region": self.region.name, "other_region": self.other.name,
            "flagged": len(self.flagged), "shared_homes": len(self.shared),
            "shared_beds": sum(h.vacancies for h in self.shared),
            "more_placed": self.placed,
            "still_unplaced": len(self.flagged) - self.placed,
            "weekly_spend": round(self.weekly_spend, 2),
            "mean_miles": round(float(placed["miles"].mean()), 1) if len(placed) else None,
            "max_miles": round(float(placed["miles"].max()), 1) if len(placed) else None,
            "status": self.solve.result.status.value,
            "placements": [{k: (None if pd.isna(v) else v) for k, v in row.items()}
                           for row in table.to_dict("records")],
        }


def pool(region: Instance, other: Instance, other_plan: Mapping[str, str | None],
         flagged: Iterable[str] | None = None, weights: Weights | None = None, params: SolveParams | None = None,
         objective: Objective | None = None) -> Pooled:
    """The pooled what-if: ``flagged`` children of ``region`` (by default its national-commissioning list)
    solved against ``other``'s scarce homes left vacant by ``other_plan``, checked independently.

    Raises ``ValueError`` naming a flagged ID that is not a child of ``region``, when no child is flagged
    (nothing to pool: ask :func:`rcc.beyond_region.beyond_region` first), or when both regions share a name
    (shared home IDs would not say which region a home is in).
    """
    if region.name == other.name:
        raise ValueError(f"both regions are called {region.name!r}: give the other region's folder another name")
    flagged = tuple(beyond_region(region).child_ids if flagged is None else dict.fromkeys(flagged))
    if not flagged:
        raise ValueError(f"no child of {region.name} is flagged: there is nobody to offer the shared homes")
    shared = shared_homes(other, other_plan)
    instance = pooled_instance(region, flagged, shared, other.name)
    return Pooled(region, other, flagged, shared, solve_checked(instance, weights, params, objective=objective))
