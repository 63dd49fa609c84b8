"""Cell values that identify a person, and identifiers that are safe to carry through rcc.

rcc takes pseudonymous data only, and a column's name is no guarantee of what was typed in it: a
child_id column may hold a pupil number, a name or a date of birth. So values are checked too. A cell
that looks like a full postcode, a date, an NHS number or a unique pupil number is refused wherever it
is; in an identifier column, so is a person's name (elsewhere two capitalised words are usually a
provider, such as ``Test Provider``). A refused value is never shown again — messages say
``(withheld)`` — since echoing it would spread the very data the guard keeps out.

Identifiers are also copied into outputs that people open in spreadsheets, where a cell beginning
with ``=``, ``+``, ``-`` or ``@`` runs as a formula; so an identifier must be plain: letters, digits,
``-``, ``_`` or ``.``, starting with a letter or digit.
"""

from __future__ import annotations

import re
from functools import lru_cache

WITHHELD = "(withheld)"
MAX_ID_LENGTH = 64
SAFE_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
SAFE_ID_RULE = (f"must be letters, digits, '-', '_' or '.', starting with a letter or digit "
                f"(at most {MAX_ID_LENGTH} characters)")
ID_COLUMNS = frozenset({"child_id", "home_id", "sibling_group", "child_a", "child_b", "reserved_for"})

FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.IGNORECASE)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"  # 2011-04-05, 2011-04-05 00:00:00
    r"|\d{1,2}[-/.]\d{1,2}[-/.](\d{2}|\d{4})"  # 05/04/2011, 5.4.11
    rf"|\d{{1,2}}(st|nd|rd|th)?[ -]{_MONTH}[ ,-]*\d{{2,4}}"  # 5 April 2011, 05-Apr-11
    rf"|{_MONTH} \d{{1,2}}(st|nd|rd|th)?,? \d{{4}})$",  # April 5, 2011
    re.IGNORECASE,
)
_NHS_NUMBER = re.compile(r"^\d{3}[ -]?\d{3}[ -]?\d{4}$")
_UPN = re.compile(r"^[A-Z]\d{11}[A-Z\d]$", re.IGNORECASE)  # DfE: a letter, 11 digits, a digit or letter
_PERSON_NAME = re.compile(r"^[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*(?:[ ._][A-Z][a-z]*(?:['-][A-Z]?[a-z]+)*)+$")


def _nhs_check_digit_holds(digits: str) -> bool:
    """The NHS number's modulus-11 check: a random 10-digit ID passes one time in eleven, a real one always."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@lru_cache(maxsize=65_536)  # travel tables repeat the same identifiers thousands of times
def personal_kind(text: str, identifier: bool = False) -> str | None:
    """What personal data ``text`` looks like ("a full postcode", …), or ``None``; ``identifier`` adds
    a person's name, which only an identifier column can be trusted not to hold legitimately."""
    text = text.strip()
    if len(text) < 5:
        return None
    if FULL_POSTCODE.match(text):
        return "a full postcode"
    if _DATE.match(text):
        return "a date"
    if _NHS_NUMBER.match(text) and _nhs_check_digit_holds(re.sub(r"\D", "", text)):
        return "an NHS number"
    if _UPN.match(text):
        return "a unique pupil number (UPN)"
    if identifier and _PERSON_NAME.match(text):
        return "a person's name"
    return None


def shown(value, column: str | None = None, dates: bool = True):
    """``value`` as it may be displayed: withheld when it looks like personal data. ``dates=False`` shows
    dates, for a column that holds dates by design (an SSDA903 episode's start), never a birth date."""
    kind = personal_kind(value, column in ID_COLUMNS) if isinstance(value, str) else None
    return WITHHELD if kind and (dates or kind != "a date") else value
