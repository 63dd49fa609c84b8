"""Future demand: placement requests sampled over a horizon from a region's observed profile.

A *referral unit* is one child or one sibling group (siblings are referred together). The
profile groups the units observed in an instance (or a history table read as one) by the lead
child's LA × age band × need level, and turns each stratum's count into a weekly arrival rate by
dividing by the weeks of referrals the observation covers. A scenario draws, per stratum, a
Poisson number of arrivals over the horizon and fills each with an observed unit of that stratum
(resampled with replacement), so sibling-group sizes, solo shares, needs and locations keep their
observed mix within each stratum.

Each scenario has its own seed, derived from (base seed, scenario number) by NumPy's
``SeedSequence``: scenario 17 is the same children whichever worker draws it, in whatever order.
Supply is the instance's homes as they stand: a scenario asks "if these referrals arrive over the
horizon, how well can today's vacancies (and contracts) meet them?".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from rcc.model import Child, Instance
from rcc.summary import age_band


@dataclass(frozen=True)
class DemandProfile:
    """Referral units with their strata, observed over ``weeks`` weeks."""

    units: tuple[tuple[Child, ...], ...]
    weeks: float

    @classmethod
    def from_instance(cls, instance: Instance, weeks: float = 12.0) -> DemandProfile:
        """The waiting children of ``instance`` read as ``weeks`` weeks of referrals."""
        if weeks <= 0:
            raise ValueError(f"weeks of observed referrals must be > 0, not {weeks}")
        units: dict[str, list[Child]] = {}
        for child in instance.children:
            units.setdefault(child.sibling_group or f"#{child.child_id}", []).append(child)
        return cls(tuple(tuple(members) for members in units.values()), weeks)

    @staticmethod
    def stratum(unit: tuple[Child, ...]) -> tuple[str, str, int]:
        lead = max(unit, key=lambda c: (c.need_level, c.age))  # the unit's most demanding child
        return lead.la_code, age_band(lead.age), lead.need_level

    @cached_property
    def _by_stratum(self) -> dict[tuple[str, str, int], list[int]]:
        strata: dict[tuple[str, str, int], list[int]] = {}
        for i, unit in enumerate(self.units):
            strata.setdefault(self.stratum(unit), []).append(i)
        return dict(sorted(strata.items()))

    def rates(self) -> pd.DataFrame:
        """Arrivals per week by LA × age band × need level, with the units' sizes and solo share."""
        rows = []
        for (la, band, need), members in self._by_stratum.items():
            units = [self.units[i] for i in members]
            children = [c for unit in units for c in unit]
            rows.append({
                "la_code": la, "age_band": band, "need_level": need,
                "units_per_week": len(units) / self.weeks, "children_per_week": len(children) / self.weeks,
                "mean_unit_size": len(children) / len(units),
                "solo_share": sum(c.solo for c in children) / len(children),
            })
        return pd.DataFrame(rows)

    def sample(self, horizon_weeks: float, seed: int, scenario: int) -> tuple[Child, ...]:
        """The children referred over ``horizon_weeks`` in scenario number ``scenario``."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, scenario]))
        children: list[Child] = []
        serial = 0
        for members in self._by_stratum.values():
            arrivals = rng.poisson(len(members) / self.weeks * horizon_weeks)
            for pick in rng.choice(members, size=arrivals, replace=True) if arrivals else []:
                serial += 1
                unit = self.units[pick]
                group = f"S{scenario}-G{serial}" if len(unit) > 1 else None
                children.extend(c.replace(child_id=f"S{scenario}-C{serial}-{k}", sibling_group=group)
                                for k, c in enumerate(unit, start=1))
        return tuple(children)


def scenario_instance(base: Instance, profile: DemandProfile, horizon_weeks: float, seed: int,
                      scenario: int) -> Instance:
    """``base``'s homes facing scenario ``scenario``'s referrals (no separations or travel overrides, and no
    family or friends carers: those name particular children, and these children are new)."""
    children = profile.sample(horizon_weeks, seed, scenario)
    market = tuple(h for h in base.homes if h.reserved_for is None)
    return base.replace(children=children, homes=market, separations=(), travel={},
                        name=f"{base.name} scenario {scenario}")
