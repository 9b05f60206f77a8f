"""The follow-up log: log, done, snooze."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from kam import labels
from kam.activity import absorb, refresh
from kam.errors import BadInput
from kam.followup import LOST
from kam.i18n import t
from kam.models import Customer, Interaction
from kam.ops.context import Context
from kam.records import check_dates, new_interaction
from kam.schema import INTERACTION_KINDS

if TYPE_CHECKING:
    from kam.store.db import Store


def check_kind(kind: str) -> str:
    """The kind's key from what was typed: follow_up, 电话, visit, 拜访, ..."""
    found = labels.kind_key(kind)
    if found is None:
        raise BadInput(t("--kind: unknown kind {kind}; use one of: {known}", kind=repr(kind),
                         known=", ".join(labels.kind(k) for k in INTERACTION_KINDS)))
    return found


def record(ctx: Context, store: Store, c: Customer, when: date, kind: str, summary: str,
           amount: float | None = None, next_date: date | None = None) -> Customer:
    """Append an interaction and refresh the customer's aggregates in the same write.

    A contact on or after the scheduled follow-up fulfils it, so the clock restarts.
    """
    stamp = ctx.stamp()
    new = new_interaction(c.code, when, kind, summary, amount, next_date, stamp)
    store.add_interaction(new)
    # from the kept stats when they tell (the log is not read), else from the whole log
    c = absorb(c, new, ctx.today) or refresh(c, store.interactions(c.code), ctx.today)
    if next_date is not None:
        c = replace(c, next_follow_up=next_date.isoformat())
    elif c.next_follow_up and c.next_follow_up <= when.isoformat():
        c = replace(c, next_follow_up=None)
    c = replace(c, updated=stamp)
    store.put(c)
    return c


class Logged(NamedTuple):
    customer: Customer
    warnings: list[str]  # what the user should know: logged all the same


def log(ctx: Context, code: str, summary: str, kind: str = "follow_up",
        when: date | None = None, next_date: date | None = None,
        amount: float | None = None, force: bool = False) -> Logged:
    """Record a follow-up, order, complaint, ...; next_date schedules the next step.

    A date after today is refused unless forced; so is a next step before today, except
    after a backfilled follow-up (--date in the past, --next after it): then a warning.
    So is the same order, or the same follow-up, logged twice on one day, and a
    follow-up of an archived or lost customer."""
    kind = check_kind(kind)
    day = when or ctx.today
    warnings = check_dates(ctx.today, happened=when, next_date=next_date, force=force)
    if not summary.strip():
        raise BadInput(t("the summary is empty: say what happened"))
    with ctx.writer() as store:
        before = store.get(code)
        warnings += _second_thoughts(before, day, kind, summary.strip(), amount)
        c = record(ctx, store, before, day, kind, summary.strip(), amount, next_date)
        store.commit()
    return Logged(c, warnings)


def _second_thoughts(c: Customer, day: date, kind: str, summary: str,
                     amount: float | None) -> list[str]:
    """What a log line may be a slip of: the customer is archived or lost, or the same
    order or follow-up is already logged that day (from the kept figures: the log is not
    read)."""
    out = []
    if c.archived or c.stage == LOST:
        out.append(t("{code} {name} is {state}: logged all the same ({how})", code=c.code,
                     name=c.name, state=t("archived") if c.archived else t("lost"),
                     how="kam unarchive " + c.code if c.archived else
                     "kam edit " + c.code + " --stage active"))
    orders = (c.stats or {}).get("orders") or {}
    same_order = kind == "order" and amount and orders.get(day.isoformat()) == amount
    same_note = c.last_contact == day.isoformat() and c.last_summary == summary
    if same_order or same_note:
        out.append(t("{code} already has this on {date}: logged again; `kam show {code}` "
                     "lists it, `kam unlog ID` removes one typed twice", code=c.code,
                     date=day.isoformat()))
    return out


def _refreshed(ctx: Context, store: Store, code: str) -> Customer:
    """The customer with its aggregates and last contact following its log again."""
    c = refresh(store.get(code), store.interactions(code), ctx.today)
    c = replace(c, updated=ctx.stamp())
    store.put(c)
    return c


def unlog(ctx: Context, interaction_id: str) -> tuple[Interaction, Customer]:
    """Remove a follow-up recorded by mistake (an order typed twice): the customer's
    last contact, order totals, complaints and so its score and health follow."""
    with ctx.writer() as store:
        gone = store.interaction(interaction_id)
        store.remove_interactions(lambda i: i.id != gone.id)
        store.annotate(gone.code, f"removed follow-up {gone.id}: {gone.date} {gone.kind} "
                       f"{gone.summary}" + (f" ({gone.amount:g})" if gone.amount else ""))
        c = _refreshed(ctx, store, gone.code)
        store.commit()
    return gone, c


def relog(ctx: Context, interaction_id: str, summary: str | None = None,
          kind: str | None = None, when: date | None = None, amount: float | None = None,
          force: bool = False) -> tuple[Interaction, Customer]:
    """Correct a follow-up: its summary, kind, date or amount."""
    with ctx.writer() as store:
        old = store.interaction(interaction_id)
        new = replace(old, summary=summary.strip() if summary else old.summary,
                      kind=check_kind(kind) if kind else old.kind,
                      date=when.isoformat() if when else old.date,
                      amount=amount if amount is not None else old.amount)
        check_dates(ctx.today, happened=when, force=force)
        if new == old:
            raise BadInput(t("follow-up {id}: nothing to change", id=old.id))
        store.add_interaction(new)
        changed = ", ".join(f"{f}: {getattr(old, f)} → {getattr(new, f)}"
                            for f in ("date", "kind", "summary", "amount")
                            if getattr(old, f) != getattr(new, f))
        store.annotate(old.code, f"corrected follow-up {old.id}: {changed}")
        c = _refreshed(ctx, store, old.code)
        store.commit()
    return new, c


def done(ctx: Context, code: str, summary: str = "", kind: str = "follow_up",
         next_date: date | None = None, force: bool = False) -> Logged:
    """Today's follow-up is done: logged today, so the cadence clock restarts."""
    return log(ctx, code, summary, kind, ctx.today, next_date, force=force)


def snooze(ctx: Context, code: str, until: date | None = None, days: int | None = None
           ) -> Customer:
    """Put the next follow-up off to a date, or a number of days from today."""
    if (until is None) == (days is None):
        raise BadInput(t("give either --until YYYY-MM-DD or --days N"))
    try:
        when = until if until is not None else ctx.today + timedelta(days=days or 0)
    except OverflowError:
        raise BadInput(t("--days {days}: too far ahead", days=days)) from None
    if when < ctx.today:
        raise BadInput(t("--until {value} is in the past", value=when.isoformat()))
    with ctx.writer() as store:
        c = replace(store.get(code), next_follow_up=when.isoformat(), updated=ctx.stamp())
        store.put(c)
        store.commit()
    return c
