"""The national minimum fostering allowance: what a family or friends (kinship) foster carer is paid a week.

Kinship foster carers are foster carers, and must get at least the allowance other foster carers get
(DfE answer to PQ 14259, 2024); rcc prices a kinship placement at this allowance, with no fee and no
agency margin. Figures: GOV.UK, "Support for foster parents: help with the cost of fostering", 2025/26,
Rest of England (``rcc/data/reference/SOURCES.md`` §9). London and the South East pay more.
"""

from __future__ import annotations

# (oldest age in the band, GBP a week)
WEEKLY_BY_AGE = ((2, 170), (4, 176), (10, 194), (15, 220), (17, 258))


def fostering_allowance(age: int) -> int:
    """The national minimum fostering allowance (Rest of England) for a child of ``age``, GBP a week."""
    return next(weekly for oldest, weekly in WEEKLY_BY_AGE if age <= oldest)
