"""Placements Data Standard fields drawn onto a generated instance, for researchers' what-ifs.

No statistics are published on how often referrals are needed today, which setting families they
prefer or rule out, or who a child can live alongside, so the rates below are **illustrative
assumptions**, chosen only so that every field matters in a solve: they are not calibrated, and
results on such instances say how rcc copes with the fields, not how a region looks.

- urgency: today 15%, within 5 days 25%, later 40%, not recorded 20%.
- suitability: 60% of children prefer one family — under 11 foster; 11–15 foster 60% / residential
  40%; 16–17 supported 50% / foster 30% / residential 20% — and the others are ``suitable``, one of
  them ``unsuitable`` for one child in five of those; the rest record nothing.
- alongside: a solo child stays ``solo``; otherwise older only 8%, younger only 8%, with others 10%.
- resident_ages: 60% of children's homes hold 1–3 children aged 10–17, 50% of semi-independent
  homes 1–3 aged 16–17, 30% of foster homes 1–2 aged 0–17.

A separate random stream (seeded from the instance's seed) is used, so an instance with the fields
has exactly the children and homes of the same instance without them.
"""

from __future__ import annotations

import numpy as np

from rcc.model import FAMILIES, Child, Home, Instance

URGENCY = {None: 0.20, "today": 0.15, "within_5_days": 0.25, "later": 0.40}
ALONGSIDE = {"no_preference": 0.74, "older_only": 0.08, "younger_only": 0.08, "with_others": 0.10}
RESIDENTS = {  # setting: (share of homes with residents, most residents, youngest, oldest)
    "childrens_home": (0.6, 3, 10, 17),
    "semi_independent": (0.5, 3, 16, 17),
    "foster": (0.3, 2, 0, 17),
}


def _preferred_family(rng, age: int) -> str:
    if age < 11:
        return "foster"
    if age < 16:
        return rng.choice(["foster", "residential"], p=[0.6, 0.4])
    return rng.choice(["supported", "foster", "residential"], p=[0.5, 0.3, 0.2])


def _child(rng, child: Child) -> Child:
    urgency = list(URGENCY)[rng.choice(len(URGENCY), p=list(URGENCY.values()))]
    suitability = dict.fromkeys(FAMILIES, "not_specified")
    if rng.random() < 0.6:
        preferred = _preferred_family(rng, child.age)
        suitability = {family: "preferred" if family == preferred else "suitable" for family in FAMILIES}
        if rng.random() < 0.2:
            suitability[rng.choice([f for f in FAMILIES if f != preferred])] = "unsuitable"
    alongside = "solo" if child.solo else rng.choice(list(ALONGSIDE), p=list(ALONGSIDE.values()))
    return child.replace(urgency=urgency, alongside=str(alongside),
                         **{f"suitability_{family}": value for family, value in suitability.items()})


def _home(rng, home: Home) -> Home:
    share, most, youngest, oldest = RESIDENTS.get(home.setting, (0.0, 0, 0, 0))
    if rng.random() >= share:
        return home
    ages = rng.integers(youngest, oldest + 1, size=rng.integers(1, most + 1))
    return home.replace(resident_ages=tuple(sorted(int(a) for a in ages)))


def with_standard_fields(instance: Instance, seed: int) -> Instance:
    """``instance`` with urgency, suitability, alongside and resident ages drawn as the module says."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 903]))
    children = tuple(_child(rng, c) for c in instance.children)
    homes = tuple(_home(rng, h) for h in instance.homes)
    return instance.replace(children=children, homes=homes)
