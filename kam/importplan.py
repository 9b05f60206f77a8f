"""Planning an import: which customers a sheet creates or updates, which follow-ups
it brings. Pure functions; kam/ops/importing.py applies the plan to the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from kam import kept, labels
from kam.columns import RowData
from kam.followup import LOST
from kam.formats import cell_text
from kam.i18n import N_, t
from kam.models import Customer
from kam.privacy import contact_tokens
from kam.records import contacts_of, main_contact, same_person
from kam.schema import HEADERS


@dataclass
class Plan:
    customers: dict[str, Customer]  # code -> new state (created or changed)
    before: dict[str, Customer | None]  # code -> state before (None: created)
    follow_ups: list[tuple[str, date, str, int]]  # (code, date, summary, row)
    errors: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # row, message (not errors)
    # code -> {"rows": [...], "code": code, "by": "code" | "name+contact" | "name"}
    merged: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    # vocabulary values read by an alias: (field, column, value, key) -> rows
    mapped: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)
    # the sheet said otherwise than the archive and the archive's value was kept (or not)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # e.g. erased customers


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# Fields a sheet's row sets directly; the rest follow the log or are merged otherwise.
_DIRECT = ("contact", "title", "contact_info", "industry", "size", "value_level", "need",
           "stage", "owner", "note", "next_follow_up")


def _merge(c: Customer, r: RowData, origin: dict[str, int] | None) -> Customer:
    """Non-empty values of the row win; nothing the sheet leaves empty is erased.

    origin (field -> row) is given when c already holds rows of this same file: a value
    the row replaces is kept in extra as "HEADER (row N)", never dropped.
    """
    changes: dict[str, Any] = {k: v for k, v in r.fields.items()
                               if k in _DIRECT or k in ("name", "tags")}
    extra = dict(c.extra)
    if origin is not None:
        for key, new in [*changes.items(), *r.extra.items()]:
            old = getattr(c, key, None) if key in changes else c.extra.get(key)
            if old in (None, "", ()) or old == new or key == "tags" or (
                    key == "contact_info" and (had := contact_tokens(old))
                    and had <= contact_tokens(new)):
                continue  # nothing lost (another spelling of the same phone is no conflict)
            header = HEADERS.get(key) or r.headers.get(key) or key
            extra[kept.replaced(header, origin.get(key, "?"))] = old
    if "tags" in changes:  # tags add up
        changes["tags"] = tuple(dict.fromkeys((*c.tags, *changes["tags"])))
    extra.update(r.extra)
    if "contacts" in r.fields:  # the sheet's other contacts join those known
        have = list(c.contacts)
        main = main_contact(replace(c, **{k: changes[k] for k in ("contact", "contact_info")
                                          if k in changes}))
        for p in contacts_of(r.fields["contacts"]):
            if main is not None and same_person(p, main):  # the main contact's line: its role
                if p.role != "other" and not (c.contact_role and c.contact_role != p.role):
                    changes["contact_role"] = p.role
            elif not any(same_person(p, q) for q in have):
                have.append(p)
        changes["contacts"] = tuple(have)
    if "lost_reason" in r.fields:
        changes["lost"] = {**c.lost, "reason": r.fields["lost_reason"]}
    out = replace(c, **changes, extra=extra, dates={**c.dates, **r.fields.get("dates", {})})
    # A dated follow-up becomes an interaction and the log sets last contact;
    # a summary without a date is still what the sheet says of it.
    if "last_summary" in r.fields and r.contact_date is None:
        out = replace(out, last_summary=r.fields["last_summary"])
    return out


def _disagreements(c: Customer, r: RowData, dates: bool = True
                   ) -> Iterator[tuple[str, Any, Any]]:
    """(field, the customer's value, the row's) wherever both have one and they differ:
    fields, extras and (unless dates=False) named dates as date.NAME."""
    found = [(k, getattr(c, k), v) for k, v in r.fields.items() if k in _DIRECT]
    found += [(k, c.extra.get(k), v) for k, v in r.extra.items()]
    if dates:
        found += [(f"date.{k}", c.dates.get(k), v)
                  for k, v in r.fields.get("dates", {}).items()]
    return ((k, mine, theirs) for k, mine, theirs in found
            if mine not in (None, "") and mine != theirs)


def _conflicts(c: Customer, r: RowData) -> bool:
    """Whether the row says something else than the customer about the same field."""
    return any(_disagreements(c, r, dates=False))


def _same_customer(r: RowData, candidates: list[Customer]) -> tuple[str, str] | None:
    """Which candidate (all of the row's name) a code-less row is: the one sharing a phone
    or email; or, when neither has any contact detail, one it does not contradict."""
    tokens = contact_tokens(r.fields.get("contact_info", ""))
    for c in candidates:
        theirs = contact_tokens(c.contact_info)
        if tokens and tokens & theirs:
            return c.code, "name+contact"
    if tokens:
        return None
    for c in candidates:
        if not contact_tokens(c.contact_info) and not _conflicts(c, r):
            return c.code, "name"
    return None


# The commands whose history entries are not the user's own changes: an import (the
# sheet's), an undo or a restore (putting an earlier state back).
_NOT_EDITS = frozenset({"import", "undo", "restore"})


def kam_changes(entries: list[dict[str, Any]]) -> dict[str, set[str]]:
    """code -> what was changed in kam (kam edit, lost, log --next, merge, ...) since the
    customer was last imported or created, from the history (oldest first), as the keys
    an import compares: a field, an extra column's name, or date.NAME."""
    out: dict[str, set[str]] = {}
    for e in entries:
        code, changes = e.get("code"), e.get("changes") or {}
        if not isinstance(code, str) or not isinstance(changes, dict):
            continue
        if e.get("action") == "created" or e.get("command") == "import":
            out[code] = set()
            continue
        if e.get("command") in _NOT_EDITS:
            continue
        mine = out.setdefault(code, set())
        for key, pair in changes.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, None)
            if key in ("extra", "dates") and isinstance(old or {}, dict) and \
                    isinstance(new or {}, dict):
                old, new = old or {}, new or {}
                mine |= {(f"date.{k}" if key == "dates" else k) for k in set(old) | set(new)
                         if old.get(k) != new.get(k)}
            else:
                mine.add(key)
    return out


_WHY = {"kam": N_("changed in kam since the last import"), "older": N_("the row is older"),
        "archive": N_("--prefer archive"), "lost": N_("a lost or archived customer stays so")}


def conflict_note(c: dict[str, Any]) -> str:
    """A value of the sheet an import did not take, and why, for the history."""
    archive, sheet = c.get("shown") or (c["archive"], c["sheet"])  # labels, where known
    return t("row {row}: the sheet's {field} {sheet} not taken, {archive} kept ({why})",
             row=c["row"], field=labels.field(c["field"]), sheet=repr(cell_text(sheet)),
             archive=repr(cell_text(archive)), why=t(_WHY.get(c["why"], c["why"])))


def _protected(c: Customer, r: RowData, prefer: str, p: Plan, mine: set[str]) -> RowData:
    """The row without the values that would undo work done in kam or roll newer archive
    data back.

    prefer "newer": a value changed in kam since the customer was last imported or
    created (mine: kam_changes) stays, and so does everything when the row's 最近跟进时间
    is older than the customer's last contact; "archive": the archive always wins;
    "sheet": the sheet does, except that a lost or archived customer is never revived
    (its stage stays). Every value the sheet and the archive disagree on is listed with
    what was kept and why; the sheet's value stays in the report and the history.
    """
    older = bool(r.contact_date and c.last_contact and r.contact_date.isoformat() < c.last_contact)
    fields, extra, dates = dict(r.fields), dict(r.extra), dict(r.fields.get("dates", {}))
    for key, mine_value, theirs in _disagreements(c, r):
        why = ("lost" if key == "stage" and (c.stage == LOST or c.archived) else
               "archive" if prefer == "archive" else "sheet" if prefer == "sheet" else
               "kam" if key in mine else "older" if older else "sheet")
        keep = why != "sheet"
        p.conflicts.append({"code": c.code, "row": r.row, "field": key, "archive": mine_value,
                            "sheet": theirs, "kept": "archive" if keep else "sheet",
                            "why": why})
        if keep:
            if key.startswith("date."):
                dates.pop(key[5:])
            elif key in fields:
                fields.pop(key)
            else:
                extra.pop(key)
    if dates != r.fields.get("dates", {}):
        fields["dates"] = dates
    return replace(r, fields=fields, extra=extra)


def plan(rows: list[RowData], existing: dict[str, Customer], new_code: Callable[[set[str]], str],
         stamp: str, errors: list[dict[str, Any]] | None = None, merge: bool = True,
         prefer: str = "newer", erased: Callable[[str], str | None] | None = None,
         erased_person: Callable[[str, str], str | None] | None = None,
         changed_in_kam: dict[str, set[str]] | None = None) -> Plan:
    """Decide what an import does. new_code(taken) gives a fresh code.

    Rows with the same code are one customer (later values win, replaced ones kept as
    "HEADER (row N)"). A row without a code is a customer already met (in the archive or
    the file) only when the name and a phone or email agree, or when neither has any
    contact detail and nothing contradicts; else it is a new customer. With merge=False
    every row is a customer of its own. Every merge is listed in plan.merged.
    """
    p = Plan({}, {}, [], errors=list(errors or []))
    by_name: dict[str, list[str]] = {}
    for code, c in existing.items():
        by_name.setdefault(_name_key(c.name), []).append(code)
    taken = set(existing)
    origins: dict[str, dict[str, int]] = {}  # code -> field -> row, for rows of this file
    rows_of: dict[str, list[int]] = {}  # code -> its rows in this file
    for r in rows:
        for field_, column, value in r.unknown:
            p.unknown.setdefault((field_, column, value), []).append(r.row)
        for m in r.mapped:
            p.mapped.setdefault(m, []).append(r.row)
        code = r.fields.get("code") or ""
        name = (r.fields.get("name") or "").strip()
        by = "code"
        if code and not merge and code in origins:
            fresh = new_code(taken)
            p.notes.append({"row": r.row, "message": t(
                "code {code} again; --no-merge: imported as {new}", code=code, new=fresh)})
            code, by = fresh, ""
        if not code:
            if not name:
                p.errors.append({"row": r.row, "message": t("no code and no name")})
                continue
            state = [p.customers.get(k) or existing[k] for k in by_name.get(_name_key(name), [])]
            found = _same_customer(r, state) if merge else None
            if found is not None:
                code, by = found
            else:
                code, by = new_code(taken), ""
                p.notes.append({"row": r.row, "message": t("no code; assigned {code}",
                                                           code=code)})
        if by == "code" and code not in existing and code not in rows_of and \
                erased is not None and (when := erased(code)):
            p.skipped.append({"row": r.row, "reason": "erased", "text": t(
                "{code} was erased on {date}; skipped (use --allow-erased to bring it back)",
                code=code, date=when)})
            continue
        if code not in existing and code not in rows_of and erased_person is not None and (
                when := erased_person(name, r.fields.get("contact_info") or "")):
            p.skipped.append({"row": r.row, "reason": "erased", "text": t(
                "the same name and phone or email as a customer erased on {date}; skipped (use "
                "--allow-erased to bring them back)", date=when)})
            continue
        current = p.customers.get(code) or existing.get(code)
        if current is not None and code in existing and code not in rows_of:
            r = _protected(current, r, prefer, p, (changed_in_kam or {}).get(code, set()))
        if current is None:
            if not name:
                p.errors.append({"row": r.row, "message": t("new customer {code} has no name",
                                                            code=code)})
                continue
            current = Customer(code, name, created=stamp, updated=stamp)
            p.before.setdefault(code, None)
        else:
            p.before.setdefault(code, existing.get(code))
        if code in rows_of or (by in ("name", "name+contact") and code in existing):
            p.merged.setdefault(code, {"rows": [], "code": code, "by": by})
            p.merged[code]["rows"] = [*rows_of.get(code, []), r.row]
        taken.add(code)
        names = by_name.setdefault(_name_key(name or current.name), [])
        if code not in names:
            names.append(code)
        p.customers[code] = _merge(current, r, origins.setdefault(code, {})
                                   if code in rows_of else None)
        origins.setdefault(code, {}).update(dict.fromkeys([*r.fields, *r.extra], r.row))
        rows_of.setdefault(code, []).append(r.row)
        if r.contact_date is not None:
            p.follow_ups.append((code, r.contact_date, r.fields.get("last_summary", ""), r.row))
        for w in r.warnings:
            p.notes.append({"row": r.row, "message": w})
    _note_shared_contacts(p, existing, {code: rows[0] for code, rows in rows_of.items()})
    return p


def _note_shared_contacts(p: Plan, existing: dict[str, Customer], first_row: dict[str, int]
                          ) -> None:
    """A new customer with the phone or email of another is likely a duplicate: say so."""
    new = {code: contact_tokens(c.contact_info) for code, c in p.customers.items()
           if p.before.get(code) is None and c.contact_info}
    if not any(new.values()):
        return
    owners: dict[str, str] = {}
    for code, c in existing.items():
        for token in contact_tokens(c.contact_info):
            owners.setdefault(token, code)
    for code, tokens in new.items():
        for token in sorted(tokens):
            other = owners.setdefault(token, code)
            if other != code:
                name = (existing.get(other) or p.customers[other]).name
                p.notes.append({"row": first_row[code], "message": t(
                    "{code} shares contact {value} with {other} {name}", code=code, value=token,
                    other=other, name=name)})
                break


def tally(after: dict[str, Customer], before: dict[str, Customer | None]) -> dict[str, int]:
    """How many customers an import created, updated and left unchanged."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for code, c in after.items():
        b = before.get(code)
        if b is None:
            counts["created"] += 1
        elif replace(c, updated=b.updated) == b:
            counts["unchanged"] += 1
        else:
            counts["updated"] += 1
    return counts
