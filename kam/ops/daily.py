"""The daily job: scores, due, risk and the digest."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kam.errors import BadInput
from kam.i18n import t
from kam.models import Customer, Rank
from kam.ops.context import Context
from kam.ops.customers import load_ranked
from kam.records import Filter, select

if TYPE_CHECKING:
    from kam.scoring import Scorer

DUE_KEYS = ("code", "name", "kind", "due", "days_overdue", "section", "tier", "owner")
RISK_KEYS = ("code", "name", "health", "days_since_contact", "reasons", "tier", "owner")


def _chosen(ctx: Context, f: Filter, include_archived: bool = False
            ) -> tuple[list[Customer], dict[str, Rank]]:
    customers, ranks = load_ranked(ctx, include_archived)
    return select(customers, f.resolved(ctx.settings), ranks), ranks


def blind(ctx: Context, customers: list[Customer], scorer: Scorer | None = None) -> list[str]:
    """A line for each indicator scoring is blind to (no value for most customers)."""
    from kam.scoring import Scorer, blind_spots

    spots = blind_spots(customers, scorer or Scorer(ctx.settings, ctx.today))
    return [t("{name} ({looks}): no value for {missing} of {total} customers; fill or map "
              "that column (--map, import.aliases), or drop the indicator's weight in kam.yaml",
              name=name, looks=looks, missing=missing, total=total)
            for name, looks, missing, total in spots]


def scores(ctx: Context, code: str | None = None, f: Filter | None = None,
           include_archived: bool = False, explain: bool = False
           ) -> tuple[list[dict[str, Any]], list[str]]:
    """Scores, tiers and each indicator's points, best first (with --explain, the parts),
    and the lines saying which indicators scoring is blind to."""
    from kam.scoring import Scorer

    with ctx.reader() as store:
        customers = store.customers(include_archived=include_archived or code is not None)
        if code is not None:
            code = store.resolve(code)
            customers = [c for c in customers if c.code == code]
    scorer = Scorer(ctx.settings, ctx.today)
    scored = {c.code: scorer.breakdown(c) for c in customers}
    ranks = {k: v[0] for k, v in scored.items()}
    customers = select(customers, (f or Filter()).resolved(ctx.settings), ranks)
    customers.sort(key=lambda c: (-ranks[c.code].score, c.code))
    rows = []
    for c in customers:
        (tier, total), points = scored[c.code]
        row: dict[str, Any] = {"code": c.code, "name": c.name, "score": total, "tier": tier,
                               "breakdown": points}
        if explain:
            row["explain"] = {p.indicator: {"raw": p.raw, "value": p.value,
                                            "normalised": p.normalised, "weight": p.weight,
                                            "points": p.points, "missing": p.missing,
                                            "source": p.source, "scale": p.scale}
                              for p in scorer.parts(c)}
        rows.append(row)
    return rows, blind(ctx, customers, scorer) if code is None else []


def due(ctx: Context, days: int | None = None, f: Filter | None = None,
        explain: str | None = None) -> list[dict[str, Any]]:
    """Follow-ups overdue, due today and within the horizon, plus date reminders, most
    urgent first in each section; explain=CODE adds each item's urgency terms for it."""
    from kam.followup import due_items

    horizon = ctx.settings.upcoming_days if days is None else days
    if horizon < 0:
        raise BadInput(t("--days must be 0 or more"))
    chosen, ranks = _chosen(ctx, f or Filter())
    rows = []
    for i in due_items(chosen, ranks, ctx.settings, ctx.today, horizon):
        row: dict[str, Any] = {"code": i.code, "name": i.name, "kind": i.kind,
                               "due": i.due.isoformat(), "days_overdue": i.days_overdue,
                               "section": i.section, "tier": i.tier, "owner": i.owner,
                               "urgency": i.urgency}
        if explain is not None and i.code.casefold() == explain.casefold():
            row["terms"] = dict(i.terms)
        rows.append(row)
    if explain is not None and not any("terms" in r for r in rows):
        raise BadInput(t("{explain}: nothing due for it in the next {horizon} days",
                         explain=explain, horizon=horizon))
    return rows


def risk(ctx: Context, f: Filter | None = None, threshold: float | None = None
         ) -> list[dict[str, Any]]:
    """Customers below the health threshold or past the churn mark, worst first."""
    from kam.followup import risks

    chosen, ranks = _chosen(ctx, f or Filter())
    settings = ctx.settings
    if threshold is not None:
        settings = replace(settings, risk=replace(settings.risk, threshold=threshold))
    return [{"code": h.code, "name": h.name, "health": h.health, "reasons": list(h.reasons),
             "days_since_contact": h.days_since_contact, "dormant": h.dormant, "tier": h.tier,
             "owner": h.owner, "signals": list(h.signals)}
            for h in risks(chosen, ranks, settings, ctx.today)]


def digest(ctx: Context, days: int = 7) -> dict[str, Any]:
    """The morning summary: whom to contact today (with the contact, the number and the
    last follow-up, most urgent first), new risks, dates coming up."""
    from kam.privacy import mask_value

    items = due(ctx, days)
    follow = [r for r in items if r["kind"] == "follow_up" and r["days_overdue"] >= 0]
    if follow:
        mask = ctx.settings.mask_by_default
        with ctx.reader() as store:
            for r in follow:
                c = store.get(r["code"])
                info = c.contact_info or ""
                r.update(contact=c.contact or "",
                         contact_info=mask_value(info) if mask else info,
                         last_contact=c.last_contact or "", last_summary=c.last_summary or "")
    dates = [r for r in items if r["kind"] != "follow_up"]
    at_risk = risk(ctx)
    marks = (ctx.settings.risk.churn_days, ctx.settings.risk.dormant_days)
    # New risks: crossed the churn or dormant mark within the last week.
    new_risk = [r for r in at_risk if r["days_since_contact"] is not None
                and any(0 <= r["days_since_contact"] - m < 7 for m in marks)]
    return {"date": ctx.today.isoformat(), "due": follow, "dates": dates,
            "new_risks": new_risk, "at_risk": len(at_risk)}
