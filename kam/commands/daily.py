"""The daily job: log, done, snooze, due, risk, score and the cron digest."""

from typing import Annotated, Optional

import typer

from kam.commands._common import (
    TABLE_ROWS,
    AllOpt,
    AnyCodeArg,
    App,
    CodeArg,
    DigestFmt,
    Fmt,
    ForceOpt,
    FormatOpt,
    KindOpt,
    LimitOpt,
    MaskOpt,
    NextOpt,
    Opt,
    OwnerFilter,
    StageFilter,
    TierFilter,
    amount_opt,
    context,
    date_opt,
)
from kam.i18n import N_, t

app = App()


@app.command(help=N_("Record a follow-up, order, complaint, ...; --next schedules the next "
                     "step."),
             epilog=N_("kam log KH2024001 \"Called about the quote\" -k call --next 2026-12-01\n"
                       "kam log KH2024001 \"Order for 200 units\" -k order --amount 50000"))
def log(
    ctx: typer.Context,
    code: CodeArg,
    summary: Annotated[str, typer.Argument(help=N_("What happened."), metavar=N_("SUMMARY"))],
    kind: KindOpt = "follow_up",
    date_: Annotated[Opt, typer.Option("--date", help=N_("When it happened (default today)."),
                                       metavar=N_("DATE"))] = None,
    next_: NextOpt = None,
    amount: Annotated[Opt, typer.Option("--amount", help=N_(
        "Amount in yuan for an order or payment."), metavar=N_("AMOUNT"))] = None,
    force: ForceOpt = False,
) -> None:
    from kam.labels import kind as kind_label
    from kam.ops.interactions import log as run
    from kam.render import say, warn

    c = context(ctx)
    when = date_opt(date_, "--date", c.today) or c.today
    cust, warnings = run(c, code, summary, kind, when, date_opt(next_, "--next", c.today),
                         amount_opt(amount), force)
    for line in warnings:
        warn(line)
    values = {"kind": kind_label(kind), "code": cust.code, "name": cust.name,
              "date": when.isoformat(), "next": cust.next_follow_up}
    say(t("Logged {kind} for {code} {name} on {date}; next follow-up {next}", **values)
        if cust.next_follow_up else t("Logged {kind} for {code} {name} on {date}", **values))


@app.command(help=N_("Remove a follow-up logged by mistake; totals, score and health follow."),
             epilog=N_("kam unlog 3f2a9c1e"))
def unlog(
    ctx: typer.Context,
    interaction: Annotated[str, typer.Argument(help=N_(
        "The follow-up's id (`kam show CODE` lists them; the first 4+ characters do)."),
        metavar=N_("ID"))],
) -> None:
    from kam.labels import kind as kind_label
    from kam.ops.interactions import unlog as run
    from kam.render import say

    gone, c = run(context(ctx), interaction)
    say(t("Removed {id} ({date} {kind} {summary}) from {code} {name}", id=gone.id[:8],
          date=gone.date, kind=kind_label(gone.kind), summary=gone.summary, code=c.code,
          name=c.name))


@app.command(help=N_("Correct a follow-up: summary, kind, date or amount."),
             epilog=N_("kam relog 3f2a9c1e --amount 50000 --date 2026-11-02\n"
                       "kam relog 3f2a9c1e -k visit"))
def relog(
    ctx: typer.Context,
    interaction: Annotated[str, typer.Argument(help=N_("The follow-up's id (see `kam show`)."),
                                               metavar=N_("ID"))],
    summary: Annotated[Opt, typer.Option("--summary", help=N_("What happened, corrected."),
                                         metavar=N_("SUMMARY"))] = None,
    kind: Annotated[Opt, typer.Option("--kind", "-k", help=N_("The kind, corrected."),
                                      metavar=N_("KIND"))] = None,
    date_: Annotated[Opt, typer.Option("--date", help=N_("When it happened, corrected."),
                                       metavar=N_("DATE"))] = None,
    amount: Annotated[Opt, typer.Option("--amount", help=N_("The amount, corrected."),
                                        metavar=N_("AMOUNT"))] = None,
    force: ForceOpt = False,
) -> None:
    from kam.labels import kind as kind_label
    from kam.ops.interactions import relog as run
    from kam.render import say

    k = context(ctx)
    new, c = run(k, interaction, summary, kind, date_opt(date_, "--date", k.today),
                 amount_opt(amount), force)
    say(t("Corrected {id} of {code} {name}: {date} {kind} {summary}", id=new.id[:8],
          code=c.code, name=c.name, date=new.date, kind=kind_label(new.kind),
          summary=new.summary))


@app.command(help=N_("Mark today's follow-up done (logs it; the cadence clock restarts)."),
             epilog=N_("kam done KH2024001\nkam done KH2024001 \"Sent the contract\" "
                       "--next 2026-12-15"))
def done(
    ctx: typer.Context,
    code: CodeArg,
    summary: Annotated[str, typer.Argument(help=N_("What was done."), metavar=N_("SUMMARY"),
                                           show_default=False)] = "",
    next_: NextOpt = None,
    kind: KindOpt = "follow_up",
    force: ForceOpt = False,
) -> None:
    from kam.ops.interactions import done as run
    from kam.render import say, warn

    k = context(ctx)
    c, warnings = run(k, code, summary or t("Follow-up done"), kind,
                      date_opt(next_, "--next", k.today), force)
    for line in warnings:
        warn(line)
    say(t("Done: {code} {name}; next {next}", code=c.code, name=c.name, next=c.next_follow_up)
        if c.next_follow_up else t("Done: {code} {name}", code=c.code, name=c.name))


@app.command(help=N_("Put a follow-up off to a later date."),
             epilog=N_("kam snooze KH2024001 --days 3\nkam snooze KH2024001 --until 2026-12-01"))
def snooze(
    ctx: typer.Context,
    code: CodeArg,
    until: Annotated[Opt, typer.Option("--until", help=N_("Follow up on this date instead."),
                                       metavar=N_("DATE"))] = None,
    days: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--days", help=N_("Follow up this many days from today instead."),
        metavar=N_("DAYS"))] = None,
) -> None:
    from kam.ops.interactions import snooze as run
    from kam.render import say

    k = context(ctx)
    c = run(k, code, date_opt(until, "--until", k.today), days)
    say(t("Snoozed {code} {name} until {date}", code=c.code, name=c.name,
          date=c.next_follow_up))


@app.command(help=N_("Scores and tiers from the weights in kam.yaml, best first."),
             epilog=N_("kam score --tier A\nkam score KH2024001 --explain"))
def score(
    ctx: typer.Context,
    code: AnyCodeArg = None,
    explain: Annotated[bool, typer.Option("--explain", help=N_(
        "Show each indicator's raw value, normalised value, weight and points."))] = False,
    tier: TierFilter = None,
    all_: AllOpt = False,
    limit: LimitOpt = TABLE_ROWS,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam import labels, render, report
    from kam.ops.daily import blind_lines, blind_summary, scores
    from kam.records import Filter
    from kam.scoring import indicator_label

    c = context(ctx)
    rows, blind = scores(c, code, Filter(tier=tier), all_, explain, encoded=fmt == Fmt.json)
    tiers = {x.name: labels.tier(c.settings, x.name) for x in c.settings.tiers}
    report.scores(rows, fmt.value, explain, tiers,
                  {i.name: indicator_label(i) for i in c.settings.indicators}, limit, c.settings)
    if blind and fmt == Fmt.table:  # one line for a person; each, with what to do, explained
        for line in blind_lines(blind) if explain else [blind_summary(blind)]:
            render.warn(line)


@app.command(help=N_("Follow-ups overdue, due today and coming up, plus date reminders, most "
                     "urgent first."),
             epilog=N_("kam due\nkam due --owner Zhang --days 14\nkam due --explain KH2024001"))
def due(
    ctx: typer.Context,
    days: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--days", help=N_("Look this many days ahead (default followup.upcoming_days, 7)."),
        metavar=N_("DAYS"))] = None,
    owner: OwnerFilter = None, tier: TierFilter = None, stage: StageFilter = None,
    limit: Annotated[int, typer.Option("--limit", help=N_(
        "Rows per section in the table, most urgent first (0: all); JSON and CSV list "
        "everything."), metavar=N_("ROWS"))] = 20,
    explain: Annotated[Opt, typer.Option("--explain", help=N_(
        "Show what one customer's urgency is made of."), metavar=N_("CODE"))] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam import render, report
    from kam.ops.daily import due as run
    from kam.ops.daily import due_sections
    from kam.records import Filter

    c = context(ctx)
    f = Filter(stage=stage, owner=owner, tier=tier)
    if fmt == Fmt.table and explain is None:
        sections = due_sections(c, days, f, limit)
        report.due_table(sections)
        found = any(total for _, total, _ in sections)
    else:
        rows = run(c, days, f, explain, encoded=fmt == Fmt.json)
        report.due(rows, fmt.value, explain is not None)
        found = bool(rows)
    if not found:
        render.say(t("Nothing due in the next {days} days.",
                     days=c.settings.upcoming_days if days is None else days))


@app.command(help=N_("At-risk customers (churn warning) with their health score and the "
                     "reasons, worst first."),
             epilog=N_("kam risk\nkam risk --tier A --threshold 70"))
def risk(
    ctx: typer.Context,
    owner: OwnerFilter = None, tier: TierFilter = None,
    threshold: Annotated[Optional[float], typer.Option(  # noqa: UP045
        "--threshold", help=N_("Health below this is at risk (default risk.threshold, 60)."),
        metavar=N_("HEALTH"))] = None,
    limit: LimitOpt = TABLE_ROWS,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam import render, report
    from kam.ops.daily import risk as run
    from kam.records import Filter

    rows = run(context(ctx), Filter(owner=owner, tier=tier), threshold, encoded=fmt == Fmt.json)
    report.risk(rows, fmt.value, limit)
    if not rows:
        render.say(t("No customer at risk."))


@app.command(help=N_("The morning summary for cron: whom to contact today and why, new risks, "
                     "dates this week. Plain text without colour codes; exit 0 whenever the "
                     "data could be read."),
             epilog=N_("kam digest\n"
                       "kam digest --format markdown | mail -s \"kam digest\" me@example.com"))
def digest(
    ctx: typer.Context,
    fmt: Annotated[DigestFmt, typer.Option("--format", "-f", help=N_("Output format."))
                   ] = DigestFmt.text,
    days: Annotated[int, typer.Option("--days", help=N_(
        "Days ahead to look (dates with a longer lead, such as contract ends, come earlier)."),
        metavar=N_("DAYS"))] = 7,
    mask: MaskOpt = None,
) -> None:
    from kam.ops.daily import digest as run
    from kam.report import digest as render

    render(run(context(ctx), days, mask), fmt.value)
