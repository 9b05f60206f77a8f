"""kam's reminders for the phone's calendar: the next follow-up of each customer and
its named dates (birthdays and anniversaries every year, contract ends once)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kam import labels
from kam.followup import LOST
from kam.i18n import t
from kam.ical import Event
from kam.privacy import PERSONAL_DATES, mask
from kam.records import next_follow_up

if TYPE_CHECKING:
    from kam.models import Customer
    from kam.schema import Rank
    from kam.settings import Settings


def events(customers: list[Customer], ranks: dict[str, Rank], settings: Settings,
           today: date, masked: bool) -> list[Event]:
    """An all-day event for each reminder. A follow-up already late stands on today,
    saying how late; a once-only date past its grace is left out, and so are birthdays
    when masked (a person's date does not leave masked)."""
    out = []
    for c in customers:
        if c.stage == LOST:
            continue
        name = mask(c.name) if masked else c.name
        rank = ranks.get(c.code)
        about = "\n".join(x for x in (
            " ".join(x for x in (mask(c.contact) if masked else c.contact,
                                 mask(c.contact_info) if masked else c.contact_info) if x),
            t("tier {tier} · score {score}", tier=rank.tier, score=round(rank.score, 1))
            if rank else "",
            t("last contact {date}: {summary}", date=c.last_contact,
              summary=mask(c.last_summary) if masked else c.last_summary)
            if c.last_contact else "",
            c.code) if x)
        when = next_follow_up(c, rank, settings)
        if when is not None:
            late = (today - when).days
            summary = f"{name} · {labels.kind('follow_up')}" + (
                t(" ({days} days late)", days=late) if late > 0 else "")
            out.append(Event(f"{c.code}-follow-up@kam", max(when, today), summary, about,
                             categories=c.tags))
        for stored, iso in sorted(c.dates.items()):
            key = settings.date_name(stored)
            rule = settings.date_rule(key)
            day = date.fromisoformat(iso)
            if (masked and key in PERSONAL_DATES) or (
                    not rule.yearly and (today - day).days > rule.grace):
                continue
            out.append(Event(f"{c.code}-{key}@kam", day, f"{name} · {labels.kind(key)}", about,
                             yearly=rule.yearly, lead=rule.lead, categories=c.tags))
    return out
