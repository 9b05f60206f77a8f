"""Whom to contact and who is slipping away. Pure functions; `today` is a parameter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from kam.activity import Windows
from kam.dates import next_anniversary
from kam.i18n import t
from kam.schema import Rank
from kam.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kam.models import Customer

_NO_RANK = Rank("", 0.0)


class DueItem(NamedTuple):
    """Something to do for a customer: a follow-up or a named date, with its urgency."""

    code: str
    name: str
    kind: str  # "follow_up" or a named date ("birthday", "contract_end", ...)
    due: date
    days_overdue: int  # negative while still ahead
    tier: str = ""
    score: float = 0.0
    owner: str = ""
    detail: str = ""  # why it is due, e.g. "cadence 7 days" or "next step set"
    urgency: float = 0.0
    terms: tuple[tuple[str, float], ...] = ()  # what the urgency is made of

    @property
    def section(self) -> str:
        return section(self.days_overdue)


SECTIONS = ("overdue", "today", "upcoming")  # `kam due`'s, in this order
_PLACE = {name: i for i, name in enumerate(SECTIONS)}


def section(days_overdue: int) -> str:
    """Where a due item stands in `kam due`: overdue, today or upcoming."""
    return "overdue" if days_overdue > 0 else "today" if days_overdue == 0 else "upcoming"


def due_order(days_overdue: int, urgency: float, code: str) -> tuple[int, float, int, str]:
    """An item's place in `kam due`: by section, the most urgent first, then the longest
    overdue, then by code."""
    return _PLACE[section(days_overdue)], -urgency, -days_overdue, code


def cadence(c: Customer, tier: str, settings: Settings) -> int:
    """Days between contacts: the shortest that applies to the tier and the stage."""
    options = [settings.cadence_default]
    if tier in settings.cadence_tier:
        options.append(settings.cadence_tier[tier])
    if c.stage in settings.cadence_stage:
        options.append(settings.cadence_stage[c.stage])
    return min(options)


def next_contact(c: Customer, tier: str, settings: Settings) -> tuple[date | None, str]:
    """When the customer is next due for a follow-up, and why."""
    if c.next_follow_up:
        return date.fromisoformat(c.next_follow_up), t("next step set")
    days = cadence(c, tier, settings)
    start = c.last_contact or (c.created[:10] if c.created else None)
    if not start:
        return None, ""
    return date.fromisoformat(start) + timedelta(days=days), t("every {days} days", days=days)


def date_occurrences(c: Customer, today: date, settings: Settings
                     ) -> list[tuple[str, date, int]]:
    """Named dates not yet past their grace: (name, occurrence, lead in days)."""
    out = []
    for stored, iso in c.dates.items():
        name = settings.date_name(stored)
        rule = settings.date_rule(name)
        d = date.fromisoformat(iso)
        when = next_anniversary(d, today) if rule.yearly else d
        if (when - today).days >= -rule.grace:
            out.append((name, when, rule.lead))
    return out


def date_reminders(c: Customer, today: date, horizon: int, settings: Settings
                   ) -> list[tuple[str, date]]:
    """Named dates to remind of: (name, occurrence) within their lead or the horizon."""
    return [(name, when) for name, when, lead in date_occurrences(c, today, settings)
            if reminds((today - when).days, lead, horizon)]


def shown(late: int, lead: int | None, horizon: int) -> bool:
    """Whether a follow-up (lead None) or a date occurrence `late` days past is in
    `kam due` looking `horizon` days ahead."""
    return -late <= horizon if lead is None else reminds(late, lead, horizon)


def reminds(late: int, lead: int, horizon: int) -> bool:
    """Whether a date occurrence `late` days past (negative: ahead), not past its grace,
    is shown within the horizon."""
    return -late <= max(lead, horizon)


LOST = "lost"  # the stage of a lost customer: no follow-ups, no warnings


def urgency(days_overdue: int, tier: str, score: float, stage: str | None, kind: str,
            settings: Settings) -> float:
    """An item's urgency: the sum of its terms."""
    return round(sum(v for _, v in _terms(days_overdue, tier, score, stage, kind, settings)), 2)


def _terms(days_overdue: int, tier: str, score: float, stage: str | None, kind: str,
           settings: Settings) -> tuple[tuple[str, float], ...]:
    u = settings.urgency
    late = max(-u.late_cap, min(days_overdue, u.late_cap)) * u.late_day
    terms = [("late", late), ("tier", u.tier.get(tier, 0.0)), ("score", round(score * u.score, 2)),
             ("stage", u.stage.get(stage or "", 0.0)), ("kind", u.kind.get(kind, 0.0))]
    return tuple((k, float(v)) for k, v in terms if v)


def due_items(customers: list[Customer], ranks: dict[str, Rank], settings: Settings,
              today: date, days: int) -> list[DueItem]:
    """Follow-ups overdue, due today and within `days`, plus date reminders.

    Ranked by section (overdue, today, upcoming), then by urgency: a valuable customer
    a few days late comes before an ordinary one a month late. Lost customers have none.
    """
    items = []
    for c in customers:
        if c.stage == LOST:
            continue
        tier, sc = ranks.get(c.code, _NO_RANK)
        found = []
        when, why = next_contact(c, tier, settings)
        if when is not None and (when - today).days <= days:
            found.append(("follow_up", when, why))
        found += [(name, d, "date") for name, d in date_reminders(c, today, days, settings)]
        for kind, d, why in found:
            late = (today - d).days
            terms = _terms(late, tier, sc, c.stage, kind, settings)
            items.append(DueItem(c.code, c.name, kind, d, late, tier, sc, c.owner, why,
                                 round(sum(v for _, v in terms), 2), terms))
    items.sort(key=lambda i: due_order(i.days_overdue, i.urgency, i.code))
    return items


class Health(NamedTuple):
    """A customer's health (客户健康度), the reasons and the churn signals."""

    code: str
    name: str
    health: float  # 0..100, 100 = healthy
    reasons: tuple[str, ...]
    days_since_contact: int | None
    dormant: bool
    at_risk: bool
    owner: str = ""
    tier: str = ""
    signals: tuple[str, ...] = ()  # dormant, silent, cadence, orders_down, complaints, ...


def health(c: Customer, tier: str, settings: Settings, today: date,
           windows: Windows | None = None) -> Health:
    """客户健康度: 100 minus the points each warning signal costs, with the reasons and
    what to do. Each of the method's churn signals, when severe, alone puts the
    customer on the watch list: silent past the churn mark, dormant, orders down by
    risk.orders_drop or more, risk.complaints or more complaints in 90 days."""
    r, w = settings.risk, settings.risk.weights
    reasons: list[str] = []
    signals: list[str] = []
    penalty = 0.0
    every = cadence(c, tier, settings)

    days_since = (today - date.fromisoformat(c.last_contact)).days if c.last_contact else None
    quiet = days_since
    if quiet is None and c.created:
        quiet = (today - date.fromisoformat(c.created[:10])).days
    dormant = quiet is not None and quiet >= r.dormant_days
    if quiet is not None and quiet > every:
        if dormant:
            share, signal = 1.0, "dormant"
            todo = t("past the dormant mark ({days} days): send a reactivation offer or news "
                     "of new products", days=r.dormant_days)
        elif quiet >= r.churn_days:
            share = 0.5 + 0.5 * (quiet - r.churn_days) / (r.dormant_days - r.churn_days)
            signal, todo = "silent", t("past the churn mark ({days} days): find out why, call "
                                       "to win them back", days=r.churn_days)
        else:
            share = 0.5 * (quiet - every) / max(1, r.churn_days - every)
            signal, todo = "cadence", t("due every {days} days: plan a follow-up", days=every)
        penalty += w.get("contact", 0) * share
        what = (t("no contact for {days} days", days=quiet) if days_since is not None
                else t("added {days} days ago, never contacted", days=quiet))
        reasons.append(t("{what}, {todo}", what=what, todo=todo))
        signals.append(signal)

    win = windows or Windows(today)
    st = c.stats or {}
    orders = st.get("orders") or {}
    recent, before = win.total(orders, 0, 90), win.total(orders, 90, 180)
    if before > 0 and recent < before:
        drop = (before - recent) / before
        penalty += w.get("orders", 0) * drop
        reasons.append(t("orders of the last 3 months down {percent}% on the 3 before: call to "
                         "learn what changed in their buying", percent=round(drop * 100)))
        signals.append("orders_down" if drop >= r.orders_drop else "orders_dip")

    complaints = win.count(st.get("complaints") or [], 90)
    if complaints:
        penalty += min(w.get("complaints", 0), w.get("complaints", 0) / 2 * complaints)
        reasons.append(t("{count} complaint(s) in 90 days: visit and settle them",
                         count=complaints))
        signals.append("complaints" if complaints >= r.complaints else "complaint")

    if c.next_follow_up:
        late = (today - date.fromisoformat(c.next_follow_up)).days
        if late > 0:
            penalty += w.get("overdue", 0) * min(1.0, late / max(1, every))
            reasons.append(t("the agreed follow-up is {days} days late: contact them today",
                             days=late))
            signals.append("overdue")

    value = round(max(0.0, 100.0 - penalty), 1)
    at_risk = is_at_risk(value, signals, r.threshold)
    return Health(c.code, c.name, value, tuple(reasons), days_since, dormant, at_risk,
                  c.owner, tier, tuple(signals))


# Signals that alone put a customer on the watch list.
SEVERE = frozenset({"dormant", "silent", "orders_down", "complaints"})


def is_at_risk(health_value: float, signals: Iterable[str], threshold: float) -> bool:
    """The churn warning's rule: health below the threshold, or one severe signal alone."""
    return health_value < threshold or not SEVERE.isdisjoint(signals)


def risk_order(health_value: float, code: str) -> tuple[float, str]:
    """Where an at-risk customer stands on the list: lowest health first, then code."""
    return (health_value, code)
