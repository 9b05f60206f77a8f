"""The customer archive: init, add, edit, lose, find (export), show, rename, merge."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from kam import kept, records
from kam.errors import BadInput
from kam.followup import LOST
from kam.i18n import t
from kam.models import Customer
from kam.ops.context import Context
from kam.records import Filter
from kam.schema import Contact, Rank

if TYPE_CHECKING:
    from kam.store.db import Store


@dataclass
class Changes:
    """What add and edit apply (None and empty: leave as is)."""

    fields: dict[str, str | None] = field(default_factory=dict)
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    contacts: list[Contact] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    next_follow_up: date | None = None
    lost_reason: str | None = None  # with stage lost (已流失)
    force: bool = False  # take dates that look wrong (a next follow-up in the past, ...)


@dataclass
class Saved:
    customer: Customer
    changed: bool = True
    shares_contact: list[tuple[Customer, str]] = field(default_factory=list)
    created_database: bool = False


@dataclass
class InitResult:
    db: str
    config: str
    config_created: bool
    sample: str | None = None  # the example workbook written beside the database


SAMPLE_WORKBOOK = "customers-sample.xlsx"


def init(ctx: Context, sample: bool = False) -> InitResult:
    """Create the database and a kam.yaml beside it, commented in the language of the run
    (kept if it exists). With
    `sample`, the kam.yaml is the example's and the example workbook is written beside
    the database, to try `kam import` on (both ship inside the package)."""
    from importlib.resources import files

    from kam.config import DEFAULT_YAML
    from kam.store.files import atomic_write_bytes
    from kam.yamlnotes import translated

    if ctx.db.exists():
        raise BadInput(t("{db} already exists; kam init does not overwrite it", db=ctx.db))
    examples = files("kam.examples")
    workbook = ctx.db.with_name(SAMPLE_WORKBOOK)
    if sample and workbook.exists():
        raise BadInput(t("{path} already exists; kam init does not overwrite it",
                         path=workbook))
    with ctx.writer(create=True) as store:
        store.commit()
    config = ctx.paths.config
    created = not config.exists()
    if created:
        text = (examples / "kam.yaml").read_text("utf-8") if sample else DEFAULT_YAML
        atomic_write_bytes(config, translated(text, t).encode("utf-8"))
    if sample:
        atomic_write_bytes(workbook, (examples / "customers.xlsx").read_bytes())
    return InitResult(str(ctx.db), str(config), created, str(workbook) if sample else None)


def _apply(ctx: Context, c: Customer, ch: Changes) -> Customer:
    c = records.apply(c, ctx.settings, ch.fields, add_tags=ch.add_tags,
                      remove_tags=ch.remove_tags, extra=ch.extra, dates=ch.dates,
                      unset=ch.unset, contacts=ch.contacts, lost_reason=ch.lost_reason,
                      today=ctx.today.isoformat())
    if ch.next_follow_up is not None:
        c = replace(c, next_follow_up=ch.next_follow_up.isoformat())
    given = {ctx.settings.date_name(k) for k in ch.dates}
    if given:  # dates given now are checked with the ones they must agree with
        given |= {"contract_end", "contract_start", "anniversary"} & (given | set(c.dates))
    records.check_dates(ctx.today, next_date=ch.next_follow_up,
                        dates={k: v for k, v in c.dates.items() if k in given},
                        force=ch.force)
    return c


def add(ctx: Context, name: str, ch: Changes, code: str | None = None) -> Saved:
    """A new customer; its code is assigned (KH<year><n>) when not given."""
    if not name or not name.strip():
        raise BadInput(t("--name is required"))
    with ctx.writer(create=True) as store:
        if code is not None:
            code = records.check_code(code)
            if (other := store.find(code)) is not None:
                raise BadInput(t("code {code} is already used by {name}",
                                 code=code, name=other.name))
        else:
            code = records.new_code(store.codes(), ctx.today.year, erased=store.erased_on)
        stamp = ctx.stamp()
        c = _apply(ctx, Customer(code, name.strip(), created=stamp, updated=stamp), ch)
        shared = records.duplicates(c, store.customers(include_archived=True))
        store.put(c)
        store.commit()
        return Saved(c, True, shared, store.created_now)


@dataclass
class Edited:
    code: str
    name: str
    changes: dict[str, list[Any]]  # field -> [old, new], as the history shows it
    shares_contact: list[tuple[Customer, str]] = field(default_factory=list)


WHERE_KEYS = ("stage", "value_level", "owner", "industry", "tag", "tier")


def edit_many(ctx: Context, targets: list[str], where: dict[str, str], ch: Changes,
              dry_run: bool = False) -> list[Edited]:
    """The same change to one or several customers, named or chosen by --where KEY=VALUE
    (the list filters), in one commit: one backup, one history batch. dry_run: only say."""
    from kam.labels import field_key
    from kam.scoring import ranks
    from kam.store.history import diff

    where = {field_key(k, WHERE_KEYS) or k: v for k, v in where.items()}
    unknown = set(where) - set(WHERE_KEYS)
    if unknown:
        raise BadInput(t("--where {value}: use one of: {value2}",
                         value=sorted(unknown)[0], value2=', '.join(WHERE_KEYS)))
    if not targets and not where:
        raise BadInput(t("name the customers: one or more codes, or --where KEY=VALUE"))
    with ctx.writer() as store:
        codes = list(dict.fromkeys(store.resolve(t) for t in targets))
        if where:
            f = Filter(where.get("stage"), where.get("value_level"),
                       (where["tag"],) if "tag" in where else (), where.get("owner"),
                       where.get("industry"), where.get("tier")).resolved(ctx.settings)
            everyone = store.customers()
            chosen = records.select(everyone, f, ranks(everyone, ctx.settings, ctx.today))
            codes = [c.code for c in chosen if not targets or c.code in codes]
        out = []
        for code in codes:
            before = store.get(code)
            c = _apply(ctx, before, ch)
            if c == before:
                continue
            shared = (records.duplicates(c, store.customers(include_archived=True))
                      if c.contact_info != before.contact_info else [])
            changes = diff(before.to_doc(), c.to_doc())
            for key in set(changes) & {"stage", "value_level"}:  # labels, as tables show them
                changes[key] = [ctx.settings.vocab[key].label(v) if v else v
                                for v in changes[key]]
            out.append(Edited(code, c.name, changes, shared))
            store.put(replace(c, updated=ctx.stamp()))
        if not dry_run and out:
            shown = " ".join(e.code for e in out[:3]) + (" …" if len(out) > 3 else "")
            store.label = f"edit {shown} (×{len(out)})" if len(out) > 1 else f"edit {shown}"
            store.commit()
    return out


def lose(ctx: Context, code: str, reason: str, note: str = "") -> Customer:
    """A customer is lost (已流失), and why: out of due and risk, counted by the review."""
    with ctx.writer() as store:
        c = store.get(code)
        lost = replace(c, stage=LOST, updated=ctx.stamp(),
                       lost=records.lost_info(ctx.settings, reason, ctx.today.isoformat(),
                                              note.strip()))
        store.put(lost)
        store.commit()
    return lost


@dataclass
class Listing:
    """Customers with their ranks, ready for output."""

    customers: list[Customer]
    ranks: dict[str, Rank]
    archive_size: int  # customers looked at (to tell "none match" from "none yet")
    old_codes: frozenset[str] = frozenset()  # codes merged or renamed away (case-folded)

    def records(self, ctx: Context, masked: bool, labels: bool = False) -> list[dict[str, Any]]:
        return [records.record(c, self.ranks[c.code], ctx.settings, masked=masked, labels=labels)
                for c in self.customers]


def load_ranked(ctx: Context, include_archived: bool = False
                ) -> tuple[list[Customer], dict[str, Rank]]:
    """Every customer (archived on request) and code -> Rank. The ranks of this
    generation, day and kam.yaml are kept (store/derived.py): the first command of the
    day scores, the next ones read them."""
    customers, ranks, _ = _loaded(ctx, include_archived)
    return customers, ranks


def _loaded(ctx: Context, include_archived: bool
            ) -> tuple[list[Customer], dict[str, Rank], frozenset[str]]:
    """load_ranked's customers and ranks, and the old codes, from one read."""
    from kam.ops import view

    with ctx.reader() as store:
        everyone = store.customers(include_archived=True)
        source = store.identity
        old_codes = frozenset(store.aliases())
    ranks = view.ranks(ctx, everyone, source)
    customers = everyone if include_archived else [c for c in everyone if not c.archived]
    return customers, ranks, old_codes


def find(ctx: Context, f: Filter, sort: str = "code", include_archived: bool = False
         ) -> Listing:
    """The customers matching the filters, sorted (export)."""
    customers, ranks, old_codes = _loaded(ctx, include_archived)
    chosen = records.select(customers, f.resolved(ctx.settings), ranks)
    return Listing(records.sort_customers(chosen, sort, ranks), ranks, len(customers),
                   old_codes)


def rename(ctx: Context, old: str, new: str) -> Customer:
    """Give a customer another code; the old one stays an alias that lookups and later
    imports resolve. Its log and import batches follow."""
    new = records.check_code(new)
    with ctx.writer() as store:
        c = store.get(old)
        taken = next((k for k in store.codes() if k.casefold() == new.casefold()), None)
        if taken is not None:
            raise BadInput(t("code {new} is already used by {name}",
                             new=new, name=store.get(taken).name))
        _recode(store, c.code, new)
        renamed = replace(c, code=new, updated=ctx.stamp())
        store.remove(c.code)
        store.put(renamed)
        store.annotate(new, f"renamed from {c.code}")
        store.annotate(c.code, f"renamed to {new}")
        store.label = f"rename {c.code} {new}"
        store.commit()
    return renamed


def _recode(store: Store, old: str, new: str) -> None:
    """Move a customer's log, import-batch entries and aliases from one code to another."""
    for i in store.interactions(old):
        store.add_interaction(replace(i, code=new))
    store.recode_batches(old, new)
    store.add_alias(old, new)


@dataclass
class Merged:
    customer: Customer
    other: str
    conflicts: list[tuple[str, Any, Any]]  # field, the kept value, the other value
    follow_ups: int


# Fields merge fills from the other customer when the kept one has none.
_MERGED_FIELDS = ("contact", "title", "contact_info", "industry", "size", "value_level", "need",
                  "stage", "owner", "note", "next_follow_up")


def merge(ctx: Context, keep: str, other: str, prefer: str = "keep", dry_run: bool = False
          ) -> Merged:
    """Two archives of one company become one: both logs, contacts, dates, tags and
    extras. A field both have with different values keeps the preferred one; the other
    value is kept in extra as "HEADER (CODE)". OTHER's code becomes an alias of KEEP."""
    from kam.activity import refresh
    from kam.schema import HEADERS

    if prefer not in ("keep", "other"):
        raise BadInput(t("--prefer: keep or other"))
    with ctx.writer() as store:
        a, b = store.get(keep), store.get(other)
        if a.code == b.code:
            raise BadInput(t("{keep} and {other} are the same customer", keep=keep, other=other))
        won, lost = (a, b) if prefer == "keep" else (b, a)
        changes: dict[str, Any] = {}
        extra = {**b.extra, **a.extra}
        conflicts = []
        for key in _MERGED_FIELDS:
            mine, theirs = getattr(won, key), getattr(lost, key)
            if mine in (None, "") and theirs not in (None, ""):
                changes[key] = theirs
            elif theirs not in (None, "") and theirs != mine:
                conflicts.append((key, getattr(a, key), getattr(b, key)))
                extra[kept.merged(HEADERS.get(key, key), lost.code)] = theirs
                changes[key] = mine
        for key in set(a.extra) & set(b.extra):
            if a.extra[key] != b.extra[key]:
                conflicts.append((key, a.extra[key], b.extra[key]))
                extra[key] = won.extra[key]
                extra[kept.merged(key, lost.code)] = lost.extra[key]
        dates = {**lost.dates, **won.dates}
        for key in set(a.dates) & set(b.dates):
            if a.dates[key] != b.dates[key]:
                conflicts.append((f"date.{key}", a.dates[key], b.dates[key]))
                extra[kept.merged(f"date.{key}", lost.code)] = lost.dates[key]
        people = list(dict.fromkeys((*a.contacts, *b.contacts)))
        merged = replace(a, **changes, extra=extra, dates=dates, contacts=tuple(people),
                         tags=tuple(dict.fromkeys((*a.tags, *b.tags))),
                         created=min(a.created or b.created, b.created or a.created),
                         updated=ctx.stamp())
        moved = len(store.interactions(b.code))
        _recode(store, b.code, a.code)
        merged = refresh(merged, store.interactions(a.code), ctx.today)
        store.remove(b.code)
        store.put(merged)
        store.annotate(a.code, f"merged with {b.code} ({b.name}): {moved} follow-up(s), "
                       f"{len(conflicts)} conflicting value(s) kept")
        store.annotate(b.code, f"merged into {a.code}")
        store.label = f"merge {a.code} {b.code}"
        if not dry_run:
            store.commit()
    return Merged(merged, b.code, conflicts, moved)
