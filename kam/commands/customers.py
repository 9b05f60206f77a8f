"""The customer archive: init, add, edit, show, list, search."""

from typing import Annotated, Any, Optional

import typer

from kam.commands._common import (
    TABLE_ROWS,
    AllOpt,
    App,
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
    LimitOpt,
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
    changes_of,
    context,
    customers,
    masked,
)
from kam.i18n import N_, t

app = App()


def _report_saved(db: Any, saved: Any) -> None:
    from kam.render import say, warn

    if saved.created_database:
        say(t("Created a new kam database at {path}", path=db))
    c = saved.customer
    for other, token in saved.shares_contact:
        warn(t("{code} shares contact {value} with {other} {name}", code=c.code, value=token,
               other=other.code, name=other.name))


@app.command(help=N_("Create the database and a commented default kam.yaml beside it."),
             epilog=N_("kam init\nkam init --sample\nkam --db ~/work/kam.json init"))
def init(ctx: typer.Context, sample: Annotated[bool, typer.Option("--sample", help=N_(
        "Also write the example workbook beside the database, with the example's kam.yaml, "
        "to try kam on."))] = False) -> None:
    from kam.ops.customers import init as run
    from kam.render import say

    done = run(context(ctx), sample)
    say(t("Created {path}", path=done.db))
    say(t("Created {path} (edit it to set vocabulary, weights and cadences)", path=done.config)
        if done.config_created else t("Kept the existing settings in {path}", path=done.config))
    if done.sample:
        say(t("Created {path} (the example workbook)", path=done.sample))
        say(t("Next: `kam import {path}`, then `kam due` and `kam risk`.", path=done.sample))
    else:
        say(t("Next: `kam import customers.xlsx` or `kam add --name ...`, then `kam due` every "
              "morning."))


@app.command(help=N_("Add a customer; prints its code."),
             epilog=N_("kam add --name \"Acme Tools\" --contact \"Li Ming\" --stage intent\n"
                       "kam add --name \"Bright Foods\" --value-level high --next 2026-12-01"))
def add(
    ctx: typer.Context,
    name: NameOpt = None,
    code: Annotated[Opt, typer.Option("--code", help=N_(
        "The customer's code; assigned (KH<year><n>) when left out."), metavar=N_("CODE"))
    ] = None,
    contact: ContactOpt = None, title: TitleOpt = None, contact_info: InfoOpt = None,
    industry: IndustryOpt = None, size: SizeOpt = None, value_level: ValueOpt = None,
    need: NeedOpt = None, stage: StageOpt = None, owner: OwnerOpt = None, note: NoteOpt = None,
    tag: TagOpt = None, extra: ExtraOpt = None, date_: DateOpt = None, person: PersonOpt = None,
    next_: Annotated[Opt, typer.Option("--next", help=N_("First follow-up date."),
                                       metavar=N_("DATE"))] = None,
    force: ForceOpt = False,
) -> None:
    from kam.ops.customers import add as run
    from kam.render import say, write

    fields = {"contact": contact, "title": title, "contact_info": contact_info,
              "industry": industry, "size": size, "value_level": value_level, "need": need,
              "stage": stage, "owner": owner, "note": note, "name": name}
    c = context(ctx)
    changes = changes_of(fields, tag, None, extra, date_, person, None, next_, today=c.today)
    changes.force = force
    saved = run(c, name or "", changes, code)
    _report_saved(c.db, saved)
    say(t("Added {code} {name}", code=saved.customer.code, name=saved.customer.name))
    _say_next(changes)
    write(saved.customer.code + "\n")


def _say_next(changes: Any, done: Any = True) -> None:
    """The next follow-up set, as a date: typed as 明天 or +7, which day it is; or, when
    nothing was done, that there was nothing to change."""
    from kam.render import say

    if not done:
        say(t("Nothing to change."))
    elif changes.next_follow_up is not None:
        say(t("Next follow-up: {date}", date=changes.next_follow_up.isoformat()))


@app.command(help=N_("Change customers' fields: one, several, or all matching --where "
                     "(one backup)."),
             epilog=N_("kam edit KH2024001 --stage active\n"
                       "kam edit --where owner=Zhang --owner Li --dry-run"))
def edit(
    ctx: typer.Context,
    codes: Annotated[Optional[list[str]], typer.Argument(  # noqa: UP045
        help=N_("The customers: codes (any case) or name fragments; or use --where."),
        metavar=N_("CODE"))] = None,
    name: NameOpt = None, contact: ContactOpt = None, title: TitleOpt = None,
    contact_info: InfoOpt = None, industry: IndustryOpt = None, size: SizeOpt = None,
    value_level: ValueOpt = None, need: NeedOpt = None, stage: StageOpt = None,
    owner: OwnerOpt = None, note: NoteOpt = None, tag: TagOpt = None,
    untag: Annotated[Many, typer.Option("--untag", help=N_("Tag to remove (repeatable)."),
                                        metavar=N_("TAG"))] = None,
    extra: ExtraOpt = None, date_: DateOpt = None, person: PersonOpt = None,
    unset: Annotated[Many, typer.Option(
        "--unset", help=N_("Clear a field, extra.NAME or date.NAME (repeatable)."),
        metavar=N_("FIELD"))] = None,
    next_: NextOpt = None,
    reason: Annotated[Opt, typer.Option("--reason", help=N_(
        "With --stage lost: why, one of lost_reasons in kam.yaml."), metavar=N_("REASON"))
    ] = None,
    force: ForceOpt = False,
    where: Annotated[Many, typer.Option(
        "--where", help=N_("Change every customer matching KEY=VALUE (repeatable): stage, "
                           "value_level, owner, industry, tag or tier, e.g. --where owner=Zhang."),
        metavar=N_("KEY=VALUE"))] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Say what would change; change "
                                          "nothing."))] = False,
) -> None:
    from kam.ops.customers import edit_many
    from kam.records import parse_pairs
    from kam.render import say
    from kam.report import edits

    fields = {"name": name, "contact": contact, "title": title, "contact_info": contact_info,
              "industry": industry, "size": size, "value_level": value_level, "need": need,
              "stage": stage, "owner": owner, "note": note}
    c = context(ctx)
    changes = changes_of(fields, tag, untag, extra, date_, person, unset, next_, today=c.today)
    changes.lost_reason, changes.force = reason, force
    done = edit_many(c, codes or [], parse_pairs(where or [], "--where"), changes,
                     dry_run)
    if dry_run:
        edits(done)
    for e in done:
        say(t("Would update {code} {name}", code=e.code, name=e.name) if dry_run
            else t("Updated {code} {name}", code=e.code, name=e.name))
    _say_next(changes, done)


@app.command(help=N_("Mark a customer lost, with the reason: out of due and risk, counted in "
                     "the review."),
             epilog=N_("kam lost KH2024016 \"lost to a cheaper rival\" --reason price"))
def lost(
    ctx: typer.Context,
    code: CodeArg,
    note: Annotated[str, typer.Argument(help=N_("What happened."), metavar=N_("NOTE"))] = "",
    reason: Annotated[str, typer.Option("--reason", "-r", help=N_(
        "Why: one of lost_reasons in kam.yaml (price, service, quality, competitor, "
        "need changed, other)."), metavar=N_("REASON"))] = "",
) -> None:
    from kam.ops.customers import lose
    from kam.render import say

    c = lose(context(ctx), code, reason, note)
    say(t("{code} {name}: lost ({reason}); back with `kam edit {code} --stage ...`",
          code=c.code, name=c.name, reason=c.lost["reason"]))


@app.command(help=N_("Give a customer another code; the old code keeps finding it."),
             epilog=N_("kam rename KH2024001 HD-001"))
def rename(
    ctx: typer.Context,
    old: CodeArg,
    new: Annotated[str, typer.Argument(help=N_("The new code."), metavar=N_("NEW"))],
) -> None:
    from kam.ops.customers import rename as run
    from kam.render import say

    c = run(context(ctx), old, new)
    say(t("Renamed to {code} {name}; the old code still finds it", code=c.code, name=c.name))


@app.command(help=N_("Merge two archives of one company: logs, contacts, dates, tags and "
                     "extras."),
             epilog=N_("kam merge KH2024001 KH2026007 --dry-run\nkam merge KH2024001 KH2026007"))
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help=N_("The customer that stays."),
                                        metavar=N_("KEEP"))],
    other: Annotated[str, typer.Argument(help=N_("The duplicate merged into it."),
                                         metavar=N_("OTHER"))],
    prefer: Annotated[str, typer.Option("--prefer", help=N_("Whose value wins where both differ: "
                                        "keep or other (the loser's stays in extra)."))
                      ] = "keep",
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Show the conflicts; change "
                                          "nothing."))] = False,
    fmt: ReportFormatOpt = ReportFmt.table,
) -> None:
    from kam import render, report
    from kam.ops.customers import merge as run

    c = context(ctx)
    m = run(c, keep, other, prefer, dry_run)
    report.merged(m.customer.code, m.other, m.conflicts, m.follow_ups, dry_run, fmt.value,
                  c.settings)
    values = {"other": m.other, "code": m.customer.code, "name": m.customer.name,
              "follow_ups": m.follow_ups, "conflicts": len(m.conflicts)}
    render.say(t("Would merge {other} into {code} {name}: {follow_ups} follow-up(s), "
                 "{conflicts} conflicting value(s) kept", **values) if dry_run else
               t("Merged {other} into {code} {name}: {follow_ups} follow-up(s), {conflicts} "
                 "conflicting value(s) kept; {other} now finds {code}", **values))


@app.command("list", help=N_("List customers, with filters."),
             epilog=N_("kam list --stage active --sort -score\n"
                       "kam list --owner Zhang --format csv > mine.csv"))
def list_(
    ctx: typer.Context,
    stage: StageFilter = None, value_level: ValueFilter = None, tag: TagFilter = None,
    owner: OwnerFilter = None, industry: IndustryFilter = None,
    sort: Annotated[str, typer.Option("--sort", help=N_(
        "Sort by code, name, score, last_contact, next_follow_up, stage, owner, updated or "
        "created (or the column's header); prefix - for descending."), metavar=N_("FIELD"))
    ] = "code",
    all_: AllOpt = False, mask: MaskOpt = None, limit: LimitOpt = TABLE_ROWS,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam.ops.listing import listing
    from kam.records import Filter

    c = context(ctx)
    found = listing(c, Filter(stage, value_level, tuple(tag or ()), owner, industry), sort,
                    all_, masked(c, mask), labels=fmt == Fmt.table, encoded=fmt == Fmt.json)
    customers(found.records, fmt.value, t("{count} customers", count=len(found.records)),
              t("No customers match.") if found.archive_size else
              t("No customers yet: `kam add` or `kam import FILE`."), limit)


@app.command(help=N_("Find customers by name, contact, notes, extra values or follow-up "
                     "summaries."),
             epilog=N_("kam search acme\nkam search 138"))
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help=N_("Text to find (Latin letters in any case)."),
                                        metavar=N_("TEXT"))],
    all_: AllOpt = False, mask: MaskOpt = None, limit: LimitOpt = TABLE_ROWS,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam.ops.listing import search as run

    c = context(ctx)
    found = run(c, text, all_, masked(c, mask), labels=fmt == Fmt.table)
    customers(found.records, fmt.value, t("{count} found for {text}",
                                          count=len(found.records), text=repr(text)),
              t("Nothing found for {text}.", text=repr(text)), limit)


@app.command(help=N_("The whole archive of one customer, follow-up history newest first."),
             epilog=N_("kam show KH2024001\nkam show acme --format json"))
def show(ctx: typer.Context, code: CodeArg, mask: MaskOpt = None,
         fmt: FormatOpt = Fmt.table) -> None:
    from kam import report
    from kam.ops.archive import show as run

    c = context(ctx)
    archive = run(c, code, masked(c, mask))
    report.show(archive.doc, archive.labelled, archive.why, fmt.value)
