"""Named problems: every bad cell is reported with its file, row, column, value and rule."""

from __future__ import annotations

from dataclasses import dataclass

from rcc.data.personal import WITHHELD, shown
from rcc.data.schema import TABLES, pii_reason

# No contract column holds a date, so a date there is personal data; an importer's own columns (an
# SSDA903 episode's DECOM) may hold dates by design; a column named like a birth date never does.
_CONTRACT_COLUMNS = frozenset(spec.name for specs in TABLES.values() for spec in specs)


@dataclass(frozen=True)
class Problem:
    """One broken rule, located precisely enough for a planner to fix it in the file.

    ``row`` is the spreadsheet row number (the header is row 1, the first data row is row 2),
    so it matches what a planner sees when they open the file in Excel; ``None`` when the
    problem is about a whole file or column.

    A value (or a key's value) that looks like personal data is replaced by ``(withheld)`` here,
    whoever made the problem: a message is shown, logged and kept, and must not spread what the
    PII guard refuses (dates only in the contract's columns, see ``_CONTRACT_COLUMNS``).
    """

    file: str
    rule: str
    row: int | None = None
    column: str | None = None
    value: object = None
    key: str | None = None
    severity: str = "error"

    def __post_init__(self):
        dates = self.column is None or self.column in _CONTRACT_COLUMNS or pii_reason(self.column) is not None
        object.__setattr__(self, "value", shown(self.value, self.column, dates=dates))
        if self.key:
            column, _, value = self.key.partition("=")
            if shown(value, "child_id") == WITHHELD:  # a key is always an identifier
                object.__setattr__(self, "key", f"{column}={WITHHELD}")

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.key:
            where += f" ({self.key})"
        if self.column is None:
            return f"{where}: {self.rule}"
        shown = "(empty)" if self.value is None or self.value == "" else self.value
        return f"{where}: {self.column}={shown} {self.rule}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class InvalidInstance(Exception):
    """Raised when an instance breaks the contract; carries *every* problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        lines = "\n".join(f"  {p}" for p in errors)
        super().__init__(f"the instance breaks {len(errors)} rule(s) of the contract:\n{lines}")
