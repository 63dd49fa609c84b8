"""Plain-text summaries of an instance: demand against supply, for ``rcc validate`` and logs.

Counts only — never an individual child's details.
"""

from __future__ import annotations

from collections import Counter

from rcc.data import geo
from rcc.model import Instance

AGE_BANDS = ((0, 4, "0-4"), (5, 9, "5-9"), (10, 15, "10-15"), (16, 17, "16-17"))


def age_band(age: int) -> str:
    return next(label for lo, hi, label in AGE_BANDS if lo <= age <= hi)


def _line(title: str, counts: Counter) -> str:
    body = ", ".join(f"{key}: {counts[key]}" for key in sorted(counts))
    return f"  {title:<22} {body}"


def describe_instance(instance: Instance) -> str:
    """A few lines a planner can read at a glance: who is waiting, what is free, where."""
    names = geo.local_authorities()["la_name"]
    kids, homes = instance.children, instance.homes
    group_sizes = Counter(len(ids) for ids in instance.sibling_groups.values())
    vacancies_by_setting, vacancies_by_la = Counter(), Counter()
    for home in homes:
        vacancies_by_setting[home.setting] += home.vacancies
        vacancies_by_la[names.get(home.la_code, home.la_code)] += home.vacancies
    lines = [
        f"{instance.name or 'instance'}: {len(kids)} children waiting, {len(homes)} homes with "
        f"{instance.total_vacancies} vacancies ({sum(h.block_booked for h in homes)} block-booked)",
        "Demand",
        _line("children by LA", Counter(names.get(c.la_code, c.la_code) for c in kids)),
        _line("age band", Counter(age_band(c.age) for c in kids)),
        _line("need level", Counter(c.need_level for c in kids)),
        _line("sibling groups (size)", group_sizes),
        _line("solo", Counter("solo" if c.solo else "shared ok" for c in kids)),
        *_standard_lines(instance),
        "Supply",
        _line("vacancies by LA", vacancies_by_la),
        _line("vacancies by setting", vacancies_by_setting),
        _line("separations, travel", Counter({"separations": len(instance.separations),
                                               "travel pairs": len(instance.travel)})),
    ]
    if any(h.resident_ages for h in homes):
        lines.append(_line("children living there", Counter(
            "homes with residents" if h.resident_ages else "homes without" for h in homes)))
    return "\n".join(lines)


def _standard_lines(instance: Instance) -> list[str]:
    """The Placements Data Standard fields, only when the data records them."""
    kids = instance.children
    lines = []
    if any(c.urgency for c in kids):
        lines.append(_line("urgency", Counter(c.urgency or "not recorded" for c in kids)))
    preferred = Counter(f for c in kids for f in ("foster", "residential", "supported")
                        if getattr(c, f"suitability_{f}") == "preferred")
    if preferred:
        lines.append(_line("preferred setting", preferred))
    if any(c.alongside not in ("no_preference", "solo") for c in kids):
        lines.append(_line("alongside", Counter(c.alongside for c in kids)))
    return lines
