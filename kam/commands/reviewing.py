"""kam review: the month, the quarter or any span, for the salesperson and the boss."""

from typing import Annotated, Optional

import typer

from kam.commands._common import (
    App,
    IndustryFilter,
    Opt,
    OwnerFilter,
    ReportFmt,
    ReportFormatOpt,
    TagFilter,
    context,
    date_opt,
)
from kam.i18n import N_

app = App()


@app.command(help=N_("Review a month, a quarter or any span against the one before: tiers, "
                     "grades and stages, who moved and why, follow-ups, stage conversion, "
                     "new, active, dormant and lost customers, orders, reasons for loss."),
             epilog=N_("kam review\nkam review --quarter 2026Q4 --owner Zhang\n"
                       "kam review --month 2026-11 --xlsx review.xlsx"))
def review(
    ctx: typer.Context,
    month: Annotated[Opt, typer.Option("--month", help=N_("The month, e.g. 2026-11 (default: "
                                                          "the last full month)."),
                                       metavar=N_("MONTH"))] = None,
    quarter: Annotated[Opt, typer.Option("--quarter", help=N_("The quarter, e.g. 2026Q4."),
                                         metavar=N_("QUARTER"))] = None,
    from_: Annotated[Opt, typer.Option("--from", help=N_("First day of a span."),
                                       metavar=N_("DATE"))] = None,
    to: Annotated[Opt, typer.Option("--to", help=N_("Last day of a span (default: today)."),
                                    metavar=N_("DATE"))] = None,
    as_of: Annotated[Opt, typer.Option("--as-of", help=N_(
        "Review as of this day: a period not over yet ends here (default: today)."),
        metavar=N_("DATE"))] = None,
    owner: OwnerFilter = None, tag: TagFilter = None, industry: IndustryFilter = None,
    xlsx: Annotated[Opt, typer.Option("--xlsx", help=N_(
        "Also write the review as a workbook, a sheet and a chart per section."),
        metavar=N_("FILE"))] = None,
    chart: Annotated[Optional[bool], typer.Option(  # noqa: UP045
        "--chart/--no-chart", help=N_("Bars, or plain tables (default: bars on a terminal, "
                                      "tables when piped or with NO_COLOR)."),
        show_default=False)] = None,
    fmt: ReportFormatOpt = ReportFmt.table,
) -> None:
    from kam import report
    from kam.ops.review import Request, review_period
    from kam.records import Filter

    day = context(ctx).today
    request = Request(month, quarter, date_opt(from_, "--from", day), date_opt(to, "--to", day),
                      date_opt(as_of, "--as-of", day), Filter(tags=tuple(tag or ()), owner=owner,
                                                         industry=industry), xlsx)
    doc, sections = review_period(context(ctx), request)
    report.review(doc, fmt.value, sections, chart)
