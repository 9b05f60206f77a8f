"""Spreadsheets out: export the template layout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kam.commands import _common as opt
from kam.i18n import N_, t

app = opt.App()


@app.command(help=N_("Write the template layout (16 columns, then every extra column)."),
             epilog=N_("kam export customers.xlsx\nkam export - --format csv --owner Zhang > "
                       "mine.csv\nkam export report.xlsx --mask"))
def export(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help=N_("Output file, or - for stdout (csv/json)."),
                                        metavar=N_("FILE"))],
    fmt: Annotated[Optional[opt.ExportFmt], typer.Option(  # noqa: UP045
        "--format", "-f", help=N_("xlsx, csv or json (default: from the file's suffix)."))
    ] = None,
    stage: opt.StageFilter = None, value_level: opt.ValueFilter = None, tag: opt.TagFilter = None,
    owner: opt.OwnerFilter = None, industry: opt.IndustryFilter = None,
    all_: opt.AllOpt = False,
    mask: opt.MaskOpt = None,
) -> None:
    from kam import render
    from kam.ops.exporting import export as run
    from kam.records import Filter

    f = Filter(stage, value_level, tuple(tag or ()), owner, industry)
    target = None if file == "-" else Path(file)
    out = run(opt.context(ctx), target, fmt.value if fmt else None, f, all_, mask)
    for w in out.warnings:
        render.warn(w)
    if out.text is not None:
        render.write(out.text)
    else:
        render.say(t("Exported {count} customers to {file} (masked)", count=out.count, file=file)
                   if out.masked else
                   t("Exported {count} customers to {file}", count=out.count, file=file))
