"""kam.json and the follow-up log as data: the tables TinyDB reads, written a document
a line (dumps_tables), one customer's follow-ups found by their lines (docs_with), the
shape checked, the first migration, and a customer scrubbed from tables, files and
journals. No tinydb here: store/db.py opens and commits them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from kam.errors import StoreError
from kam.i18n import N_, t
from kam.models import FIELD_TYPES
from kam.store.history import dumps, rewrite_lines

SCHEMA_VERSION = 1
META, CUSTOMERS, BATCHES, INTERACTIONS = "_meta", "customers", "batches", "interactions"
ERASING = "erasing"  # _meta key: codes whose erasure is committed but not yet complete

Tables = dict[str, dict[str, dict[str, Any]]]


# Tables written a document a line: a reader finds one customer's follow-ups by their
# lines (docs_with) without parsing the whole log.
LINED = (CUSTOMERS, INTERACTIONS)


def dumps_tables(data: Tables) -> bytes:
    """kam.json (or the follow-up log) as kam writes it: still one JSON document TinyDB
    reads, with a table a line and the customers (or follow-ups) one a line. Every
    document is encoded on every write: a document changed in place is never missed."""
    from kam.formats import encoder

    encode = encoder(compact=True)
    tables = []
    for name, table in data.items():
        if name not in LINED:
            tables.append(f"{encode(name)}:{encode(table)}".encode())
            continue
        lines = [f"{encode(doc_id)}:{encode(doc)}".encode() for doc_id, doc in table.items()]
        tables.append(encode(name).encode() + b":{\n" + b",\n".join(lines) + b"\n}")
    return b"{\n" + b",\n".join(tables) + b"\n}\n"


_LOG_START = b'{\n"' + INTERACTIONS.encode() + b'":{\n'
_LOG_META = b'\n},\n"' + META.encode() + b'":'


def _escapes(raw: bytes) -> bool:
    """Whether raw holds a \\u or \\/ escape: each backslash found (a one-byte search,
    much faster than searching for the two-byte patterns), then the byte after it."""
    at = raw.find(b"\\")
    while at >= 0:
        if raw[at + 1:at + 2] in (b"u", b"/"):
            return True
        at = raw.find(b"\\", at + 2)  # past an escape: \\u is a backslash, then u
    return False


def docs_with(raw: bytes, code: str) -> tuple[int, dict[str, dict[str, Any]]] | None:
    """(the log's generation, id -> follow-up) of one customer's follow-ups in a log in
    dumps_tables' layout, parsing only the lines that hold its code; None for a log in
    any other layout, or that kam cannot read this way for sure (then it is parsed
    whole). Without \\u and \\/ escapes a JSON string has one encoding, so every follow-up
    of the customer holds the code as encoded here, and each line holding it must be a
    whole follow-up."""
    if not raw.startswith(_LOG_START) or not raw.endswith(b"}\n"):
        return None  # another layout (a log an older kam wrote): known at once
    meta_at = raw.rfind(_LOG_META)
    if meta_at < 0 or _escapes(raw):
        return None
    try:
        meta = json.loads(b"{" + raw[meta_at + 4:-2] + b"}")
        generation = meta[META]["1"]["generation"]
    except (ValueError, KeyError, TypeError):
        return None
    if type(generation) is not int or len(meta) != 1:
        return None
    needle = json.dumps(code, ensure_ascii=False).encode("utf-8")
    docs: dict[str, dict[str, Any]] = {}
    at = raw.find(needle, len(_LOG_START), meta_at)
    while at >= 0:
        start = raw.rfind(b"\n", 0, at) + 1
        end = raw.find(b"\n", at)
        line = raw[start:end]
        try:
            found = json.loads(b"{" + (line[:-1] if line.endswith(b",") else line) + b"}")
        except ValueError:
            return None
        if len(found) != 1:
            return None
        ((key, doc),) = found.items()
        if not isinstance(doc, dict) or not isinstance(doc.get("code"), str):
            return None
        if doc["code"] == code:
            docs[key] = doc
        at = raw.find(needle, end, meta_at)
    return generation, docs


# --- schema ------------------------------------------------------------------

def m001_initial(data: Tables) -> Tables:
    """Version 0 (a bare TinyDB file) to 1: the customers and batches tables."""
    data.pop("_default", None)
    data.setdefault(CUSTOMERS, {})
    data.setdefault(BATCHES, {})
    return data


# MIGRATIONS[n] turns a version-n file into version n+1. Pure functions.
MIGRATIONS: list[Callable[[Tables], Tables]] = [m001_initial]
assert len(MIGRATIONS) == SCHEMA_VERSION


def check_shape(data: Any, path: Path) -> None:
    bad = t("{path} is not a kam database (unexpected structure", path=path)
    hint = t("); kam has not changed it. Check --db, or restore a backup with `kam restore`")
    if not isinstance(data, dict):
        raise StoreError(t("{bad}: top level is not an object{hint}", bad=bad, hint=hint))
    for name, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise StoreError(t("{bad}: table {name!r} is malformed{hint}",
                               bad=bad, name=name, hint=hint))
    meta = data.get(META, {}).get("1", {})
    for key in ("schema_version", "generation"):
        if key in meta and type(meta[key]) is not int:
            raise StoreError(t("{bad}: {key} is {value!r}, not a whole number{hint}", bad=bad,
                               key=f"_meta.{key}", value=str(meta[key])[:40], hint=hint))
    typed = FIELD_TYPES.get
    for doc in data.get(CUSTOMERS, {}).values():
        if not isinstance(doc.get("code"), str) or not isinstance(doc.get("name"), str):
            raise StoreError(t("{bad}: a customer without code or name{hint}", bad=bad, hint=hint))
        wrong = _wrong_value(doc)
        if wrong is not None:
            key, value, wanted = wrong
            raise StoreError(t("{path}: customer {code!r}: field {key!r} holds {value!r}, not "
                               "{wanted}; kam has not changed it. Repair the file by hand or "
                               "restore a backup with `kam restore`", path=path, code=doc["code"],
                               key=key, value=str(value)[:40], wanted=t(wanted)))
        # the fast path: every typed value of the exact type (or null); else find the culprit
        if all(type(v) is typed(k, type(v)) or v is None for k, v in doc.items()):
            continue
        for key, value in doc.items():
            kind = FIELD_TYPES.get(key)
            if kind is not None and value is not None and not isinstance(value, kind):
                raise StoreError(t("{path}: customer {code!r}: field {key!r} holds {name} "
                                   "{value!r}, not {value2}; kam has not changed it. Repair the "
                                   "file by hand or restore a backup with `kam restore`",
                                   path=path, code=doc['code'], key=key, name=type(value).__name__,
                                   value=str(value)[:40], value2=t(_TYPE_NAMES[kind])))


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_A_DATE = N_("a date (YYYY-MM-DD)")


def _wrong_value(doc: dict[str, Any]) -> tuple[str, Any, str] | None:
    """(field, value, what it should be) of the first value inside a customer that kam
    would trip over later (a date that is no date, a contact that is no contact)."""
    for key in ("last_contact", "next_follow_up"):
        v = doc.get(key)
        if v and not _is_date(v):
            return key, v, _A_DATE
    dates = doc.get("dates")
    if isinstance(dates, dict):
        for name, v in dates.items():
            if not _is_date(v):
                return f"dates.{name}", v, _A_DATE
    contacts = doc.get("contacts")
    if isinstance(contacts, list):
        for c in contacts:
            if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not all(
                    isinstance(v, str) for v in c.values()):
                return "contacts", c, N_("a contact (name, role, title, contact_info)")
    gen = doc.get("gen")
    if gen is not None and type(gen) is not int:
        return "gen", gen, N_("a whole number")
    tags = doc.get("tags")
    if isinstance(tags, list) and not all(isinstance(x, str) for x in tags):
        return "tags", tags, N_("a list of words")
    stats = doc.get("stats")
    if isinstance(stats, dict) and stats:
        return _wrong_stats(stats)
    return None


def _wrong_stats(stats: dict[str, Any]) -> tuple[str, Any, str] | None:
    """stats (the follow-up figures kam keeps: activity.summarize) of the wrong shape."""
    orders = stats.get("orders")
    if orders is not None and not (isinstance(orders, dict) and all(
            _is_date(d) and type(v) in (int, float) for d, v in orders.items())):
        return "stats.orders", orders, N_("a date -> amount object")
    first = stats.get("first_order")
    if first is not None and not _is_date(first):
        return "stats.first_order", first, _A_DATE
    for key in ("complaints", "contacts"):
        days = stats.get(key)
        if days is not None and not (isinstance(days, list) and all(map(_is_date, days))):
            return f"stats.{key}", days, N_("a list of dates")
    count = stats.get("interactions")
    if count is not None and type(count) is not int:
        return "stats.interactions", count, N_("a whole number")
    return None


def _is_date(v: Any) -> bool:
    if not isinstance(v, str) or not _DATE.match(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def check_log(data: Tables, path: Path) -> None:
    """A follow-up each kam would trip over later refused, naming it (exit 3)."""
    for key, doc in data.get(INTERACTIONS, {}).items():
        wrong = None
        if not isinstance(doc.get("code"), str) or not isinstance(doc.get("id"), str):
            wrong = ("code", doc.get("code"), N_("text"))
        elif not _is_date(doc.get("date")):
            wrong = ("date", doc.get("date"), _A_DATE)
        elif not isinstance(doc.get("kind", ""), str) or not isinstance(doc.get("summary", ""),
                                                                        str):
            wrong = ("summary", doc.get("summary"), N_("text"))
        elif (a := doc.get("amount")) is not None and (type(a) not in (int, float)):
            wrong = ("amount", a, N_("a number"))
        if wrong is not None:
            raise StoreError(t("{path}: follow-up {key}: field {field!r} holds {value!r}, not "
                               "{wanted}; kam has not changed it. Repair the file by hand or "
                               "restore a backup with `kam restore`", path=path, key=key,
                               field=wrong[0], value=str(wrong[1])[:40], wanted=t(wrong[2])))


_TYPE_NAMES = {str: N_("text"), list: N_("a list"), dict: N_("an object"),
               bool: N_("true/false"), int: N_("a whole number")}


def meta_of(data: Tables) -> dict[str, Any]:
    return data.get(META, {}).get("1", {})


def scrub_tables(data: Any, code: str) -> bool:
    """Drop a customer, its interactions and its batch entries from a file's tables."""
    if not isinstance(data, dict):
        return False
    changed = False
    for name, table in data.items():
        if not isinstance(table, dict):
            continue
        for key in [k for k, d in table.items() if isinstance(d, dict) and d.get("code") == code]:
            del table[key]
            changed = True
        if name == BATCHES:
            for batch in table.values():
                if isinstance(batch, dict) and code in batch.get("before", {}):
                    del batch["before"][code]
                    changed = True
    return changed


def apply_journal(log: Tables, entries: list[dict[str, Any]]) -> None:
    """The log as last written whole, with the journal's lines of later generations."""
    table = log.setdefault(INTERACTIONS, {})
    written = meta_of(log).get("generation", 0)
    for entry in entries:
        if entry["gen"] > written:
            table.update(entry["put"])


def journal_line(entry: dict[str, Any]) -> bool:
    """Whether a journal line has its shape: {"gen": int, "put": {id: {"code": ...}}}."""
    put = entry.get("put")
    return type(entry.get("gen")) is int and isinstance(put, dict) and all(
        isinstance(d, dict) and isinstance(d.get("code"), str) for d in put.values())


def scrub_journal(path: Path, code: str) -> bool:
    """Drop a customer's follow-ups from a journal (live or kept in a backup)."""
    def without(entry: dict[str, Any], line: bytes) -> bytes | None:
        put = entry.get("put")
        if not isinstance(put, dict):
            return None if code.encode("utf-8") in line else line
        gone = [k for k, d in put.items() if isinstance(d, dict) and d.get("code") == code]
        for k in gone:
            del put[k]
        return dumps(entry) + b"\n" if gone else line

    return rewrite_lines(path, code, without)


# --- the store ---------------------------------------------------------------
