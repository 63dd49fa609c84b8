"""Files and uploads as tables of text, read so that they cannot be misread.

A planner's file reaches rcc after Excel, a case-management export or a hand edit, and the usual
readers guess when the file is odd: a row with one field too many makes the first column the index,
``child_id`` twice becomes ``child_id.1``, a semicolon file becomes one long column, a formula with no
saved value becomes an empty cell. Each guess can silently change the plan. Here nothing is guessed:
the header and every row are checked, and anything odd is a named problem (file, row, column).
Size and row limits are checked before and while reading, so an enormous file is refused quickly.
"""

from __future__ import annotations

import csv
import io
import os
from itertools import zip_longest
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES

from rcc.data.limits import HOW_TO_RAISE, Limits
from rcc.data.personal import shown
from rcc.data.problems import Problem
from rcc.data.schema import normalise_header

_DELIMITERS = {";": "';'", "\t": "tabs", "|": "'|'"}
_RAGGED_SHOWN = 20  # rows named one by one; a wholly misaligned file gives a count, not thousands of lines


def cell_text(value) -> str:
    """One cell as stripped text ('' when empty), whatever the file format stored."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text ('' when empty)."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    return frame.map(cell_text).astype(object) if len(frame) else frame.astype(object)


def within_size(source, label: str, problems: list[Problem], limits: Limits) -> bool:
    """Whether a path or an open file is no bigger than ``limits.max_file_bytes`` (checked before reading)."""
    if isinstance(source, str | os.PathLike):
        size = Path(source).stat().st_size
    else:
        position = source.tell()
        size = source.seek(0, io.SEEK_END)
        source.seek(position)
    if size <= limits.max_file_bytes:
        return True
    problems.append(Problem(label, f"is {_size(size)}, over the {_size(limits.max_file_bytes)} limit "
                                   f"(max_file_bytes); check it is the right file, or {HOW_TO_RAISE}"))
    return False


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n:,} bytes"


def too_many_rows(label: str, rows: int, limit_name: str) -> Problem:
    return Problem(label, f"has more than {rows:,} rows, the limit ({limit_name}); check it is the right file, "
                          f"or {HOW_TO_RAISE}")


def read_csv_text(source, label: str, problems: list[Problem], max_rows: int, limit_name: str) -> pd.DataFrame | None:
    """A CSV path or file (bytes or text) as a table of stripped strings, ``None`` (with problems) if it
    cannot be read exactly. Rows keep their spreadsheet numbers as the index (data row 2 → 0)."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            return _read_csv_stream(stream, label, problems, max_rows, limit_name)
    if isinstance(source, io.TextIOBase):
        return _read_csv_stream(source, label, problems, max_rows, limit_name)
    stream = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        return _read_csv_stream(stream, label, problems, max_rows, limit_name)
    finally:
        stream.detach()  # the caller's file stays open


def _read_csv_stream(stream, label: str, problems: list[Problem], max_rows: int, limit_name: str):
    rows, index, ragged = [], [], 0
    try:
        reader = csv.reader(stream)
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            problems.append(Problem(label, "is empty: rcc needs a header row, then one row per record"))
            return None
        if _wrong_delimiter(header, label, problems):
            return None
        width = len(header)
        for number, fields in enumerate(reader, start=2):
            if number - 1 > max_rows:
                problems.append(too_many_rows(label, max_rows, limit_name))
                return None
            if len(fields) != width:
                if any(f.strip() for f in fields):
                    ragged += 1
                    if ragged <= _RAGGED_SHOWN:
                        problems.append(Problem(label, _ragged_rule(len(fields), width), number))
                continue  # a blank line is no record
            rows.append([f.strip() for f in fields])
            index.append(number - 2)
    except UnicodeDecodeError:
        problems.append(Problem(label, "is not UTF-8 text; save it as CSV UTF-8"))
        return None
    except csv.Error as exc:
        problems.append(Problem(label, f"could not be read as CSV ({exc})"))
        return None
    if ragged > _RAGGED_SHOWN:
        problems.append(Problem(label, f"has {ragged - _RAGGED_SHOWN:,} more rows whose number of fields differs "
                                       f"from the header's {width}"))
    return checked_columns(pd.DataFrame(rows, columns=header, index=index, dtype=object), label, problems)


def _wrong_delimiter(header: list[str], label: str, problems: list[Problem]) -> bool:
    """A header that is one column holding ``;`` or tabs is a file saved with another separator."""
    if len(header) != 1:
        return False
    for delimiter, name in _DELIMITERS.items():
        if delimiter in header[0]:
            problems.append(Problem(label, f"is separated by {name}, rcc reads comma-separated CSV (in Excel: Save "
                                           "As, CSV UTF-8 (Comma delimited))"))
            return True
    return False


def _ragged_rule(fields: int, width: int) -> str:
    hint = " — a stray comma, or a decimal comma in an unquoted number (53,4 for 53.4)?" if fields > width else ""
    return f"has {fields} field{'s' if fields != 1 else ''} but the header has {width}{hint}"


def checked_columns(frame: pd.DataFrame, label: str, problems: list[Problem]) -> pd.DataFrame:
    """``frame`` with one column per name: two headers that read as one name (``child_id`` twice, ``age``
    and ``Age``) are an error naming both, and only the first is kept, so later checks still run; a column
    with no header is dropped, and is an error when it holds values (they would otherwise vanish)."""
    keep, seen = [], {}
    for position, name in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if name == "":
            if values.astype(bool).any():
                problems.append(Problem(label, f"column {position + 1} has no header but holds values; name it "
                                               "or delete it"))
            keep.append(False)
            continue
        normal = normalise_header(name)
        if normal in seen:
            problems.append(Problem(label, f"columns '{shown(seen[normal])}' and '{shown(name)}' both read as "
                                           f"'{shown(normal)}'; keep one"))
            keep.append(False)
            continue
        seen[normal] = name
        keep.append(True)
    return frame.loc[:, keep] if not all(keep) else frame


# --- Excel workbooks ------------------------------------------------------------------------


def open_workbook(source, label: str, problems: list[Problem]):
    """(values, formulas): the workbook read twice — saved values, and what each cell holds — so a
    formula Excel never calculated is told apart from an empty cell; ``None`` if unreadable."""
    books = []
    try:
        for data_only in (True, False):
            if not isinstance(source, str | os.PathLike):
                source.seek(0)
            books.append(openpyxl.load_workbook(source, read_only=True, data_only=data_only))
    except Exception as exc:  # any unreadable workbook is a named problem, not a traceback
        problems.append(Problem(label, f"could not be read as an Excel workbook ({exc})"))
        return None
    return tuple(books)


def read_sheet(values, formulas, label: str, problems: list[Problem], max_rows: int,
               limit_name: str) -> pd.DataFrame | None:
    """One worksheet (header in its first non-empty row) as a table of text, indexed like a CSV's."""
    for sheet in (values, formulas):
        sheet.reset_dimensions()  # some writers record too small a used range; openpyxl would stop at it
    pairs = zip_longest(values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), fillvalue=())
    header, width, rows, index = None, 0, [], []
    for number, (cells, held) in enumerate(pairs, start=1):
        texts = [cell_text(v) for v in cells]
        if header is None:
            if any(texts):
                width = max(i + 1 for i, t in enumerate(texts) if t)
                header, header_row = texts[:width], number
            continue
        if number - header_row > max_rows:
            problems.append(too_many_rows(label, max_rows, limit_name))
            return None
        filled = [i for i, t in enumerate(texts) if t]
        if filled and filled[-1] >= width:
            problems.append(Problem(label, f"has values in {filled[-1] + 1} columns but the header has {width}",
                                    number))
            continue
        for column, (value, formula) in enumerate(zip_longest(cells[:width], held[:width])):
            if value is None and formula not in (None, ""):
                problems.append(Problem(label, "holds a formula with no saved value; open the workbook in Excel, "
                                               "let it calculate and save it (or paste values)", number,
                                        header[column] or f"column {column + 1}"))
            elif value in ERROR_CODES:
                problems.append(Problem(label, "is an Excel error: fix the formula or type the value", number,
                                        header[column] or f"column {column + 1}", value))
        if filled:
            rows.append(texts[:width] + [""] * (width - len(texts)))
            index.append(number - 2)
    if header is None:
        problems.append(Problem(label, "is empty: rcc needs a header row, then one row per record"))
        return None
    return checked_columns(pd.DataFrame(rows, columns=header, index=index, dtype=object), label, problems)
