"""Date parsing and date arithmetic. Pure functions, no I/O.

Hand-written rather than dateutil: dateutil rejects 2024年5月10日, reads ISO dates
day-first with dayfirst=True, and its import would burden every command.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta

from kam.i18n import t
from kam.text import pattern

_YMD = pattern(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TWO_DIGIT_YEAR = pattern(r"^\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?$")
_ISO = pattern(r"^(\d{4})-(\d{2})-(\d{2})$")
_COMPACT = pattern(r"^(\d{4})(\d{2})(\d{2})$")
_ABY = pattern(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
# A datetime written as text: keep the date part.
_TIME_SUFFIX = pattern(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")

# Excel serial days that can be dates: 1954-10-03 .. 2119-01-08.
SERIAL_MIN, SERIAL_MAX = 20000, 80000
_EXCEL_EPOCH_1900 = date(1899, 12, 30)
_EXCEL_EPOCH_1904 = date(1904, 1, 1)


def parse_date(text: str, slash_order: str = "MDY") -> date:
    """Parse a date written by a person; raise ValueError with a readable reason.

    Accepts 2024-05-10, 2024/5/10, 2024.05.10, 2024年5月10日, 20240510 and a/b/YYYY
    (month first for slash_order "MDY", day first for "DMY"). Full-width digits work.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = _TIME_SUFFIX.sub("", s)
    if _TWO_DIGIT_YEAR.match(s):
        raise ValueError(t("two-digit year in {text!r}: write the year in full (e.g. 2026-11-23)",
                           text=text))
    m = _YMD.match(s) or _COMPACT.match(s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _ABY.match(s)
        if not m:
            raise ValueError(t("not a date: {text!r} (use YYYY-MM-DD)", text=text))
        a, b, y = (int(g) for g in m.groups())
        mo, d = (a, b) if slash_order.upper() == "MDY" else (b, a)
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError(t("no such date: {text!r}", text=text)) from None


def parse_iso(text: str) -> date:
    """Parse a strict YYYY-MM-DD date (options, stored values)."""
    m = _ISO.match(str(text))
    if not m:
        raise ValueError(t("not a date: {text!r} (use YYYY-MM-DD)", text=text))
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        raise ValueError(t("no such date: {text!r}", text=text)) from None


def from_serial(value: float, epoch1904: bool = False) -> date:
    """Convert an Excel serial day number to a date."""
    base = _EXCEL_EPOCH_1904 if epoch1904 else _EXCEL_EPOCH_1900
    return base + timedelta(days=int(value))


def coerce_date(value: object, slash_order: str = "MDY", epoch1904: bool = False) -> date:
    """A date from a spreadsheet cell: date, datetime, serial number or text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if SERIAL_MIN <= value <= SERIAL_MAX:
            return from_serial(value, epoch1904)
        text = str(int(value)) if float(value).is_integer() else str(value)
        return parse_date(text, slash_order)
    return parse_date(str(value), slash_order)


def anniversary(d: date, year: int) -> date:
    """The date's anniversary in a year; 29 February falls on 28 February in other years."""
    try:
        return d.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def next_anniversary(d: date, today: date) -> date:
    """The first anniversary of d on or after today."""
    this_year = anniversary(d, today.year)
    return this_year if this_year >= today else anniversary(d, today.year + 1)
