"""The customer archive: init, add, edit, show, list, search."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from kam.commands._common import (
    AllOpt,
    CodeArg,
    ContactOpt,
    DateOpt,
    ExtraOpt,
    Fmt,
    ForceOpt,
    FormatOpt,
    IndustryFilter,
    IndustryOpt,
    InfoOpt,
    Many,
    MaskOpt,
    NameOpt,
    NeedOpt,
    NextOpt,
    NoteOpt,
    Opt,
    OwnerFilter,
    OwnerOpt,
    PersonOpt,
    ReportFmt,
    ReportFormatOpt,
    SizeOpt,
    StageFilter,
    StageOpt,
    TagFilter,
    TagOpt,
    TitleOpt,
    ValueFilter,
    ValueOpt,
    context,
    date_opt,
    masked,
)

app = typer.Typer()

def _fields(**given: str | None) -> dict[str, str | None]:
    return given


def _changes(fields: dict[str, Any], tag: list[str] | None = None,
             untag: list[str] | None = None, extra: list[str] | None = None,
             dates: list[str] | None = None, person: list[str] | None = None,
             unset: list[str] | None = None, next_: str | None = None) -> Any:
    from kam.ops.customers import Changes
    from kam.records import parse_contact, parse_pairs

    return Changes({k: v for k, v in fields.items() if v is not None}, tag or [], untag or [],
                   parse_pairs(extra or [], "--extra"), parse_pairs(dates or [], "--date"),
                   [parse_contact(p) for p in person or []], unset or [],
                   date_opt(next_, "--next"))


def _report_edits(done: list[Any], dry_run: bool) -> None:
    from kam.render import edits, say

    if dry_run:
        edits(done)
    for e in done:
        say(f"{'Would update' if dry_run else 'Updated'} {e.code} {e.name}")
    if not done:
        say("nothing to change")


def _report_saved(db: Any, saved: Any) -> None:
    from kam.render import say, warn

    if saved.created_database:
        say(f"Created a new kam database at {db}")
    c = saved.customer
    for other, token in saved.shares_contact:
        warn(f"{c.code} shares contact {token} with {other.code} {other.name}")


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database and a commented default kam.yaml beside it."""
    from kam.ops.customers import init as run
    from kam.render import say

    done = run(context(ctx))
    say(f"Created {done.db}")
    say(f"Created {done.config} (edit it to set vocabulary, weights and cadences)"
        if done.config_created else f"Kept the existing settings in {done.config}")
    say("Next: `kam import 客户表.xlsx` or `kam add --name ...`, then `kam due` every morning.")


@app.command()
def add(
    ctx: typer.Context,
    name: NameOpt = None,
    code: Annotated[Opt, typer.Option("--code", help="客户编号; assigned (KH<year><n>) "
                                      "when left out.")] = None,
    contact: ContactOpt = None, title: TitleOpt = None, contact_info: InfoOpt = None,
    industry: IndustryOpt = None, size: SizeOpt = None, value_level: ValueOpt = None,
    need: NeedOpt = None, stage: StageOpt = None, owner: OwnerOpt = None, note: NoteOpt = None,
    tag: TagOpt = None, extra: ExtraOpt = None, date_: DateOpt = None, person: PersonOpt = None,
    next_: Annotated[Opt, typer.Option("--next", help="First follow-up date, YYYY-MM-DD.")
                     ] = None,
    force: ForceOpt = False,
) -> None:
    """Add a customer; prints its code."""
    from kam.ops.customers import add as run
    from kam.render import say, write

    fields = _fields(contact=contact, title=title, contact_info=contact_info, industry=industry,
                  size=size, value_level=value_level, need=need, stage=stage, owner=owner,
                  note=note, name=name)
    c = context(ctx)
    changes = _changes(fields, tag, None, extra, date_, person, None, next_)
    changes.force = force
    saved = run(c, name or "", changes, code)
    _report_saved(c.db, saved)
    say(f"Added {saved.customer.code} {saved.customer.name}")
    write(saved.customer.code + "\n")


@app.command()
def edit(
    ctx: typer.Context,
    codes: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help="The customers: codes (any case) or name fragments; or use --where.")] = None,
    name: NameOpt = None, contact: ContactOpt = None, title: TitleOpt = None,
    contact_info: InfoOpt = None, industry: IndustryOpt = None, size: SizeOpt = None,
    value_level: ValueOpt = None, need: NeedOpt = None, stage: StageOpt = None,
    owner: OwnerOpt = None, note: NoteOpt = None, tag: TagOpt = None,
    untag: Annotated[Many, typer.Option("--untag", help="Tag to remove (repeatable).")] = None,
    extra: ExtraOpt = None, date_: DateOpt = None, person: PersonOpt = None,
    unset: Annotated[Many, typer.Option(
        "--unset", help="Clear a field, extra.NAME or date.NAME (repeatable).")] = None,
    next_: NextOpt = None,
    reason: Annotated[Opt, typer.Option("--reason", help="With --stage lost (已流失): why, "
                                        "one of lost_reasons in kam.yaml (价格, 服务, ...).")
                      ] = None,
    force: ForceOpt = False,
    where: Annotated[Many, typer.Option(
        "--where", help="Change every customer matching KEY=VALUE (repeatable): stage, "
        "value_level, owner, industry, tag or tier, e.g. --where owner=张华.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; change "
                                          "nothing.")] = False,
) -> None:
    """Change customers' fields: one, several, or all matching --where (one backup).

    Examples: kam edit KH2024001 --stage 合作中;
    kam edit --where owner=张华 --owner 李明 --dry-run
    """
    from kam.ops.customers import edit_many
    from kam.records import parse_pairs

    fields = _fields(name=name, contact=contact, title=title, contact_info=contact_info,
                  industry=industry, size=size, value_level=value_level, need=need,
                  stage=stage, owner=owner, note=note)
    changes = _changes(fields, tag, untag, extra, date_, person, unset, next_)
    changes.lost_reason, changes.force = reason, force
    done = edit_many(context(ctx), codes or [], parse_pairs(where or [], "--where"), changes,
                     dry_run)
    _report_edits(done, dry_run)


@app.command()
def lost(
    ctx: typer.Context,
    code: CodeArg,
    note: Annotated[str, typer.Argument(help="What happened, e.g. 被竞品低价抢走.")] = "",
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why: one of lost_reasons in "
                                        "kam.yaml (价格, 服务, 产品质量, 竞争对手, 需求变化, 其他)."
                                        )] = "",
) -> None:
    """Mark a customer lost (已流失), with the reason: out of due and risk, in the review.

    Example: kam lost KH2024016 被竞品低价抢走 --reason 价格
    """
    from kam.ops.customers import lose
    from kam.render import say

    c = lose(context(ctx), code, reason, note)
    say(f"{c.code} {c.name}: 已流失 ({c.lost['reason']}); back with `kam edit {c.code} "
        "--stage ...`")


@app.command()
def rename(
    ctx: typer.Context,
    old: CodeArg,
    new: Annotated[str, typer.Argument(help="The new 客户编号.")],
) -> None:
    """Give a customer another code; the old code keeps finding it.

    Example: kam rename KH2024001 HD-001
    """
    from kam.ops.customers import rename as run
    from kam.render import say

    c = run(context(ctx), old, new)
    say(f"Renamed to {c.code} {c.name}; the old code still finds it")


@app.command()
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The customer that stays (客户编号).")],
    other: Annotated[str, typer.Argument(help="The duplicate merged into it.")],
    prefer: Annotated[str, typer.Option("--prefer", help="Whose value wins where both differ: "
                                        "keep or other (the loser's stays in extra).")
                      ] = "keep",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the conflicts; change "
                                          "nothing.")] = False,
    fmt: ReportFormatOpt = ReportFmt.table,
) -> None:
    """Merge two archives of one company: logs, contacts, dates, tags and extras.

    Example: kam merge KH2024001 KH2026007 --dry-run
    """
    from kam import render
    from kam.ops.customers import merge as run

    m = run(context(ctx), keep, other, prefer, dry_run)
    render.merged(m.customer.code, m.other, m.conflicts, m.follow_ups, dry_run, fmt.value)
    render.say(f"{'Would merge' if dry_run else 'Merged'} {m.other} into {m.customer.code} "
               f"{m.customer.name}: {m.follow_ups} follow-up(s), {len(m.conflicts)} "
               f"conflicting value(s) kept" + ("" if dry_run else
                                              f"; {m.other} now finds {m.customer.code}"))


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: StageFilter = None, value_level: ValueFilter = None, tag: TagFilter = None,
    owner: OwnerFilter = None, industry: IndustryFilter = None,
    sort: Annotated[str, typer.Option("--sort", help="Sort by code, name, score, "
                                      "last_contact, next_follow_up, stage, owner, updated or "
                                      "created; prefix - for descending.")] = "code",
    all_: AllOpt = False, mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """List customers, with filters."""
    from kam.ops.customers import find
    from kam.records import Filter

    c = context(ctx)
    listing = find(c, Filter(stage, value_level, tuple(tag or ()), owner, industry), sort, all_)
    _emit(c, listing, fmt, mask, f"{len(listing.customers)} customers",
          "No customers match." if listing.archive_size else
          "No customers yet: `kam add` or `kam import FILE`.")


def _emit(c: Any, listing: Any, fmt: Fmt, mask: bool | None, title: str, empty: str) -> None:
    from kam import render

    rows = listing.records(c, masked(c, mask), labels=fmt == Fmt.table)
    render.customers(rows, fmt.value, title)
    if not rows:
        render.say(empty)


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to find (Chinese substrings; Latin "
                                        "letters in any case).")],
    all_: AllOpt = False, mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Find customers by name, contact, notes, extra values or follow-up summaries."""
    from kam.ops.customers import search as run

    c = context(ctx)
    listing = run(c, text, all_)
    _emit(c, listing, fmt, mask, f"{len(listing.customers)} found for {text!r}",
          f"Nothing found for {text!r}.")


@app.command()
def show(ctx: typer.Context, code: CodeArg, mask: MaskOpt = None,
         fmt: FormatOpt = Fmt.table) -> None:
    """The whole archive of one customer, follow-up history newest first."""
    from kam.ops.customers import show as run
    from kam.render import show as render

    c = context(ctx)
    archive = run(c, code, masked(c, mask))
    render(archive.doc, archive.labelled, archive.why, fmt.value)
