"""Distances as people in England read them: the contract counts km, the sector's line is 20 miles."""

from __future__ import annotations

from rcc.model import KM_PER_MILE


def in_miles(km: float | None) -> str:
    """'12.4 miles' ('—' when there is no distance): how reasons and comparisons state a distance."""
    return "—" if km is None else f"{km / KM_PER_MILE:.1f} miles"
