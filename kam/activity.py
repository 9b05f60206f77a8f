"""Aggregates of the interaction log kept on each customer. Pure functions.

The daily commands read only the customers file, so each customer carries the
few figures they need, recomputed from its whole log whenever the log changes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from kam.models import Customer, Interaction, Stats

# Long enough for every window the core uses however long after the last write
# it is read: orders feed 12-month sums and 6-month trends; contacts and
# complaints only 90-day counts (kept 120 days, so "as of" reports up to 30
# days back stay exact). A window starting before the write's today -
# KEEP_DAYS is never asked for by a read at or after that day.
KEEP_DAYS = 400
KEEP_CONTACT_DAYS = 120


def summarize(interactions: list[Interaction], today: date) -> Stats:
    """The stats the daily commands need: orders per day, complaint and contact dates."""
    since = (today - timedelta(days=KEEP_DAYS)).isoformat()
    recent = (today - timedelta(days=KEEP_CONTACT_DAYS)).isoformat()
    orders: dict[str, float] = {}
    complaints: list[str] = []
    contacts: list[str] = []
    first_order = None
    for i in interactions:
        if i.kind == "order":
            if first_order is None or i.date < first_order:
                first_order = i.date
            if i.date >= since and i.amount:
                orders[i.date] = orders.get(i.date, 0.0) + float(i.amount)
        if i.date >= recent:
            contacts.append(i.date)
            if i.kind == "complaint":
                complaints.append(i.date)
    return {
        "orders": orders,
        "first_order": first_order,
        "complaints": sorted(complaints),
        "contacts": sorted(contacts),
        "interactions": len(interactions),
    }


def refresh(customer: Customer, interactions: list[Interaction], today: date) -> Customer:
    """The customer with last contact, last summary and stats following its log.

    A customer without any logged interaction keeps the last contact it was
    given (e.g. by an older import).
    """
    stats = summarize(interactions, today)
    if not interactions:
        return replace(customer, stats=stats)
    # the last recorded wins a tie: two follow-ups in one second keep their order
    newest = max(reversed(interactions), key=lambda i: (i.date, i.created))
    return replace(customer, last_contact=newest.date, last_summary=newest.summary, stats=stats)


class Windows:
    """Date windows counted back from one day, worked out once (hot path of due and score).

    A window (start, end) holds the days in (today - end days, today - start days].
    """

    def __init__(self, today: date):
        self.today = today
        self.iso = today.isoformat()
        self._bounds: dict[int, str] = {}

    def _ago(self, days: int) -> str:
        bound = self._bounds.get(days)
        if bound is None:
            bound = self._bounds[days] = (self.today - timedelta(days=days)).isoformat()
        return bound

    def total(self, by_day: dict[str, float], start: int, end: int) -> float:
        """Sum of the values dated in the window."""
        lo, hi = self._ago(end), self._ago(start)
        return float(sum(v for d, v in by_day.items() if lo < d <= hi))

    def count(self, days: list[str] | dict[str, float], within: int) -> int:
        """How many of the days fall in the last `within` days (today included)."""
        lo, hi = self._ago(within), self.iso
        return sum(1 for d in days if lo < d <= hi)

    def months(self, days: dict[str, float], within: int) -> int:
        """In how many calendar months of the last `within` days there is an entry."""
        lo, hi = self._ago(within), self.iso
        return len({d[:7] for d in days if lo < d <= hi})
