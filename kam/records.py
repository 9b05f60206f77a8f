"""Customer records: codes, edits, filters, sorting and the JSON record. Pure functions."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from kam.dates import parse_iso
from kam.errors import BadInput
from kam.followup import LOST, next_contact
from kam.i18n import t
from kam.labels import term
from kam.privacy import contact_tokens, mask, mask_date, mask_extra
from kam.schema import EDITABLE, ROLE_LABELS, ROLE_NAMES, VOCAB_FIELDS, Contact, Rank
from kam.settings import Settings
from kam.text import folded, pattern

if TYPE_CHECKING:  # the daily commands read the view: no dataclasses imported
    from kam.models import Customer, Interaction

# Letters, digits and - _ . / after a first letter or digit; no "..": at most 64.
_CODE = pattern(r"^(?!.*\.\.)\w[\w.\-/]{0,63}$")


def new_code(existing: set[str], year: int, prefix: str = "KH",
             erased: Callable[[str], object] | None = None) -> str:
    """The next free code like KH2026001 (the template's own pattern); never a code in
    use, nor one that was erased (erased(code) true): an erased code is not handed out
    again."""
    head = f"{prefix}{year}"
    used = [int(c[len(head):]) for c in existing if c.startswith(head) and c[len(head):].isdigit()]
    n = max(used, default=0) + 1
    while f"{head}{n:03d}" in existing or erased is not None and erased(f"{head}{n:03d}"):
        n += 1
    return f"{head}{n:03d}"


def check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        shown = code if len(code) <= 40 else code[:40] + "…"
        raise BadInput(t("bad customer code {shown!r}: use letters, digits, - _ . / (at most 64, "
                         "starting with a letter or digit)",
                         shown=shown))
    return code


def vocab_key(settings: Settings, fieldname: str, text: str) -> str:
    key = settings.vocab[fieldname].lookup(text)
    if key is None:
        from kam.labels import column

        allowed = ", ".join(f"{t.label} ({t.key})" for t in settings.vocab[fieldname].terms)
        raise BadInput(t("unknown {value} {text!r}; use one of: {allowed}",
                         value=column(fieldname).lower(), text=text, allowed=allowed))
    return key


def split_tags(text: str) -> list[str]:
    return [t for t in re.split(r"[,，;；、|/]\s*|\s{2,}", text.strip()) if t.strip()]


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    """KEY=VALUE options into a dict; a malformed pair is bad input."""
    out = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise BadInput(t("bad {what} {p!r}: write it as NAME=VALUE", what=what, p=p))
        out[key.strip()] = value
    return out


def apply(c: Customer, settings: Settings, fields: dict[str, Any], *,
          add_tags: Sequence[str] = (), remove_tags: Sequence[str] = (),
          extra: dict[str, str] | None = None, dates: dict[str, str] | None = None,
          unset: Sequence[str] = (), contacts: Sequence[Contact] = (), stamp: str = "",
          lost_reason: str | None = None, today: str = "") -> Customer:
    """The customer with the given changes, validated. Raises BadInput.

    Moving a customer to the lost stage needs a reason from settings.lost_reasons;
    moving it out of that stage clears the reason (the history keeps it).
    """
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key not in EDITABLE or key == "code":
            raise BadInput(t("{key} cannot be set here", key=key))
        value = str(value).strip()
        if key in ("stage", "value_level"):
            changes[key] = vocab_key(settings, key, value)
        elif key == "tags":
            changes[key] = tuple(split_tags(value))
        elif key == "name" and not value:
            raise BadInput(t("name cannot be empty"))
        else:
            changes[key] = value
    tags = list(changes.get("tags", c.tags))
    for item in add_tags:
        for tag in split_tags(item):
            if tag not in tags:
                tags.append(tag)
    for item in remove_tags:
        for tag in split_tags(item):
            if tag not in tags:
                raise BadInput(t("{code} has no tag {tag!r}", code=c.code, tag=tag))
            tags.remove(tag)
    changes["tags"] = tuple(tags)
    new_extra = dict(c.extra)
    new_extra.update(extra or {})
    new_dates = dict(c.dates)
    for name, iso in (dates or {}).items():
        try:
            new_dates[settings.date_name(name)] = parse_iso(iso.strip()).isoformat()
        except ValueError as e:
            raise BadInput(t("date {name}: {e}", name=name, e=e)) from None
    for key in unset:
        if key in ("code", "name"):
            raise BadInput(t("{key} cannot be unset", key=key))
        if key in EDITABLE:
            empty: Any = () if key == "tags" else None if key in VOCAB_FIELDS else ""
            changes[key] = empty
        elif key == "next_follow_up":
            changes[key] = None
        elif key == "contacts":
            changes[key] = ()
        elif key.startswith("extra.") and key[6:] in new_extra:
            del new_extra[key[6:]]
        elif key.startswith("date.") and key[5:] in new_dates:
            del new_dates[key[5:]]
        elif key in new_extra:
            del new_extra[key]
        elif key in new_dates:
            del new_dates[key]
        else:
            raise BadInput(t("nothing to unset called {key!r} (a field, extra.NAME or date.NAME)",
                             key=key))
    changes.update(extra=new_extra, dates=new_dates)
    from dataclasses import replace  # a write's: the daily commands never import dataclasses
    if contacts:
        have = list(changes.get("contacts", c.contacts))
        main = main_contact(replace(c, **{k: changes[k] for k in ("contact", "contact_info")
                                          if k in changes}))
        for p in contacts:  # the main contact is one of the contacts too
            if any(same_person(p, q) for q in [*([main] if main else []), *have]):
                raise BadInput(t("{name} is already a contact of {code}; change them with `kam "
                                 "contact edit {code} {name}`",
                                 name=p.name, code=c.code))
            have.append(p)
        changes["contacts"] = tuple(have)

    out = replace(c, **changes)
    if lost_reason and out.stage != LOST:
        raise BadInput(t("--reason goes with --stage lost"))
    if out.stage == LOST and (c.stage != LOST or lost_reason):
        out = replace(out, lost=lost_info(settings, lost_reason, today, c.lost.get("note", "")))
    elif out.stage != LOST and c.lost:
        out = replace(out, lost={})
    if out != c and stamp:
        out = replace(out, updated=stamp)
    return out



def check_dates(today: date, *, happened: date | None = None, next_date: date | None = None,
                dates: dict[str, str] | None = None, force: bool = False) -> list[str]:
    """Dates that cannot be right, refused unless forced: a contact after today, a next
    follow-up before it, a birthday in the future, a contract ending before it starts.
    A next follow-up before today that follows a past contact (a backfill) is a warning,
    returned."""
    if force:
        return []
    hint = t("; check the year, or add --force if it is right")
    if next_date is not None and next_date < today and happened is not None \
            and next_date >= happened:
        return [t("--next {value} is already past (before today, {value2}): it shows as "
                  "overdue", value=next_date.isoformat(), value2=today.isoformat())]
    if happened is not None and happened > today:
        raise BadInput(t("--date {value} is after today ({value2}): it cannot have happened "
                         "yet{hint}",
                         value=happened.isoformat(), value2=today.isoformat(), hint=hint))
    if next_date is not None and next_date < today:
        raise BadInput(t("--next {value} is before today ({value2}){hint}",
                         value=next_date.isoformat(), value2=today.isoformat(), hint=hint))
    found = dates or {}
    if (birthday := found.get("birthday")) and birthday > today.isoformat():
        raise BadInput(t("birthday {birthday} is in the future{hint}",
                         birthday=birthday, hint=hint))
    end = found.get("contract_end")
    start = found.get("contract_start") or found.get("anniversary")
    if end and start and end < start:
        raise BadInput(t("contract end {end} is before the contract start {start}{hint}",
                         end=end, start=start, hint=hint))
    return []


def lost_info(settings: Settings, reason: str | None, day: str, note: str = ""
              ) -> dict[str, str]:
    """Why and when a customer was lost; the reason must be one of settings.lost_reasons."""
    if not reason:
        raise BadInput(t("a lost customer needs a reason: --reason {value}",
                         value='/'.join(settings.lost_reasons)))
    found = next((r for r in settings.lost_reasons if r.casefold() == reason.strip().casefold()),
                 None)
    if found is None:
        raise BadInput(t("unknown reason {reason!r}; use one of: {value} (lost_reasons in "
                         "kam.yaml)",
                         reason=reason, value=', '.join(settings.lost_reasons)))
    return {k: v for k, v in (("reason", found), ("note", note), ("date", day)) if v}


def parse_contact(text: str) -> Contact:
    """NAME[:ROLE[:TITLE[:CONTACT_INFO]]] from `--person`."""
    parts = [p.strip() for p in re.split(r"[:：]", text, maxsplit=3)]
    if not parts[0]:
        raise BadInput(t("bad contact {text!r}: write NAME:ROLE:TITLE:PHONE (role etc. optional)",
                         text=text))
    role = contact_role(parts[1] if len(parts) > 1 else "")
    return Contact(parts[0], role, *(parts[2:4] + ["", ""])[:2])


def contact_role(text: str) -> str:
    """A role key (决策人 -> decision_maker); a role kam does not know is kept as written."""
    text = text.strip()
    return ROLE_NAMES.get(text) or (text if text else "other")


def main_contact(c: Customer) -> Contact | None:
    """The main contact (联系人, 职务, 联系方式, its role) as one of the contacts."""
    return Contact(c.contact, c.contact_role or "other", c.title, c.contact_info) \
        if c.contact else None


def same_person(a: Contact, b: Contact) -> bool:
    """One person twice: the same name, and the same phone/email when both have one."""
    if a.name.strip() != b.name.strip():
        return False
    ta, tb = contact_tokens(a.contact_info), contact_tokens(b.contact_info)
    return not (ta and tb) or bool(ta & tb)


# A contact in a spreadsheet cell: one a line, NAME | ROLE | TITLE | PHONE.
CONTACT_SEP = " | "


def contacts_text(people: Sequence[Contact]) -> str:
    """Contacts as a spreadsheet cell: a line each, the role in Chinese (决策人) as the
    sheet's other words are; contacts_of reads it back."""
    return "\n".join(CONTACT_SEP.join((p.name, ROLE_LABELS.get(p.role, p.role), p.title,
                                       p.contact_info)).rstrip(" |") for p in people)


def contacts_of(text: str) -> tuple[Contact, ...]:
    out = []
    for line in str(text).splitlines():
        parts = [p.strip() for p in line.split("|")] + ["", "", ""]
        if parts[0]:
            out.append(Contact(parts[0], contact_role(parts[1]), parts[2], parts[3]))
    return tuple(out)


def duplicates(c: Customer, others: list[Customer]) -> list[tuple[Customer, str]]:
    """Other customers sharing a phone number or email with c."""
    mine = contact_tokens(c.contact_info)
    if not mine:
        return []
    return [(o, t) for o in others if o.code != c.code
            for t in sorted(mine & contact_tokens(o.contact_info))[:1]]


def new_interaction(code: str, when: date, kind: str, summary: str, amount: float | None,
                    next_date: date | None, stamp: str, batch: str | None = None) -> Interaction:
    from kam.models import Interaction

    # 12 random hex digits (uuid4's first 12, without importing uuid and platform)
    return Interaction(os.urandom(6).hex(), code, when.isoformat(), kind, summary, amount,
                       next_date.isoformat() if next_date else None, stamp, batch)


def record(c: Customer, s: Rank | None, settings: Settings, *,
           masked: bool = False, labels: bool = False) -> dict[str, Any]:
    """The customer as JSON keys (spec/cli.md): template keys, score, tier, extra, next,
    as it leaves (present)."""
    return present(plain_record(c, s, settings), settings, masked=masked, labels=labels)


def plain_record(c: Customer, s: Rank | None, settings: Settings) -> dict[str, Any]:
    """The customer as JSON keys, vocabulary as keys and nothing masked (what the daily
    view keeps for `kam list`). next_follow_up is the date kam will remind on:
    scheduled, or from the cadence."""
    when = next_follow_up(c, s, settings)
    return {
        "code": c.code, "name": c.name, "contact": c.contact, "title": c.title,
        "contact_info": c.contact_info, "industry": c.industry, "size": c.size,
        "value_level": c.value_level, "need": c.need, "stage": c.stage,
        "last_contact": c.last_contact, "last_summary": c.last_summary, "owner": c.owner,
        "tags": list(c.tags), "note": c.note,
        "score": s.score if s else None, "tier": s.tier if s else None,
        "extra": dict(c.extra),
        "next_follow_up": when.isoformat() if when else None,
        "next_follow_up_source": ("scheduled" if c.next_follow_up else "cadence") if when
        else None,
        "dates": dict(c.dates),
        "contacts": [{"name": p.name, "role": p.role, "title": p.title,
                      "contact_info": p.contact_info} for p in c.contacts],
        "archived": c.archived,
        "lost": dict(c.lost) or None,
    }


def present(d: dict[str, Any], settings: Settings, *, masked: bool = False,
            labels: bool = False) -> dict[str, Any]:
    """A plain record as it leaves: labels=True gives vocabulary labels (tables,
    spreadsheets) instead of keys; masked=True masks phone numbers and emails wherever a
    person typed them. A new dict when anything changes; d itself is not touched."""
    if not masked and not labels:
        return d
    d = dict(d)
    if labels:
        d["value_level"] = term(settings, "value_level", d["value_level"])
        d["stage"] = term(settings, "stage", d["stage"])
    if masked:
        d["contact_info"] = mask(d["contact_info"])
        d["extra"] = {k: mask_extra(k, v) for k, v in d["extra"].items()}
        d["contacts"] = [{**p, "contact_info": mask(p["contact_info"])} for p in d["contacts"]]
        d["dates"] = {k: mask_date(k, v) for k, v in d["dates"].items()}
        for key in MASKED_TEXT:  # phone- and email-shaped text anywhere a person typed it
            d[key] = mask(d[key])
    return d


def next_follow_up(c: Customer, rank: Rank | None, settings: Settings) -> date | None:
    """The date kam reminds on: the scheduled one, else the cadence's; none once lost."""
    if c.stage == LOST:
        return None
    return next_contact(c, rank.tier if rank else "", settings)[0]


# Free-text fields that may hold a phone number or email ("王先生 139...").
MASKED_TEXT = ("name", "contact", "title", "last_summary", "note", "need")


class Filter(NamedTuple):
    """The filters list, export, due, risk and score share (None: any)."""

    stage: str | None = None
    value_level: str | None = None
    tags: tuple[str, ...] = ()
    owner: str | None = None
    industry: str | None = None
    tier: str | None = None

    def resolved(self, settings: Settings) -> Filter:
        """Vocabulary given as label or alias turned into keys; an unknown tier refused."""
        tiers = [t.name for t in settings.tiers]
        if self.tier and self.tier not in tiers:
            raise BadInput(t("--tier: unknown tier {tier!r}; tiers are {value}",
                             tier=self.tier, value=', '.join(tiers)))
        return self._replace(
            stage=vocab_key(settings, "stage", self.stage) if self.stage else None,
            value_level=vocab_key(settings, "value_level", self.value_level)
            if self.value_level else None)


class Filterable(Protocol):
    """What the filters look at: a Customer, or a row of the daily view."""

    @property
    def stage(self) -> str | None: ...
    @property
    def value_level(self) -> str | None: ...
    @property
    def owner(self) -> str: ...
    @property
    def industry(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...


def matches(c: Filterable, f: Filter, tier: str | None) -> bool:
    """Whether a customer (of that tier; None: unknown) passes a resolved filter."""
    if f.stage and c.stage != f.stage or f.value_level and c.value_level != f.value_level:
        return False
    if f.owner and c.owner != f.owner or f.industry and c.industry != f.industry:
        return False
    if f.tags and not all(t in c.tags for t in f.tags):
        return False
    return not f.tier or tier == f.tier


def select(customers: list[Customer], f: Filter, ranks: dict[str, Rank] | None = None
           ) -> list[Customer]:
    """The customers matching a resolved filter; ranks are needed only to filter by tier."""
    return [c for c in customers
            if matches(c, f, ranks[c.code].tier if f.tier and ranks is not None else None)]


class Sortable(Protocol):
    """What sort_customers sorts: a Customer, or a row of the daily view (the other
    SORT_KEYS are read with getattr)."""

    @property
    def code(self) -> str: ...


S = TypeVar("S", bound=Sortable)
SORT_KEYS = ("code", "name", "score", "last_contact", "next_follow_up", "stage", "owner",
             "updated", "created")


def sort_customers(customers: list[S], key: str, ranks: dict[str, Rank]) -> list[S]:
    """Customers (or rows of the daily view, which carry the same fields) sorted by a
    SORT_KEYS key, ascending; a leading - sorts descending. Ties by code."""
    from kam.labels import field_key

    desc = key.startswith("-")
    key = field_key(key.lstrip("-"), SORT_KEYS) or key.lstrip("-")
    if key not in SORT_KEYS:
        raise BadInput(t("--sort: unknown key {key!r}; use one of: {value} (prefix - for "
                         "descending)",
                         key=key, value=', '.join(SORT_KEYS)))
    if key == "score":
        out = sorted(customers, key=lambda c: (ranks[c.code].score, c.code))
    elif key in _TEXT_ORDER:  # names as Chinese Excel, WPS and phones list them
        out = sorted(customers, key=lambda c: (collation_key(getattr(c, key) or ""), c.code))
    else:
        out = sorted(customers, key=lambda c: (getattr(c, key) or "", c.code))
    return out[::-1] if desc else out


_TEXT_ORDER = ("name", "contact", "owner", "industry")


def collation_key(text: str) -> bytes:
    """Chinese text in pinyin order (安和 北方 博雅 … 云帆 中联), Latin letters case-folded
    among them: the order of GB2312/GB18030, whose 3,755 common characters are laid out
    by pinyin (the rarer ones follow, by radical), as Chinese Excel and WPS sort."""
    return text.casefold().encode("gb18030", errors="replace")


def haystack(c: Customer) -> str:
    """Everything search looks at in a customer, folded()."""
    parts = [c.code, c.name, c.contact, c.title, c.contact_info, c.industry, c.need, c.note,
             c.owner, c.last_summary, *c.tags, *(str(v) for v in c.extra.values()),
             *(f"{p.name} {p.title} {p.contact_info}" for p in c.contacts)]
    return folded("\n".join(parts))


_NOT_PHONE = re.compile(r"[^\d+()\s.\-－–]")
_COUNTRY = re.compile(r"^(?:\+|00)86")


def phone_query(text: str) -> str | None:
    """The digits of a phone number as people type it (139 5678 1234, +86 139-5678-1234,
    (0851) 8888-6666), without China's country code; None for any other search text."""
    text = folded(text).strip()
    if _NOT_PHONE.search(text):
        return None
    digits = re.sub(r"\D", "", _COUNTRY.sub("", re.sub(r"[\s.\-－–()]", "", text)))
    return digits if len(digits) >= 7 else None


def has_phone(c: Customer, digits: str) -> bool:
    """Whether a phone number of the customer (its contact details, its contacts', or an
    extra column's) holds these digits, however it was written."""
    values = [c.contact_info, *(p.contact_info for p in c.contacts),
              *(str(v) for v in c.extra.values())]
    return any(digits in re.sub(r"\D", "", folded(v)) for v in values if v)
