"""Plain-English explanations: why each child got their home, or why none, and where each sibling group went.

For a placed child: the chosen home, its distance and weekly price, whether it is within 20 miles and
in the child's own authority, and the best alternative, compared in the same terms (real money and
miles, never the weighted score). "Best" follows the objective: under priorities, the home that is best
on the pair-level measures in their order (within 20 miles, own authority, preferred setting, price,
distance); under the weighted score, the one that adds least to the score.
A child placed with their family or friends carer is told so; a child who has one but is placed
elsewhere (or not at all) is told why the carer could not take them (:mod:`rcc.solver.kinship`).
For an unplaced child: the rules that left no feasible home, or what took the capacity (full
homes, a solo child, a separated child, a child of an age they may not live with), or — under the
weighted score — that every home scores worse than leaving them unplaced (an emergency placement).
Explanations read the candidate-pairs table and the *checked* km and charges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rcc.check import Check
from rcc.data import geo
from rcc.model import KM_PER_MILE, MILES_20_KM, Instance, Weights
from rcc.solver.candidates import Arrays, excluding_rules, may_live_together
from rcc.solver.kinship import kinship
from rcc.units import in_miles


def money(value: float) -> str:
    return f"£{value:,.0f}/week"


def _describe_home(instance: Instance, home_id: str) -> str:
    home = instance.home_by_id[home_id]
    return f"{home_id} ({home.setting.replace('_', ' ')}, {home.provider})"


class Explainer:
    """Explanations, shortlists and the sibling-group view for one checked assignment."""

    def __init__(self, instance: Instance, weights: Weights, pairs: pd.DataFrame,
                 assignment: Mapping[str, str | None], check: Check, mode: str = "priorities"):
        self.instance, self.weights, self.pairs, self.mode = instance, weights, pairs, mode
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
        self._kinship = kinship(instance, pairs)

    def _unplaced_score(self, child_id: str) -> float:
        return self.weights.unplaced_penalty(self.instance.child_by_id[child_id])

    # --- options ---------------------------------------------------------------------------

    def _free_booked_bed(self, home_id: str, child_id: str) -> bool:
        """Would ``child_id`` sit on an already-paid bed in ``home_id``?"""
        others = [c for c in self.occupants[home_id] if c != child_id]
        return len(others) < self.instance.home_by_id[home_id].block_booked

    def _options(self, child_id: str) -> pd.DataFrame:
        """The child's feasible homes, best first by the objective, with what each would charge
        (``charged``, £/week), whether it is far or outside the authority, and its score (weighted mode)."""
        rows = self._by_child.get(child_id)
        if rows is None:
            return self.pairs.iloc[:0].assign(charged=[], far=[], outside=[], score=[])
        child = self.instance.child_by_id[child_id]
        charged = [0.0 if self._free_booked_bed(h, child_id) else cost
                   for h, cost in zip(rows["home_id"], rows["weekly_cost"], strict=True)]
        options = rows.assign(
            charged=charged,
            far=rows["km"] > MILES_20_KM,
            outside=[self.instance.home_by_id[h].la_code != child.la_code for h in rows["home_id"]],
        )
        score = self.weights.cost * options["charged"] + options["km_term"] + options["pref_term"]
        options = options.assign(score=score)
        if self.mode == "weighted":
            return options.sort_values(["score", "home_id"])
        return options.sort_values(["far", "outside", "not_preferred", "charged", "km", "home_id"])

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
        if home_id and self.instance.home_by_id[home_id].reserved_for is not None:
            return self._kinship_reason(child_id, home_id)
        why = self._placed_reason(child_id, home_id) if home_id else self._unplaced_reason(child_id)
        return self._kinship_note(child_id) + why

    def _kinship_note(self, child_id: str) -> str:
        """For a child with a family or friends carer who is not with them: which carer, and why not."""
        if child_id in self._kinship.blocked:
            carer, why = self._kinship.blocked[child_id]
            return f"Has a family or friends carer ({carer}) but {why}. "
        if child_id in self._kinship.pins:
            return f"Has a family or friends carer ({self._kinship.pins[child_id]}) but was pinned elsewhere by hand. "
        return ""

    def _kinship_reason(self, child_id: str, home_id: str) -> str:
        """A kinship placement: the law prefers it to any other home, so no alternative is weighed."""
        km, charged = self.check.km[child_id], self.check.charged[child_id]
        child = self.instance.child_by_id[child_id]
        where = ("within 20 miles" if km <= MILES_20_KM else "more than 20 miles from home") + (
            ", in the child's own authority" if self.instance.home_by_id[home_id].la_code == child.la_code
            else ", outside the child's authority")
        text = f"Placed with their family or friends carer ({home_id}), {in_miles(km)} away ({where}), {money(charged)}"
        siblings = [c for c in self.instance.sibling_groups.get(child.sibling_group, ()) if c != child_id]
        if siblings:
            with_them = [c for c in siblings if self.assignment.get(c) == home_id]
            text += f"; with {len(with_them)} of {len(siblings)} sibling(s)"
        return text + "."

    def _placed_reason(self, child_id: str, home_id: str) -> str:
        km, charged = self.check.km[child_id], self.check.charged[child_id]
        home = self.instance.home_by_id[home_id]
        child = self.instance.child_by_id[child_id]
        price = "a block-booked bed (already paid)" if charged == 0 and home.block_booked else money(charged)
        where = ("within 20 miles" if km <= MILES_20_KM else "more than 20 miles from home") + (
            ", in the child's own authority" if home.la_code == child.la_code else ", outside the child's authority")
        text = f"Placed at {_describe_home(self.instance, home_id)}, {in_miles(km)} away ({where}), {price}"
        if child.prefers_a_family and child.suitability(home.setting) == "suitable":
            text += " (a suitable setting, not the preferred one)"
        siblings = [c for c in self.instance.sibling_groups.get(child.sibling_group, ()) if c != child_id]
        if siblings:
            with_them = [c for c in siblings if self.assignment.get(c) == home_id]
            text += f"; with {len(with_them)} of {len(siblings)} sibling(s)"
        alternatives = self._options(child_id)
        alternatives = alternatives[alternatives["home_id"] != home_id]
        if alternatives.empty:
            return text + ". No other home meets this child's needs."
        best = alternatives.iloc[0]
        blocked = self._blocker(child_id, best["home_id"])
        tail = f" but it {blocked}" if blocked else ""
        return (f"{text}. Best alternative: {best['home_id']}, {in_miles(best['km'])} "
                f"({_difference((best['km'] - km) / KM_PER_MILE, 'miles', 'farther', 'nearer')}), "
                f"{money(best['charged'])} "
                f"({_difference(best['charged'] - charged, '£', 'a week more', 'a week less')}){tail}.")

    def _unplaced_reason(self, child_id: str) -> str:
        options = self._options(child_id)
        if options.empty:
            excluded = excluding_rules(self.instance, self._position[child_id], self._arrays)
            counts = sorted(excluded.items(), key=lambda kv: -kv[1])
            why = "; ".join(f"{n} home(s): {reason}" for reason, n in counts[:3])
            return f"Unplaced: no home meets the rules ({why})."
        if self.mode == "weighted":
            emergency = self._unplaced_score(child_id)
            if (options["score"] > emergency).all():
                return (f"Unplaced: every feasible home scores worse than an emergency placement ({emergency:,.0f} "
                        f"in the weighted score); the best, {options.iloc[0]['home_id']}, costs "
                        f"{money(options.iloc[0]['charged'])} and scores {options.iloc[0]['score']:,.0f}.")
        blocked = [(h, self._blocker(child_id, h)) for h in options["home_id"]]
        taken = [f"{h} {b}" for h, b in blocked if b]
        if len(taken) == len(blocked):
            return f"Unplaced: all {len(blocked)} feasible home(s) are taken: " + "; ".join(taken[:3]) + "."
        if self.mode == "weighted":
            return ("Unplaced: a home had room, but placing this child there would score worse overall "
                    "(for example by splitting a sibling group or displacing a better match).")
        return ("Unplaced: a home had room, but placing this child there would have made an earlier priority "
                "worse (another child left without a home, or brothers and sisters split up) or broken a guard.")

    def table(self) -> pd.DataFrame:
        """child_id, home_id and the reason, for every child."""
        return pd.DataFrame(
            {"child_id": c.child_id, "home_id": self.assignment.get(c.child_id), "reason": self.reason(c.child_id)}
            for c in self.instance.children
        )

    def shortlist(self, child_id: str, k: int = 5) -> pd.DataFrame:
        """The child's top-k feasible homes, best first by the objective: distance, whether within 20
        miles and in the child's own authority, the weekly price this child would be charged, whether
        it is the current match and what stops the child joining it."""
        options = self._options(child_id).head(k)
        home_id = self.assignment.get(child_id)
        homes = self.instance.home_by_id
        names = geo.local_authorities()["la_name"]
        return pd.DataFrame({
            "rank": range(1, len(options) + 1),
            "home_id": options["home_id"].to_list(),
            "setting": [homes[h].setting.replace("_", " ") for h in options["home_id"]],
            "provider": [homes[h].provider for h in options["home_id"]],
            "authority": [names.get(homes[h].la_code, homes[h].la_code) for h in options["home_id"]],
            "km": options["km"].round(1).to_list(),
            "within_20_miles": (~options["far"]).to_list(),
            "own_authority": (~options["outside"]).to_list(),
            "weekly_cost": options["charged"].to_list(),
            "chosen": [h == home_id for h in options["home_id"]],
            "blocked_by": [None if h == home_id else self._blocker(child_id, h) for h in options["home_id"]],
        })

    # --- sibling groups ---------------------------------------------------------------------

    def sibling_groups(self) -> pd.DataFrame:
        """One row per sibling group: how many, whether together (every member in one home), apart
        (placed members in more than one home, or some placed and some not) or not placed, where each
        member went, and why the group is apart."""
        rows = []
        for group, members in self.instance.sibling_groups.items():
            homes = [self.assignment.get(c) for c in members]
            placed = [h for h in homes if h is not None]
            if not placed:
                status = "not placed"
            elif len(placed) == len(members) and len(set(placed)) == 1:
                status = "together"
            else:
                status = "apart"
            rows.append({
                "sibling_group": group,
                "children": len(members),
                "status": status,
                "homes": len(set(placed)),
                "where": "; ".join(f"{c} → {h or 'no home'}" for c, h in zip(members, homes, strict=True)),
                "why": self._why_apart(members) if status == "apart" else "",
            })
        return pd.DataFrame(rows, columns=["sibling_group", "children", "status", "homes", "where", "why"])

    def _why_apart(self, members: tuple[str, ...]) -> str:
        """The first thing that keeps a group from one home: a member no home fits, a member who must
        live alone or apart from a sibling, no home every member may use with room for them all, or an
        earlier priority (or the score) that keeping them together would have made worse."""
        kids = self.instance.child_by_id
        homeless = [c for c in members if c not in self._by_child]
        if homeless:
            return f"{homeless[0]} fits no home in the region: {self._unplaced_reason(homeless[0])[len('Unplaced: '):]}"
        solo = [c for c in members if kids[c].solo]
        if solo:
            return f"{solo[0]} must live alone"
        separated = [(a, b) for a in members for b in self._separated[a] if b in members]
        if separated:
            return f"{separated[0][0]} and {separated[0][1]} must live apart"
        if not all(may_live_together(kids[a], kids[b]) for a in members for b in members if a < b):
            return "their ages break one of the children's rules about who they live with (alongside)"
        shared = set.intersection(*(set(self._by_child[c]["home_id"]) for c in members))
        roomy = [h for h in shared if self.instance.home_by_id[h].vacancies >= len(members)]
        if not roomy:
            most = max((self.instance.home_by_id[h].vacancies for h in shared), default=0)
            return (f"no home every one of the {len(members)} may go to has room for all of them "
                    + (f"(the roomiest such home has {most} place(s))" if shared else "(no home suits them all)"))
        free = [h for h in roomy if len([c for c in self.occupants[h] if c not in members])
                + len(members) <= self.instance.home_by_id[h].vacancies]
        if not free:
            return f"all {len(roomy)} home(s) with room for all of them are taken by other children"
        if self.mode == "weighted":
            return "keeping them together scored worse overall under the weighted score"
        return ("keeping them together would have made an earlier priority worse (a child left without a home) "
                "or broken a guard")


def _difference(delta: float, unit: str, more: str, less: str) -> str:
    if np.isclose(delta, 0.0):
        return "the same"
    amount = f"£{abs(delta):,.0f}" if unit == "£" else f"{abs(delta):.1f} {unit}"
    return f"{amount} {more if delta > 0 else less}"
