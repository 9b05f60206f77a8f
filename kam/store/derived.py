"""Derived data: the daily view of one state of kam.json, for one day, kam.yaml and
language (what kam/ops/view.py works out for every customer: rank, next follow-up,
date reminders, health).

`kam due`, `risk`, `list` and the digest need every customer's tier, and scoring
10,000 customers is most of their time; the answer changes only with the archive,
the day and the settings. The view is kept in `kam.view.json` under the identity of
the kam.json it was built from (inode, size and modification time in nanoseconds,
as fstat gave them while reading it) and a fingerprint of the rest, so that a
reader checks it with one stat, without parsing kam.json. A write patches it for
the customers it changed.

It is never a source of truth: a missing, stale or damaged view is simply worked
out again. It holds names and contact details like kam.json does, so an erasure
deletes it before anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kam.store.files import atomic_write_bytes

FORMAT = 6  # the rows' shape (ops/view.py)
Identity = list[int]
PARTS = 4  # lines a row: the customer, due, risk, score (ops/view.py)


def path_for(db: Path) -> Path:
    return db.with_name(db.stem + ".view.json")


def key(*parts: Any) -> str:
    """A fingerprint of what the view depends on besides kam.json (kam's version, the
    settings, the day, the language)."""
    from kam.cache import digest

    return digest(repr((FORMAT, *parts)).encode("utf-8"))


def identity(st: os.stat_result) -> Identity:
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def identity_of(path: Path) -> Identity | None:
    try:
        return identity(os.stat(path))
    except OSError:
        return None


def load(db: Path, fingerprint: str, source: Identity | None, parts: Sequence[int] = ()
         ) -> list[list[Any]] | None:
    """The kept view's rows if it was built from this kam.json (source) with this
    fingerprint, else None. A row is its PARTS lists; only the first and those asked
    for are read (None in the others' places): each command parses what it shows."""
    found = _read(db, fingerprint, source)
    if found is None:
        return None
    lines = found[1].split(b"\n")[:-1]
    try:
        count = json.loads(found[0])["rows"]
        if len(lines) != count * PARTS:  # a file cut short by hand is not a smaller archive
            return None
        columns = [json.loads(b"[" + b",".join(lines[p::PARTS]) + b"]") if p in (0, *parts)
                   else [None] * count for p in range(PARTS)]
    except (ValueError, KeyError, TypeError):
        return None
    rows = [list(r) for r in zip(*columns, strict=True)]
    if not all(isinstance(r[0], list) and r[0] for r in rows):
        return None
    return rows


def _read(db: Path, fingerprint: str, source: Identity | None) -> tuple[bytes, bytes] | None:
    """(header line, the rows' lines) of the kept view, if it is the one asked for."""
    if source is None:
        return None
    try:
        head, _, body = path_for(db).read_bytes().partition(b"\n")
        doc = json.loads(head)
        if doc["key"] != fingerprint or doc["source"] != source:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return head, body


def save(db: Path, fingerprint: str, source: Identity | None, rows: list[list[Any]]) -> None:
    """Keep the view: a header line, then each row's PARTS lists a line each (so that a
    command reads only the parts it needs, and a write patches a few rows without
    parsing the others). A reader that cannot write (read-only place, full disk) just
    does not keep it."""
    from kam.formats import encoder

    if source is None:
        return
    line = encoder()
    _write(db, fingerprint, source, [line(part).encode("utf-8") for r in rows for part in r])


def _write(db: Path, fingerprint: str, source: Identity, lines: list[bytes]) -> None:
    head = json.dumps({"format": FORMAT, "key": fingerprint, "source": source,
                       "rows": len(lines) // PARTS}).encode("utf-8")
    with contextlib.suppress(OSError):
        atomic_write_bytes(path_for(db), b"\n".join([head, *lines]) + b"\n")


def patch(db: Path, fingerprint: str, before: Identity | None, after: Identity | None,
          changes: dict[str, list[Any] | None]) -> bool:
    """Make the view of kam.json `before` the view of `after`: code -> its new row, or
    None for a customer no longer there. Only the changed rows are touched (a row's
    first line starts with its code). False when there is no view of `before`."""
    from kam.formats import encoder

    found = _read(db, fingerprint, before)
    if found is None or after is None:
        return False
    line = encoder()
    lines = found[1].split(b"\n")[:-1]
    starts = {("[" + line(code) + ",").encode("utf-8"): code for code in changes}
    sizes = {len(k) for k in starts}
    kept: list[bytes] = []
    for at in range(0, len(lines) - PARTS + 1, PARTS):
        first = lines[at]
        code = next((starts[first[:n]] for n in sizes if first[:n] in starts), None)
        if code is None:
            kept += lines[at:at + PARTS]
        elif (row := changes.pop(code)) is not None:
            kept += [line(part).encode("utf-8") for part in row]
    kept += [line(part).encode("utf-8") for row in changes.values() if row is not None
             for part in row]
    _write(db, fingerprint, after, kept)
    return True


def drop(db: Path) -> None:
    """Forget the view (an erasure: it may hold the customer)."""
    with contextlib.suppress(OSError):
        path_for(db).unlink(missing_ok=True)
