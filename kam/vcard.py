"""vCard files (.vcf) as phones export and import them: read 2.1, 3.0 and 4.0, write 3.0.

Read as Android and iOS write them: folded lines, QUOTED-PRINTABLE with its soft line
breaks and CHARSET (2.1), bare type parameters (TEL;CELL), quoted and listed ones
(TYPE="cell,voice"), tel: URIs (4.0), several TEL and EMAIL lines, N without FN.
Photos and the other properties kam does not keep are skipped.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field

from kam.errors import BadInput
from kam.i18n import t
from kam.text import fold, plain


@dataclass
class Card:
    """One person (or company) of a .vcf file."""

    line: int  # where its BEGIN:VCARD stands
    name: str = ""  # FN, else from N
    org: str = ""
    title: str = ""
    role: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, type: cell, work..)
    emails: list[str] = field(default_factory=list)
    note: str = ""
    categories: list[str] = field(default_factory=list)
    code: str = ""  # X-KAM-CODE: the customer kam exported it from
    uid: str = ""  # written, so that an address book updates the card it already has
    other: str = ""  # X-KAM-CONTACT: the part of kam's contact field neither phone nor email
    birthday: str = ""  # BDAY as written (1980-02-29, 19800229, --0229)
    others: list[tuple[str, str]] = field(default_factory=list)  # ADR, URL, X-QQ...: kept
    company: bool = False  # a company's own card (X-ABShowAs:COMPANY, or FN is the ORG)


_PROP = re.compile(r'^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;(?:[^:;"]|"[^"]*")*)*):(.*)$',
                   re.DOTALL)


def _lines(text: str) -> list[tuple[int, str]]:
    """Unfolded content lines with the line number each starts on. A QUOTED-PRINTABLE
    value ending in = goes on on the next line (a 2.1 soft line break)."""
    out: list[tuple[int, str]] = []
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for n, line in enumerate(raw, start=1):
        if out and line[:1] in (" ", "\t"):
            out[-1] = (out[-1][0], out[-1][1] + line[1:])
        elif out and out[-1][1].endswith("=") and "QUOTED-PRINTABLE" in \
                out[-1][1].split(":", 1)[0].upper():
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
        elif line.strip():
            out.append((n, line))
    return out


def _params(text: str) -> dict[str, list[str]]:
    """;TYPE=CELL,VOICE;CHARSET=UTF-8;PREF as {'TYPE': ['CELL', 'VOICE', 'PREF'], ...};
    2.1's bare words are types (and QUOTED-PRINTABLE an encoding)."""
    out: dict[str, list[str]] = {}
    for part in re.findall(r';((?:[^;"]|"[^"]*")*)', text):
        key, eq, value = part.partition("=")
        if not eq:
            key, value = ("ENCODING" if part.upper() in ("QUOTED-PRINTABLE", "BASE64", "B")
                          else "TYPE"), part
        values = (v.strip() for v in value.replace('"', "").split(","))
        out.setdefault(key.upper(), []).extend(v for v in values if v)
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\([nN,;:\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _split(text: str, sep: str) -> list[str]:
    """A value split at each separator that no backslash escapes (a doubled backslash,
    then a separator, splits), each part unescaped."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [_unescape(x) for x in parts]


def _parts(text: str) -> list[str]:
    """A structured value (N, ORG) split at its unescaped semicolons."""
    return _split(text, ";")


def read(text: str, path: object) -> list[Card]:
    """Every card of a .vcf text; a damaged file gets one line naming the line."""
    cards: list[Card] = []
    card: Card | None = None
    n_parts: list[str] = []
    for n, line in _lines(text.lstrip("\ufeff")):
        m = _PROP.match(line)
        if m is None:
            if card is not None:
                raise BadInput(t("{path}: line {line}: not a vCard property: {text}",
                                 path=path, line=n, text=line[:60]))
            continue
        name, params, value = m.group(1).upper(), _params(m.group(2)), m.group(3)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            card, n_parts = Card(n), []
            continue
        if card is None:
            continue
        if name == "END":
            if not card.name and n_parts:
                card.name = _name_of(n_parts)
            cards.append(card)
            card = None
            continue
        encoding = [e.upper() for e in params.get("ENCODING", [])]
        if "BASE64" in encoding or "B" in encoding:
            continue  # a photo or a sound
        if "QUOTED-PRINTABLE" in encoding:
            charset = (params.get("CHARSET") or ["utf-8"])[0]
            try:
                value = quopri.decodestring(value.encode("latin-1", "replace")).decode(
                    charset, "replace")
            except LookupError:
                raise BadInput(t("{path}: line {line}: unknown CHARSET {charset}",
                                 path=path, line=n, charset=charset)) from None
        types = [x.lower() for x in params.get("TYPE", [])]
        _take(card, name, value, types, n_parts)
    if card is not None:
        raise BadInput(t("{path}: line {line}: the card that begins here never ends "
                         "(END:VCARD)", path=path, line=card.line))
    return cards


def _take(card: Card, name: str, value: str, types: list[str], n_parts: list[str]) -> None:
    if name == "FN":
        card.name = _unescape(value).strip()
    elif name == "N":
        n_parts[:] = _parts(value)
    elif name == "ORG":
        card.org = " ".join(p.strip() for p in _parts(value) if p.strip())
    elif name == "TITLE":
        card.title = _unescape(value).strip()
    elif name == "ROLE":
        card.role = _unescape(value).strip()
    elif name == "TEL":
        number = re.sub(r"^tel:", "", value.strip(), flags=re.IGNORECASE).split(";")[0]
        kind = next((x for x in ("cell", "work", "home", "fax") if x in types), "")
        if number:
            card.phones.append((number, kind))
    elif name == "EMAIL":
        if value.strip():
            card.emails.append(_unescape(value).strip())
    elif name == "BDAY":
        card.birthday = value.strip()
    elif name == "NOTE":
        card.note = _unescape(value).strip()
    elif name == "CATEGORIES":
        card.categories = [c.strip() for c in _split(value, ",") if c.strip()]
    elif name == "X-KAM-CODE":
        card.code = _unescape(value).strip()
    elif name == "X-KAM-CONTACT":
        card.other = _unescape(value).strip()
    elif name == "X-ABSHOWAS":
        card.company = value.strip().upper() == "COMPANY"
    elif name not in _SKIPPED and (text := " ".join(
            p.strip() for p in _parts(value) if p.strip())):
        card.others.append((name, text))  # an address, a web page, a QQ number: kept


# What a card holds that is no one's data (versions, ids, labels of grouped lines).
_SKIPPED = {"VERSION", "PRODID", "REV", "UID", "SOURCE", "KIND", "X-ABLABEL", "X-ABUID",
            "SORT-STRING", "CLASS", "X-KAM-CODE", "X-KAM-CONTACT", "LABEL", "PHOTO", "LOGO",
            "SOUND", "KEY", "X-ABSHOWAS", "NAME", "PROFILE"}


def birthday(value: str) -> str | None:
    """BDAY as an ISO date (1980-02-29, 19800229, 1980-02-29T00:00:00Z); None when it
    has no year (--0229) or is no date."""
    from datetime import date

    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$", value.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _name_of(n: list[str]) -> str:
    """A name from N (family; given; additional; prefix; suffix): 王建国 for Chinese,
    given first for other names."""
    family, given = (n + ["", ""])[0].strip(), (n + ["", ""])[1].strip()
    if re.search(r"[\u3400-\u9fff]", family + given):
        return family + given
    return " ".join(x for x in (given, family) if x)


# --- writing ------------------------------------------------------------------

def _escape(text: str) -> str:
    """A text value escaped; line breaks as \\n and no other control character (an
    address book may stop at one), as kam.ical.plain leaves them."""
    return (plain(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def write(cards: list[Card]) -> str:
    """Cards as vCard 3.0 (CRLF, folded)."""
    out: list[str] = []
    for c in cards:
        lines = ["BEGIN:VCARD", "VERSION:3.0", *([f"UID:{_escape(c.uid)}"] if c.uid else []),
                 f"FN:{_escape(c.name)}",
                 f"N:{_escape(c.name)};;;;" if not c.company else "N:;;;;"]
        if c.org:
            lines.append(f"ORG:{_escape(c.org)}")
        if c.company:
            lines.append("X-ABShowAs:COMPANY")
        if c.title:
            lines.append(f"TITLE:{_escape(c.title)}")
        if c.role:
            lines.append(f"ROLE:{_escape(c.role)}")
        if c.birthday:
            lines.append(f"BDAY:{c.birthday}")
        lines += [f"TEL;TYPE={kind.upper() or 'VOICE'}:{number}" for number, kind in c.phones]
        lines += [f"EMAIL;TYPE=INTERNET:{email}" for email in c.emails]
        if c.note:
            lines.append(f"NOTE:{_escape(c.note)}")
        if c.categories:
            lines.append("CATEGORIES:" + ",".join(_escape(x) for x in c.categories))
        if c.code:
            lines.append(f"X-KAM-CODE:{_escape(c.code)}")
        if c.other:
            lines.append(f"X-KAM-CONTACT:{_escape(c.other)}")
        for name, value in c.others:  # an address goes back as its street line
            lines.append(f"ADR:;;{_escape(value)};;;;" if name == "ADR" else
                         f"{name}:{_escape(value)}")
        lines.append("END:VCARD")
        out.extend(fold(line) for line in lines)
    return "".join(out)
