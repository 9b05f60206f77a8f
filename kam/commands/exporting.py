"""Spreadsheets out: export the template layout."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from kam.commands import _common as opt
from kam.i18n import N_, t

app = opt.App()


@app.command(help=N_("Write the template layout: its 16 columns, kam's score and tier, then "
                     "every other column the customers have."),
             epilog=N_("kam export customers.xlsx\nkam export - --format csv --owner Zhang > "
                       "mine.csv\nkam export a.xlsx --tier A --mask\n"
                       "kam export follow-ups.ics    # the phone's calendar\n"
                       "kam export contacts.vcf      # the phone's address book"))
def export(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help=N_("Output file, or - for stdout (all but xlsx)."),
                                        metavar=N_("FILE"))],
    fmt: Annotated[Optional[opt.ExportFmt], typer.Option(  # noqa: UP045
        "--format", "-f", help=N_("xlsx, csv, json, vcf (address-book cards) or ics (calendar: "
                                  "follow-ups and dates); default: from the file's suffix."))
    ] = None,
    stage: opt.StageFilter = None, value_level: opt.ValueFilter = None, tag: opt.TagFilter = None,
    owner: opt.OwnerFilter = None, industry: opt.IndustryFilter = None,
    tier: opt.TierFilter = None, all_: opt.AllOpt = False,
    all_columns: Annotated[bool, typer.Option("--all-columns", help=N_(
        "Also write the columns where kam keeps replaced or unknown values."))] = False,
    mask: opt.MaskOpt = None,
) -> None:
    from kam import render
    from kam.ops.exporting import export as run
    from kam.records import Filter

    f = Filter(stage, value_level, tuple(tag or ()), owner, industry, tier)
    target = None if file == "-" else Path(file)
    out = run(opt.context(ctx), target, fmt.value if fmt else None, f, all_, mask, all_columns)
    for w in out.warnings:
        render.warn(w)
    if out.text is not None:
        render.write(out.text)
    else:
        render.say(t("Exported {count} customers to {file} (masked)", count=out.count, file=file)
                   if out.masked else
                   t("Exported {count} customers to {file}", count=out.count, file=file))
