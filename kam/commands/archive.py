"""The customer archive: init, add, edit, show, list, search, log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Optional

import typer

from kam.cli import Env, Fmt, FormatOpt, app, env
from kam.errors import BadInput

# Options shared by add and edit, named after the canonical keys.
Opt = Optional[str]  # noqa: UP007 - typer needs Optional
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
TagOpt = Annotated[list[str] | None, typer.Option(  # noqa: UP007
    "--tag", help="状态标签 to add (repeatable).")]
ExtraOpt = Annotated[list[str] | None, typer.Option(  # noqa: UP007
    "--extra", help="Another field as NAME=VALUE (repeatable), e.g. 微信=abc.")]
DateOpt = Annotated[list[str] | None, typer.Option(  # noqa: UP007
    "--date", help="An important date as NAME=YYYY-MM-DD (repeatable), e.g. "
    "birthday=1980-03-02, contract_end=2027-01-31.")]
PersonOpt = Annotated[list[str] | None, typer.Option(  # noqa: UP007
    "--person", help="Another contact as NAME:ROLE:TITLE:PHONE (repeatable); roles: "
    "decision_maker, influencer, user, purchaser, finance, other.")]
MaskOpt = Annotated[bool | None, typer.Option(  # noqa: UP007
    "--mask/--no-mask", help="Mask phone numbers and emails (default from "
    "privacy.mask_by_default).", show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Include archived customers.")]


def _fields(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def _masked(e: Env, mask: bool | None) -> bool:
    return e.settings.mask_by_default if mask is None else mask


def open_writer(e: Env, create: bool = True) -> Any:
    """The store for a write command; a new database is announced on stderr."""
    from kam.store import open_store

    return open_store(e.db, write=True, create=create, command=e.command,
                      backups=e.settings.backups)


def announce_created(store: Any) -> None:
    from kam.render import say

    if store.created_now:
        say(f"Created a new kam database at {store.path}")


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database and a commented default kam.yaml beside it."""
    from kam.config import DEFAULT_YAML
    from kam.render import say
    from kam.store import atomic_write_bytes

    e = env(ctx)
    if e.db.exists():
        raise BadInput(f"{e.db} already exists; kam init does not overwrite it")
    with open_writer(e) as store:
        store.commit()
    say(f"Created {e.db}")
    if e.config.exists():
        say(f"Kept the existing settings in {e.config}")
    else:
        atomic_write_bytes(e.config, DEFAULT_YAML.encode("utf-8"))
        say(f"Created {e.config} (edit it to set vocabulary, weights and cadences)")
    say("Next: `kam import 客户表.xlsx` or `kam add --name ...`, then `kam due` every morning.")


def _warn_duplicates(c: Any, others: list[Any]) -> None:
    from kam.archive import duplicates
    from kam.render import warn

    for other, token in duplicates(c, others):
        warn(f"{c.code} shares contact {token} with {other.code} {other.name}")


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
) -> None:
    """Add a customer; prints its code."""
    from kam import archive
    from kam.models import Customer
    from kam.render import say

    e = env(ctx)
    if not name or not name.strip():
        raise BadInput("--name is required (客户名称)")
    fields = _fields(contact=contact, title=title, contact_info=contact_info, industry=industry,
                     size=size, value_level=value_level, need=need, stage=stage, owner=owner,
                     note=note, name=name)
    extras = archive.parse_pairs(extra or [], "--extra")
    dates = archive.parse_pairs(date_ or [], "--date")
    people = [archive.parse_contact(p) for p in person or []]
    next_date = _date_opt(next_, "--next")
    with open_writer(e) as store:
        existing = store.codes()
        if code is not None:
            code = archive.check_code(code)
            if code in existing:
                other = store.get(code)
                raise BadInput(f"code {code} is already used by {other.name}")
        else:
            code = archive.new_code(existing, e.today.year)
        stamp = e.stamp()
        c = archive.apply(Customer(code, name.strip(), created=stamp, updated=stamp), e.settings,
                          fields, add_tags=tag or [], extra=extras, dates=dates, contacts=people)
        if next_date:
            c = replace(c, next_follow_up=next_date.isoformat())
        _warn_duplicates(c, store.customers(include_archived=True))
        store.put(c)
        store.commit()
        announce_created(store)
    say(f"Added {c.code} {c.name}")
    print(c.code)


@app.command()
def edit(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    name: NameOpt = None, contact: ContactOpt = None, title: TitleOpt = None,
    contact_info: InfoOpt = None, industry: IndustryOpt = None, size: SizeOpt = None,
    value_level: ValueOpt = None, need: NeedOpt = None, stage: StageOpt = None,
    owner: OwnerOpt = None, note: NoteOpt = None, tag: TagOpt = None,
    untag: Annotated[list[str] | None, typer.Option(  # noqa: UP007
        "--untag", help="Tag to remove (repeatable).")] = None,
    extra: ExtraOpt = None, date_: DateOpt = None, person: PersonOpt = None,
    unset: Annotated[list[str] | None, typer.Option(  # noqa: UP007
        "--unset", help="Clear a field, extra.NAME or date.NAME (repeatable).")] = None,
    next_: Annotated[Opt, typer.Option("--next", help="Next follow-up date, YYYY-MM-DD.")
                     ] = None,
) -> None:
    """Change a customer's fields; every change updates its `updated` time."""
    from kam import archive
    from kam.render import say

    e = env(ctx)
    fields = _fields(name=name, contact=contact, title=title, contact_info=contact_info,
                     industry=industry, size=size, value_level=value_level, need=need,
                     stage=stage, owner=owner, note=note)
    extras = archive.parse_pairs(extra or [], "--extra")
    dates = archive.parse_pairs(date_ or [], "--date")
    people = [archive.parse_contact(p) for p in person or []]
    next_date = _date_opt(next_, "--next")
    with open_writer(e, create=False) as store:
        before = store.get(code)
        c = archive.apply(before, e.settings, fields, add_tags=tag or [], remove_tags=untag or [],
                          extra=extras, dates=dates, unset=unset or [], contacts=people)
        if next_date:
            c = replace(c, next_follow_up=next_date.isoformat())
        if c == before:
            say(f"{code}: nothing to change")
            return
        c = replace(c, updated=e.stamp())
        if c.contact_info != before.contact_info:
            _warn_duplicates(c, store.customers(include_archived=True))
        store.put(c)
        store.commit()
    say(f"Updated {c.code} {c.name}")


def _date_opt(value: str | None, option: str) -> date | None:
    from kam.dates import parse_date

    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as ex:
        raise BadInput(f"{option}: {ex}") from None


# Readable at 80 columns; JSON, CSV and export carry every field.
LIST_COLUMNS = (
    ("code", "客户编号"), ("name", "客户名称"), ("contact", "联系人"), ("stage", "合作阶段"),
    ("tier", "分层"), ("score", "评分"), ("last_contact", "最近跟进"),
    ("next_follow_up", "下次跟进"), ("owner", "负责人"),
)
CSV_COLUMNS = tuple((k, k) for k in (
    "code", "name", "contact", "title", "contact_info", "industry", "size", "value_level",
    "need", "stage", "last_contact", "last_summary", "owner", "tags", "note", "score", "tier",
    "next_follow_up"))


def emit_customers(e: Env, customers: list[Any], fmt: Fmt, masked: bool,
                   title: str | None = None) -> None:
    from kam.archive import record
    from kam.render import emit
    from kam.scoring import tiers_of

    scores = tiers_of(customers, e.settings, e.today)
    if fmt == Fmt.table:
        rows = [record(c, scores[c.code], e.settings, masked=masked, labels=True)
                for c in customers]
        emit(rows, LIST_COLUMNS, fmt.value, title=title)
        return
    rows = [record(c, scores[c.code], e.settings, masked=masked) for c in customers]
    emit(rows, CSV_COLUMNS, fmt.value)


SORT_KEYS = ("code", "name", "score", "last_contact", "next_follow_up", "stage", "owner",
             "updated", "created")


def select(e: Env, customers: list[Any], stage: str | None = None,
           value_level: str | None = None, tag: list[str] | None = None,
           owner: str | None = None, industry: str | None = None) -> list[Any]:
    """The customers matching the list/export filters."""
    from kam.archive import vocab_key

    s = e.settings
    st = vocab_key(s, "stage", stage) if stage else None
    vl = vocab_key(s, "value_level", value_level) if value_level else None
    out = []
    for c in customers:
        if st and c.stage != st or vl and c.value_level != vl:
            continue
        if owner and c.owner != owner or industry and c.industry != industry:
            continue
        if tag and not all(t in c.tags for t in tag):
            continue
        out.append(c)
    return out


def sort_customers(e: Env, customers: list[Any], key: str) -> list[Any]:
    desc = key.startswith("-")
    key = key.lstrip("-")
    if key not in SORT_KEYS:
        raise BadInput(f"--sort: unknown key {key!r}; use one of: {', '.join(SORT_KEYS)} "
                       "(prefix - for descending)")
    if key == "score":
        from kam.scoring import tiers_of

        scores = tiers_of(customers, e.settings, e.today)
        return sorted(customers, key=lambda c: (-scores[c.code][1], c.code), reverse=desc)
    return sorted(customers, key=lambda c: (getattr(c, key) or "", c.code), reverse=desc)


StageFilter = Annotated[Opt, typer.Option("--stage", help="Only this 合作阶段.")]
ValueFilter = Annotated[Opt, typer.Option("--value-level", help="Only this 客户价值等级.")]
TagFilter = Annotated[list[str] | None, typer.Option(  # noqa: UP007
    "--tag", help="Only customers with this tag (repeatable: all of them).")]
OwnerFilter = Annotated[Opt, typer.Option("--owner", help="Only this 负责人.")]
IndustryFilter = Annotated[Opt, typer.Option("--industry", help="Only this 所属行业.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: StageFilter = None, value_level: ValueFilter = None, tag: TagFilter = None,
    owner: OwnerFilter = None, industry: IndustryFilter = None,
    sort: Annotated[str, typer.Option("--sort", help=f"Sort by {', '.join(SORT_KEYS)}; "
                                      "prefix - for descending.")] = "code",
    all_: AllOpt = False, mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """List customers, with filters."""
    from kam.store import open_store

    e = env(ctx)
    with open_store(e.db) as store:
        customers = store.customers(include_archived=all_)
    chosen = sort_customers(e, select(e, customers, stage, value_level, tag, owner, industry),
                            sort)
    emit_customers(e, chosen, fmt, _masked(e, mask), title=f"{len(chosen)} customers")
    if not chosen:
        from kam.render import say

        say("No customers match." if customers else "No customers yet: `kam add` or "
            "`kam import FILE`.")


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Text to find (Chinese substrings; Latin "
                                        "letters in any case).")],
    all_: AllOpt = False, mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Find customers by name, contact, notes, extra values or follow-up summaries."""
    from kam.store import open_store

    e = env(ctx)
    needle = text.strip().casefold()
    if not needle:
        raise BadInput("search text is empty")
    with open_store(e.db) as store:
        customers = store.customers(include_archived=all_)
        hits_in_log = {i.code for i in store.interactions() if needle in i.summary.casefold()}
    found = [c for c in customers if c.code in hits_in_log or needle in _haystack(c)]
    emit_customers(e, found, fmt, _masked(e, mask), title=f"{len(found)} found for {text!r}")
    if not found:
        from kam.render import say

        say(f"Nothing found for {text!r}.")


def _haystack(c: Any) -> str:
    parts = [c.code, c.name, c.contact, c.title, c.contact_info, c.industry, c.need, c.note,
             c.owner, c.last_summary, *c.tags, *(str(v) for v in c.extra.values()),
             *(f"{p.name} {p.title} {p.contact_info}" for p in c.contacts)]
    return "\n".join(parts).casefold()


@app.command()
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """The whole archive of one customer, follow-up history newest first."""
    from kam.archive import record
    from kam.followup import health, next_contact
    from kam.scoring import score
    from kam.store import open_store

    e = env(ctx)
    with open_store(e.db) as store:
        c = store.get(code)
        history = list(reversed(store.interactions(code)))
    s = score(c, e.settings, e.today)
    masked = _masked(e, mask)
    when, why = next_contact(c, s.tier, e.settings)
    h = health(c, s.tier, e.settings, e.today)
    doc = record(c, (s.tier, s.score), e.settings, masked=masked)
    doc.update(created=c.created, updated=c.updated, health=h.health,
               health_reasons=list(h.reasons),
               next_due=when.isoformat() if when else None,
               interactions=[{k: v for k, v in i.to_doc().items() if k not in ("code", "batch")}
                             for i in history])
    if fmt == Fmt.json:
        from kam.render import print_json

        print_json(doc)
    elif fmt == Fmt.csv:
        from kam.render import emit

        emit([doc], CSV_COLUMNS, "csv")
    else:
        from kam.render import show_customer

        labelled = record(c, (s.tier, s.score), e.settings, masked=masked, labels=True)
        show_customer(labelled, doc, why)


@app.command()
def log(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    summary: Annotated[str, typer.Argument(help="What happened (跟进内容).")],
    kind: Annotated[str, typer.Option("--kind", "-k", help="follow_up, call, visit, email, "
                                      "wechat, meeting, order, payment, complaint or note."
                                      )] = "follow_up",
    date_: Annotated[Opt, typer.Option("--date", help="When it happened (default today).")
                     ] = None,
    next_: Annotated[Opt, typer.Option("--next", help="Schedule the next follow-up on this "
                                       "date.")] = None,
    amount: Annotated[Opt, typer.Option("--amount", help="Amount in yuan for an order or "
                                        "payment (50000, 5万).")] = None,
) -> None:
    """Record a follow-up, order, complaint, ...; --next schedules the next step."""
    from kam.render import say

    e = env(ctx)
    check_kind(kind)
    if not summary.strip():
        raise BadInput("the summary is empty: say what happened")
    when = _date_opt(date_, "--date") or e.today
    next_date = _date_opt(next_, "--next")
    value = _amount(amount)
    with open_writer(e, create=False) as store:
        c = record_interaction(e, store, store.get(code), when, kind, summary.strip(), value,
                               next_date)
        store.commit()
    say(f"Logged {kind} for {c.code} {c.name} on {when.isoformat()}"
        + (f"; next follow-up {c.next_follow_up}" if c.next_follow_up else ""))


def check_kind(kind: str) -> None:
    from kam.models import INTERACTION_KINDS

    if kind not in INTERACTION_KINDS:
        raise BadInput(f"--kind: unknown kind {kind!r}; use one of: "
                       f"{', '.join(INTERACTION_KINDS)}")


def _amount(text: str | None) -> float | None:
    from kam.scoring import parse_amount

    if text is None:
        return None
    try:
        return parse_amount(text, "yuan")
    except ValueError:
        raise BadInput(f"--amount: not an amount: {text!r} (e.g. 50000 or 5万)") from None


def record_interaction(e: Env, store: Any, c: Any, when: date, kind: str, summary: str,
                       amount: float | None, next_date: date | None) -> Any:
    """Append an interaction and refresh the customer's aggregates in the same write.

    A contact on or after the scheduled follow-up fulfils it, so the clock restarts.
    """
    from kam.activity import refresh
    from kam.archive import new_interaction

    stamp = e.stamp()
    store.add_interaction(new_interaction(c.code, when, kind, summary, amount, next_date, stamp))
    c = refresh(c, store.interactions(c.code), e.today)
    if next_date is not None:
        c = replace(c, next_follow_up=next_date.isoformat())
    elif c.next_follow_up and c.next_follow_up <= when.isoformat():
        c = replace(c, next_follow_up=None)
    c = replace(c, updated=stamp)
    store.put(c)
    return c

