"""The daily job: log, done, snooze, due, risk, score and the cron digest."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from kam.commands._common import (
    AllOpt,
    AnyCodeArg,
    CodeArg,
    DigestFmt,
    Fmt,
    ForceOpt,
    FormatOpt,
    KindOpt,
    NextOpt,
    Opt,
    OwnerFilter,
    StageFilter,
    TierFilter,
    amount_opt,
    context,
    date_opt,
)

app = typer.Typer()


@app.command()
def log(
    ctx: typer.Context,
    code: CodeArg,
    summary: Annotated[str, typer.Argument(help="What happened (跟进内容).")],
    kind: KindOpt = "follow_up",
    date_: Annotated[Opt, typer.Option("--date", help="When it happened (default today).")
                     ] = None,
    next_: NextOpt = None,
    amount: Annotated[Opt, typer.Option("--amount", help="Amount in yuan for an order or "
                                        "payment (50000, 5万).")] = None,
    force: ForceOpt = False,
) -> None:
    """Record a follow-up, order, complaint, ...; --next schedules the next step."""
    from kam.ops.interactions import log as run
    from kam.render import say

    c = context(ctx)
    when = date_opt(date_, "--date") or c.today
    cust = run(c, code, summary, kind, when, date_opt(next_, "--next"), amount_opt(amount),
               force)
    say(f"Logged {kind} for {cust.code} {cust.name} on {when.isoformat()}"
        + (f"; next follow-up {cust.next_follow_up}" if cust.next_follow_up else ""))


@app.command()
def unlog(
    ctx: typer.Context,
    interaction: Annotated[str, typer.Argument(help="The follow-up's id (`kam show CODE` "
                                               "lists them; the first 4+ characters do).")],
) -> None:
    """Remove a follow-up logged by mistake; totals, score and health follow.

    Example: kam unlog 3f2a9c1e
    """
    from kam.ops.interactions import unlog as run
    from kam.render import say

    gone, c = run(context(ctx), interaction)
    say(f"Removed {gone.id[:8]} ({gone.date} {gone.kind} {gone.summary}) from {c.code} {c.name}")


@app.command()
def relog(
    ctx: typer.Context,
    interaction: Annotated[str, typer.Argument(help="The follow-up's id (see `kam show`).")],
    summary: Annotated[Opt, typer.Option("--summary", help="What happened, corrected.")] = None,
    kind: Annotated[Opt, typer.Option("--kind", "-k", help="The kind, corrected.")] = None,
    date_: Annotated[Opt, typer.Option("--date", help="When it happened, corrected.")] = None,
    amount: Annotated[Opt, typer.Option("--amount", help="The amount, corrected.")] = None,
    force: ForceOpt = False,
) -> None:
    """Correct a follow-up: summary, kind, date or amount.

    Example: kam relog 3f2a9c1e --amount 5万 --date 2026-11-02
    """
    from kam.ops.interactions import relog as run
    from kam.render import say

    new, c = run(context(ctx), interaction, summary, kind, date_opt(date_, "--date"),
                 amount_opt(amount), force)
    say(f"Corrected {new.id[:8]} of {c.code} {c.name}: {new.date} {new.kind} {new.summary}")


@app.command()
def done(
    ctx: typer.Context,
    code: CodeArg,
    summary: Annotated[str, typer.Argument(help="What was done.")] = "跟进完成",
    next_: NextOpt = None,
    kind: KindOpt = "follow_up",
    force: ForceOpt = False,
) -> None:
    """Mark today's follow-up done (logs it; the cadence clock restarts)."""
    from kam.ops.interactions import done as run
    from kam.render import say

    c = run(context(ctx), code, summary, kind, date_opt(next_, "--next"), force)
    say(f"Done: {c.code} {c.name}" + (f"; next {c.next_follow_up}" if c.next_follow_up else ""))


@app.command()
def snooze(
    ctx: typer.Context,
    code: CodeArg,
    until: Annotated[Opt, typer.Option("--until", help="Follow up on this date instead.")
                     ] = None,
    days: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--days", help="Follow up this many days from today instead.")] = None,
) -> None:
    """Put a follow-up off to a later date."""
    from kam.ops.interactions import snooze as run
    from kam.render import say

    c = run(context(ctx), code, date_opt(until, "--until"), days)
    say(f"Snoozed {c.code} {c.name} until {c.next_follow_up}")


@app.command()
def score(
    ctx: typer.Context,
    code: AnyCodeArg = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show each indicator's raw "
                                          "value, normalised value, weight and points.")] = False,
    tier: TierFilter = None,
    all_: AllOpt = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Scores and tiers from the weights in kam.yaml, best first."""
    from kam.ops.daily import scores
    from kam.records import Filter
    from kam.render import scores as render
    from kam.render import warn

    c = context(ctx)
    rows, blind = scores(c, code, Filter(tier=tier), all_, explain)
    s = c.settings
    render(rows, fmt.value, explain, {t.name: t.label for t in s.tiers},
           [i.name for i in s.indicators])
    for line in blind:
        warn(line)


@app.command()
def due(
    ctx: typer.Context,
    days: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--days", help="Look this many days ahead (default followup.upcoming_days, 7).")] = None,
    owner: OwnerFilter = None, tier: TierFilter = None, stage: StageFilter = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows per section in the table, most "
                                       "urgent first (0: all); JSON and CSV list everything."
                                       )] = 50,
    explain: Annotated[Opt, typer.Option("--explain", help="Show what one customer's urgency "
                                         "is made of (code).")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Follow-ups overdue, due today and coming up, plus date reminders, most urgent first."""
    from kam import render
    from kam.ops.daily import due as run
    from kam.records import Filter

    c = context(ctx)
    rows = run(c, days, Filter(stage=stage, owner=owner, tier=tier), explain)
    render.due(rows, fmt.value, limit, explain is not None)
    if not rows:
        render.say(f"Nothing due in the next "
                   f"{c.settings.upcoming_days if days is None else days} days.")


@app.command()
def risk(
    ctx: typer.Context,
    owner: OwnerFilter = None, tier: TierFilter = None,
    threshold: Annotated[Optional[float], typer.Option(  # noqa: UP045
        "--threshold", help="Health below this is at risk (default risk.threshold, 60).")
    ] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """At-risk customers (流失预警) with their health score and the reasons, worst first."""
    from kam import render
    from kam.ops.daily import risk as run
    from kam.records import Filter

    rows = run(context(ctx), Filter(owner=owner, tier=tier), threshold)
    render.risk(rows, fmt.value)
    if not rows:
        render.say("No customer at risk.")


@app.command()
def digest(
    ctx: typer.Context,
    fmt: Annotated[DigestFmt, typer.Option("--format", "-f", help="text, markdown or json.")
                   ] = DigestFmt.text,
    days: Annotated[int, typer.Option("--days", help="Days ahead to look (dates with a longer "
                                      "lead, such as contract ends, come earlier).")] = 7,
) -> None:
    """The morning summary for cron: due and overdue, new risks, dates this week.

    Plain text without colour codes; always exit 0 when the data could be read.
    """
    from kam.ops.daily import digest as run
    from kam.render import digest as render

    render(run(context(ctx), days), fmt.value)
