"""A plan a solver holds: a complete assignment that keeps every rule, where it came from, and its score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rcc.model import Instance, Weights
from rcc.solver.objective import assignment_measures, assignment_terms


@dataclass(frozen=True)
class Plan:
    """A complete assignment that keeps every rule, where it came from, and its exact objective terms."""

    label: str
    assignment: Mapping[str, str | None]
    terms: Mapping[str, float]
    measures: Mapping[str, float]

    @property
    def objective(self) -> float:
        return sum(self.terms.values())

    @classmethod
    def of(cls, label: str, instance: Instance, weights: Weights, pairs: pd.DataFrame,
           assignment: Mapping[str, str | None]) -> Plan:
        return cls(label, assignment, assignment_terms(instance, weights, pairs, assignment),
                   assignment_measures(instance, weights, pairs, assignment))


def splits(instance: Instance, assignment: Mapping[str, str | None], groups=None) -> int:
    """Extra homes the sibling groups (all, or ``groups``) are spread over: the score's split count."""
    chosen = instance.sibling_groups if groups is None else {g: instance.sibling_groups[g] for g in groups}
    return sum(max(0, len({assignment.get(c) for c in members} - {None}) - 1) for members in chosen.values())


def split_groups(instance: Instance, assignment: Mapping[str, str | None], groups=None) -> int:
    """Sibling groups (all, or ``groups``) whose placed members live in more than one home."""
    chosen = instance.sibling_groups if groups is None else {g: instance.sibling_groups[g] for g in groups}
    return sum(len({assignment.get(c) for c in members} - {None}) > 1 for members in chosen.values())


@dataclass(frozen=True)
class SiblingCap:
    """The status quo's sibling splits, which no plan of the priced pipeline may exceed: the extra
    homes groups are spread over (the score's split count) and the number of groups split."""

    separations: float
    groups: float

    @classmethod
    def of(cls, instance: Instance, assignment: Mapping[str, str | None]) -> SiblingCap:
        return cls(splits(instance, assignment), split_groups(instance, assignment))

    def allows(self, instance: Instance, assignment: Mapping[str, str | None]) -> bool:
        return (splits(instance, assignment) <= self.separations
                and split_groups(instance, assignment) <= self.groups)

    def hold(self, model: Any, instance: Instance, plan: Mapping[str, str | None], free: set[str]) -> None:
        """Add the cap to a :class:`rcc.solver.placement_model.PlacementModel` whose sibling groups
        ``free`` may change, the others staying as in ``plan``."""
        others = set(instance.sibling_groups) - free
        separations = self.separations - splits(instance, plan, others)
        groups = self.groups - split_groups(instance, plan, others)
        # the model may also hold members of other groups, pinned where the plan has them: those
        # are counted in the plan's splits above, so only the free groups' split terms are capped
        free_splits = {group: extra for group, extra in model.splits.items() if group in free}
        if not free_splits:
            return
        model.model.add(sum(free_splits.values()) <= int(max(0, separations)))
        split = []
        for group, extra in free_splits.items():
            apart = model.model.new_bool_var(f"split_{group}")
            model.model.add(extra <= (len(instance.sibling_groups[group]) - 1) * apart)
            split.append(apart)
        model.model.add(sum(split) <= int(max(0, groups)))
