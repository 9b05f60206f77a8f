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
from pathlib import Path
from typing import Any

from kam.store.files import atomic_write_bytes

FORMAT = 4  # the rows' shape (ops/view.py)
Identity = list[int]


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


def load(db: Path, fingerprint: str, source: Identity | None) -> dict[str, Any] | None:
    """The kept view if it was built from this kam.json (source) with this fingerprint."""
    if source is None:
        return None
    try:
        doc = json.loads(path_for(db).read_bytes())
        if doc["key"] != fingerprint or doc["source"] != source or not isinstance(
                doc["rows"], list):
            return None
        return doc  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(db: Path, fingerprint: str, source: Identity | None, doc: dict[str, Any]) -> None:
    """Keep the view; a reader that cannot write (read-only place, full disk) just
    does not keep it."""
    if source is None:
        return
    data = json.dumps({**doc, "key": fingerprint, "source": source}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    with contextlib.suppress(OSError):
        atomic_write_bytes(path_for(db), data)


def drop(db: Path) -> None:
    """Forget the view (an erasure: it may hold the customer)."""
    with contextlib.suppress(OSError):
        path_for(db).unlink(missing_ok=True)
