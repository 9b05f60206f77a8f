"""The daily job: scores, due, risk and the digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kam.errors import BadInput
from kam.i18n import t
from kam.ops import view
from kam.ops.context import Context
from kam.ops.view import Row
from kam.records import Filter, matches, select
from kam.schema import Rank

if TYPE_CHECKING:
    from kam.models import Customer
    from kam.scoring import Scorer


def _chosen(ctx: Context, f: Filter, include_archived: bool = False
            ) -> tuple[list[Customer], dict[str, Rank]]:
    from kam.ops.customers import load_ranked

    customers, ranks = load_ranked(ctx, include_archived)
    return select(customers, f.resolved(ctx.settings), ranks), ranks


Spots = list[tuple[str, str, int, int]]  # indicator, where it looks, without a value, of


def blind(ctx: Context, customers: list[Customer], scorer: Scorer | None = None) -> Spots:
    """The indicators scoring is blind to (no value for most customers)."""
    from kam.scoring import Scorer, blind_spots

    return blind_spots(customers, scorer or Scorer(ctx.settings, ctx.today))


def blind_lines(spots: Spots) -> list[str]:
    """A line for each indicator scoring is blind to, with what to do."""
    return [t("{name} ({looks}): no value for {missing} of {total} customers; fill or map "
              "that column (--map, import.aliases), or drop the indicator's weight in kam.yaml",
              name=name, looks=looks, missing=missing, total=total)
            for name, looks, missing, total in spots]


def blind_summary(spots: Spots) -> str:
    """All of them in one line, for a table's foot (`kam score --explain` says more)."""
    return t("{count} indicator(s) without a value for most customers ({names}); the scores "
             "say little about them (kam score --explain)", count=len(spots),
             names=", ".join(looks for _, looks, _, _ in spots))


def scores(ctx: Context, code: str | None = None, f: Filter | None = None,
           include_archived: bool = False, explain: bool = False, encoded: bool = False
           ) -> tuple[list[Any], Spots]:
    """Scores, tiers and each indicator's points, best first, and the indicators
    scoring is blind to: from the daily view, or for one customer or with
    --explain (the parts) worked out from scratch. encoded=True (for JSON output): the
    items the view keeps as JSON text come so (formats.Encoded)."""
    from kam.scoring import Scorer, blind_counts

    if code is None and not explain:
        parts = (view.SCORE_PARTS, view.ITEM_TEXT) if encoded else (view.SCORE_PARTS,)
        chosen = sorted(_rows(ctx, f or Filter(), parts, include_archived),
                        key=lambda r: (-r.score, r.code))
        names = [ind.name for ind in ctx.settings.indicators]
        counts = [0] * len(names)
        for r in chosen:
            for i in r.missing:
                counts[i] += 1
        return ([r.item if encoded and r.item is not None else
                 {"code": r.code, "name": r.name, "score": r.score, "tier": r.tier,
                  "breakdown": dict(zip(names, r.points, strict=True))} for r in chosen],
                blind_counts(ctx.settings, counts, len(chosen)))

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


def _rows(ctx: Context, f: Filter, parts: tuple[int, ...], include_archived: bool = False
          ) -> list[Row]:
    """The daily view's rows of the customers the filter chooses (archived on request),
    with these parts of them (ops/view.py)."""
    f = f.resolved(ctx.settings)
    rows = view.rows(ctx, parts)
    if not any(f):  # no filter given (the usual morning): only the archived are left out
        return list(rows) if include_archived else [r for r in rows if not r.archived]
    return [r for r in rows if (include_archived or not r.archived) and matches(r, f, r.tier)]


def _due(ctx: Context, horizon: int, f: Filter) -> list[tuple[dict[str, Any], Row]]:
    """due() from the daily view, each item with its row (for the digest)."""
    from kam.followup import due_order, shown

    found = []
    for r in _rows(ctx, f, (view.DUE,)):
        if r.follow is not None and shown(r.follow.days_late, None, horizon):
            found.append(("follow_up", r.follow.days_late, r.follow.urgency, r.follow.due, r))
        if r.dates:
            found += [(name, late, urgency, when, r) for name, late, urgency, lead, when
                      in r.dates if shown(late, lead, horizon)]
    found.sort(key=lambda x: due_order(x[1], x[2], x[4].code))
    return [(view.due_item(r.code, r.name, r.tier, r.owner, kind, late, urgency, when), r)
            for kind, late, urgency, when, r in found]


def _horizon(ctx: Context, days: int | None) -> int:
    horizon = ctx.settings.upcoming_days if days is None else days
    if horizon < 0:
        raise BadInput(t("--days must be 0 or more"))
    return horizon


def _due_index(ctx: Context, horizon: int, f: Filter) -> list[tuple[list[Any], bytes]] | None:
    """Without a filter: the due items within the horizon from the view's index, in
    order, each with its key; else (or without the index) None."""
    from kam.followup import shown

    if any(f):
        return None
    found = view.indexed(ctx, {view.DUE_INDEX: lambda k: shown(k[0], k[1], horizon)})
    return None if found is None else found[view.DUE_INDEX]


def due(ctx: Context, days: int | None = None, f: Filter | None = None,
        explain: str | None = None, encoded: bool = False) -> list[Any]:
    """Follow-ups overdue, due today and within the horizon, plus date reminders, most
    urgent first in each section; explain=CODE adds each item's urgency terms for it,
    worked out from scratch (the daily view is not asked). Without a filter, from the
    view's index of due items (as their JSON text with encoded=True, for JSON output)."""
    from kam.followup import due_items

    horizon = _horizon(ctx, days)
    f = f or Filter()
    if explain is None:
        kept = _due_index(ctx, horizon, f)
        items = view.decoded([x for _, x in kept], encoded) if kept is not None else None
        return items if items is not None else [item for item, _ in _due(ctx, horizon, f)]
    chosen, ranks = _chosen(ctx, f)
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


Section = tuple[str, int, list[dict[str, Any]]]  # name, items in it, the first of them


def due_sections(ctx: Context, days: int | None = None, f: Filter | None = None,
                 limit: int = 0) -> list[Section]:
    """What `kam due`'s table shows: each section (overdue, today, coming up) with how
    many items it holds and its first `limit` (0: all), most urgent first. From the
    view's index only the items shown are read whole."""
    from kam.followup import section

    horizon = _horizon(ctx, days)
    f = f or Filter()
    kept = _due_index(ctx, horizon, f)
    if kept is not None:
        found = [(name, total, view.decoded(first))
                 for name, total, first in _sections([(section(k[0]), x) for k, x in kept],
                                                     limit)]
        if all(items is not None for _, _, items in found):
            return found  # type: ignore[return-value]
    return _sections([(item["section"], item) for item, _ in _due(ctx, horizon, f)], limit)


def _sections(items: list[tuple[str, Any]], limit: int) -> list[tuple[str, int, list[Any]]]:
    """(section, item) in order -> each section, its count and its first limit items."""
    from kam.followup import SECTIONS

    out = []
    for name in SECTIONS:
        part = [x for s, x in items if s == name]
        out.append((name, len(part), part[:limit] if limit > 0 else part))
    return out


def risk(ctx: Context, f: Filter | None = None, threshold: float | None = None,
         encoded: bool = False) -> list[Any]:
    """Customers below the health threshold or with a severe churn signal (past the
    churn mark, ...), worst first (followup.is_at_risk, risk_order), from the daily
    view (without a filter, from its index of health, as JSON text with encoded=True)."""
    from kam.followup import is_at_risk

    f = f or Filter()
    if not any(f):
        below = ctx.settings.risk.threshold if threshold is None else threshold
        found = view.indexed(ctx, {view.RISK_INDEX: lambda k: is_at_risk(k[0], k[1], below)})
        items = None if found is None else \
            view.decoded([x for _, x in found[view.RISK_INDEX]], encoded)
        if items is not None:
            return items
    return [_risk_doc(r) for r in _at_risk(ctx, f, threshold)]


def _at_risk(ctx: Context, f: Filter, threshold: float | None) -> list[Row]:
    """risk()'s customers, as rows of the daily view, in its order."""
    from kam.followup import is_at_risk, risk_order

    below = ctx.settings.risk.threshold if threshold is None else threshold
    out = [r for r in _rows(ctx, f, (view.RISK,)) if r.health is not None  # None: lost
           and is_at_risk(r.health.value, r.health.signals, below)]
    out.sort(key=lambda r: risk_order(r.health.value, r.code))  # type: ignore[union-attr]
    return out


def _risk_doc(r: Row) -> dict[str, Any]:
    assert r.health is not None
    return view.risk_item(r.code, r.name, r.tier, r.owner, r.health)


def digest(ctx: Context, days: int = 7, masked: bool | None = None) -> dict[str, Any]:
    """The morning summary: whom to contact today (with the contact, the number and the
    last follow-up, most urgent first), new risks, dates coming up. masked (default
    privacy.mask_by_default): phone numbers and emails hidden, in what was said too."""
    from kam.privacy import mask_value

    if days < 0:
        raise BadInput(t("--days must be 0 or more"))
    items, contacts, at_risk, new_risks = _digest_indexed(ctx, days) or _digest_rows(ctx, days)
    mask = ctx.settings.mask_by_default if masked is None else masked
    follow = []
    for item in items:
        if item["kind"] == "follow_up" and item["days_overdue"] >= 0:
            contact, info, last, summary = contacts[item["code"]]
            item.update(contact=contact, contact_info=mask_value(info) if mask else info,
                        last_contact=last,
                        last_summary=mask_value(summary) if mask else summary)
            follow.append(item)
    dates = [item for item in items if item["kind"] != "follow_up"]
    return {"date": ctx.today.isoformat(), "due": follow, "dates": dates,
            "new_risks": new_risks, "at_risk": at_risk}


# the digest's due items, the contact lines of those due (code -> contact, contact info,
# last contact, last summary), how many are at risk, the new risks
Digested = tuple[list[dict[str, Any]], dict[str, Any], int, list[dict[str, Any]]]


def _digest_indexed(ctx: Context, days: int) -> Digested | None:
    """The digest's parts from the view's indexes, or None without them."""
    from kam.followup import is_at_risk, shown

    below = ctx.settings.risk.threshold
    found = view.indexed(ctx, {view.DUE_INDEX: lambda k: shown(k[0], k[1], days),
                               view.CONTACT_INDEX: lambda k: True,
                               view.RISK_INDEX: lambda k: is_at_risk(k[0], k[1], below)})
    if found is None:
        return None
    due, people, risks = (found[view.DUE_INDEX], found[view.CONTACT_INDEX],
                          found[view.RISK_INDEX])
    items = view.decoded([x for _, x in due])
    lines = view.decoded([x for _, x in people])
    # new: not on the watch list of the working day before, for any signal
    new = view.decoded([x for k, x in risks if not k[2]])
    if items is None or lines is None or new is None:
        return None
    contacts = {k[0]: line for (k, _), line in zip(people, lines, strict=True)}
    if not all(i["code"] in contacts for i in items
               if i["kind"] == "follow_up" and i["days_overdue"] >= 0):
        return None  # a file changed by hand
    return items, contacts, len(risks), new


def _digest_rows(ctx: Context, days: int) -> Digested:
    """The digest's parts from the rows of the daily view."""
    view.rows(ctx, (view.DUE, view.RISK))  # read once for the follow-ups and the risks
    found = _due(ctx, days, Filter())
    contacts = {r.code: r.follow[4:] for _, r in found
                if r.follow is not None and r.follow.days_late >= 0}
    at_risk = _at_risk(ctx, Filter(), None)
    new = [_risk_doc(r) for r in at_risk if r.health and not r.health.was_at_risk]
    return [item for item, _ in found], contacts, len(at_risk), new
