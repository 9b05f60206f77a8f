"""Aggregates of the interaction log kept on each customer. Pure functions.

The daily commands read only the customers file, so each customer carries the
few figures they need, recomputed from its whole log whenever the log changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from kam.schema import Stats

if TYPE_CHECKING:  # the daily commands read the view: no dataclasses imported
    from kam.models import Customer, Interaction

# Long enough for every window the core uses however long after the last write
# it is read: orders feed 12-month sums and 6-month trends; contacts and
# complaints only 90-day counts (kept 120 days, so "as of" reports up to 30
# days back stay exact). A window starting before the write's today -
# KEEP_DAYS is never asked for by a read at or after that day.
KEEP_DAYS = 400
KEEP_CONTACT_DAYS = 120


def summarize(interactions: list[Interaction], today: date) -> Stats:
    """The stats the daily commands need: orders per day, complaint and contact dates."""
    since, recent = _windows(today)
    orders: dict[str, float] = {}
    complaints: list[str] = []
    contacts: list[str] = []
    first_order = None
    for i in interactions:
        first_order = _count(i, since, recent, orders, complaints, contacts, first_order)
    return {
        "orders": orders,
        "first_order": first_order,
        "complaints": sorted(complaints),
        "contacts": sorted(contacts),
        "interactions": len(interactions),
    }


def _windows(today: date) -> tuple[str, str]:
    """The first days kept: of orders, and of contacts and complaints."""
    return ((today - timedelta(days=KEEP_DAYS)).isoformat(),
            (today - timedelta(days=KEEP_CONTACT_DAYS)).isoformat())


def _count(i: Interaction, since: str, recent: str, orders: dict[str, float],
           complaints: list[str], contacts: list[str], first_order: str | None) -> str | None:
    """Add one interaction to the stats being summed; the first order's day after it."""
    if i.kind == "order":
        if first_order is None or i.date < first_order:
            first_order = i.date
        if i.date >= since:  # a day with an order, its amount 0 when none was given
            orders[i.date] = orders.get(i.date, 0.0) + float(i.amount or 0)
    if i.date >= recent:
        contacts.append(i.date)
        if i.kind == "complaint":
            complaints.append(i.date)
    return first_order


def refresh(customer: Customer, interactions: list[Interaction], today: date) -> Customer:
    """The customer with last contact, last summary and stats following its log.

    A customer without any logged interaction keeps the last contact it was
    given (e.g. by an older import).
    """
    from dataclasses import replace

    stats = summarize(interactions, today)
    if not interactions:
        return replace(customer, stats=stats)
    # the last recorded wins a tie: two follow-ups in one second keep their order
    newest = max(reversed(interactions), key=lambda i: (i.date, i.created))
    return replace(customer, last_contact=newest.date, last_summary=newest.summary, stats=stats)


def absorb(customer: Customer, new: Interaction, today: date) -> Customer | None:
    """refresh() after appending one interaction, from the customer's kept stats alone,
    so that `kam log` need not read the whole log; None when they cannot tell.

    The kept stats were summarized on a day no later than the customer's `updated`
    (every write that refreshes them stamps it), so with `new` recorded at or after
    that stamp they hold every entry the windows of `today` need: trimming them to
    today's windows gives what summarize() of the whole log would. The last contact
    follows the log once the customer has one; a new entry dated on or after it is
    the newest (it was recorded last).
    """
    from dataclasses import replace

    stats = customer.stats
    if "interactions" not in stats or not new.created or new.created < customer.updated:
        return None
    since, recent = _windows(today)
    orders = {d: v for d, v in (stats.get("orders") or {}).items() if d >= since}
    complaints = [d for d in stats.get("complaints") or () if d >= recent]
    contacts = [d for d in stats.get("contacts") or () if d >= recent]
    first_order = _count(new, since, recent, orders, complaints, contacts,
                         stats.get("first_order"))
    count = int(stats["interactions"])
    fresh: Stats = {"orders": dict(sorted(orders.items())),
                    "first_order": first_order, "complaints": sorted(complaints),
                    "contacts": sorted(contacts), "interactions": count + 1}
    if count and customer.last_contact and new.date < customer.last_contact:
        return replace(customer, stats=fresh)
    return replace(customer, last_contact=new.date, last_summary=new.summary, stats=fresh)


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
