"""Derived data: the daily view of one state of kam.json, for one day, kam.yaml and
language (what kam/ops/view.py works out for every customer: rank, next follow-up,
date reminders, health).

`kam due`, `risk`, `list` and the digest need every customer's tier, and scoring
10,000 customers is most of their time; the answer changes only with the archive,
the day and the settings. The view is kept in `kam.view.json` under the identity of
the kam.json it was built from (its size and a hash of its content: an edit that
keeps the size and puts the modification time back is seen too) and a fingerprint
of the rest, so that a reader checks it by hashing kam.json, without parsing it.
A write keeps the rows of the customers it changed beside it
(`kam.view.changes.json`, see Changes), which readers apply; they are folded into
the view when they grow past a fiftieth of it.

Beside the rows, the view keeps INDEXES answers in their order (`kam due`'s items,
the customers `kam risk` may list, the digest's contact lines): the entries' keys
(what choosing and ordering them needs, the customer's code last) as one JSON list
in one block, and their items, as JSON, a line each in another. A command without a
filter reads its answer there, in order, without making a row of every customer or
sorting them; a reader or a fold moves the entries of the changed customers into
place (merged). Each block carries its CRC-32.

It is never a source of truth: a missing, stale or damaged view is simply worked
out again. It holds names and contact details like kam.json does, so an erasure
deletes it (and its changes) before anything else.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kam.store.files import atomic_save, atomic_write_bytes, open_regular, try_locked

FORMAT = 15  # the rows' shape (ops/view.py) and the identity's
Identity = list[Any]  # [size, hash of the content]
PARTS = 6  # lines a row: the customer, due, risk, score, list, score item (ops/view.py)
INDEXES = 3  # answers kept in order: due's items, risk's customers, contacts (ops/view.py)
Entry = tuple[list[Any], bytes]  # an index's entry: its key (the code last), its item
Index = tuple[list[list[Any]], list[bytes]]  # an index's keys and items, in its order


def path_for(db: Path) -> Path:
    return db.with_name(db.stem + ".view.json")


def _digest(raw: bytes) -> str:
    """64 bits of checksum (CRC-32 and Adler-32): any edit shows, a same-length one too.
    Not a defence against someone crafting a file (who could write the view itself), and
    zlib is in memory before hashlib would have loaded OpenSSL."""
    import zlib

    return f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}"


def key(*parts: Any) -> str:
    """A fingerprint of what the view depends on besides kam.json (kam's version, the
    settings, the day, the language)."""
    return _digest(repr((FORMAT, *parts)).encode("utf-8"))


def identity(raw: bytes) -> Identity:
    """What a kam.json is, for the view: its size and a checksum of its bytes."""
    return [len(raw), _digest(raw)]


def identity_of(path: Path) -> Identity | None:
    try:
        with open_regular(path) as f:
            return identity(f.read())
    except OSError:
        return None


def load(db: Path, fingerprint: str, source: Identity | None, parts: Sequence[int] = (),
         raw: Sequence[int] = ()) -> list[list[Any]] | None:
    """The kept view's rows if it was built from this kam.json (source) with this
    fingerprint, else None. A row is its PARTS lists; only the first and those asked
    for are read (None in the others' places): each command reads and parses only the
    blocks it shows. The parts in raw come as their JSON text (bytes), not parsed."""
    wanted = {0, *parts, *raw}
    found = _read_blocks(db, fingerprint, source, wanted)
    if found is None:
        return None
    _base, count, blocks, changes = found
    try:
        columns = [[None] * count if block is None else
                   _lines(block, count) if p in raw else
                   json.loads(b"[" + block[:-1].replace(b"\n", b",") + b"]") if count else []
                   for p, block in enumerate(blocks)]
        if changes.size():
            count, columns = changes.apply(columns, lambda p, line: (
                None if p not in wanted else line if p in raw else json.loads(line)))
    except (ValueError, TypeError):
        return None
    if any(len(c) != count for c in columns):
        return None
    rows = [list(r) for r in zip(*columns, strict=True)]
    if not all(isinstance(r[0], list) and r[0] for r in rows):
        return None
    return rows


def vouches(db: Path, source: Identity | None) -> bool:
    """Whether the kept view (or its changes) was made from this very kam.json
    (identity source), for any day or settings: kam then wrote that file itself or read
    and checked it, and a reader need not check its shape again (an edit by hand
    changes its identity)."""
    if source is None:
        return False
    for path in (path_for(db), changes_path(db)):
        try:
            with open_regular(path, follow=False) as f:
                if json.loads(f.readline())["source"] == source:
                    return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return False


Block = list[int]  # [its size in bytes, its CRC-32]


def _header(line: bytes, fingerprint: str
            ) -> tuple[Identity, int, list[Block], list[int]] | None:
    """(source, rows, each block's [size, CRC-32] (the PARTS blocks of rows, then each
    index's keys and items), each index's entries) if the header is of this
    fingerprint."""
    try:
        doc = json.loads(line)
        if doc["key"] != fingerprint:
            return None
        source, count, blocks, entries = (doc["source"], doc["rows"], doc["blocks"],
                                          doc["entries"])
    except (ValueError, KeyError, TypeError):
        return None
    if (type(count) is not int or not isinstance(blocks, list)
            or len(blocks) != PARTS + 2 * INDEXES
            or not all(isinstance(b, list) and len(b) == 2
                       and all(type(n) is int and n >= 0 for n in b) for b in blocks)
            or not isinstance(entries, list) or len(entries) != INDEXES
            or not all(type(n) is int and n >= 0 for n in entries)):
        return None
    return source, count, blocks, entries


def _block(f: Any, block: Block, lines: int) -> bytes | None:
    """A block read from f, if it is whole: its size, its CRC and a line for each of
    its rows or entries (a file cut short or changed by hand is not a smaller archive)."""
    import zlib

    size, crc = block
    data = f.read(size)
    if len(data) != size or data.count(b"\n") != lines or zlib.crc32(data) != crc:
        return None
    return data  # type: ignore[no-any-return]


def _read(db: Path, fingerprint: str, source: Identity | None, wanted: set[int]
          ) -> tuple[Identity, int, list[bytes | None], list[int], Changes] | None:
    """(the kam.json the kept view was made from, its rows, each block's bytes, each
    index's entries, the changes that make it the view of `source`: none when it was
    made from that very file, else those kept since, see Changes) if the view asked for
    is there. Blocks are numbered as the file holds them (PARTS blocks of rows, then
    each index's keys and items); only the wanted ones are read (None in the others'
    places), each checked (_block)."""
    if source is None:
        return None
    try:
        with open_regular(path_for(db), follow=False) as f:
            head = _header(f.readline(), fingerprint)
            if head is None:
                return None
            base, count, sizes, entries = head
            changes = _changes(db, fingerprint, base, count, source)
            if changes is None:
                return None
            blocks: list[bytes | None] = []
            for at, block in enumerate(sizes):
                if at not in wanted:
                    f.seek(block[0], os.SEEK_CUR)
                    blocks.append(None)
                    continue
                which, is_items = divmod(at - PARTS, 2)
                data = _block(f, block, count if at < PARTS else
                              entries[which] if is_items else 1)
                if data is None:
                    return None
                blocks.append(data)
    except OSError:
        return None
    return base, count, blocks, entries, changes


def _read_blocks(db: Path, fingerprint: str, source: Identity | None,
                 wanted: set[int] | None = None
                 ) -> tuple[Identity, int, list[bytes | None], Changes] | None:
    """_read of the rows' blocks (the wanted ones, or all)."""
    found = _read(db, fingerprint, source, set(range(PARTS)) if wanted is None else wanted)
    if found is None:
        return None
    base, count, blocks, _entries, changes = found
    return base, count, blocks[:PARTS], changes


def _changes(db: Path, fingerprint: str, base: Identity, count: int, source: Identity
             ) -> Changes | None:
    """The changes that make the view of kam.json `base` (of count rows) the view of
    `source`: none when they are the same file."""
    changes = Changes(source, count) if base == source else \
        Changes.read(db, fingerprint, base, count)
    return changes if changes is not None and changes.source == source else None


def _lines(block: bytes, count: int) -> list[bytes]:
    return block[:-1].split(b"\n") if count else []


def _keys(block: bytes, count: int) -> list[list[Any]]:
    """An index's keys: one JSON list on one line (all are read, so one encoding and
    one parse), each a list whose last value is the customer's code."""
    keys = json.loads(block)
    if (type(keys) is not list or len(keys) != count
            or not all(type(k) is list and k and type(k[-1]) is str for k in keys)):
        raise ValueError("not an index's keys")
    return keys


def load_indexes(db: Path, fingerprint: str, source: Identity | None, wanted: Sequence[int]
                 ) -> tuple[dict[int, Index], Changes] | None:
    """The wanted indexes of the kept view of this fingerprint, as kept (keys parsed,
    items as their JSON text), and the changes since that the reader merges (merged),
    if the view asked for is there; else None."""
    found = _read(db, fingerprint, source,
                  {PARTS + 2 * which + half for which in wanted for half in (0, 1)})
    if found is None:
        return None
    _base, _count, blocks, entries, changes = found
    try:
        return {which: (_keys(blocks[PARTS + 2 * which] or b"", entries[which]),
                        _lines(blocks[PARTS + 2 * which + 1] or b"", entries[which]))
                for which in wanted}, changes
    except ValueError:
        return None


def merged(index: Index, gone: set[str], entries: Sequence[Entry], order: Any) -> Index:
    """The index without the entries of the customers in gone, with these entries in
    their places (order: an entry's key -> what it sorts by)."""
    import bisect

    keys, items = index
    if gone:
        kept = [at for at, k in enumerate(keys) if k[-1] not in gone]
        keys, items = [keys[at] for at in kept], [items[at] for at in kept]
    else:
        keys, items = list(keys), list(items)
    for key, item in entries:
        at = bisect.bisect(keys, order(key), key=order)
        keys.insert(at, key)
        items.insert(at, item)
    return keys, items


def ordered_index(entries: list[Entry], order: Any) -> Index:
    """An index of entries (key, item as its JSON text), in order."""
    entries.sort(key=lambda e: order(e[0]))
    return [k for k, _ in entries], [item for _, item in entries]


def save(db: Path, fingerprint: str, source: Identity | None, rows: list[list[Any]],
         indexes: Sequence[Index]) -> None:
    """Keep the view: a header line, then PARTS blocks, each with a line a row for its
    part (so that a command reads only the blocks it needs, and a write patches a few
    rows without parsing the others), then each index's keys and items. Readers work
    it out, so it is written only under the writers' lock, had at once, and only while
    kam.json is still the one it was made from: a view of a state a writer has since
    replaced (an erasure above all) never lands. A reader that cannot write (read-only
    place, full disk) just does not keep it."""
    from kam.formats import encoder

    if source is None:
        return
    line = encoder()
    blocks = [[line(r[p]).encode("utf-8") for r in rows] for p in range(PARTS)]
    with try_locked(db.with_name(db.name + ".lock")) as mine:
        if mine and identity_of(db) == source:
            _write(db, fingerprint, source, blocks, indexes)


def _write(db: Path, fingerprint: str, source: Identity, blocks: list[list[bytes]],
           indexes: Sequence[Index]) -> None:
    import zlib

    from kam.formats import encoder

    line = encoder()

    def joined(lines: list[bytes]) -> bytes:
        return b"\n".join(lines) + b"\n" if lines else b""

    body = [joined(lines) for lines in blocks]
    for keys, items in indexes:
        body += [line(keys).encode("utf-8") + b"\n", joined(items)]
    head = json.dumps({"format": FORMAT, "key": fingerprint, "source": source,
                       "rows": len(blocks[0]), "blocks": [[len(b), zlib.crc32(b)] for b in body],
                       "entries": [len(keys) for keys, _ in indexes]}).encode("utf-8")
    def save(tmp: str) -> None:  # block by block: the view is never in memory twice
        with open(tmp, "wb") as f:
            f.write(head + b"\n")
            for block in body:
                f.write(block)

    with contextlib.suppress(OSError):
        atomic_save(path_for(db), save, durable=False)  # checked on reading, worked out again


def _start(code: str) -> bytes:
    """How the line of the customer part of the code's row starts."""
    return ("[" + json.dumps(code, ensure_ascii=False) + ",").encode("utf-8")


def changes_path(db: Path) -> Path:
    return db.with_name(db.stem + ".view.changes.json")


# The changes are folded into the view when they hold more rows than this, or than
# the view's rows / FOLD_SHARE: each write rewrites them, each reader applies them.
FOLD_MIN, FOLD_SHARE = 50, 50


class Changes:
    """The rows writes changed since the view was kept (kam.view.changes.json), so that
    a write costs what it changed, not a rewrite of the whole view: which rows of the
    view (base) are replaced or gone, and the rows added, making the view of the
    kam.json of identity source. Its header names the view it applies to (key and
    base: the view's fingerprint and source); then each changed row as its place in
    the view (-1 for a row added) and code, and its PARTS lines. Written whole by each
    write, atomically; anything that does not fit is ignored (the view is worked out
    again)."""

    def __init__(self, source: Identity, count: int, gone: set[int] | None = None,
                 rows: dict[str, tuple[int, list[bytes]]] | None = None,
                 dropped: set[str] | None = None):
        self.source, self.count = source, count
        self.gone = gone or set()
        self.rows = rows or {}  # code -> (place in the view or -1, its PARTS lines)
        self.dropped = dropped or set()  # the codes of the rows gone (their index entries)

    @classmethod
    def read(cls, db: Path, fingerprint: str, base: Identity, count: int) -> Changes | None:
        try:
            with open_regular(changes_path(db), follow=False) as f:
                head, *lines = f.read().split(b"\n")
            doc = json.loads(head)
            if doc["key"] != fingerprint or doc["base"] != base or doc["rows"] != count:
                return None
            source, gone, n = doc["source"], doc["gone"], doc["changed"]
            dropped = doc["dropped"]
            if (lines[-1:] != [b""] or type(n) is not int or len(lines) != n * (PARTS + 1) + 1
                    or not isinstance(gone, list)
                    or not all(type(at) is int and 0 <= at < count for at in gone)
                    or not isinstance(dropped, list)
                    or not all(type(code) is str for code in dropped)):
                return None
            rows = {}
            for i in range(0, n * (PARTS + 1), PARTS + 1):
                at, code = json.loads(lines[i])
                if (type(at) is not int or not -1 <= at < count or type(code) is not str
                        or not lines[i + 1].startswith(_start(code))):  # another's row
                    return None
                rows[code] = (at, lines[i + 1:i + 1 + PARTS])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        places = [at for at, _ in rows.values() if at >= 0]
        if len(set(places)) != len(places) or set(places) & set(gone) or len(rows) != n:
            return None
        return cls(source, count, set(gone), rows, set(dropped))

    def write(self, db: Path, fingerprint: str, base: Identity) -> None:
        head = json.dumps({"format": FORMAT, "key": fingerprint, "base": base,
                           "source": self.source, "rows": self.count,
                           "gone": sorted(self.gone), "dropped": sorted(self.dropped),
                           "changed": len(self.rows)}, ensure_ascii=False)
        body = [head.encode("utf-8")]
        for code, (at, lines) in self.rows.items():
            body += [json.dumps([at, code], ensure_ascii=False).encode("utf-8"), *lines]
        with contextlib.suppress(OSError):
            atomic_write_bytes(changes_path(db), b"\n".join(body) + b"\n", durable=False)

    def change(self, code: str, at: int, lines: list[bytes] | None) -> None:
        """The customer code (at its place in the view, -1 if not there) now has the row
        of these lines, or none (lines None)."""
        was = self.rows.get(code)
        if was is not None:
            at = was[0]
        elif at in self.gone:
            at = -1  # gone from the view and back: added again, at the end
        if lines is None:
            self.rows.pop(code, None)
            self.dropped.add(code)
            if at >= 0:
                self.gone.add(at)
        else:
            self.rows[code] = (at, lines)

    def size(self) -> int:
        return len(self.rows) + len(self.gone)

    def index(self, index: Index, which: int, entries_of: Any, order: Any) -> Index:
        """The index `which` of the view (as kept) with these changes: the entries of
        the customers changed or gone taken out, those of the rows changed put in
        (entries_of(a row's PARTS lines) -> each index's entries)."""
        if not self.size():
            return index
        new = [e for _, lines in self.rows.values() for e in entries_of(lines)[which]]
        return merged(index, self.dropped | set(self.rows), new, order)

    def apply(self, columns: list[list[Any]], convert: Any) -> tuple[int, list[list[Any]]]:
        """(rows, columns) of the view's columns (a list a part, a value a row) with the
        changes made; convert(part, line) is a changed row's value in a column."""
        added = []
        for at, lines in self.rows.values():
            values = [convert(p, line) for p, line in enumerate(lines)]
            if at < 0:
                added.append(values)
                continue
            for column, value in zip(columns, values, strict=True):
                column[at] = value
        if self.gone:
            gone = self.gone
            columns = [[v for at, v in enumerate(column) if at not in gone]
                       for column in columns]
        for values in added:
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        return len(columns[0]), columns


def patch(db: Path, fingerprint: str, before: Identity | None, after: Identity | None,
          changes: dict[str, list[Any] | None], entries_of: Any, orders: Sequence[Any]
          ) -> None:
    """Make the view of kam.json `before` the view of `after`: code -> its new row, or
    None for a customer no longer there. Only the changed rows are written, to the
    view's changes (Changes), folded into the view when they grow past a fiftieth of
    it (entries_of and orders: see Changes.index). Nothing when there is no view of
    `before`: the next reader works it out."""
    from kam.formats import encoder

    found = _read_blocks(db, fingerprint, before, {0})
    if found is None or after is None:
        return
    base, count, blocks, kept = found
    kept.source = after
    line = encoder()
    starts = {_start(code): code for code in changes}
    lengths = sorted({len(k) for k in starts})
    where: dict[str, int] = {}
    for at, text in enumerate(_lines(blocks[0] or b"", count)):
        for n in lengths:
            code = starts.get(text[:n])
            if code is not None:
                where[code] = at
                break
    for code, row in changes.items():
        kept.change(code, where.get(code, -1),
                    None if row is None else [line(part).encode("utf-8") for part in row])
    if kept.size() <= max(FOLD_MIN, count // FOLD_SHARE):
        kept.write(db, fingerprint, base)
        return
    whole = _read_blocks(db, fingerprint, base)  # fold: the view written whole again
    if whole is None:
        return
    lines = [_lines(block or b"", count) for block in whole[2]]
    kept_indexes = load_indexes(db, fingerprint, base, range(INDEXES))
    if kept_indexes is None:
        return
    indexes = [kept.index(kept_indexes[0][which], which, entries_of, order)
               for which, order in enumerate(orders)]
    _write(db, fingerprint, after, kept.apply(lines, lambda p, text: text)[1], indexes)
    with contextlib.suppress(OSError):
        changes_path(db).unlink(missing_ok=True)


def drop(db: Path) -> None:
    """Forget the view, its changes and the completion words (an erasure: they may hold
    the customer)."""
    from kam.store.words import words_path

    for path in (path_for(db), changes_path(db), words_path(db)):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
