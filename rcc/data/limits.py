"""How much input rcc accepts: the size of a file, the rows of a table, the worker processes of a run.

An instance is a region's waiting children and vacant homes — thousands of rows, not millions — so a
file far bigger than that is a mistake (a whole national extract, a travel matrix for every pair in
England) that would otherwise run for minutes, exhaust memory and write nothing. Each limit is a
setting with a default generous for any region; ``[limits]`` of the settings file raises it
(:func:`rcc.settings.load_limits`). A breach is a named input error that says which limit and how.
"""

from __future__ import annotations

from dataclasses import dataclass

HOW_TO_RAISE = "raise it under [limits] in the settings file (--settings, or the file named by $RCC_SETTINGS)"


@dataclass(frozen=True)
class Limits:
    """Upper bounds on input; each is a whole number > 0."""

    max_file_bytes: int = 50_000_000  # one CSV, Parquet or Excel file, or one upload
    max_rows: int = 100_000  # children, homes or separations
    max_travel_rows: int = 1_000_000  # travel.csv: one row per (child, home) pair
    max_workers: int = 16  # --workers: CP-SAT threads or dask processes

    def __post_init__(self):
        bad = [f"{name}={value!r}" for name, value in vars(self).items()
               if isinstance(value, bool) or not isinstance(value, int) or value < 1]
        if bad:
            raise ValueError(f"[limits] {', '.join(bad)} must be a whole number >= 1")

    def rows_for(self, table: str | None) -> int:
        """The row limit of a contract table (``None``: a table not yet named, given the larger limit)."""
        return getattr(self, self.rows_name(table))

    def rows_name(self, table: str | None) -> str:
        if table in ("children", "homes", "separations"):
            return "max_rows"
        if table == "travel" or self.max_travel_rows >= self.max_rows:
            return "max_travel_rows"
        return "max_rows"

    def workers_problem(self, flag: str, workers: int) -> str | None:
        """Why ``workers`` is too many, or ``None``: more threads or processes than this only exhaust memory."""
        if workers <= self.max_workers:
            return None
        return f"{flag}={workers} must be <= {self.max_workers} (the max_workers limit; {HOW_TO_RAISE})"
