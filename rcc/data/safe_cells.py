"""Tables written for people to open in a spreadsheet, with every formula-looking cell made inert.

Excel, LibreOffice and Google Sheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in
some versions, a tab or carriage return) as a formula, so a hostile value that reached an export could
fetch a URL or start a program on a commissioner's machine (OWASP "CSV injection"). Reading already
refuses such identifiers; this is the second wall, for every text cell of every table rcc writes, whatever
its source (a provider's name from the Ofsted list, an explanation, a label). The cell keeps its text
behind a leading apostrophe, the spreadsheet convention for "this is text", so nothing is lost.
Numbers are left alone: ``-3`` is a number, not a formula.
"""

from __future__ import annotations

import io
import os
import re

import pandas as pd

from rcc.data.atomic import atomic_write

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value):
    """``value`` unchanged unless it is text a spreadsheet would run as a formula; then ``'`` + text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _may_hold_text(values: pd.Series | pd.Index) -> bool:
    return not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, index and column labels are all inert."""
    safe = frame.copy()
    for column in safe.columns:
        if _may_hold_text(safe[column]):
            safe[column] = safe[column].map(neutralise)
    for axis in ("index", "columns"):
        labels = getattr(safe, axis)
        if _may_hold_text(labels) and not isinstance(labels, pd.MultiIndex):
            setattr(safe, axis, labels.map(neutralise))
    return safe


def csv_text(frame: pd.DataFrame, index: bool = False) -> str:
    """``frame`` as CSV text with formula-looking cells neutralised (for downloads and standard output)."""
    buffer = io.StringIO()
    safe_table(frame).to_csv(buffer, index=index)
    return buffer.getvalue()


def write_csv(path: str | os.PathLike, frame: pd.DataFrame, index: bool = False) -> None:
    """Write ``frame`` to ``path`` atomically, formula-looking cells neutralised."""
    safe = safe_table(frame)
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=index))


def write_sheet(writer: pd.ExcelWriter, frame: pd.DataFrame, sheet_name: str, index: bool = False) -> None:
    """One worksheet of a workbook. openpyxl stores any text beginning with ``=`` as a live formula, so
    neutralising here is what keeps a hostile value a string."""
    safe_table(frame).to_excel(writer, sheet_name=sheet_name, index=index)
