"""Windowed search: CP-SAT re-optimises one part of the region at a time, everyone else held.

At 5,000 children and more, one CP-SAT model of every priced pair takes most of the time limit
just to presolve, and finds little (``benchmarks/FINDINGS.md``). A *window* is a disc of
neighbouring children, across authority borders (with every brother and sister, wherever they
live), the homes they could go to, and — held where the plan has them — the other children
already placed in those homes, who share their places, separations and ``alongside`` rules.
Whole authorities made poor windows: Lancashire alone has over 600 of 5,000 children waiting,
more than CP-SAT could settle in ten seconds. Nobody outside a
window can be affected by what happens inside it, so a better window is a better plan, and the
plan is re-scored exactly before it is kept.

Siblings come first: the plan never spreads groups over more homes, nor splits more groups, than
the ``cap`` allows (the status quo's counts), inside the window or out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from scipy.spatial import cKDTree

from rcc.data.geo import to_unit_vectors
from rcc.model import Instance, Weights
from rcc.solver.incumbent import Plan, SiblingCap
from rcc.solver.params import SolveParams, run
from rcc.solver.placement_model import PlacementModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """Children (positions) re-optimised together: a disc of neighbouring children and all their siblings."""

    children: np.ndarray

    def authorities(self, instance: Instance) -> list[str]:
        return sorted({instance.children[c].la_code for c in self.children})


def neighbourhood_windows(instance: Instance, size: int, rng: np.random.Generator,
                          among: np.ndarray | None = None) -> Iterator[Window]:
    """Windows covering every child (or every child of ``among``, positions) once a sweep: from a
    random child not yet covered, its ``size`` nearest (across authority borders) and their brothers
    and sisters. Each sweep draws new centres, so the borders between windows move."""
    among = np.arange(len(instance.children)) if among is None else np.asarray(among, int)
    n = len(among)
    if n == 0:
        return
    points = to_unit_vectors([instance.children[c].lat for c in among], [instance.children[c].lon for c in among])
    tree = cKDTree(points)
    position = instance.child_position
    group_members = {g: [position[c] for c in members] for g, members in instance.sibling_groups.items()}
    covered = np.zeros(len(instance.children), bool)
    for seed in rng.permutation(n):
        if covered[among[seed]]:
            continue
        _, near = tree.query(points[seed], k=min(size, n))
        window = with_siblings(instance, among[np.atleast_1d(near)], group_members)
        covered[window.children] = True
        yield window


def with_siblings(instance: Instance, children: np.ndarray, group_members: dict | None = None) -> Window:
    """A window of ``children`` (positions) and every brother and sister of theirs."""
    if group_members is None:
        position = instance.child_position
        group_members = {g: [position[c] for c in members] for g, members in instance.sibling_groups.items()}
    members = set(np.asarray(children).tolist())
    for child in list(members):
        members.update(group_members.get(instance.children[child].sibling_group, ()))
    return Window(np.array(sorted(members), int))


@dataclass(frozen=True)
class WindowOutcome:
    plan: Plan
    improved: bool
    proven: bool  # CP-SAT proved the window optimal (the plan cannot improve inside it)
    pairs: int
    seconds: float


def improve_window(instance: Instance, weights: Weights, params: SolveParams, plan: Plan, pairs: pd.DataFrame,
                   window: Window, seconds: float, cap: SiblingCap,
                   pins: Mapping[str, str | None] | None = None) -> WindowOutcome:
    """Re-optimise ``window`` for ``seconds``. ``pairs`` hold the window's children's pairs to search
    and every pair of ``plan``.

    The model holds the window's children's pairs, and the plan's pairs of every other child in a
    home those pairs reach (pinned there). Siblings: within ``cap`` over the whole plan.
    """
    ids = np.array([c.child_id for c in instance.children], object)
    inside = np.zeros(len(instance.children), bool)
    inside[window.children] = True
    children = pairs["child"].to_numpy()
    free_rows = inside[children]
    homes = np.unique(pairs["home"].to_numpy()[free_rows])
    home_position = instance.home_position
    planned_home = np.array([home_position.get(plan.assignment.get(c), -1) for c in ids])
    held = ~inside & np.isin(planned_home, homes)
    held_rows = held[children] & (pairs["home"].to_numpy() == planned_home[children])
    model_pairs = pairs[free_rows | held_rows].reset_index(drop=True)
    held_pins = {ids[c]: instance.homes[planned_home[c]].home_id for c in np.flatnonzero(held)}
    position = instance.child_position
    window_pins = {c: h for c, h in (pins or {}).items() if inside[position[c]]}
    model = PlacementModel(instance, weights, model_pairs, {**held_pins, **window_pins})
    model.minimise_score()
    groups = {instance.children[c].sibling_group for c in window.children} & set(instance.sibling_groups)
    cap.hold(model, instance, plan.assignment, groups)
    model.hint(plan.assignment)  # held children need it; free ones gained nothing without (measured at 5,000)
    code, solver = run(model.model, params, seconds)
    log.debug("window CP-SAT: %s", solver.status_name(code))
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WindowOutcome(plan, False, False, len(model_pairs), solver.wall_time)
    found = model.assignment(solver.boolean_value)
    assignment = dict(plan.assignment)
    for c in window.children:
        assignment[ids[c]] = found[ids[c]]
    better = Plan.of("windowed search (CP-SAT)", instance, weights, pairs, assignment)
    improved = better.objective < plan.objective - 1e-6 and cap.allows(instance, assignment)
    return WindowOutcome(better if improved else plan, improved, code == cp_model.OPTIMAL, len(model_pairs),
                         solver.wall_time)
