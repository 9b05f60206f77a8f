"""Customers and their contacts as address-book cards (vCard), and cards back as rows
of an import: one card a person, the customer's company as ORG."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kam import kept
from kam.columns import JOIN, ColumnMap, Layout, RowData
from kam.i18n import t
from kam.privacy import contact_tokens, mask, split_contact
from kam.records import CONTACT_SEP, contacts_text, main_contact, same_person
from kam.schema import HEADERS, ROLE_LABELS, Contact, Rank
from kam.vcard import Card

if TYPE_CHECKING:
    from datetime import date

    from kam.models import Customer

# The last line of an exported card's NOTE: kam's figures, left out when read back.
TRAILER = "[kam] "


def cards(customers: list[Customer], ranks: dict[str, Rank],
          nexts: dict[str, date | None], masked: bool) -> list[Card]:
    """A card for each person of each customer (the main contact first), or one for the
    company when it has nobody."""
    out = []
    for c in customers:
        rank, when = ranks.get(c.code), nexts.get(c.code)
        figures = TRAILER + t("tier {tier} · next follow-up {date}", tier=rank.tier if rank
                              else "-", date=when.isoformat() if when else "-")
        main = main_contact(c)
        people = [*([main] if main else []), *c.contacts]
        if not people:
            people = [Contact(c.name, "", "", c.contact_info)]
        for n, p in enumerate(people):
            phones, emails, rest = split_contact(p.contact_info)
            typed = [(x, "cell" if _mobile(x) else "work") for x in phones]
            if masked:
                typed = [(mask(x), kind) for x, kind in typed]
                emails, rest = [mask(x) for x in emails], mask(rest)
            note = "\n".join(x for x in (c.note if n == 0 else "", rest and TRAILER + t(
                "contact: {value}", value=rest), figures) if x)
            company = p.name == c.name and not main
            out.append(Card(  # a person who is the customer (no company) has no ORG
                0, p.name, c.name if company or p.name != c.name else "", p.title,
                ROLE_LABELS.get(p.role, p.role) if p.role not in ("", "other") else "",
                typed, emails, note,
                list(c.tags), c.code, company=company,
                uid=f"{c.code}-{n}@kam", other=rest,
                # kam's 生日 is the main contact's; a person's date does not leave masked
                birthday=c.dates.get("birthday", "") if n == 0 and main and not masked
                else "", others=[] if masked else _card_extras(c, p.name)))
    return out


# An extra an imported card left (ADR (陈丽)): written back on that person's card.
_CARD_EXTRA = re.compile(r"^([A-Z][A-Z0-9-]*) \((.+)\)$")


def _card_extras(c: Customer, person: str) -> list[tuple[str, str]]:
    return [(m[1], str(v)) for k, v in c.extra.items()
            if (m := _CARD_EXTRA.match(k)) and m[2] == person and v not in (None, "")]


def _mobile(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return len(digits) >= 11 and digits[-11] == "1" and digits[-10] in "3456789"


# --- cards in ------------------------------------------------------------------

COLUMNS = {"X-KAM-CODE": "code", "ORG": "name", "FN": "contact", "TITLE": "title",
           "TEL": "contact_info", "EMAIL": "contact_info", "NOTE": "note",
           "CATEGORIES": "tags"}


def layout() -> Layout:
    """What the import report shows as the file's columns."""
    return Layout("vCard", 0, [ColumnMap(i, h, k) for i, (h, k) in enumerate(COLUMNS.items())])


def rows(found: list[Card], existing: dict[str, Customer]
         ) -> tuple[list[RowData], list[dict[str, Any]]]:
    """The cards as import rows, a row a customer, and notes on how each was matched.

    A card with X-KAM-CODE is that customer's. Else its phone numbers and emails find
    the one customer (main contact or another) they belong to; else cards with the same
    ORG are one new customer; else a card is a customer of its own (a person).
    """
    owners: dict[str, set[str]] = {}  # phone or email -> the customers it is found at
    for c in existing.values():
        for info in (c.contact_info, *(p.contact_info for p in c.contacts)):
            for token in contact_tokens(info):
                owners.setdefault(token, set()).add(c.code)
    groups: dict[str, list[Card]] = {}
    notes: list[dict[str, Any]] = []
    matched: set[str] = set()  # the groups found by a phone or email
    for card in found:
        tokens = contact_tokens(JOIN.join([*(n for n, _ in card.phones), *card.emails]))
        codes = set().union(*(owners.get(x, set()) for x in tokens)) if tokens else set()
        if card.code:
            key = "code:" + card.code
        elif len(codes) == 1:
            code = next(iter(codes))
            key = "code:" + code
            matched.add(key)
            for token in tokens:  # the next cards of the file find it by these too
                owners.setdefault(token, set()).add(code)
            notes.append({"row": card.line, "message": t(
                "{name}: the phone number or email of {code} {customer}; added to it",
                name=card.name or card.org, code=code, customer=existing[code].name)})
        else:
            if len(codes) > 1:
                notes.append({"row": card.line, "message": t(
                    "{name}: the phone numbers or emails of several customers ({codes}); "
                    "not added to any", name=card.name or card.org,
                    codes=", ".join(sorted(codes)))})
            key = "org:" + "".join(card.org.split()).casefold() if card.org else \
                f"card:{card.line}"
        groups.setdefault(key, []).append(card)
    return [_row(key, group, existing, key in matched) for key, group in groups.items()], notes


def _row(key: str, group: list[Card], existing: dict[str, Customer], by_contact: bool
         ) -> RowData:
    code = key[5:] if key.startswith("code:") else ""
    current = existing.get(code)
    fields: dict[str, Any] = {"code": code} if code else {}
    extra: dict[str, Any] = {}
    org = next((c.org for c in group if c.org), "")
    if by_contact and current is not None:  # found by a phone: the archive's name stays
        if org and org != current.name:
            extra[kept.raw(HEADERS["name"])] = org
    else:
        fields["name"] = org or group[0].name
    people = [c for c in group if not c.company and c.name and c.name != org]
    company = [c for c in group if c not in people]
    if company and not people:
        fields["contact_info"] = _info(company[0], current.contact_info if current else "")
    main = None
    if current is not None and current.contact:
        main = next((c for c in people if same_person(
            Contact(c.name, contact_info=_info(c, "")), main_contact(current) or Contact(""))
            or c.name == current.contact), None)
    elif people:
        main = people[0]
    if main is not None and main.birthday:
        from kam.vcard import birthday

        if (day := birthday(main.birthday)) is not None:
            fields["dates"] = {"birthday": day}
        else:  # no year (--0229): kept as written
            extra[kept.raw("生日")] = main.birthday
    if main is not None:
        fields["contact"] = main.name
        if main.title:
            fields["title"] = main.title
        fields["contact_info"] = _info(main, current.contact_info
                                       if current and current.contact == main.name else "")
    others = [Contact(c.name, c.role or ("" if c is main else "other"), c.title, _info(c, ""))
              for c in people if c is not main or c.role]
    if others:
        fields["contacts"] = contacts_text(others)
    for c in group:  # what else the cards hold, under whose card it was
        for prop, text in c.others:
            extra[f"{prop} ({c.name or c.org})"] = text
    note = next((n for c in group if (n := _note(c.note))), "")
    if note:
        fields["note"] = note
    tags = [x for c in group for x in c.categories]
    if tags:
        fields["tags"] = tuple(dict.fromkeys(tags))
    return RowData(group[0].line, fields, extra, headers={
        "name": "ORG", "contact": "FN", "title": "TITLE", "contact_info": "TEL/EMAIL",
        "note": "NOTE", "tags": "CATEGORIES", "code": "X-KAM-CODE", "contacts": "FN"})


def _info(card: Card, have: str) -> str:
    """A card's phones and emails as one contact field, after what the archive has
    (nothing it had is dropped; one written differently is not repeated)."""
    known = contact_tokens(have)
    new = [x for x in (*(n for n, _ in card.phones), *card.emails)
           if not contact_tokens(x) or not contact_tokens(x) <= known]
    new = list(dict.fromkeys(new))
    other = card.other if card.other and card.other not in have else ""
    return JOIN.join(x for x in (have, *new, other) if x).replace(CONTACT_SEP, " ")


def _note(text: str) -> str:
    """A card's note without the lines kam wrote into it."""
    return "\n".join(line for line in text.splitlines() if not line.startswith(TRAILER)).strip()
