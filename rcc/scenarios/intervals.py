"""95% intervals that respect what each metric is: a share stays within 0–100%, a count or a bill never
goes below zero.

A Student-t interval around a mean of shares near 100% runs past 100% ("up to 101.4%"), and one
around a small count runs below 0. So each metric of :data:`METRICS` says what it is, and the
interval follows from that, never from its name:

- a *share* (placed %, within 20 miles %, …) is the pooled share over every scenario — all the
  children (or groups, or beds) it counts, added up — with a **Wilson score** interval, which lies
  inside 0–100% by construction. Its paired difference (with contracts minus spot only) is the
  difference of the pooled shares with a **bootstrap percentile** interval over scenarios, inside
  −100 to +100 points by construction;
- a *count* or *money* keeps the t-interval of the mean over scenarios, its lower end held at 0
  (a negative number of children or pounds cannot happen); differences may be negative;
- the weighted *score* keeps a plain t-interval.

Wilson treats the pooled children as independent draws, which ignores that scenarios differ in
size and mix; with the scenario counts the pages use, it is the honest, bounded choice for levels,
and the bootstrap (which resamples whole scenarios) covers the comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

BOOTSTRAP_DRAWS = 2000


@dataclass(frozen=True)
class Metric:
    """One figure the evaluation reports per scenario. A ``share`` names the per-scenario columns it
    is pooled from: ``hits`` out of ``of`` (children placed out of children, beds used out of beds)."""

    name: str
    label: str
    kind: str  # "share", "count", "money" or "score"
    hits: str = ""
    of: str = ""

    def __post_init__(self):
        if self.kind not in ("share", "count", "money", "score"):
            raise ValueError(f"metric {self.name}: kind must be share, count, money or score, not {self.kind!r}")
        if (self.kind == "share") != bool(self.hits and self.of):
            raise ValueError(f"metric {self.name}: a share, and only a share, names its hits and of columns")

    @property
    def never_negative(self) -> bool:
        return self.kind in ("count", "money")


METRICS = {m.name: m for m in (
    Metric("weekly_bill", "Weekly bill (£/week)", "money"),
    Metric("unplaced", "Children without a home", "count"),
    Metric("siblings_apart", "Sibling groups apart", "count"),
    Metric("far_from_home", "Children more than 20 miles away", "count"),
    Metric("outside_own_la", "Children outside their authority", "count"),
    Metric("void_beds", "Void beds (paid, unused)", "count"),
    Metric("utilisation_pct", "Contracted beds used (%)", "share", "beds_used", "contracted_beds"),
    Metric("placed_pct", "Placed (%)", "share", "placed", "children"),
    Metric("within_20_miles_pct", "Placed within 20 miles (%)", "share", "within_20_miles", "placed"),
    Metric("siblings_together_pct", "Sibling groups together (%)", "share", "groups_together", "groups"),
    Metric("own_la_pct", "Placed in own authority (%)", "share", "in_own_la", "placed"),
    Metric("score", "Weighted score (not money)", "score"),
)}


def _clean(values: Sequence[float]) -> np.ndarray:
    return np.asarray([v for v in values if v is not None and not math.isnan(v)], float)


def t_interval(values: Sequence[float], level: float = 0.95, floor: float | None = None) -> tuple[float, float, float]:
    """(mean, low, high): a Student-t confidence interval for the expected value, ``low`` held at or
    above ``floor`` when one is given. One value has no interval (NaN ends); none has no mean."""
    data = _clean(values)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(data) - 1) * data.std(ddof=1) / math.sqrt(len(data)))
    low = mean - half if floor is None else max(floor, mean - half)
    return mean, low, mean + half


def wilson(hits: float, of: float, level: float = 0.95) -> tuple[float, float, float]:
    """(share %, low %, high %): the Wilson score interval for ``hits`` successes in ``of`` trials.

    Centre (p + z²/2n) / (1 + z²/n), half-width z·√(p(1−p)/n + z²/4n²) / (1 + z²/n): always inside
    0–100%, and sensible at 0 or all successes where the normal approximation collapses."""
    if of <= 0:
        return math.nan, math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = hits / of
    centre = (p + z * z / (2 * of)) / (1 + z * z / of)
    half = z * math.sqrt(p * (1 - p) / of + z * z / (4 * of * of)) / (1 + z * z / of)
    # the ends are exactly 0 at p = 0 and 1 at p = 1: keep rounding from putting them past the share
    return 100 * p, 100 * max(0.0, min(p, centre - half)), 100 * min(1.0, max(p, centre + half))


def share_difference(hits: Sequence[float], of: Sequence[float], base_hits: Sequence[float],
                     base_of: Sequence[float], level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """(difference in points, low, high): pooled share minus the baseline's pooled share on the same
    scenarios, with a paired bootstrap percentile interval (whole scenarios resampled, seeded)."""
    arrays = [np.asarray(a, float) for a in (hits, of, base_hits, base_of)]
    if len(arrays[0]) == 0 or arrays[1].sum() <= 0 or arrays[3].sum() <= 0:
        return math.nan, math.nan, math.nan
    point = 100 * (arrays[0].sum() / arrays[1].sum() - arrays[2].sum() / arrays[3].sum())
    if len(arrays[0]) == 1:
        return point, math.nan, math.nan
    picks = np.random.default_rng(seed).integers(0, len(arrays[0]), (BOOTSTRAP_DRAWS, len(arrays[0])))
    sums = [a[picks].sum(axis=1) for a in arrays]
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = 100 * (sums[0] / sums[1] - sums[2] / sums[3])
    draws = draws[np.isfinite(draws)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return point, float(low), float(high)
