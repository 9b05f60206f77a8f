"""What the command modules share: the Context, output formats, options, value parsers.

The only module the command modules import from this package.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from kam.errors import BadInput

if TYPE_CHECKING:
    from kam.ops.context import Context


def context(ctx: typer.Context) -> Context:
    """The use-case context the root callback made."""
    obj = ctx.find_root().obj
    assert obj is not None
    return obj  # type: ignore[no-any-return]


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ReportFmt(str, Enum):
    table = "table"
    json = "json"


class DigestFmt(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class ExportFmt(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]
ReportFormatOpt = Annotated[ReportFmt, typer.Option("--format", "-f", help="Report as table "
                                                    "or json.")]

Opt = Optional[str]  # noqa: UP045 - typer needs Optional
Many = Optional[list[str]]  # noqa: UP045
CodeArg = Annotated[str, typer.Argument(help="客户编号 of the customer.")]
MaskOpt = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--mask/--no-mask", help="Mask phone numbers and emails (default from "
    "privacy.mask_by_default).", show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Include archived customers.")]
StageFilter = Annotated[Opt, typer.Option("--stage", help="Only this 合作阶段.")]
ValueFilter = Annotated[Opt, typer.Option("--value-level", help="Only this 客户价值等级.")]
TagFilter = Annotated[Many, typer.Option(
    "--tag", help="Only customers with this tag (repeatable: all of them).")]
OwnerFilter = Annotated[Opt, typer.Option("--owner", help="Only this 负责人.")]
IndustryFilter = Annotated[Opt, typer.Option("--industry", help="Only this 所属行业.")]
TierFilter = Annotated[Opt, typer.Option("--tier", help="Only this tier (A, B, ...).")]
NextOpt = Annotated[Opt, typer.Option("--next", help="Schedule the next follow-up on this "
                                      "date, YYYY-MM-DD.")]
KindOpt = Annotated[str, typer.Option("--kind", "-k", help="follow_up, call, visit, email, "
                                      "wechat, meeting, order, payment, complaint or note.")]


def date_opt(value: str | None, option: str) -> date | None:
    """A date option as a date; bad input names the option."""
    from kam.dates import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as ex:
        raise BadInput(f"{option}: {ex}") from None


def amount_opt(text: str | None) -> float | None:
    from kam.scoring import parse_amount

    if text is None:
        return None
    try:
        return parse_amount(text, "yuan")
    except ValueError:
        raise BadInput(f"--amount: not an amount: {text!r} (e.g. 50000 or 5万)") from None


def masked(ctx: Context, mask: bool | None) -> bool:
    return ctx.settings.mask_by_default if mask is None else mask
