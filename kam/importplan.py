"""Planning an import: which customers a sheet creates or updates, which follow-ups
it brings. Pure functions; kam/ops/importing.py applies the plan to the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from kam.columns import RowData
from kam.models import Customer
from kam.privacy import contact_tokens


@dataclass
class Plan:
    customers: dict[str, Customer]  # code -> new state (created or changed)
    before: dict[str, Customer | None]  # code -> state before (None: created)
    follow_ups: list[tuple[str, date, str, int]]  # (code, date, summary, row)
    errors: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # row, message (not errors)


def _merge(c: Customer, r: RowData, stamp: str) -> Customer:
    """Non-empty values of the row win; nothing the sheet leaves empty is erased."""
    changes = {k: v for k, v in r.fields.items() if k not in ("code", "last_contact",
                                                             "last_summary", "dates")}
    out = replace(c, **changes, extra={**c.extra, **r.extra},
                  dates={**c.dates, **r.fields.get("dates", {})})
    # A dated follow-up becomes an interaction and the log sets last contact;
    # a summary without a date is still what the sheet says of it.
    if "last_summary" in r.fields and r.contact_date is None:
        out = replace(out, last_summary=r.fields["last_summary"])
    return out


def plan(rows: list[RowData], existing: dict[str, Customer], new_code: Callable[[set[str]], str],
         stamp: str, errors: list[dict[str, Any]] | None = None) -> Plan:
    """Decide what an import does. new_code(taken) gives a fresh code.

    Rows with the same code are one customer (later values win); a row without a
    code joins the customer with the same name, else gets a new code.
    """
    p = Plan({}, {}, [], errors=list(errors or []))
    first_row: dict[str, int] = {}
    by_name: dict[str, list[str]] = {}
    for code, c in existing.items():
        by_name.setdefault(c.name.strip(), []).append(code)
    taken = set(existing)
    for r in rows:
        code = r.fields.get("code") or ""
        name = (r.fields.get("name") or "").strip()
        if not code:
            same = by_name.get(name, []) if name else []
            if len(same) == 1:
                code = same[0]
            elif len(same) > 1:
                p.errors.append({"row": r.row, "message": f"no 客户编号 and {len(same)} "
                                 f"customers are named {name!r} ({', '.join(same)}): add the code"})
                continue
            elif not name:
                p.errors.append({"row": r.row, "message": "no 客户编号 and no 客户名称"})
                continue
            else:
                code = new_code(taken)
                p.notes.append({"row": r.row, "message": f"no 客户编号; assigned {code}"})
        current = p.customers.get(code) or existing.get(code)
        if current is None:
            if not name:
                p.errors.append({"row": r.row, "message": f"new customer {code} has no 客户名称"})
                continue
            current = Customer(code, name, created=stamp, updated=stamp)
            p.before.setdefault(code, None)
        else:
            p.before.setdefault(code, existing.get(code))
        taken.add(code)
        first_row.setdefault(code, r.row)
        by_name.setdefault(name or current.name, [])
        if code not in by_name[name or current.name]:
            by_name[name or current.name].append(code)
        p.customers[code] = _merge(current, r, stamp)
        if r.contact_date is not None:
            p.follow_ups.append((code, r.contact_date, r.fields.get("last_summary", ""), r.row))
        for w in r.warnings:
            p.notes.append({"row": r.row, "message": w})
    _note_shared_contacts(p, existing, first_row)
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
                p.notes.append({"row": first_row[code], "message":
                                f"{code} shares contact {token} with {other} {name}"})
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
