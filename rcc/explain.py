"""Plain-English explanations: why each child got their home, or why none.

For a placed child: the chosen home's cost terms and the best alternative with its extra cost.
For an unplaced child: the rules that left no feasible home, or what took the capacity (full
homes, a solo child, a separated child, a child of an age they may not live with), or that every
home would cost more than leaving them unplaced (an emergency placement, scaled by urgency).
Explanations read the candidate-pairs table and the *checked* km and charges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from rcc.check import Check
from rcc.model import Instance, Weights
from rcc.solver.candidates import Arrays, excluding_rules, may_live_together


def money(value: float) -> str:
    return f"£{value:,.0f}/wk"


def _describe_home(instance: Instance, home_id: str) -> str:
    home = instance.home_by_id[home_id]
    return f"{home_id} ({home.setting.replace('_', ' ')}, {home.provider})"


class Explainer:
    """Explanations and shortlists for one checked assignment."""

    def __init__(self, instance: Instance, weights: Weights, pairs: pd.DataFrame,
                 assignment: Mapping[str, str | None], check: Check):
        self.instance, self.weights, self.pairs = instance, weights, pairs
        self.assignment, self.check = dict(assignment), check
        self.occupants: dict[str, list[str]] = defaultdict(list)
        for child_id, home_id in self.assignment.items():
            if home_id is not None:
                self.occupants[home_id].append(child_id)
        self._by_child = {c: rows for c, rows in pairs.groupby("child_id")}
        self._separated: dict[str, set[str]] = defaultdict(set)
        for a, b in instance.separations:
            self._separated[a].add(b)
            self._separated[b].add(a)
        self._position = {c.child_id: i for i, c in enumerate(instance.children)}
        self._arrays = Arrays(instance)  # shared by every "which rules exclude this child" question

    def _pref_term(self, child_id: str, home_id: str) -> float:
        """The not-preferred charge of this child in this home (0 when it is not charged)."""
        rows = self._by_child[child_id]
        return float(rows.loc[rows["home_id"] == home_id, "pref_term"].sum())

    def _unplaced_cost(self, child_id: str) -> float:
        return self.weights.unplaced_penalty(self.instance.child_by_id[child_id])

    # --- costs -----------------------------------------------------------------------------

    def _free_booked_bed(self, home_id: str, child_id: str) -> bool:
        """Would ``child_id`` sit on an already-paid bed in ``home_id``?"""
        others = [c for c in self.occupants[home_id] if c != child_id]
        return len(others) < self.instance.home_by_id[home_id].block_booked

    def _options(self, child_id: str) -> pd.DataFrame:
        """The child's feasible homes with the weekly cost this child would add there."""
        rows = self._by_child.get(child_id)
        if rows is None:
            return self.pairs.iloc[:0].assign(charged=[], pair_cost=[])
        charged = [0.0 if self._free_booked_bed(h, child_id) else cost
                   for h, cost in zip(rows["home_id"], rows["cost_term"], strict=True)]
        options = rows.assign(charged=charged)
        pair_cost = options["charged"] + options["km_term"] + options["pref_term"]
        return options.assign(pair_cost=pair_cost).sort_values(["pair_cost", "home_id"])

    def _blocker(self, child_id: str, home_id: str) -> str | None:
        """Why ``child_id`` cannot join ``home_id`` as the assignment stands (a predicate such as
        "is full (C1, C2)"), or ``None``."""
        here = [c for c in self.occupants[home_id] if c != child_id]
        home = self.instance.home_by_id[home_id]
        if len(here) >= home.vacancies:
            return f"is full ({', '.join(here)})"
        solo_here = [c for c in here if self.instance.child_by_id[c].solo]
        if solo_here:
            return f"holds solo child {solo_here[0]}"
        if here and self.instance.child_by_id[child_id].solo:
            return "is not empty, and the child needs a home to themselves"
        apart = sorted(self._separated[child_id] & set(here))
        if apart:
            return f"has {apart[0]}, who must live apart from this child"
        child = self.instance.child_by_id[child_id]
        ages = sorted(c for c in here if not may_live_together(child, self.instance.child_by_id[c]))
        if ages:
            other = self.instance.child_by_id[ages[0]]
            return f"has {other.child_id}, aged {other.age}, whom this child may not live with (alongside)"
        return None

    # --- explanations ---------------------------------------------------------------------

    def reason(self, child_id: str) -> str:
        home_id = self.assignment.get(child_id)
        return self._placed_reason(child_id, home_id) if home_id else self._unplaced_reason(child_id)

    def _placed_reason(self, child_id: str, home_id: str) -> str:
        km, charged = self.check.km[child_id], self.check.charged[child_id]
        price = "a block-booked bed (already paid)" if charged == 0 and self.instance.home_by_id[home_id].block_booked \
            else money(charged)
        text = f"Placed at {_describe_home(self.instance, home_id)}, {km:.1f} km away, {price}"
        not_preferred = self._pref_term(child_id, home_id)
        if not_preferred:
            text += " (a suitable setting, not the preferred one)"
        child = self.instance.child_by_id[child_id]
        siblings = [c for c in self.instance.sibling_groups.get(child.sibling_group, ()) if c != child_id]
        if siblings:
            with_them = [c for c in siblings if self.assignment.get(c) == home_id]
            text += f"; with {len(with_them)} of {len(siblings)} sibling(s)"
        alternatives = self._options(child_id)
        alternatives = alternatives[alternatives["home_id"] != home_id]
        if alternatives.empty:
            return text + ". No other home meets this child's needs."
        best = alternatives.iloc[0]
        chosen_cost = charged * self.weights.cost + self.weights.km * km + not_preferred
        extra = best["pair_cost"] - chosen_cost
        blocked = self._blocker(child_id, best["home_id"])
        tail = f" but it {blocked}" if blocked else ""
        return (f"{text}. Best alternative: {best['home_id']}, {best['km']:.1f} km, "
                f"{'+' if extra >= 0 else '−'}{money(abs(extra))} for this child{tail}.")

    def _unplaced_reason(self, child_id: str) -> str:
        options = self._options(child_id)
        if options.empty:
            excluded = excluding_rules(self.instance, self._position[child_id], self._arrays)
            counts = sorted(excluded.items(), key=lambda kv: -kv[1])
            why = "; ".join(f"{n} home(s): {reason}" for reason, n in counts[:3])
            return f"Unplaced: no home meets the rules ({why})."
        unplaced_cost = self._unplaced_cost(child_id)
        if (options["pair_cost"] > unplaced_cost).all():
            return (f"Unplaced: every feasible home costs more than an emergency placement "
                    f"({money(unplaced_cost)}); cheapest is {options.iloc[0]['home_id']} at "
                    f"{money(options.iloc[0]['pair_cost'])}.")
        blocked = [(h, self._blocker(child_id, h)) for h in options["home_id"]]
        taken = [f"{h} {b}" for h, b in blocked if b]
        if len(taken) == len(blocked):
            return f"Unplaced: all {len(blocked)} feasible home(s) are taken: " + "; ".join(taken[:3]) + "."
        return ("Unplaced: a home had room, but placing this child there would cost more overall "
                "(for example by splitting a sibling group or displacing a better match).")

    def table(self) -> pd.DataFrame:
        """child_id, home_id and the reason, for every child."""
        return pd.DataFrame(
            {"child_id": c.child_id, "home_id": self.assignment.get(c.child_id), "reason": self.reason(c.child_id)}
            for c in self.instance.children
        )

    def shortlist(self, child_id: str, k: int = 5) -> pd.DataFrame:
        """The child's top-k feasible homes by weekly cost to the objective, with the difference
        from the current match (or from leaving the child unplaced) and whether it is free."""
        options = self._options(child_id).head(k)
        home_id = self.assignment.get(child_id)
        if home_id:
            current = (self.check.charged[child_id] * self.weights.cost + self.weights.km * self.check.km[child_id]
                       + self._pref_term(child_id, home_id))
        else:
            current = self._unplaced_cost(child_id)
        homes = self.instance.home_by_id
        return pd.DataFrame({
            "rank": range(1, len(options) + 1),
            "home_id": options["home_id"].to_list(),
            "setting": [homes[h].setting for h in options["home_id"]],
            "provider": [homes[h].provider for h in options["home_id"]],
            "km": options["km"].round(1).to_list(),
            "weekly_cost": options["charged"].to_list(),
            "objective_cost": options["pair_cost"].round(2).to_list(),
            "vs_current": (options["pair_cost"] - current).round(2).to_list(),
            "chosen": [h == home_id for h in options["home_id"]],
            "blocked_by": [None if h == home_id else self._blocker(child_id, h) for h in options["home_id"]],
        })
