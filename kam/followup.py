"""Whom to contact and who is slipping away. Pure functions; `today` is a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kam.activity import Windows
from kam.dates import next_anniversary
from kam.models import Customer, Rank
from kam.settings import Settings

_NO_RANK = Rank("", 0.0)


@dataclass(frozen=True)
class DueItem:
    code: str
    name: str
    kind: str  # "follow_up" or a named date ("birthday", "contract_end", ...)
    due: date
    days_overdue: int  # negative while still ahead
    tier: str = ""
    score: float = 0.0
    owner: str = ""
    detail: str = ""  # why it is due, e.g. "cadence 7 days" or "next step set"

    @property
    def section(self) -> str:
        if self.days_overdue > 0:
            return "overdue"
        return "today" if self.days_overdue == 0 else "upcoming"


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
        return date.fromisoformat(c.next_follow_up), "next step set"
    days = cadence(c, tier, settings)
    start = c.last_contact or (c.created[:10] if c.created else None)
    if not start:
        return None, ""
    return date.fromisoformat(start) + timedelta(days=days), f"every {days} days"


def date_reminders(c: Customer, today: date, horizon: int, settings: Settings
                   ) -> list[tuple[str, date]]:
    """Named dates to remind of: (name, occurrence) within their lead or the horizon."""
    out = []
    for name, iso in c.dates.items():
        rule = settings.date_rule(name)
        d = date.fromisoformat(iso)
        when = next_anniversary(d, today) if rule.yearly else d
        ahead = (when - today).days
        if -rule.grace <= ahead <= max(rule.lead, horizon):
            out.append((name, when))
    return out


def due_items(customers: list[Customer], ranks: dict[str, Rank], settings: Settings,
              today: date, days: int) -> list[DueItem]:
    """Follow-ups overdue, due today and within `days`, plus date reminders.

    Ranked by section, then how late, then
    tier and score.
    """
    items = []
    for c in customers:
        tier, sc = ranks.get(c.code, _NO_RANK)
        when, why = next_contact(c, tier, settings)
        if when is not None and (when - today).days <= days:
            items.append(DueItem(c.code, c.name, "follow_up", when, (today - when).days,
                                 tier, sc, c.owner, why))
        for name, d in date_reminders(c, today, days, settings):
            items.append(DueItem(c.code, c.name, name, d, (today - d).days, tier, sc, c.owner,
                                 "date"))
    # Most late first; within a day, the more valuable customer first.
    tier_rank = {t.name: i for i, t in enumerate(settings.tiers)}
    items.sort(key=lambda i: (-i.days_overdue, tier_rank.get(i.tier, 99), -i.score, i.code))
    return items


@dataclass(frozen=True)
class Health:
    code: str
    name: str
    health: float  # 0..100, 100 = healthy
    reasons: tuple[str, ...]
    days_since_contact: int | None
    dormant: bool
    at_risk: bool
    owner: str = ""
    tier: str = ""


def health(c: Customer, tier: str, settings: Settings, today: date,
           windows: Windows | None = None) -> Health:
    """客户健康度: 100 minus the points each warning signal costs, with the reasons."""
    r, w = settings.risk, settings.risk.weights
    reasons: list[str] = []
    penalty = 0.0
    every = cadence(c, tier, settings)

    days_since = (today - date.fromisoformat(c.last_contact)).days if c.last_contact else None
    quiet = days_since
    if quiet is None and c.created:
        quiet = (today - date.fromisoformat(c.created[:10])).days
    dormant = quiet is not None and quiet >= r.dormant_days
    churning = quiet is not None and quiet >= r.churn_days
    if quiet is not None and quiet > every:
        wc = w.get("contact", 0)
        if quiet >= r.dormant_days:
            share, mark = 1.0, r.dormant_days
        elif quiet >= r.churn_days:
            share = 0.5 + 0.5 * (quiet - r.churn_days) / (r.dormant_days - r.churn_days)
            mark = r.churn_days
        else:
            share = 0.5 * (quiet - every) / max(1, r.churn_days - every)
            mark = every
        penalty += wc * share
        what = "no contact" if days_since is not None else "never contacted, added"
        label = "dormant 沉睡" if quiet >= r.dormant_days else (
            "churn risk 流失风险" if quiet >= r.churn_days else "cadence")
        reasons.append(f"{what} for {quiet} days ({label} mark {mark})")

    win = windows or Windows(today)
    st = c.stats or {}
    orders = st.get("orders") or {}
    recent, before = win.total(orders, 0, 90), win.total(orders, 90, 180)
    if before > 0 and recent < before:
        drop = (before - recent) / before
        penalty += w.get("orders", 0) * drop
        reasons.append(f"orders down {round(drop * 100)}% vs previous 3 months")

    complaints = win.count(st.get("complaints") or [], 90)
    if complaints:
        penalty += min(w.get("complaints", 0), w.get("complaints", 0) / 2 * complaints)
        reasons.append(f"{complaints} complaint{'s' if complaints > 1 else ''} in 90 days")

    if c.next_follow_up:
        late = (today - date.fromisoformat(c.next_follow_up)).days
        if late > 0:
            penalty += w.get("overdue", 0) * min(1.0, late / max(1, every))
            reasons.append(f"follow-up overdue by {late} day{'s' if late > 1 else ''}")

    value = round(max(0.0, 100.0 - penalty), 1)
    at_risk = value < r.threshold or churning
    return Health(c.code, c.name, value, tuple(reasons), days_since, dormant, at_risk,
                  c.owner, tier)


def risks(customers: list[Customer], ranks: dict[str, Rank], settings: Settings,
          today: date) -> list[Health]:
    """Customers below the health threshold or past the churn mark, lowest health first."""
    w = Windows(today)
    out = [health(c, ranks.get(c.code, _NO_RANK).tier, settings, today, w) for c in customers]
    return sorted((h for h in out if h.at_risk), key=lambda h: (h.health, h.code))
