"""The audit log: one JSON line per change to a customer, kam.history.jsonl.

Every line carries the generation of the commit that made it. Lines are
appended before the commit point, so a commit that never happened (a crash, a
full disk) leaves lines of a generation the database does not have: the next
writer cuts all of them, however many, and readers never show them.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kam.errors import StoreError
from kam.i18n import t
from kam.store.files import atomic_write_bytes

# Not worth tracing: derived from the log, or the change time itself.
_UNTRACED = {"stats", "updated", "created", "gen"}
_CHUNK = 65536


def dumps(data: Any) -> bytes:
    return _encoder()(data).encode("utf-8")


@functools.cache
def _encoder() -> Callable[[Any], str]:
    """Compact JSON, made once: an import writes a line for each of 10,000 customers."""
    from kam.formats import encoder

    return encoder(compact=True)  # type: ignore[no-any-return]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """field -> [old, new] for each traced field that differs."""
    if not before:  # created: every value it has (an import creates thousands)
        return {k: [None, after[k]] for k in sorted(after)
                if k not in _UNTRACED and after[k] is not None}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if k not in _UNTRACED and before.get(k) != after.get(k)}


@functools.cache  # asked for each history line: an import writes thousands
def os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name (some containers): the uid will do
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


class History:
    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[datetime | None, str] = (None, "")

    def entry(self, now: datetime, gen: int, command: str, code: str, action: str,
              changes: dict[str, list[Any]]) -> dict[str, Any]:
        if self._stamp[0] != now:  # one commit's entries share their time
            self._stamp = (now, now.strftime("%Y-%m-%dT%H:%M:%S"))
        return {"ts": self._stamp[1], "gen": gen, "user": os_user(),
                "command": command, "code": code, "action": action, "changes": changes}

    def drop_uncommitted(self, gen: int) -> int:
        """Cut every line of generation >= gen (and a torn last line: an append cut
        short, without its newline); returns the size. A whole line (ending with its
        newline) that does not parse is damage, not a torn append: it is refused
        (StoreError), never cut.

        Generations only grow along the file, so the lines to cut are its tail:
        it is read backwards, a block at a time, up to the first committed line.
        """
        try:
            f = open(self.path, "rb+")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return 0
        with f:
            size = f.seek(0, os.SEEK_END)
            cut = start = size  # the bytes from cut on go; buf holds [start, cut)
            buf = b""
            while True:
                nl = buf.rfind(b"\n", 0, len(buf) - 1) if buf else -1
                if nl < 0 and start > 0:  # the last line starts in an earlier block
                    step = min(_CHUNK, start)
                    start -= step
                    f.seek(start)
                    buf = f.read(step) + buf
                    continue
                if not buf:
                    break
                line = buf[nl + 1:]
                if line.endswith(b"\n") and self._generation(line) < gen:
                    break  # a whole committed line: what comes before it stays
                if not line.endswith(b"\n") and not line.startswith(b"{"):
                    raise self._damaged()  # not an append cut short: what kam writes
                cut -= len(line)
                buf = buf[:nl + 1]
            if cut < size:
                f.truncate(cut)
                f.flush()
                os.fsync(f.fileno())
        return cut

    def _generation(self, line: bytes) -> int:
        """The generation of a whole line; a line that does not parse is damage."""
        try:
            return int(json.loads(line).get("gen", 0))
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, TypeError,
                ValueError, RecursionError):
            raise self._damaged() from None

    def _damaged(self) -> StoreError:
        return StoreError(t("{path} is damaged (a whole line near its end does not parse); "
                            "kam has not changed it. Restore a backup with `kam restore`, "
                            "or repair the file by hand", path=self.path))

    def truncate(self, size: int) -> None:
        try:
            os.truncate(self.path, size)
        except OSError:
            pass

    def append(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                     | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "ab") as f:
            f.write(b"".join(dumps(x) + b"\n" for x in entries))
            f.flush()
            os.fsync(f.fileno())

    def read(self, up_to_gen: int, code: str | None = None,
             check: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Committed entries, oldest first (for one customer, or all).

        A line torn by a crash mid-append never committed: it is skipped. Only the last
        line can be one (without its newline, the start of what kam writes): any other
        line that is unreadable, or that check refuses, is damage (StoreError naming the
        line), never skipped without a word.
        """
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        lines = raw.splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict) or (check is not None and not check(entry)):
                    raise ValueError(line)
            except (ValueError, RecursionError):
                if n < len(lines) or raw.endswith(b"\n") or not line.startswith(b"{"):
                    raise StoreError(t("{path} is damaged (line {line}); kam has not changed "
                                       "it. Restore a backup with `kam restore`",
                                       path=self.path, line=n)) from None
                continue
            if not isinstance(entry.get("gen", 0), int) or entry.get("gen", 0) > up_to_gen:
                continue
            if code is None or entry.get("code") == code:
                out.append(entry)
        return out

    def scrub(self, code: str) -> bool:
        """Remove every line about a customer but its erasure tombstone; True if any went."""
        def keep(entry: Any, line: bytes) -> bytes | None:
            about = entry.get("code") == code and entry.get("action") != "erased"
            return None if about else line

        return rewrite_lines(self.path, code, keep)


def rewrite_lines(path: Path, code: str, change: Callable[[dict[str, Any], bytes], bytes | None]
                  ) -> bool:
    """Scrub a customer from a JSON-lines file (the history, a journal): change(entry,
    line) gives each readable line's replacement, None to drop it; an unreadable line
    (torn by a crash) that holds the code goes. A new file replaces it atomically (a
    hard link elsewhere keeps its own copy). True if anything changed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    kept = []
    for line in raw.splitlines(keepends=True):
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            entry = None
        if not isinstance(entry, dict):
            new: bytes | None = None if code.encode("utf-8") in line else line
        else:
            new = change(entry, line)
        if new is not None:
            kept.append(new)
    changed = kept != raw.splitlines(keepends=True)
    if changed:
        atomic_write_bytes(path, b"".join(kept))
    return changed
