"""Derived data: the customers' ranks of one generation, for one day and one kam.yaml.

`kam due`, `risk` and `list` need every customer's tier; scoring 10,000 customers
is most of their time, and the answer changes only with the archive (a commit),
the day and the settings. The first of them on a day scores and keeps the ranks
in `kam.ranks.json`; the next ones read them. The file is never a source of
truth: it holds no code or name (the ranks are in the order of the customers in
kam.json of that generation), every commit deletes it, and a missing, stale or
damaged one is simply worked out again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from kam.store.files import atomic_write_bytes

FORMAT = 1


def path_for(db: Path) -> Path:
    return db.with_name(db.stem + ".ranks.json")


def key(*parts: Any) -> str:
    """A fingerprint of what the ranks depend on (kam's version, the settings, the day)."""
    return hashlib.sha256(repr((FORMAT, *parts)).encode("utf-8")).hexdigest()


def load(db: Path, gen: int, fingerprint: str, count: int) -> list[tuple[str, float]] | None:
    """The kept ranks, in customer order, if they are for this generation, fingerprint
    and number of customers; else None."""
    try:
        doc = json.loads(path_for(db).read_bytes())
        if doc["gen"] != gen or doc["key"] != fingerprint or len(doc["ranks"]) != count:
            return None
        return [(str(tier), float(score)) for tier, score in doc["ranks"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(db: Path, gen: int, fingerprint: str, ranks: list[tuple[str, float]]) -> None:
    """Keep the ranks; a reader that cannot write (read-only place, full disk) just
    does not keep them."""
    data = json.dumps({"gen": gen, "key": fingerprint, "ranks": ranks},
                      separators=(",", ":")).encode("utf-8")
    with contextlib.suppress(OSError):
        atomic_write_bytes(path_for(db), data)


def drop(db: Path) -> None:
    """Forget the ranks (a commit changed the archive)."""
    with contextlib.suppress(OSError):
        path_for(db).unlink(missing_ok=True)
