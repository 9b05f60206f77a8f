"""The bodies of the daily commands (kam.lane.COMMANDS): one use-case call
and its rendering, without typer, so that the lane and typer's commands run the same
code. Each takes the Context and the command's parameters by their names in the
typer signature (kam/commands/daily.py, customers.py), values as click gives them
(a --format as its text).
"""

from __future__ import annotations

from kam.errors import BadInput
from kam.i18n import t
from kam.typenames import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from kam.ops.context import Context
    from kam.ops.customers import Changes


def masked(ctx: Context, mask: bool | None) -> bool:
    """--mask/--no-mask, else privacy.mask_by_default."""
    return bool(ctx.settings.mask_by_default) if mask is None else mask


def due(ctx: Context, days: int | None, owner: str | None, tier: str | None, stage: str | None,
        limit: int, explain: str | None, fmt: str) -> None:
    from kam import render
    from kam.ops.daily import due as run
    from kam.records import Filter

    rows = run(ctx, days, Filter(stage=stage, owner=owner, tier=tier), explain)
    render.due(rows, fmt, limit, explain is not None)
    if not rows:
        render.say(t("Nothing due in the next {days} days.",
                     days=ctx.settings.upcoming_days if days is None else days))


def risk(ctx: Context, owner: str | None, tier: str | None, threshold: float | None,
         fmt: str) -> None:
    from kam import render
    from kam.ops.daily import risk as run
    from kam.records import Filter

    rows = run(ctx, Filter(owner=owner, tier=tier), threshold)
    render.risk(rows, fmt)
    if not rows:
        render.say(t("No customer at risk."))


def score(ctx: Context, code: str | None, explain: bool, tier: str | None, all_: bool,
          fmt: str) -> None:
    from kam import render
    from kam.ops.daily import scores
    from kam.records import Filter

    rows, blind = scores(ctx, code, Filter(tier=tier), all_, explain, encoded=fmt == "json")
    s = ctx.settings
    render.scores(rows, fmt, explain, {tier.name: tier.label for tier in s.tiers},
                  [i.name for i in s.indicators])
    for line in blind:
        render.warn(line)


def list_(ctx: Context, stage: str | None, value_level: str | None, tag: list[str] | None,
          owner: str | None, industry: str | None, sort: str, all_: bool, mask: bool | None,
          fmt: str) -> None:
    from kam.ops.listing import listing
    from kam.records import Filter

    found = listing(ctx, Filter(stage, value_level, tuple(tag or ()), owner, industry), sort,
                    all_, masked(ctx, mask), labels=fmt == "table", encoded=fmt == "json")
    customers(found.records, fmt, t("{count} customers", count=len(found.records)),
              t("No customers match.") if found.archive_size else
              t("No customers yet: `kam add` or `kam import FILE`."))


def customers(rows: list[Any], fmt: str, title: str, empty: str) -> None:
    """Customer records as a table, JSON or CSV; on stderr what an empty list means."""
    from kam import render

    render.customers(rows, fmt, title)
    if not rows:
        render.say(empty)


def show(ctx: Context, code: str, mask: bool | None, fmt: str) -> None:
    from kam import render
    from kam.ops.customers import show as run

    archive = run(ctx, code, masked(ctx, mask))
    render.show(archive.doc, archive.labelled, archive.why, fmt)


def digest(ctx: Context, fmt: str, days: int) -> None:
    from kam.ops.daily import digest as run
    from kam.render import digest as render

    render(run(ctx, days), fmt)


def log(ctx: Context, code: str, summary: str, kind: str, date_: str | None,
        next_: str | None, amount: str | None, force: bool) -> None:
    from kam.labels import kind as kind_label
    from kam.ops.interactions import log as run
    from kam.render import say

    when = date_opt(date_, "--date") or ctx.today
    cust = run(ctx, code, summary, kind, when, date_opt(next_, "--next"), amount_opt(amount),
               force)
    values = {"kind": kind_label(kind), "code": cust.code, "name": cust.name,
              "date": when.isoformat(), "next": cust.next_follow_up}
    say(t("Logged {kind} for {code} {name} on {date}; next follow-up {next}", **values)
        if cust.next_follow_up else t("Logged {kind} for {code} {name} on {date}", **values))


def done(ctx: Context, code: str, summary: str, next_: str | None, kind: str,
         force: bool) -> None:
    from kam.ops.interactions import done as run
    from kam.render import say

    c = run(ctx, code, summary or t("Follow-up done"), kind, date_opt(next_, "--next"), force)
    say(t("Done: {code} {name}; next {next}", code=c.code, name=c.name, next=c.next_follow_up)
        if c.next_follow_up else t("Done: {code} {name}", code=c.code, name=c.name))


def edit(ctx: Context, codes: list[str] | None, name: str | None, contact: str | None,
         title: str | None, contact_info: str | None, industry: str | None,
         size: str | None, value_level: str | None, need: str | None, stage: str | None,
         owner: str | None, note: str | None, tag: list[str] | None,
         untag: list[str] | None, extra: list[str] | None, date_: list[str] | None,
         person: list[str] | None, unset: list[str] | None, next_: str | None,
         reason: str | None, force: bool, where: list[str] | None, dry_run: bool) -> None:
    from kam.ops.customers import edit_many
    from kam.records import parse_pairs
    from kam.render import edits, say

    fields = {"name": name, "contact": contact, "title": title, "contact_info": contact_info,
              "industry": industry, "size": size, "value_level": value_level, "need": need,
              "stage": stage, "owner": owner, "note": note}
    changes = changes_of(fields, tag, untag, extra, date_, person, unset, next_)
    changes.lost_reason, changes.force = reason, force
    done = edit_many(ctx, codes or [], parse_pairs(where or [], "--where"), changes, dry_run)
    if dry_run:
        edits(done)
    for e in done:
        say(t("Would update {code} {name}", code=e.code, name=e.name) if dry_run
            else t("Updated {code} {name}", code=e.code, name=e.name))
    if not done:
        say(t("Nothing to change."))


def changes_of(fields: dict[str, Any], tag: list[str] | None = None,
               untag: list[str] | None = None, extra: list[str] | None = None,
               dates: list[str] | None = None, person: list[str] | None = None,
               unset: list[str] | None = None, next_: str | None = None) -> Changes:
    """What add and edit change, from their options."""
    from kam.ops.customers import Changes
    from kam.records import parse_contact, parse_pairs

    return Changes({k: v for k, v in fields.items() if v is not None}, tag or [], untag or [],
                   parse_pairs(extra or [], "--extra"), parse_pairs(dates or [], "--date"),
                   [parse_contact(p) for p in person or []], unset or [],
                   date_opt(next_, "--next"))


# --- value parsers (the typer commands use them too) ---------------------------

def date_opt(value: str | None, option: str) -> date | None:
    """A date option as a date; bad input names the option."""
    from kam.dates import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as ex:
        raise BadInput(t("{option}: {ex}", option=option, ex=ex)) from None


def amount_opt(text: str | None) -> float | None:
    from kam.scoring import parse_amount

    if text is None:
        return None
    try:
        return parse_amount(text, "yuan")
    except ValueError:
        raise BadInput(t("--amount: not an amount: {value} (e.g. 50000)",
                         value=repr(text))) from None
