"""Calendar files (.ics, RFC 5545): kam's reminders as all-day events a phone imports.

Each event has a UID made of the customer's code and what it is, so importing a newer
file updates the events instead of adding them twice (SEQUENCE grows with the time of
the export, for the calendars that want it). Pure: the caller gives the events and the
time of the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from kam.text import fold, plain

ALARM_HOUR = 9  # the alarm rings at 9:00 on the day (and lead days ahead)


@dataclass
class Event:
    uid: str
    day: date
    summary: str
    description: str = ""
    yearly: bool = False
    lead: int = 0  # days ahead to ring as well (0: on the day only)
    categories: Sequence[str] = ()


def _text(value: str) -> str:
    return (plain(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _alarm(summary: str, days_ahead: int) -> list[str]:
    # an all-day event starts at midnight: 09:00 that day is PT9H; days ahead count back
    hours = ALARM_HOUR - 24 * days_ahead
    trigger = f"PT{hours}H" if hours >= 0 else f"-PT{-hours}H"
    return ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_text(summary)}",
            f"TRIGGER;RELATED=START:{trigger}", "END:VALARM"]


def write(events: Sequence[Event], now: datetime, name: str) -> str:
    """A VCALENDAR of all-day events, each with its alarms (CRLF, folded at 75 octets)."""
    stamp = now.astimezone(timezone.utc)
    sequence = int((stamp - datetime(2020, 1, 1, tzinfo=timezone.utc)).total_seconds() // 60)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kam//key-account manager//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(name)}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{_text(e.uid)}", f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
                  f"SEQUENCE:{sequence}", f"DTSTART;VALUE=DATE:{e.day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{e.day + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_text(e.summary)}", "TRANSP:TRANSPARENT"]
        if e.description:
            lines.append(f"DESCRIPTION:{_text(e.description)}")
        if e.categories:
            lines.append("CATEGORIES:" + ",".join(_text(c) for c in e.categories))
        if e.yearly:  # 29 February: the last day of February in other years
            lines.append("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"
                         if (e.day.month, e.day.day) == (2, 29) else "RRULE:FREQ=YEARLY")
        lines += _alarm(e.summary, 0)
        if e.lead > 0:
            lines += _alarm(e.summary, e.lead)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
