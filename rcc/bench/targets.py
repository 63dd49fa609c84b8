"""The scale targets set for rcc, judged from measured benchmark rows (met, not met, or not measured)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    family: str
    text: str
    met: Callable[[dict], bool]

    def judge(self, rows: list[dict]) -> tuple[str, str]:
        """(verdict, what was measured) for this target from the rows of one run."""
        row = next((r for r in rows if r["family"] == self.family), None)
        if row is None:
            return "not measured", "–"
        if "stopped" in row and not self.met(row):
            return "**not met**", f"stopped: {row['stopped']}"
        return ("met" if self.met(row) else "**not met**"), _measured(row)


def _measured(row: dict) -> str:
    parts = []
    if row.get("gap") is not None:
        parts.append(f"gap {row['gap']:.3%} in {row['seconds']:.1f} s")
    if row.get("rcc_groups_split") is not None:
        parts.append(f"groups split {row['rcc_groups_split']} (greedy {row['greedy_groups_split']}), separations "
                     f"{row['rcc_siblings_apart']:.0f} (greedy {row['greedy_siblings_apart']:.0f})")
    if row.get("rcc_objective") is not None and row.get("greedy_objective") is not None:
        parts.append(f"score {row['rcc_objective']:,.0f} vs greedy {row['greedy_objective']:,.0f}")
    if row.get("highs_reached") and row.get("seconds"):
        parts.append(f"HiGHS {row['highs_s']:.1f} s to the same gap ({row['highs_s'] / row['seconds']:.1f}×)")
    elif "highs_s" in row:
        parts.append(f"HiGHS did not reach it in {row['highs_s']:.0f} s")
    if row.get("candidates_s") is not None:
        parts.append(f"candidates {row['candidates_s']:.1f} s")
    if row.get("peak_mb") is not None:
        parts.append(f"peak {row['peak_mb'] / 1024:.1f} GB")
    return "; ".join(parts)


def _done(row: dict) -> bool:
    return row.get("stage") == "done" and row.get("gap") is not None


def _siblings_kept(row: dict) -> bool:
    """No more sibling groups split, nor separations, than the status quo."""
    return (row.get("rcc_groups_split") is not None and row["rcc_groups_split"] <= row["greedy_groups_split"]
            and row["rcc_siblings_apart"] <= row["greedy_siblings_apart"])


def _never_worse(row: dict) -> bool:
    return row.get("rcc_objective") is not None and row["rcc_objective"] <= row["greedy_objective"] + 1e-6


TARGETS = (
    Target("greater-manchester-300", "proven optimal (gap ≤ 0.01%) in ≤ 30 s",
           lambda r: _done(r) and r["gap"] <= 1e-4 and r["seconds"] <= 30),
    Target("regional-1000", "proven optimal (gap ≤ 0.01%) in ≤ 30 s",
           lambda r: _done(r) and r["gap"] <= 1e-4 and r["seconds"] <= 30),
    Target("regional-1000", "≥ 10× faster than HiGHS to the same gap",
           lambda r: _done(r) and (not r.get("highs_reached") or r["highs_s"] >= 10 * r["seconds"])),
    Target("regional-5000", "gap ≤ 0.5% in ≤ 120 s, no more sibling groups split than greedy",
           lambda r: _done(r) and r["gap"] <= 5e-3 and r["seconds"] <= 120 and _siblings_kept(r)),
    Target("multi-region-20000", "gap ≤ 1% in ≤ 5 min, no more sibling groups split than greedy",
           lambda r: _done(r) and r["gap"] <= 1e-2 and r["seconds"] <= 300 and _siblings_kept(r)),
    Target("england-80000", "a checked solution with proven gap ≤ 1% in ≤ 10 min, peak memory ≤ 12 GB",
           lambda r: _done(r) and r["gap"] <= 1e-2 and r["seconds"] <= 600 and r["peak_mb"] <= 12 * 1024),
    Target("england-80000", "candidate generation in ≤ 60 s",
           lambda r: r.get("candidates_s") is not None and r["candidates_s"] <= 60),
    *(Target(family, "never worse than greedy", _never_worse)
      for family in ("orlib-assign100", "greater-manchester-300", "regional-200", "regional-1000", "regional-5000",
                     "multi-region-20000", "england-80000")),
)
