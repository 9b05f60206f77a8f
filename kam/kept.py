"""The names of the extra columns where kam keeps a value it did not take.

Nothing a user typed or imported is dropped: a value an import or a merge replaces, or a
word kam does not know, stays in the customer's extras under one of these names, findable
in `show` and JSON. They are bookkeeping, not the boss's columns: an export leaves them
out unless asked (`--all-columns`).
"""

from __future__ import annotations

import re
from collections.abc import Collection

_ROW = re.compile(r" \(row \d+\)$")
_RAW = "(原值)"
_MERGED = re.compile(r" \(([^()]+)\)$")


def replaced(header: str, row: int | str) -> str:
    """A value a later row of the same file replaced (or a continuation row held)."""
    return f"{header} (row {row})"


def raw(header: str) -> str:
    """The sheet's own word where kam took something else, e.g. 客户价值等级(原值)."""
    return f"{header}{_RAW}"


def merged(header: str, code: str) -> str:
    """The value of the customer CODE that a merge did not keep."""
    return f"{header} ({code})"


def is_kept(header: str, merged_codes: Collection[str] = ()) -> bool:
    """Whether an extra column is one of kam's kept values (merged_codes: the codes
    merges have folded into others, case-folded: the keys of the archive's aliases)."""
    if header.endswith(_RAW) or _ROW.search(header):
        return True
    m = _MERGED.search(header)
    return bool(m and m.group(1).casefold() in merged_codes)
