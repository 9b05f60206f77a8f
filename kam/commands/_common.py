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


# Every --format is an Enum that Typer validates.
Fmt = Enum("Fmt", [("table", "table"), ("json", "json"), ("csv", "csv")], type=str)
ReportFmt = Enum("ReportFmt", [("table", "table"), ("json", "json")], type=str)
DigestFmt = Enum("DigestFmt", [("text", "text"), ("markdown", "markdown"), ("json", "json")],
                 type=str)
ExportFmt = Enum("ExportFmt", [("xlsx", "xlsx"), ("csv", "csv"), ("json", "json")], type=str)

FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]
ReportFormatOpt = Annotated[ReportFmt, typer.Option("--format", "-f", help="Report as table "
                                                    "or json.")]

Opt = Optional[str]  # noqa: UP045 - typer needs Optional
Many = Optional[list[str]]  # noqa: UP045
CodeArg = Annotated[str, typer.Argument(help="客户编号 of the customer.")]
AnyCodeArg = Annotated[Opt, typer.Argument(help="One customer's code (default: all).")]
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
# Options shared by add and edit, named after the canonical keys.
NameOpt = Annotated[Opt, typer.Option("--name", help="客户名称: company or person name.")]
ContactOpt = Annotated[Opt, typer.Option("--contact", help="联系人: main contact person.")]
TitleOpt = Annotated[Opt, typer.Option("--title", help="职务: the contact's position.")]
InfoOpt = Annotated[Opt, typer.Option("--contact-info", help="联系方式: phone and/or email.")]
IndustryOpt = Annotated[Opt, typer.Option("--industry", help="所属行业, e.g. 制造业.")]
SizeOpt = Annotated[Opt, typer.Option("--size", help="企业规模, e.g. 200-500人.")]
ValueOpt = Annotated[Opt, typer.Option("--value-level", help="客户价值等级: high/medium/low "
                                       "or a label/alias from kam.yaml (高价值, 高, A).")]
NeedOpt = Annotated[Opt, typer.Option("--need", help="核心需求类型, e.g. 设备采购.")]
StageOpt = Annotated[Opt, typer.Option("--stage", help="合作阶段: key, label or alias "
                                       "(active, 合作中, 已签约).")]
OwnerOpt = Annotated[Opt, typer.Option("--owner", help="负责人: salesperson responsible.")]
NoteOpt = Annotated[Opt, typer.Option("--note", help="备注: free remarks.")]
TagOpt = Annotated[Many, typer.Option("--tag", help="状态标签 to add (repeatable).")]
ExtraOpt = Annotated[Many, typer.Option(
    "--extra", help="Another field as NAME=VALUE (repeatable), e.g. 微信=abc.")]
DateOpt = Annotated[Many, typer.Option(
    "--date", help="An important date as NAME=YYYY-MM-DD (repeatable), e.g. "
    "birthday=1980-03-02, contract_end=2027-01-31.")]
PersonOpt = Annotated[Many, typer.Option(
    "--person", help="Another contact as NAME:ROLE:TITLE:PHONE (repeatable); roles: "
    "decision_maker, influencer, user, purchaser, finance, other.")]
TierFilter = Annotated[Opt, typer.Option("--tier", help="Only this tier (A, B, ...).")]
NextOpt = Annotated[Opt, typer.Option("--next", help="Schedule the next follow-up on this "
                                      "date, YYYY-MM-DD.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Take dates that look wrong (a "
                                        "contact after today, a next step before it).")]
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
