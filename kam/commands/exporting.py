"""Spreadsheets out: export the template layout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kam.commands._common import (
    ExportFmt,
    IndustryFilter,
    MaskOpt,
    OwnerFilter,
    StageFilter,
    TagFilter,
    ValueFilter,
    context,
)

app = typer.Typer()


@app.command()
def export(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Output file, or - for stdout (csv/json).")],
    fmt: Annotated[Optional[ExportFmt], typer.Option(  # noqa: UP045
        "--format", "-f", help="xlsx, csv or json (default: from the file's suffix).")] = None,
    stage: StageFilter = None, value_level: ValueFilter = None, tag: TagFilter = None,
    owner: OwnerFilter = None, industry: IndustryFilter = None,
    all_: Annotated[bool, typer.Option("--all", help="Include archived customers.")] = False,
    mask: MaskOpt = None,
) -> None:
    """Write the template layout (16 columns, then every extra column)."""
    from kam import render
    from kam.ops.exporting import export as run
    from kam.records import Filter

    f = Filter(stage, value_level, tuple(tag or ()), owner, industry)
    out = run(context(ctx), None if file == "-" else Path(file), fmt.value if fmt else None, f,
              all_, mask)
    if out.text is not None:
        render.write(out.text)
    else:
        render.say(f"Exported {out.count} customers to {file}" + (" (masked)" if out.masked
                                                                   else ""))
