"""The review of a month, a quarter or any span: portfolio, movements, activity,
conversion, lifecycle, revenue and lost customers, each against the period before.

The archive as of a day comes from the history and the follow-up log (review.as_of);
scores and health are worked out as of that day with the settings of today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kam import labels
from kam import review as core
from kam.followup import LOST
from kam.i18n import t
from kam.models import Customer, Interaction
from kam.ops.context import Context
from kam.records import Filter, select
from kam.schema import Rank
from kam.settings import Settings

TOP = 5  # customers listed by amount and by change


@dataclass
class State:
    """The (filtered, unarchived) archive at the end of one day, ranked that day."""

    day: date
    customers: dict[str, Customer]
    ranks: dict[str, Rank]


def _state(settings: Settings, docs: list[dict[str, Any]], history: dict[str, list[Any]],
           log: dict[str, list[dict[str, Any]]], latest: dict[str, str], day: date, f: Filter,
           kept: dict[str, Rank] | None = None) -> State:
    """The archive at the end of `day`. A customer unchanged since (no history entry and
    no follow-up after it) is taken as stored, and its kept rank used when `kept` has
    today's ranks; the others get their aggregates from their log up to that day."""
    from kam.activity import refresh
    from kam.scoring import Scorer

    scorer = Scorer(settings, day)
    cut = day.isoformat()
    found: dict[str, Customer] = {}
    ranks: dict[str, Rank] = {}
    for doc in docs:
        code = doc["code"]
        past = core.as_of(doc, history.get(code, []), day)
        if past is None or past.get("archived"):
            continue
        c = Customer.from_doc(past)
        unchanged = past is doc and latest.get(code, "") <= cut
        if not unchanged:
            own = sorted((Interaction.from_doc(d) for d in log.get(code, ()) if d["date"] <= cut),
                         key=lambda i: (i.date, i.created))
            c = refresh(c, own, day)
        found[code] = c
        ranks[code] = kept[code] if unchanged and kept and code in kept else scorer.rank(c)
    chosen = select(list(found.values()), f.resolved(settings), ranks)
    return State(day, {c.code: c for c in chosen}, {c.code: ranks[c.code] for c in chosen})


def run(ctx: Context, period: core.Period, f: Filter | None = None) -> dict[str, Any]:
    """The review document (README "JSON shapes": review)."""
    settings = ctx.settings
    from kam.ops import view

    f = f or Filter()
    end = min(period.end, ctx.today)
    prev = period.previous()
    with ctx.reader() as store:
        everyone = store.customers(include_archived=True)
        kept = None
        if end == ctx.today:  # today's ranks: the kept ones, or worked out and kept
            kept = view.ranks(ctx, everyone, store.identity)
        docs = [c.to_doc() for c in everyone]
        history: dict[str, list[Any]] = {}
        for e in store.read_history():
            history.setdefault(e["code"], []).append(e)
        history = {code: core.without_undone(es) for code, es in history.items()}
        raw = store.interaction_docs()
    log: dict[str, list[dict[str, Any]]] = {}
    latest: dict[str, str] = {}
    for d in raw:
        log.setdefault(d["code"], []).append(d)
        if d["date"] > latest.get(d["code"], ""):
            latest[d["code"]] = d["date"]
    now = _state(settings, docs, history, log, latest, end, f, kept)
    before = _state(settings, docs, history, log, latest, prev.end, f)
    codes = set(now.customers) | set(before.customers)
    entries = [(code, e) for code in sorted(codes) for e in history.get(code, [])]
    lo, hi = prev.start.isoformat(), end.isoformat()  # all the sections look at
    own_log = [Interaction.from_doc(d) for d in raw if lo <= d["date"] <= hi
               and d["code"] in codes]
    first = min((e["ts"][:10] for es in history.values() for e in es), default=None)
    return {
        "period": {**period.to_doc(), "as_of": end.isoformat()},
        "records_from": first,
        "previous": prev.to_doc(),
        "customers": len(now.customers),
        "portfolio": _portfolio(settings, now, before),
        "movements": _movements(settings, now, before, entries, period),
        "activity": _activity(settings, now, own_log, period, prev, end),
        "conversion": _conversion(now, before, entries, history, period),
        "lifecycle": _lifecycle(settings, now, before, own_log, period, end),
        "revenue": _revenue(now, before, own_log, period, prev),
        "lost": _lost(now, before, period),
    }


def _tier_order(settings: Settings) -> dict[str, int]:
    return {tier.name: i for i, tier in enumerate(settings.tiers)}


def _portfolio(settings: Settings, now: State, before: State) -> dict[str, Any]:
    order = _tier_order(settings)
    tiers = [tier.name for tier in settings.tiers]
    stages = [term.key for term in settings.vocab["stage"].terms]
    grades = [term.key for term in settings.vocab["value_level"].terms]

    def dist(state: State, what: str) -> dict[str, int]:
        if what == "tier":
            return core.counts((state.ranks[c].tier for c in state.customers
                                if state.customers[c].stage != LOST), tiers)
        return core.counts((getattr(c, what) for c in state.customers.values()),
                           stages if what == "stage" else grades)

    both = set(now.customers) & set(before.customers)
    moved = [(c, order.get(before.ranks[c].tier, 99), order.get(now.ranks[c].tier, 99))
             for c in sorted(both) if now.customers[c].stage != LOST]
    return {
        "tier": core.compare(dist(now, "tier"), dist(before, "tier")),
        "value_level": core.compare(dist(now, "value_level"), dist(before, "value_level")),
        "stage": core.compare(dist(now, "stage"), dist(before, "stage")),
        "new": sorted(set(now.customers) - set(before.customers)),
        "upgraded": [c for c, a, b in moved if b < a],
        "downgraded": [c for c, a, b in moved if b > a],
        LOST: sorted(c for c in both if now.customers[c].stage == LOST
                       and before.customers[c].stage != LOST),
    }


def _movements(settings: Settings, now: State, before: State,
               entries: list[tuple[str, dict[str, Any]]], period: core.Period
               ) -> list[dict[str, Any]]:
    from kam.scoring import Scorer

    then, today = Scorer(settings, before.day), Scorer(settings, now.day)
    days = {code: day for code, _a, _b, day in core.transitions(entries, period)}
    out: list[dict[str, Any]] = []
    for code in sorted(set(now.customers) & set(before.customers)):
        a, b = before.customers[code], now.customers[code]
        if a.stage != b.stage:
            out.append({"code": code, "name": b.name, "field": "stage", "from": a.stage,
                        "to": b.stage, "date": days.get(code), "why": {}})
        ta, tb = before.ranks[code], now.ranks[code]
        if ta.tier != tb.tier:
            pa, pb = then.breakdown(a)[1], today.breakdown(b)[1]
            delta = {k: round(pb.get(k, 0.0) - pa.get(k, 0.0), 2) for k in {*pa, *pb}}
            why = dict(sorted(((k, v) for k, v in delta.items() if abs(v) >= 0.5),
                              key=lambda kv: (-abs(kv[1]), kv[0]))[:3])
            out.append({"code": code, "name": b.name, "field": "tier", "from": ta.tier,
                        "to": tb.tier, "score_from": ta.score, "score_to": tb.score,
                        "date": None, "why": why})
    return out


def _span(period: core.Period) -> tuple[str, str]:
    """The period's first and last day as ISO text, to compare with the log's dates."""
    return period.start.isoformat(), period.end.isoformat()


def _in(day: str, period: core.Period) -> bool:
    lo, hi = _span(period)
    return lo <= day <= hi


def _activity(settings: Settings, now: State, log: list[Interaction], period: core.Period,
              prev: core.Period, end: date) -> dict[str, Any]:
    from kam.followup import due_items

    cut = core.Period(period.start, end, period.kind, period.label)
    (lo, hi), (plo, phi) = _span(cut), _span(prev)
    inside = [i for i in log if lo <= i.date <= hi]
    kinds_now = core.counts(i.kind for i in inside)
    kinds_before = core.counts(i.kind for i in log if plo <= i.date <= phi)
    contacted = {i.code for i in inside}
    silent: dict[str, list[str]] = {}
    for code, c in now.customers.items():
        if code not in contacted and c.stage != LOST:
            silent.setdefault(now.ranks[code].tier, []).append(code)
    order = [tier.name for tier in settings.tiers]
    overdue = [{"code": i.code, "name": i.name, "due": i.due.isoformat(),
                "days_overdue": i.days_overdue, "tier": i.tier}
               for i in due_items(list(now.customers.values()), now.ranks, settings, end, 0)
               if i.kind == "follow_up" and i.days_overdue > 0]
    return {
        "weeks": core.activity(inside, cut),
        "by_kind": core.compare(kinds_now, kinds_before),
        "total": sum(kinds_now.values()), "previous_total": sum(kinds_before.values()),
        "not_contacted": {tier: sorted(silent[tier]) for tier in
                          [*order, *sorted(set(silent) - set(order))] if tier in silent},
        "overdue_at_end": overdue,
    }


def _conversion(now: State, before: State, entries: list[tuple[str, dict[str, Any]]],
                history: dict[str, list[Any]], period: core.Period) -> dict[str, Any]:
    """Stage changes in the period: for each (from, to), the customers who made it
    (count) out of those who were in `from` at some time in the period (base: at its
    start, or entering `from` in it, or leaving it); a rate is count / base, at most 1
    by construction."""
    moves = core.transitions(entries, period)
    pairs: dict[tuple[str, str], set[str]] = {}
    base: dict[str, set[str]] = {}
    for code, c in before.customers.items():
        base.setdefault(c.stage or "", set()).add(code)
    for code, a, b, _day in moves:
        pairs.setdefault((a, b), set()).add(code)
        base.setdefault(a, set()).add(code)
        base.setdefault(b, set()).add(code)
    rank = {s: i for i, s in enumerate(core.STAGE_ORDER)}
    rows = [{"from": a, "to": b, "count": len(who), "base": len(base[a]),
             "rate": round(len(who) / len(base[a]), 4)}
            for (a, b), who in sorted(pairs.items(), key=lambda kv: (rank.get(kv[0][0], 99),
                                                                   rank.get(kv[0][1], 99)))]
    spans = {code: core.stage_spans(history.get(code, []), c.stage)
             for code, c in now.customers.items()}
    stages = {s: len(v) for s, v in base.items() if s}
    return {"transitions": rows, "in_stage": stages,
            "median_days": core.median_days(spans, period)}


def _lifecycle(settings: Settings, now: State, before: State, log: list[Interaction],
               period: core.Period, end: date) -> dict[str, Any]:
    r = settings.risk
    cut = core.Period(period.start, end, period.kind, period.label)
    lo, hi = _span(cut)
    contacted = {i.code for i in log if lo <= i.date <= hi}
    crossed: dict[str, list[str]] = {"churn": [], "dormant": []}
    dormant = []
    for code, c in now.customers.items():
        if c.stage == LOST or not c.last_contact:
            continue
        last = date.fromisoformat(c.last_contact)
        if (end - last).days >= r.dormant_days:
            dormant.append(code)
        for mark, days in (("churn", r.churn_days), ("dormant", r.dormant_days)):
            if period.start <= last + timedelta(days=days) <= end:
                crossed[mark].append(code)
    new = sorted(set(now.customers) - set(before.customers))
    lost = sorted(c for c, x in now.customers.items() if x.stage == LOST)
    return {"new": len(new), "active": len(contacted & set(now.customers)),
            "dormant": len(dormant), LOST: len(lost),
            "new_customers": new, "dormant_customers": sorted(dormant),
            "crossed_churn": sorted(crossed["churn"]),
            "crossed_dormant": sorted(crossed["dormant"])}


def _revenue(now: State, before: State, log: list[Interaction], period: core.Period,
             prev: core.Period) -> dict[str, Any]:
    months, earlier = period.months(), prev.months()
    lo, hi = _span(prev)[0], _span(period)[1]
    cut_log = [i for i in log if lo <= i.date <= hi]
    per = core.orders_by_month(cut_log, months + earlier)
    total = {code: sum(v for m, v in by.items() if m in months) for code, by in per.items()}
    old = {code: sum(v for m, v in by.items() if m in earlier) for code, by in per.items()}

    def monthly(ms: list[str]) -> list[dict[str, Any]]:
        return [{"month": m, "amount": round(sum(by.get(m, 0.0) for by in per.values()), 2)}
                for m in ms]

    names = {**{c: x.name for c, x in before.customers.items()},
             **{c: x.name for c, x in now.customers.items()}}
    rows: list[dict[str, Any]] = [
        {"code": c, "name": names.get(c, ""), "amount": round(total.get(c, 0.0), 2),
             "previous": round(old.get(c, 0.0), 2),
         "change": round(total.get(c, 0.0) - old.get(c, 0.0), 2)} for c in per]
    return {
        "months": monthly(months), "previous_months": monthly(earlier),
        "total": round(sum(total.values()), 2), "previous_total": round(sum(old.values()), 2),
        "top": sorted((r for r in rows if r["amount"]), key=lambda r: (-r["amount"],
                                                                       r["code"]))[:TOP],
        "top_change": sorted((r for r in rows if r["change"]),
                             key=lambda r: (-abs(r["change"]), r["code"]))[:TOP],
    }


def _lost(now: State, before: State, period: core.Period) -> dict[str, Any]:
    rows = []
    for code, c in sorted(now.customers.items()):
        if c.stage != LOST:
            continue
        day = (c.lost or {}).get("date", "")
        was = before.customers.get(code)
        if (day and _in(day, period)) or (not day and was is not None and was.stage != LOST):
            rows.append({"code": code, "name": c.name, "reason": (c.lost or {}).get(
                "reason", ""), "date": day, "note": (c.lost or {}).get("note", "")})
    return {"by_reason": core.counts(r["reason"] for r in rows), "customers": rows}


@dataclass
class Request:
    """What `kam review` was asked: one of month, quarter or from/to; filters; a workbook."""

    month: str | None = None
    quarter: str | None = None
    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    filter: Filter | None = None
    xlsx: str | None = None


def names(settings: Settings) -> dict[str, dict[str, str]]:
    """The labels of stages, value grades and tiers, for the review's tables."""
    out = {field: {x.key: labels.term(settings, field, x.key) for x in vocab.terms}
           for field, vocab in settings.vocab.items()}
    out["tier"] = {x.name: f"{x.name} {labels.tier(settings, x.name)}".strip()
                   for x in settings.tiers}
    return out


def review_period(ctx: Context, req: Request) -> tuple[dict[str, Any], list[core.Table]]:
    """The review document and its tables; with req.xlsx, the workbook written too."""
    from pathlib import Path

    from kam.errors import BadInput

    day = req.as_of or ctx.today
    try:
        period = core.parse_period(req.month, req.quarter, req.start, req.end, day)
    except ValueError as e:
        raise BadInput(str(e)) from None
    if period.start > day:
        raise BadInput(t("{label} starts after {day}: nothing to review yet",
                         label=period.label, day=day.isoformat()))
    if req.as_of is not None:
        ctx = ctx.on(req.as_of)
    doc = run(ctx, period, req.filter)
    sections = core.tables(doc, names(ctx.settings))
    if req.xlsx:
        from kam.excel import write_review
        from kam.store.files import NotRegular

        try:
            write_review(Path(req.xlsx), sections, doc["period"]["label"])
        except NotRegular:
            raise BadInput(t("{target} is not a regular file; write the review to a file",
                             target=req.xlsx)) from None
        except OSError as e:
            raise BadInput(t("{target}: cannot write ({strerror}); the review was not saved",
                             target=req.xlsx, strerror=e.strerror)) from None
        doc["xlsx"] = req.xlsx
    return doc, sections
