"""The daily view: what `due`, `risk`, `list` and the digest show of every customer
as of today (rank, next follow-up, date reminders, health), worked out once for a
state of kam.json, a day, a kam.yaml and a language, and kept (store/derived.py).

The daily commands read the view without parsing kam.json; the first command after
a change of day or settings works it out again, and a write patches the rows of
the customers it changed. `kam due` and `kam risk` without a filter, and the
digest, read their answer from the view's indexes (entries), kept in its order. Its
rows and entries come from the same core functions as the from-scratch path
(followup.due_items and health, scoring.Scorer.rank), and tests compare the two on
random archives, after random writes too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, overload

from kam import i18n
from kam.formats import Encoded
from kam.schema import Rank

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

    from kam.models import Customer
    from kam.settings import Settings
    from kam.store.db import Store


class Context(Protocol):
    """What the view needs of ops.context.Context (which imports this module: a write
    patches the view)."""

    view: Any

    @property
    def db(self) -> Path: ...
    @property
    def today(self) -> date: ...
    @property
    def settings(self) -> Settings: ...
    def reader(self) -> AbstractContextManager[Store]: ...

# A row is kept as PARTS lists (store/derived.py), each command reading the customer's
# and its own: the customer [code, name, owner, stage, value level, industry, tags,
# archived, tier, score, last contact, scheduled follow-up, updated, created], then
# [follow, dates] (due), [health] (risk), [points, missing] (score), [record] (list), [item]
# (the customer's item of `kam score -f json`).
DUE, RISK, SCORE_PARTS, LIST, ITEM = 1, 2, 3, 4, 5
ALL = (DUE, RISK, SCORE_PARTS, LIST, ITEM)
# LIST and ITEM with the record or item as the JSON text kept (formats.Encoded), not parsed
LIST_TEXT, ITEM_TEXT = 6, 7
_TEXT = {LIST_TEXT: LIST, ITEM_TEXT: ITEM}
CODE, TIER, SCORE = 0, 8, 9


class Follow(NamedTuple):
    """A customer's next follow-up in the view (kept as a list of these fields); the
    contact fields only when it is due (the digest's contact lines)."""

    days_late: int
    why: str
    urgency: float
    due: str
    contact: str = ""
    contact_info: str = ""
    last_contact: str = ""
    last_summary: str = ""


class Health(NamedTuple):
    """A customer's health in the view (kept as a list of these fields); was_at_risk,
    for a customer on today's watch list: whether it was on the list of the working
    day before (the digest's new risks), else None."""

    value: float
    reasons: list[str]
    days_since_contact: int | None
    dormant: bool
    signals: list[str]
    was_at_risk: bool | None


class Row(NamedTuple):
    """One customer in the view. follow: Follow or None; dates: [[name, days late,
    urgency, lead, date]]; health: Health or None (lost); points: each indicator's
    points (settings order); missing: the places of the indicators without a value
    (kam score); item: the customer's item of `kam score -f json`, or its JSON text
    (ITEM_TEXT); record: records.plain_record (kam list), or its JSON text (LIST_TEXT).
    last_contact, next_follow_up (the scheduled date), updated and created are the
    customer's own, for sorting."""

    code: str
    name: str
    owner: str
    stage: str | None
    value_level: str | None
    industry: str
    tags: list[str]
    archived: bool
    tier: str
    score: float
    last_contact: str | None
    next_follow_up: str | None
    updated: str | None
    created: str | None
    follow: Follow | None
    dates: list[list[Any]]
    health: Health | None
    points: list[float]
    missing: list[int]
    item: dict[str, Any] | Encoded | None
    record: dict[str, Any] | Encoded | None


DUE_INDEX, RISK_INDEX, CONTACT_INDEX = 0, 1, 2  # the view's indexes (store/derived.py)


def due_item(code: str, name: str, tier: str, owner: str, kind: str, late: int,
             urgency: float, when: str) -> dict[str, Any]:
    """An item of `kam due` as its JSON has it."""
    from kam.followup import section

    return {"code": code, "name": name, "kind": kind, "due": when, "days_overdue": late,
            "section": section(late), "tier": tier, "owner": owner, "urgency": urgency}


def risk_item(code: str, name: str, tier: str, owner: str, health: Sequence[Any]
              ) -> dict[str, Any]:
    """A customer of `kam risk` as its JSON has it (health: Health's fields)."""
    value, reasons, days_since, dormant, signals, _was = health
    return {"code": code, "name": name, "health": value, "reasons": reasons,
            "days_since_contact": days_since, "dormant": dormant, "tier": tier,
            "owner": owner, "signals": signals}


def _due_order(key: list[Any]) -> tuple[Any, ...]:
    from kam.followup import due_order

    return due_order(key[0], key[2], key[3])


def _risk_order(key: list[Any]) -> tuple[Any, ...]:
    from kam.followup import risk_order

    return risk_order(key[0], key[3])


def _code_order(key: list[Any]) -> tuple[Any, ...]:
    return (key[0],)


ORDERS = (_due_order, _risk_order, _code_order)


def _entries(row: list[Any]) -> tuple[list[tuple[list[Any], Any]], ...]:
    """A row's entries in the indexes: its due items, keyed [days late, lead (None for
    the follow-up), urgency, code]; its health, keyed [health, signals, on the watch
    list the working day before, code]; for a follow-up due (the digest's contact
    lines), [contact, contact info, last contact, last summary] keyed [code]. An
    archived customer has none, as due, risk and the digest leave it out."""
    base, (follow, dates), (health,) = row[0], row[1], row[2]
    code, name, owner, archived, tier = base[0], base[1], base[2], base[7], base[8]
    if archived:
        return [], [], []
    found = [("follow_up", follow[0], follow[2], None, follow[3])] if follow else []
    found += [tuple(d) for d in dates]
    due = [([late, lead, urgency, code], due_item(code, name, tier, owner, kind, late,
                                                  urgency, when))
           for kind, late, urgency, lead, when in found]
    risk = [] if health is None else [([health[0], health[4], health[5], code],
                                       risk_item(code, name, tier, owner, health))]
    contact = [([code], follow[4:])] if follow and follow[0] >= 0 else []
    return due, risk, contact


def _encoded(row: list[Any], line: Any) -> list[list[tuple[list[Any], bytes]]]:
    """_entries of a row, each item as its JSON text (line: formats.encoder())."""
    return [[(key, line(item).encode("utf-8")) for key, item in part]
            for part in _entries(row)]


def _entries_of(lines: list[bytes]) -> list[list[tuple[list[Any], bytes]]]:
    """_encoded of a row kept as its lines."""
    import json

    from kam.formats import encoder

    return _encoded([json.loads(x) for x in lines[:3]], encoder())


Chosen = list[tuple[list[Any], bytes]]  # an index's entries (key, item as its JSON text)


def indexed(ctx: Context, wanted: dict[int, Any]) -> dict[int, Chosen] | None:
    """For each index wanted (which -> keep), its entries whose key keep(key) keeps, in
    its order; None when the kept view has no such indexes for the kam.json on disk
    (the caller works the rows out)."""
    from kam.store import derived

    found = derived.load_indexes(ctx.db, fingerprint(ctx), derived.identity_of(ctx.db),
                                 list(wanted))
    if found is None:
        return None
    indexes, changes = found
    try:
        out = {}
        for which, keep in wanted.items():
            keys, items = changes.index(indexes[which], which, _entries_of, ORDERS[which])
            out[which] = [(key, items[at]) for at, key in enumerate(keys) if keep(key)]
        return out
    except (ValueError, TypeError, IndexError, KeyError):
        return None  # a file changed by hand: the rows are worked out again


def decoded(items: list[bytes], encoded: bool = False) -> list[Any] | None:
    """Items of an index as values, or as their JSON text (formats.Encoded) with
    encoded=True; None if one is not JSON (a file changed by hand)."""
    import json

    if encoded:
        return [Encoded(x.decode("utf-8")) for x in items]
    try:
        return json.loads(b"[" + b",".join(items) + b"]")  # type: ignore[no-any-return]
    except ValueError:
        return None


def fingerprint(ctx: Context) -> str:
    from kam import __version__
    from kam.store import derived

    return derived.key(__version__, ctx.settings, ctx.today.isoformat(), i18n.language())


class Builder:
    """Works out rows for one day and one kam.yaml."""

    def __init__(self, settings: Settings, today: date):
        from kam.activity import Windows
        from kam.dates import previous_working_day
        from kam.scoring import Scorer

        self.settings, self.today = settings, today
        self.scorer = Scorer(settings, today)
        self.windows = Windows(today)
        self.before = previous_working_day(today)
        self.windows_before = Windows(self.before)

    def row(self, c: Customer) -> list[Any]:
        from kam.followup import LOST, date_occurrences, health, next_contact, urgency
        from kam.records import plain_record

        s, today = self.settings, self.today
        (tier, score), points, missing = self.scorer.scored(c)
        follow: list[Any] | None = None
        dates: list[list[Any]] = []
        well: list[Any] | None = None
        if c.stage != LOST:
            when, why = next_contact(c, tier, s)
            if when is not None:
                late = (today - when).days
                follow = [late, why, urgency(late, tier, score, c.stage, "follow_up", s),
                          when.isoformat()]
                if late >= 0:  # the digest's contact lines
                    follow += [c.contact or "", c.contact_info or "", c.last_contact or "",
                               c.last_summary or ""]
            for name, when, lead in date_occurrences(c, today, s):
                late = (today - when).days
                dates.append([name, late, urgency(late, tier, score, c.stage, name, s), lead,
                              when.isoformat()])
            h = health(c, tier, s, today, self.windows)
            was = (health(c, tier, s, self.before, self.windows_before).at_risk if h.at_risk
                   else None)
            well = [h.health, list(h.reasons), h.days_since_contact, h.dormant, list(h.signals),
                    was]
        return [[c.code, c.name, c.owner, c.stage, c.value_level, c.industry, list(c.tags),
                 c.archived, tier, score, c.last_contact, c.next_follow_up, c.updated,
                 c.created], [follow, dates], [well],
                [list(points.values()), missing],
                [plain_record(c, Rank(tier, score), s)],
                [{"code": c.code, "name": c.name, "score": score, "tier": tier,
                  "breakdown": points}]]


@overload
def rows(ctx: Context, parts: tuple[int, ...]) -> list[Row]: ...
@overload
def rows(ctx: Context, parts: tuple[int, ...], build: bool) -> list[Row] | None: ...


def rows(ctx: Context, parts: tuple[int, ...], build: bool = True) -> list[Row] | None:
    """Every customer's row (archived too) with these parts (DUE, RISK, SCORE_PARTS,
    LIST, ITEM, LIST_TEXT or ITEM_TEXT; the others empty), from the kept view when it is
    for the kam.json on disk, else worked out and kept (then with every part, records
    and items parsed); with build=False, None instead of working it out."""
    from kam.store import derived
    from kam.store.layout import require_database

    if ctx.view is not None and set(parts) <= ctx.view[0]:  # the digest asks twice
        return ctx.view[1]  # type: ignore[no-any-return]
    require_database(ctx.db)
    key = fingerprint(ctx)
    read = tuple(_TEXT.get(p, p) for p in parts)  # the blocks
    kept = derived.load(ctx.db, key, derived.identity_of(ctx.db), read,
                        raw=tuple(_TEXT[p] for p in parts if p in _TEXT))
    made = _made(kept, read) if kept is not None else None
    if made is None:
        if not build:
            return None
        with ctx.reader() as store:
            everyone = store.customers(include_archived=True)
            source = store.identity
        made, parts = _made(_keep(ctx, key, source, everyone)), ALL
        assert made is not None
    ctx.view = (set(parts), made)
    return made


SHAPE = (14, 2, 1, 2, 1, 1)  # the length of each part of a row, as Builder.row makes it


def _made(kept: list[list[Any]], parts: tuple[int, ...] = ALL) -> list[Row] | None:
    """Rows of the kept lists with these parts read (the others None; the record and
    the item read as text: one line of `[{...}]`); None if any is not of the shape
    Builder.row makes (a file changed by hand)."""
    columns = list(zip(*kept, strict=True))  # none for an empty archive: nothing to check
    if columns and not all(_shaped(columns[at], SHAPE[at]) for at in (0, *parts)):
        return None
    try:  # the kept lists named (a list of another length: a file changed by hand)
        return [Row._make([*base, *((None if due[0] is None else Follow(*due[0]), due[1])
                                    if due else (None, [])),
                           None if not risk or risk[0] is None else Health(*risk[0]),
                           *(scores or ([], [])), _one(item), _one(listed)])
                for base, due, risk, scores, listed, item in kept]
    except TypeError:
        return None


def _shaped(column: tuple[Any, ...], n: int) -> bool:
    """Whether each value of a part is a list of n values, or each its text `[{...}]`
    (the loops over 10,000 rows in C: map, set)."""
    kinds = set(map(type, column))
    if kinds == {list}:
        return set(map(len, column)) == {n}
    return kinds == {bytes} and all(p[:2] == b"[{" and p[-2:] == b"}]" for p in column)


def _one(part: list[Any] | bytes | None) -> Any:
    """The value of a part of one value, or its JSON text as kept (a raw line `[...]`)."""
    if type(part) is bytes:
        return Encoded(part[1:-1].decode("utf-8"))
    return part[0] if part else None


def ranks(ctx: Context, everyone: list[Customer], source: list[int] | None
          ) -> dict[str, Rank]:
    """code -> Rank of customers just read from the kam.json of identity source: from
    the kept view, else worked out (and the view kept)."""
    from kam.store import derived

    key = fingerprint(ctx)
    kept = derived.load(ctx.db, key, source)
    if kept is None or len(kept) != len(everyone):
        kept = _keep(ctx, key, source, everyone)
    return {r[0][CODE]: Rank(r[0][TIER], r[0][SCORE]) for r in kept}


def _keep(ctx: Context, key: str, source: list[int] | None, everyone: list[Customer]
          ) -> list[list[Any]]:
    from kam.store import derived

    build = Builder(ctx.settings, ctx.today)
    made = [build.row(c) for c in everyone]
    from kam.formats import encoder

    line = encoder()
    found = [_encoded(row, line) for row in made]  # the items as text at once: less memory
    derived.save(ctx.db, key, source, made,
                 [derived.ordered_index([e for part in found for e in part[which]], order)
                  for which, order in enumerate(ORDERS)])
    return made


def patch(ctx: Context, store: Store, before: list[int] | None, changed: set[str]) -> None:
    """After a change: the view of the state before it (identity before), with the rows
    of the customers it changed worked out again, becomes the view of the kam.json it
    wrote. A change to a quarter of the customers or more, or no view of the state
    before: nothing is kept, the next reader works it out. The view is only derived
    data: should working it out fail, it is deleted and the change stands."""
    from kam.store import derived

    try:
        _patch(ctx, store, before, changed)
    except Exception:  # noqa: BLE001 - the change is saved; the next reader rebuilds
        derived.drop(ctx.db)


def _patch(ctx: Context, store: Store, before: list[int] | None, changed: set[str]) -> None:
    from kam.store import derived

    if len(changed) * 4 >= max(len(store.codes()), 4):
        return  # the next reader works it all out, as fast as patching so many
    build = Builder(ctx.settings, ctx.today)
    changes = {code: (build.row(c) if (c := store.find(code)) is not None else None)
               for code in changed}
    derived.patch(ctx.db, fingerprint(ctx), before, store.identity, changes, _entries_of,
                  ORDERS)
