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


# --- dates people type (options) ---------------------------------------------------

_NAMED_DAYS = {"today": 0, "今天": 0, "今日": 0, "tomorrow": 1, "明天": 1, "明日": 1,
               "后天": 2, "大后天": 3, "yesterday": -1, "昨天": -1, "昨日": -1, "前天": -2,
               "大前天": -3}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
             "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_UNITS = {"d": "d", "day": "d", "days": "d", "天": "d", "日": "d",
          "w": "w", "wk": "w", "week": "w", "weeks": "w", "周": "w", "星期": "w", "礼拜": "w",
          "个星期": "w", "个礼拜": "w",
          "m": "m", "mo": "m", "month": "m", "months": "m", "个月": "m", "月": "m",
          "y": "y", "year": "y", "years": "y", "年": "y"}
_SIGNED = pattern(r"^([+-])\s*(\d{1,4})\s*([a-z]+|天|日|周|星期|礼拜|个月|月|年)?$")
# A count as typed: digits, or Chinese numerals up to 99 (三, 两, 十五, 二十)
_COUNT = r"(\d{1,4}|[一二两三四五六七八九十]{1,3})"
_SAID = pattern(rf"^{_COUNT}\s*(天|日|周|个星期|星期|个礼拜|礼拜|个月|年|days?|weeks?|months?|"
                r"years?)\s*(后|以后|之后|later|前|以前|之前|ago)$")
_IN = pattern(r"^in\s+(\d{1,4})\s*(days?|weeks?|months?|years?)$")
_WEEKDAY = pattern(r"^(下下|下|本|这|this |next )?\s*(?:周|星期|礼拜)?\s*"
                   r"([一二三四五六日天七]|mon|tue|wed|thu|fri|sat|sun)[a-z]*$")
_MONTH_DAY = pattern(r"^(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*[日号]?$")
# A day of a month: 15号, 本月15日, 下个月3号, 上月20日 (without a month: the nearest)
_DAY_OF_MONTH = pattern(rf"^(本月|这个月|这月|下个?月|上个?月)?\s*{_COUNT}\s*[日号]$")
_MONTHS_AWAY = {"本月": 0, "这个月": 0, "这月": 0, "下月": 1, "下个月": 1, "上月": -1, "上个月": -1}
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_ENDS = {"月底": ("m", 0), "本月底": ("m", 0), "月末": ("m", 0), "eom": ("m", 0),
         "下月底": ("m", 1), "下个月底": ("m", 1), "月初": ("s", 1), "下月初": ("s", 1),
         "下个月初": ("s", 1), "som": ("s", 1), "年底": ("y", 0), "年末": ("y", 0),
         "eoy": ("y", 0), "下周": ("w", 1), "next week": ("w", 1), "sow": ("w", 1),
         "下个月": ("s", 1), "next month": ("s", 1), "周末": ("e", 0), "本周末": ("e", 0),
         "eow": ("e", 0), "下周末": ("e", 1), "明年": ("n", 1), "soy": ("n", 1)}


def _count(count: str, text: str) -> int:
    """3, 三, 两, 十, 十五, 二十, 九十九 as a number (a Chinese numeral up to 99); a
    ValueError naming the text for anything else (三三, 十十)."""
    if count.isdigit():
        return int(count)
    tens, ten, ones = count.partition("十")
    if not ten:
        tens, ones = "", count
    if len(tens) > 1 or len(ones) > 1 or "十" in ones or not {tens, ones} <= {"", *_DIGITS}:
        raise _not_a_date(text)
    return (_DIGITS[tens] if tens else 1 if ten else 0) * 10 + (_DIGITS[ones] if ones else 0)


def add_months(d: date, months: int) -> date:
    """The same day months later (earlier), the month's last day where it has none."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _month_end(year, month).day))


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def resolve_date(text: str, today: date, slash_order: str = "MDY", lean: str = "near"
                 ) -> date:
    """A date as people type it in an option, resolved against today: a full date
    (2026-12-01, 2026年12月1日, ...), 今天/明天/后天/昨天 (today, tomorrow, yesterday),
    +3, +3d, +2w, +1m, 3天后, 三天后, 两周后, 一个月后, 3天前, in 3 days, 周五/星期五 (the
    next Friday), 下周三 (Wednesday of next week), 本周五, monday, 周末/eow (Sunday), 月底/eom,
    下月底, 月初/下月初, 年底/eoy, 明年/soy, 下周/sow (next Monday), 11月30日 or 11-30 (the
    one of that day nearest to today), 15号 (likewise, of the nearest month that has it),
    下个月15号, 上月20日. A date given without its year or month (11月30日, 15号) or a bare
    weekday (周五) is the one on or after today with lean="future" (--next: what comes),
    on or before it with lean="past" (--date: what happened; 周五 is then the last
    Friday), else the nearest (a weekday: the next). Raises ValueError with a readable
    reason."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    bare = _TIME_SUFFIX.sub("", s)
    if any(p.match(bare) for p in (_YMD, _COMPACT, _ABY, _TWO_DIGIT_YEAR)):
        return parse_date(s, slash_order)  # a whole date: its own reason when it is none
    if s in _NAMED_DAYS:
        return today + timedelta(days=_NAMED_DAYS[s])
    if s in _ENDS:
        unit, n = _ENDS[s]
        if unit == "m":
            there = add_months(today.replace(day=1), n)
            return _month_end(there.year, there.month)
        if unit == "s":
            return add_months(today.replace(day=1), n)
        if unit == "y":
            return date(today.year, 12, 31)
        if unit == "n":  # the first day of next year
            return date(today.year + n, 1, 1)
        monday = today - timedelta(days=today.weekday())
        if unit == "e":  # the week's end: its Sunday
            return monday + timedelta(weeks=n, days=6)
        return monday + timedelta(weeks=n)
    m = _SIGNED.match(s)
    if m and (m.group(3) or "d") in _UNITS:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        return _moved(today, n, _UNITS[m.group(3) or "d"])
    m = _SAID.match(s) or _IN.match(s)
    if m:
        n = _count(m.group(1), text)
        back = len(m.groups()) == 3 and m.group(3) in ("前", "以前", "之前", "ago")
        return _moved(today, -n if back else n, _UNITS[m.group(2)])
    m = _WEEKDAY.match(s)
    if m:
        day = _WEEKDAYS[m.group(2)]
        which = (m.group(1) or "").strip()
        monday = today - timedelta(days=today.weekday())
        if which in ("下", "next"):
            return monday + timedelta(weeks=1, days=day)
        if which == "下下":
            return monday + timedelta(weeks=2, days=day)
        if which in ("本", "这", "this"):
            return monday + timedelta(days=day)
        if lean == "past":  # the last one
            return today - timedelta(days=(today.weekday() - day - 1) % 7 + 1)
        return today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)  # the next one
    m = _DAY_OF_MONTH.match(s)
    if m:
        return _day_of_month(text, today, m.group(1), m.group(2), lean)
    m = _MONTH_DAY.match(s)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        found = []
        for year in range(today.year - 4, today.year + 5):  # 2月29日: a leap year among them
            try:
                found.append(date(year, month, day))
            except ValueError:
                continue
        return _pick(text, found, today, lean)
    raise _not_a_date(text)


def _not_a_date(text: str) -> ValueError:
    return ValueError(t("not a date: {text!r} (use YYYY-MM-DD, or tomorrow, monday, +7, eom, "
                        "11-30)", text=text))


def _day_of_month(text: str, today: date, which: str | None, day: str, lean: str) -> date:
    """Day `day` of this month, the next or the one before (which); without one, of the
    month before, this one or the next, as _pick chooses."""
    n = _count(day, text)
    found = []
    for away in [_MONTHS_AWAY[which]] if which else [-1, 0, 1]:
        month = add_months(today.replace(day=1), away)
        if 1 <= n <= _month_end(month.year, month.month).day:
            found.append(month.replace(day=n))
    return _pick(text, found, today, "near" if which else lean)  # 下个月15号: as it says


def _pick(text: str, found: list[date], today: date, lean: str) -> date:
    """Of the dates a text may mean, the nearest on or after today (lean "future"), on
    or before it ("past"), or either way ("near"); ValueError when there is none."""
    if lean != "near":
        found = [d for d in found if (d >= today if lean == "future" else d <= today)]
    if not found:
        raise ValueError(t("no such date: {text!r}", text=text))
    return min(found, key=lambda d: abs((d - today).days))


def _moved(d: date, n: int, unit: str) -> date:
    try:
        if unit in ("m", "y"):
            return add_months(d, n * (12 if unit == "y" else 1))
        return d + timedelta(days=n * (7 if unit == "w" else 1))
    except (ValueError, OverflowError):  # past the year 9999
        raise ValueError(t("{value} is out of range (years 1 to 9999)",
                           value=f"{n:+d}{unit}")) from None


def previous_working_day(day: date) -> date:
    """The working day before `day` (Friday for a Saturday, Sunday or Monday): the day
    the digest's new risks are new since."""
    back = {0: 3, 6: 2}.get(day.weekday(), 1)
    return day - timedelta(days=back)
