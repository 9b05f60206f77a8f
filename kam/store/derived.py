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

FORMAT = 10  # the rows' shape (ops/view.py)
Identity = list[int]
PARTS = 6  # lines a row: the customer, due, risk, score, list, score item (ops/view.py)


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


def load(db: Path, fingerprint: str, source: Identity | None, parts: Sequence[int] = (),
         raw: Sequence[int] = ()) -> list[list[Any]] | None:
    """The kept view's rows if it was built from this kam.json (source) with this
    fingerprint, else None. A row is its PARTS lists; only the first and those asked
    for are read (None in the others' places): each command reads and parses only the
    blocks it shows. The parts in raw come as their JSON text (bytes), not parsed."""
    found = _read_blocks(db, fingerprint, source, {0, *parts, *raw})
    if found is None:
        return None
    count, blocks = found
    try:
        columns = [[None] * count if block is None else
                   _lines(block, count) if p in raw else
                   json.loads(b"[" + block[:-1].replace(b"\n", b",") + b"]") if count else []
                   for p, block in enumerate(blocks)]
    except (ValueError, TypeError):
        return None
    if any(len(c) != count for c in columns):
        return None
    rows = [list(r) for r in zip(*columns, strict=True)]
    if not all(isinstance(r[0], list) and r[0] for r in rows):
        return None
    return rows


def vouches(db: Path, source: Identity | None) -> bool:
    """Whether the kept view was made from this very kam.json (identity source), for
    any day or settings: kam then wrote that file itself or read and checked it, and a
    reader need not check its shape again (an edit by hand changes its identity)."""
    if source is None:
        return False
    try:
        with open(path_for(db), "rb") as f:
            return bool(json.loads(f.readline())["source"] == source)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _header(line: bytes, fingerprint: str, source: Identity) -> tuple[int, list[int]] | None:
    """(rows, each block's size in bytes) if the header is the one asked for."""
    try:
        doc = json.loads(line)
        if doc["key"] != fingerprint or doc["source"] != source:
            return None
        count, sizes = doc["rows"], doc["blocks"]
    except (ValueError, KeyError, TypeError):
        return None
    if (type(count) is not int or not isinstance(sizes, list) or len(sizes) != PARTS
            or not all(type(n) is int and n >= 0 for n in sizes)):
        return None
    return count, sizes


def _read_blocks(db: Path, fingerprint: str, source: Identity | None,
                 wanted: set[int] | None = None) -> tuple[int, list[bytes | None]] | None:
    """(rows, each block's bytes) of the kept view if it is the one asked for; only the
    wanted blocks are read (None in the others' places), each checked to hold a line a
    row (a file cut short by hand is not a smaller archive)."""
    if source is None:
        return None
    try:
        with open(path_for(db), "rb") as f:
            head = _header(f.readline(), fingerprint, source)
            if head is None:
                return None
            count, sizes = head
            blocks: list[bytes | None] = []
            for p, size in enumerate(sizes):
                if wanted is not None and p not in wanted:
                    f.seek(size, os.SEEK_CUR)
                    blocks.append(None)
                    continue
                block = f.read(size)
                if len(block) != size or block.count(b"\n") != count:
                    return None
                blocks.append(block)
    except OSError:
        return None
    return count, blocks


def _lines(block: bytes, count: int) -> list[bytes]:
    return block[:-1].split(b"\n") if count else []


def save(db: Path, fingerprint: str, source: Identity | None, rows: list[list[Any]]) -> None:
    """Keep the view: a header line, then PARTS blocks, each with a line a row for its
    part (so that a command reads only the blocks it needs, and a write patches a few
    rows without parsing the others). A reader that cannot write (read-only place, full
    disk) just does not keep it."""
    from kam.formats import encoder

    if source is None:
        return
    line = encoder()
    _write(db, fingerprint, source,
           [[line(r[p]).encode("utf-8") for r in rows] for p in range(PARTS)])


def _write(db: Path, fingerprint: str, source: Identity, blocks: list[list[bytes]]) -> None:
    body = [b"\n".join(lines) + b"\n" if lines else b"" for lines in blocks]
    head = json.dumps({"format": FORMAT, "key": fingerprint, "source": source,
                       "rows": len(blocks[0]), "blocks": [len(b) for b in body]}
                      ).encode("utf-8")
    with contextlib.suppress(OSError):
        atomic_write_bytes(path_for(db), b"".join([head, b"\n", *body]),
                           durable=False)  # checked on reading, worked out again


def patch(db: Path, fingerprint: str, before: Identity | None, after: Identity | None,
          changes: dict[str, list[Any] | None]) -> None:
    """Make the view of kam.json `before` the view of `after`: code -> its new row, or
    None for a customer no longer there. Only the changed rows are touched (a row's
    line in the first block starts with its code). Nothing when there is no view of
    `before`: the next reader works it out."""
    from kam.formats import encoder

    found = _read_blocks(db, fingerprint, before)
    if found is None or after is None:
        return
    blocks = [_lines(block or b"", found[0]) for block in found[1]]
    line = encoder()
    starts = {("[" + line(code) + ",").encode("utf-8"): code for code in changes}
    sizes = sorted({len(k) for k in starts})
    where: dict[str, int] = {}
    for at, first in enumerate(blocks[0]):
        for n in sizes:
            code = starts.get(first[:n])
            if code is not None:
                where[code] = at
                break
    gone = []
    for code, row in changes.items():
        at = where.get(code, -1)
        if row is None:
            if at >= 0:
                gone.append(at)
            continue
        for p, part in enumerate(row):
            text = line(part).encode("utf-8")
            if at >= 0:
                blocks[p][at] = text
            else:
                blocks[p].append(text)
    for at in sorted(gone, reverse=True):
        for lines in blocks:
            del lines[at]
    _write(db, fingerprint, after, blocks)


def drop(db: Path) -> None:
    """Forget the view (an erasure: it may hold the customer)."""
    with contextlib.suppress(OSError):
        path_for(db).unlink(missing_ok=True)
