"""The bodies of the daily read-only commands (kam.lane.COMMANDS): one use-case call
and its rendering, without typer, so that the lane and typer's commands run the same
code. Each takes the Context and the command's parameters by their names in the
typer signature (kam/commands/daily.py, customers.py), values as click gives them
(a --format as its text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kam.i18n import t

if TYPE_CHECKING:
    from kam.ops.context import Context


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

    rows, blind = scores(ctx, code, Filter(tier=tier), all_, explain)
    s = ctx.settings
    render.scores(rows, fmt, explain, {tier.name: tier.label for tier in s.tiers},
                  [i.name for i in s.indicators])
    for line in blind:
        render.warn(line)


def list_(ctx: Context, stage: str | None, value_level: str | None, tag: list[str] | None,
          owner: str | None, industry: str | None, sort: str, all_: bool, mask: bool | None,
          fmt: str) -> None:
    from kam.ops.customers import listing
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


def digest(ctx: Context, fmt: str, days: int) -> None:
    from kam.ops.daily import digest as run
    from kam.render import digest as render

    render(run(ctx, days), fmt)
