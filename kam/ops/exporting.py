"""Spreadsheets out: the template layout as xlsx, csv or json."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kam.errors import BadInput
from kam.i18n import t
from kam.models import Customer
from kam.ops.context import Context
from kam.ops.customers import find
from kam.records import Filter, main_contact
from kam.schema import Contact, Rank

KINDS = ("xlsx", "csv", "json", "vcf", "ics")


@dataclass
class Exported:
    count: int
    masked: bool
    text: str | None = None  # the document itself, when it goes to stdout
    warnings: list[str] = field(default_factory=list)


def export(ctx: Context, target: Path | None, kind: str | None = None,
           f: Filter | None = None, include_archived: bool = False,
           masked: bool | None = None, all_columns: bool = False) -> Exported:
    """Write the template layout (16 columns, kam's score and tier, then the other
    columns) to target, or return it as text when target is None (csv and json only).
    The columns where kam keeps values it did not take (kam/kept.py) are left out of a
    sheet unless all_columns; JSON always has every extra."""
    from kam.store.files import NotRegular

    try:
        return _export(ctx, target, kind, f, include_archived, masked, all_columns)
    except NotRegular:  # a device, a pipe or a folder: an export replaces files only
        raise BadInput(t("{target} is not a regular file; export to a file, or to - for "
                         "stdout (csv, json, vcf, ics)", target=target)) from None
    except OSError as e:  # a full or read-only disk, a path that cannot be written
        raise BadInput(t("{target}: cannot write ({strerror}); nothing was exported",
                         target=target, strerror=e.strerror)) from None


def _export(ctx: Context, target: Path | None, kind: str | None, f: Filter | None,
            include_archived: bool, masked: bool | None, all_columns: bool) -> Exported:
    kind = (kind or (target.suffix.lower().lstrip(".") if target else "csv")).lower()
    if kind not in KINDS:
        raise BadInput(t("--format: use xlsx, csv, json, vcf or ics, not {kind!r}", kind=kind))
    if target is None and kind == "xlsx":
        raise BadInput(t("xlsx cannot go to stdout; give a file name"))
    if target is not None and not target.parent.exists():
        raise BadInput(t("{parent}: no such directory", parent=target.parent))
    mask = ctx.settings.mask_by_default if masked is None else masked
    listing = find(ctx, f or Filter(), "code", include_archived)
    warnings: list[str] = []
    if kind == "json":
        from kam.formats import json_document

        text = json_document(listing.records(ctx, mask))
    elif kind == "vcf":
        from kam import vcard
        from kam.ops.contactcards import cards
        from kam.records import next_follow_up

        nexts = {c.code: next_follow_up(c, listing.ranks[c.code], ctx.settings)
                 for c in listing.customers}
        text = vcard.write(cards(listing.customers, listing.ranks, nexts, mask))
    elif kind == "ics":
        from kam import ical
        from kam.ops.calendar import events

        text = ical.write(events(listing.customers, listing.ranks, ctx.settings, ctx.today, mask),
                          ctx.now, t("kam follow-ups"))
    else:
        headers, rows, left_out = export_rows(ctx, listing.customers, mask,
                                              dates_as_text=kind == "csv",
                                              ranks=listing.ranks, all_columns=all_columns,
                                              old_codes=listing.old_codes)
        if left_out:
            warnings.append(t("{count} column(s) where kam keeps replaced or unknown values "
                              "left out (e.g. {header}); --all-columns writes them",
                              count=len(left_out), header=left_out[0]))
        if kind == "xlsx":
            assert target is not None
            replaced = _write_xlsx(ctx, target, headers, rows)
            return Exported(len(listing.customers), mask, warnings=warnings + [
                t("{code} {header}: characters a workbook cannot hold are shown as their "
                  "pictures (e.g. ␋)", code=rows[r][1], header=headers[c]) for r, c in replaced])
        text = _csv_text(headers, rows, crlf=target is not None)
    if target is None:
        return Exported(len(listing.customers), mask, text, warnings)
    from kam.excel import write_text

    # Excel wants a BOM in a CSV file to read it as UTF-8; a pipe wants none.
    write_text(target, text, "utf-8-sig" if kind == "csv" else "utf-8")
    return Exported(len(listing.customers), mask, warnings=warnings)


def _write_xlsx(ctx: Context, target: Path, headers: list[str], rows: list[list[Any]]
                ) -> list[tuple[int, int]]:
    from kam.excel import Column, write_xlsx

    s = ctx.settings
    choices = {"客户价值等级": tuple(t.label for t in s.vocab["value_level"].terms),
               "合作阶段": tuple(t.label for t in s.vocab["stage"].terms)}
    return write_xlsx(target, [Column(h, choices.get(h, ())) for h in headers], rows)


def _csv_text(headers: list[str], rows: list[list[Any]], crlf: bool) -> str:
    from kam.formats import write_csv

    buf = io.StringIO()
    cols = [(str(i), h) for i, h in enumerate(headers)]
    # Excel wants CRLF in a file; a pipe wants \n.
    write_csv(({str(i): v for i, v in enumerate(r)} for r in rows), cols, buf,
              lineterminator="\r\n" if crlf else "\n")
    return buf.getvalue()


def export_rows(ctx: Context, customers: list[Customer], masked: bool, dates_as_text: bool,
                ranks: dict[str, Rank], all_columns: bool = False,
                old_codes: frozenset[str] = frozenset()
                ) -> tuple[list[str], list[list[Any]], list[str]]:
    """The template's 16 columns, kam's score and tier, the next follow-up (the date kam
    reminds on), named dates and the lost reason if any, then extras. Also the kept-value
    columns left out (none when all_columns)."""
    from kam.columns import (
        CONTACTS_HEADER,
        LOST_HEADER,
        NEXT_HEADER,
        SCORE_HEADER,
        TAG_SEP,
        TIER_HEADER,
    )
    from kam.privacy import mask, mask_date, mask_extra
    from kam.records import MASKED_TEXT, contacts_text, next_follow_up
    from kam.schema import HEADERS, TEMPLATE_KEYS

    def day(iso: str | None) -> Any:
        return iso if dates_as_text or not iso else date.fromisoformat(iso)

    extras = extra_columns(customers)
    from kam.kept import is_kept

    # a merge's kept value is named after the code merged away, now an old code
    left_out = [] if all_columns else [h for h in extras if is_kept(h, old_codes)]
    extras = [k for k in extras if k not in left_out]
    names = date_names(customers)
    nexts = {c.code: next_follow_up(c, ranks[c.code], ctx.settings) for c in customers}
    with_next = any(nexts.values())
    with_lost = any(c.lost for c in customers)
    with_people = any(c.contacts or c.contact_role for c in customers)
    stage, level = ctx.settings.vocab["stage"], ctx.settings.vocab["value_level"]
    rows = []
    for n, c in enumerate(customers, start=1):
        if masked:
            texts: dict[str, Any] = {k: mask(getattr(c, k)) for k in MASKED_TEXT}
            c = replace(c, **texts)
        rows.append([
            n, c.code, c.name, c.contact, c.title,
            mask(c.contact_info) if masked else c.contact_info, c.industry, c.size,
            level.label(c.value_level) if c.value_level else "", c.need,
            stage.label(c.stage) if c.stage else "", day(c.last_contact), c.last_summary,
            c.owner, TAG_SEP.join(c.tags), c.note,
            round(ranks[c.code].score, 1), ranks[c.code].tier,
            *([day(d.isoformat() if (d := nexts[c.code]) else None)] if with_next else []),
            *(mask_date(k, c.dates.get(k)) if masked else day(c.dates.get(k)) for k in names),
            *([c.lost.get("reason", "")] if with_lost else []),
            *([contacts_text([p._replace(contact_info=mask(p.contact_info)) if masked else p
                              for p in _people(c)])] if with_people else []),
            *((mask_extra(k, c.extra[k]) if masked else c.extra[k])
              if k in c.extra else None for k in extras),
        ])
    headers = ["序号", *(HEADERS[k] for k in TEMPLATE_KEYS), SCORE_HEADER, TIER_HEADER,
               *([NEXT_HEADER] if with_next else []),
               *(date_header(k) for k in names), *([LOST_HEADER] if with_lost else []),
               *([CONTACTS_HEADER] if with_people else []), *extras]
    return headers, rows, left_out


def _people(c: Customer) -> list[Contact]:
    """The contacts an exported row lists: the main one first when it has a role (so that
    an import gives it back), then the others."""
    main = main_contact(c) if c.contact_role else None
    return [*([main] if main else []), *c.contacts]


def _first_met(keys: Iterable[Iterable[str]]) -> list[str]:
    """Every key, in the order first met: a stable order for the same archive."""
    return list(dict.fromkeys(k for group in keys for k in group))


def extra_columns(customers: list[Customer]) -> list[str]:
    """Every extra column but those the template or kam's own columns already have."""
    from kam.columns import (
        CONTACTS_HEADER,
        DATE_HEADERS,
        LOST_HEADER,
        NEXT_HEADER,
        SCORE_HEADER,
        TIER_HEADER,
    )
    from kam.schema import HEADERS

    taken = set(HEADERS.values()) | {"序号", NEXT_HEADER, LOST_HEADER, CONTACTS_HEADER,
                                     SCORE_HEADER, TIER_HEADER} | set(DATE_HEADERS.values())
    return [k for k in _first_met(c.extra for c in customers) if k not in taken]


def date_names(customers: list[Customer]) -> list[str]:
    """Every named date, in the order first met."""
    return _first_met(c.dates for c in customers)


def date_header(name: str) -> str:
    from kam.columns import DATE_HEADERS

    return DATE_HEADERS.get(name, f"日期:{name}")
