"""What the command modules share: the Context, output formats, options, value parsers.

The only module the command modules import from this package.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from kam.commands._help import App as App  # re-exported: every command module makes one
from kam.errors import BadInput
from kam.i18n import N_, t

if TYPE_CHECKING:
    from datetime import date

    from kam.ops.context import Context
    from kam.ops.customers import Changes


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
ExportFmt = Enum("ExportFmt", [(x, x) for x in ("xlsx", "csv", "json", "vcf", "ics")], type=str)

FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help=N_("Output format."))]
# A table's rows by default: a screen's worth (Rich's drawing time grows with each row).
TABLE_ROWS = 50
LimitOpt = Annotated[int, typer.Option("--limit", help=N_(
    "Rows in the table, first ones first (0: all); JSON and CSV list everything."),
    metavar=N_("ROWS"))]
ReportFormatOpt = Annotated[ReportFmt, typer.Option("--format", "-f", help=N_(
    "Report as a table or as JSON."))]

Opt = Optional[str]  # noqa: UP045 - typer needs Optional
Many = Optional[list[str]]  # noqa: UP045
CodeArg = Annotated[str, typer.Argument(
    help=N_("The customer: its code (any case), an old code, or a part of its name."),
    metavar=N_("CODE"))]
AnyCodeArg = Annotated[Opt, typer.Argument(help=N_("One customer's code (default: all)."),
                                           metavar=N_("CODE"))]
MaskOpt = Annotated[Optional[bool], typer.Option(  # noqa: UP045
    "--mask/--no-mask", help=N_("Mask phone numbers and emails (default from "
                                "privacy.mask_by_default)."), show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help=N_("Include archived customers."))]
StageFilter = Annotated[Opt, typer.Option("--stage", help=N_(
    "Only customers at this stage (key, label or alias)."), metavar=N_("STAGE"))]
ValueFilter = Annotated[Opt, typer.Option("--value-level", help=N_(
    "Only customers of this value grade."), metavar=N_("GRADE"))]
TagFilter = Annotated[Many, typer.Option(
    "--tag", help=N_("Only customers with this tag (repeatable: all of them)."),
    metavar=N_("TAG"))]
OwnerFilter = Annotated[Opt, typer.Option("--owner", help=N_(
    "Only customers of this salesperson."), metavar=N_("NAME"))]
IndustryFilter = Annotated[Opt, typer.Option("--industry", help=N_(
    "Only customers in this industry."), metavar=N_("INDUSTRY"))]
# Options shared by add and edit, named after the canonical keys.
NameOpt = Annotated[Opt, typer.Option("--name", help=N_("Customer name: the company or person."),
                                      metavar=N_("NAME"))]
ContactOpt = Annotated[Opt, typer.Option("--contact", help=N_("The main contact person."),
                                         metavar=N_("NAME"))]
TitleOpt = Annotated[Opt, typer.Option("--title", help=N_("The contact's position."))]
InfoOpt = Annotated[Opt, typer.Option("--contact-info", help=N_(
    "Contact details: phone and/or email."))]
IndustryOpt = Annotated[Opt, typer.Option("--industry", help=N_(
    "Industry, e.g. manufacturing."), metavar=N_("INDUSTRY"))]
SizeOpt = Annotated[Opt, typer.Option("--size", help=N_("Company size, e.g. 200-500."))]
ValueOpt = Annotated[Opt, typer.Option("--value-level", help=N_(
    "Value grade: high, medium, low, or a label or alias from kam.yaml."),
    metavar=N_("GRADE"))]
NeedOpt = Annotated[Opt, typer.Option("--need", help=N_(
    "Core need, e.g. equipment purchase."))]
StageOpt = Annotated[Opt, typer.Option("--stage", help=N_(
    "Cooperation stage: key, label or alias (prospect, intent, active, long_term, "
    "churn_risk, lost)."), metavar=N_("STAGE"))]
OwnerOpt = Annotated[Opt, typer.Option("--owner", help=N_("The salesperson responsible."),
                                       metavar=N_("NAME"))]
NoteOpt = Annotated[Opt, typer.Option("--note", help=N_("Free remarks."))]
TagOpt = Annotated[Many, typer.Option("--tag", help=N_("A status tag to add (repeatable)."),
                                      metavar=N_("TAG"))]
ExtraOpt = Annotated[Many, typer.Option(
    "--extra", help=N_("Another field as NAME=VALUE (repeatable), e.g. wechat=wx123."),
    metavar=N_("NAME=VALUE"))]
DateOpt = Annotated[Many, typer.Option(
    "--date", help=N_("An important date as NAME=YYYY-MM-DD (repeatable), e.g. "
                      "birthday=1980-03-02, contract_end=2027-01-31."), metavar=N_("NAME=DATE"))]
PersonOpt = Annotated[Many, typer.Option(
    "--person", help=N_("Another contact as NAME:ROLE:TITLE:PHONE (repeatable); roles: "
                        "decision_maker, influencer, user, purchaser, finance, other."),
    metavar=N_("PERSON"))]
TierFilter = Annotated[Opt, typer.Option("--tier", help=N_("Only this tier (A, B, ...)."),
                                         metavar=N_("TIER"))]
NextOpt = Annotated[Opt, typer.Option("--next", help=N_(
    "Schedule the next follow-up on this date."), metavar=N_("DATE"))]
ForceOpt = Annotated[bool, typer.Option("--force", help=N_(
    "Take dates that look wrong (a contact after today, a next step before it)."))]
KindOpt = Annotated[str, typer.Option("--kind", "-k", help=N_(
    "What it was: follow_up, call, visit, email, wechat, meeting, order, payment, "
    "complaint or note, or its label from kam.yaml."), metavar=N_("KIND"),
    show_default=N_("follow-up"))]


# --- what the commands share between parsing and rendering ---------------------

def masked(ctx: Context, mask: bool | None) -> bool:
    """--mask/--no-mask, else privacy.mask_by_default."""
    return bool(ctx.settings.mask_by_default) if mask is None else mask


def customers(rows: list[Any], fmt: str, title: str, empty: str, limit: int) -> None:
    """Customer records as a table (at most limit rows), JSON or CSV; on stderr what an
    empty list means."""
    from kam import render, report

    report.customers(rows, fmt, title, limit)
    if not rows:
        render.say(empty)


def changes_of(fields: dict[str, Any], tag: list[str] | None = None,
               untag: list[str] | None = None, extra: list[str] | None = None,
               dates: list[str] | None = None, person: list[str] | None = None,
               unset: list[str] | None = None, next_: str | None = None, *,
               today: date) -> Changes:
    """What add and edit change, from their options."""
    from kam.ops.customers import Changes
    from kam.records import parse_contact, parse_pairs

    return Changes({k: v for k, v in fields.items() if v is not None}, tag or [], untag or [],
                   parse_pairs(extra or [], "--extra"), parse_pairs(dates or [], "--date"),
                   [parse_contact(p) for p in person or []], unset or [],
                   date_opt(next_, "--next", today))


# Which way a date option looks from today: a date typed without its year or month
# (11月30日, 15号, 周五) is the next one for what is to come, the last one for what
# happened (dates.resolve_date), else the nearest.
_LEAN = {"--next": "future", "--until": "future", "--date": "past"}


def date_opt(value: str | None, option: str, today: date) -> date | None:
    """A date option as a date, as people type it (明天, 下周三, +7, 月底: dates.resolve_date)
    resolved against today; bad input names the option."""
    from kam.dates import resolve_date

    if value is None:
        return None
    try:
        return resolve_date(value, today, lean=_LEAN.get(option, "near"))
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
