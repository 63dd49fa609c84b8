"""The national-commissioning list: children no home in the region can meet, and the rule that shuts each out.

A child left unplaced because beds ran out is a capacity problem the region can solve itself; a child
with *no feasible pair at all* is not — no re-matching, pin or block contract inside the region places
them, so they are the children to take to national commissioning. For each such child this module names
what excludes every home, running the very rules that built the candidate pairs
(:data:`rcc.solver.candidates.PAIR_RULES` and the distance rule), so the list can never disagree with the
solver about who is placeable.

How a child's reason is chosen, in this order:

1. one rule excludes **every** home on its own (e.g. no home takes a child of this age, or offers this
   specialism): that rule — several when several do, the first of :data:`PRIMARY_ORDER` heading them;
2. some homes meet every rule but distance, and all of them are beyond the child's maximum distance:
   ``distance``;
3. otherwise no single rule excludes every home, but together they do (this home is too far, that one is
   for another age): ``combination``, naming a small set of rules that between them exclude every home.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.data import geo
from rcc.model import KM_PER_MILE, Child, Instance
from rcc.solver.candidates import DISTANCE_RULE, PAIR_RULES, Arrays, candidate_pairs, pair_distances

DISTANCE, COMBINATION = DISTANCE_RULE.name, "combination"
PRIMARY_ORDER = ("residents", "needs", "need_level", "age", "sex", "suitability", "kinship", "ofsted", "vacancy")
"""Which single rule heads a child's reason when several exclude every home: the rarest provision first
(a home to oneself, a specialism, complex needs), since that is what a national search looks for."""

REASON_LABELS = {
    "residents": "Must live alone (or only with older/younger children): every home has children living there",
    "needs": "No home offers every specialism the child needs",
    "need_level": "Needs are more complex than any home can meet",
    "age": "No home is registered for this age",
    "sex": "Every home takes only the other sex",
    "suitability": "Every home is in a setting recorded as unsuitable",
    "kinship": "Every home is a family or friends carer for another child",
    "ofsted": "Every home is rated inadequate",
    "vacancy": "No home has a vacancy",
    DISTANCE: "Every home that meets the child's needs is beyond their maximum distance",
    COMBINATION: "A combination of rules: no single one excludes every home",
}
"""Plain-English group names, one per reason: the counts per reason use these."""


def reason_label(reason: str) -> str:
    """The plain group name of a reason; a rule added to the contract later is named by its explanation."""
    if reason in REASON_LABELS:
        return REASON_LABELS[reason]
    rule = next(r for r in PAIR_RULES if r.name == reason)
    return f"Every home: {rule.explanation}"


LIST_COLUMNS = ("child_id", "la_code", "authority", "age", "need_level", "reason", "rules", "why")


@dataclass(frozen=True)
class BeyondRegion:
    """The national-commissioning list of one instance.

    ``children`` has one row per listed child (``LIST_COLUMNS``): the reason group (``reason``, a key of
    :data:`REASON_LABELS`), every rule behind it (``rules``, semicolon-separated) and a plain sentence
    (``why``). ``homes`` is how many homes the region has: every one of them excludes each listed child.
    """

    children: pd.DataFrame
    homes: int

    @property
    def child_ids(self) -> tuple[str, ...]:
        return tuple(self.children["child_id"])

    def by_reason(self) -> pd.DataFrame:
        """Children per reason group, most first: ``reason``, ``label``, ``children``."""
        counts = self.children["reason"].value_counts()
        return pd.DataFrame({"reason": counts.index, "label": [reason_label(r) for r in counts.index],
                             "children": counts.to_numpy()}, columns=["reason", "label", "children"])

    def by_authority(self) -> pd.DataFrame:
        """Children per responsible authority (code and name) and reason group: one row per authority, a
        column per reason that occurs, and ``children`` the authority's total; most first."""
        table = self.children
        reasons = list(self.by_reason()["reason"])
        rows = []
        for (code, name), own in table.groupby(["la_code", "authority"], sort=False):
            counts = own["reason"].value_counts()
            rows.append({"la_code": code, "authority": name, "children": len(own),
                         **{r: int(counts.get(r, 0)) for r in reasons}})
        frame = pd.DataFrame(rows, columns=["la_code", "authority", "children", *reasons])
        return frame.sort_values(["children", "authority"], ascending=[False, True], ignore_index=True)

    def summary(self) -> dict:
        """The ``beyond_region`` block of ``summary.json``: counts by reason and authority, and every child."""
        return {
            "children": len(self.children),
            "definition": "children no home in the region can meet (no feasible home at all, not a lack of beds), "
                          "grouped by the rule that excludes every home",
            "by_reason": {row.reason: {"label": row.label, "children": int(row.children)}
                          for row in self.by_reason().itertuples()},
            "by_authority": [{"la_code": row.la_code, "authority": row.authority, "children": int(row.children)}
                             for row in self.by_authority().itertuples()],
            "list": [{"child_id": row.child_id, "la_code": row.la_code, "authority": row.authority,
                      "reason": row.reason, "rules": row.rules.split(";"), "why": row.why}
                     for row in self.children.itertuples()],
        }


def beyond_region(instance: Instance, pairs: pd.DataFrame | None = None) -> BeyondRegion:
    """Every child of ``instance`` with no feasible home, with the rule(s) that exclude every home.

    ``pairs`` is the instance's candidate-pairs table when the caller has it (weights do not matter:
    only which children appear in it).
    """
    pairs = candidate_pairs(instance) if pairs is None else pairs
    placeable = set(pairs["child"].tolist())
    names = geo.local_authorities()["la_name"]
    arrays = Arrays(instance)
    rows = []
    for index, child in enumerate(instance.children):
        if index in placeable:
            continue
        excluded, km = _exclusions(instance, arrays, index)
        reason, rules = _reason(excluded)
        rows.append({"child_id": child.child_id, "la_code": child.la_code,
                     "authority": names.get(child.la_code, child.la_code), "age": child.age,
                     "need_level": child.need_level, "reason": reason, "rules": ";".join(rules),
                     "why": _sentence(instance, child, excluded, km, reason, rules)})
    return BeyondRegion(pd.DataFrame(rows, columns=list(LIST_COLUMNS)), len(instance.homes))


def _exclusions(instance: Instance, arrays: Arrays, index: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(rule name → which homes the rule excludes for child ``index``, one boolean per home; the child's
    km to every home)."""
    hi = np.arange(len(instance.homes))
    ci = np.full(len(hi), index)
    excluded = {rule.name: ~np.asarray(rule.allows(arrays, ci, hi), bool) for rule in PAIR_RULES}
    km = pair_distances(instance, arrays, ci, hi)
    excluded[DISTANCE] = km > arrays.children["max_km"][index]
    return excluded, km


def _reason(excluded: dict[str, np.ndarray]) -> tuple[str, list[str]]:
    """(reason group, the rules behind it) for a child with no feasible home; see the module docstring."""
    if not len(excluded[DISTANCE]):  # a region without homes
        return "vacancy", ["vacancy"]
    whole = [name for name, mask in excluded.items() if name != DISTANCE and mask.all()]
    if whole:
        whole.sort(key=lambda name: PRIMARY_ORDER.index(name) if name in PRIMARY_ORDER else len(PRIMARY_ORDER))
        return whole[0], whole
    if not _other_rules(excluded).all():
        return DISTANCE, [DISTANCE]
    return COMBINATION, [name for name, _ in _covering_rules(excluded)]


def _other_rules(excluded: dict[str, np.ndarray]) -> np.ndarray:
    """Homes excluded by some rule other than distance."""
    return np.logical_or.reduce([mask for name, mask in excluded.items() if name != DISTANCE])


def _covering_rules(excluded: dict[str, np.ndarray]) -> list[tuple[str, int]]:
    """A small set of rules that together exclude every home, with how many homes each adds: greedily, the
    rule excluding most of the homes not yet excluded (ties in the order of the rules), until none is left."""
    left = np.ones(len(next(iter(excluded.values()))), bool)
    chosen = []
    while left.any():
        name = max(excluded, key=lambda n: int((excluded[n] & left).sum()))
        chosen.append((name, int((excluded[name] & left).sum())))
        left &= ~excluded[name]
    return chosen


def _sentence(instance: Instance, child: Child, excluded: dict[str, np.ndarray], km: np.ndarray, reason: str,
              rules: list[str]) -> str:
    """The child's reason in plain English: the heading rule's own words, then any other rule that also
    excludes every home, or the rules that do it together."""
    if reason == DISTANCE:
        return _too_far(child, excluded, km)
    if reason == COMBINATION:
        explanation = {rule.name: rule.explanation for rule in (*PAIR_RULES, DISTANCE_RULE)}
        steps = _covering_rules(excluded)
        parts = [f"{n} home(s): {explanation[name]}" for name, n in steps[:1]]
        parts += [f"{n} of the rest: {explanation[name]}" for name, n in steps[1:]]
        return f"No single rule excludes every home of the {len(instance.homes)}, but together they do — " \
               f"{'; '.join(parts)}."
    words = [_whole(instance, child, name) for name in rules]
    return words[0] + (f" (also: {'; '.join(w[0].lower() + w[1:] for w in words[1:])})" if len(words) > 1 else "") + "."


def _too_far(child: Child, excluded: dict[str, np.ndarray], km: np.ndarray) -> str:
    """Distance: how far the nearest home that meets every other rule is, against the child's maximum."""
    fits = ~_other_rules(excluded)
    return (f"The {int(fits.sum())} home(s) that meet every other rule are all beyond the child's maximum of "
            f"{_miles(child.max_distance_km)}; the nearest is {_miles(float(km[fits].min()))} away.")


def _miles(km: float) -> str:
    return f"{km / KM_PER_MILE:.0f} miles"


def _missing_tags(instance: Instance, child: Child) -> list[str]:
    offered = set().union(*(h.specialisms for h in instance.homes)) if instance.homes else set()
    return sorted(child.needs - offered)


def _needs_phrase(instance: Instance, child: Child) -> str:
    missing = _missing_tags(instance, child)
    if missing:
        return f"needs {', '.join(t.replace('_', ' ') for t in missing)}, which no home in the region offers"
    return f"no home offers all of {', '.join(t.replace('_', ' ') for t in sorted(child.needs))} together"


def _residents_phrase(instance: Instance, child: Child) -> str:
    if child.solo:
        return "must live alone, and every home has children living there already"
    return f"may live only with {child.alongside.replace('_only', '').replace('_', ' ')} children, " \
           "and every home has children living there who are not"


_PHRASES = {
    "residents": _residents_phrase,
    "needs": _needs_phrase,
    "need_level": lambda inst, child: f"no home meets need level {child.need_level}",
    "age": lambda inst, child: f"no home is registered for a child aged {child.age}",
    "sex": lambda inst, child: "every home takes only the other sex",
    "suitability": lambda inst, child: "every home is in a setting recorded as unsuitable for this child",
    "ofsted": lambda inst, child: "every home is rated inadequate",
    "vacancy": lambda inst, child: "no home has a vacancy",
}


def _whole(instance: Instance, child: Child, name: str) -> str:
    """One rule that excludes every home, as a sentence start (a rule without a phrase of its own — one
    added to the contract later — is named by its explanation)."""
    if name in _PHRASES:
        text = _PHRASES[name](instance, child)
    else:
        rule = next(r for r in PAIR_RULES if r.name == name)
        text = f"every home fails a rule: {rule.explanation}"
    return text[0].upper() + text[1:]
