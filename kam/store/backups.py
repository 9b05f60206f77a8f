"""Backups kept before every commit: hard links to the files about to be replaced,
copies of the files appended to in place.

os.replace gives a replaced file a new inode, so the link keeps the old version
at no cost in time; it costs the disk space of that version while it is kept. A
file kam appends to (the follow-up journal) keeps its inode: a link would be the live
file itself, and anything done to it in place would reach every backup, so it is
copied.
A backup is named GEN-YYYYmmddTHHMMSS.SUFFIX, GEN being the generation it holds.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kam.store.files import atomic_write_bytes, remove_temp_files

STAMP = "%Y%m%dT%H%M%S"


class Backups:
    def __init__(self, directory: Path, sources: dict[str, Path], appended: set[str]):
        self.dir = directory
        self.sources = sources  # suffix -> live file
        self.appended = appended  # the suffixes of files changed in place: copied

    def make(self, gen: int, now: datetime, label: str = "", touched: Sequence[str] = ()
             ) -> None:
        """Keep the live files as the backup of generation gen; label: the command (and
        batch) whose change it precedes; touched: the customers that change touches (a
        second line of the label file, read by list())."""
        stamp = now.strftime(STAMP)
        if label and self.sources and any(src.exists() for src in self.sources.values()):
            self.dir.mkdir(mode=0o700, exist_ok=True)
            text = label.replace("\n", " ") + ("\n" + " ".join(touched) if touched else "")
            atomic_write_bytes(self.dir / f"{gen}-{stamp}.label", text.encode("utf-8"))
        for suffix, src in self.sources.items():
            if not src.exists():
                continue
            self.dir.mkdir(mode=0o700, exist_ok=True)
            dst = self.dir / f"{gen}-{stamp}.{suffix}"
            if dst.exists():
                continue
            # A hard link shares the file's permissions: a kam.json the user made (0644)
            # is copied, so that every backup is the owner's alone (0600).
            if suffix not in self.appended and not src.stat().st_mode & 0o077:
                try:
                    os.link(src, dst)
                    continue
                except OSError:  # no hard links here (some network or FAT disks): copy
                    pass
            atomic_write_bytes(dst, src.read_bytes())

    def list(self) -> list[dict[str, Any]]:
        """Backups, oldest first: id (the generation they hold), time, files, size."""
        found: dict[int, dict[str, Any]] = {}
        if not self.dir.exists():
            return []
        for f in self.dir.iterdir():
            head, _, rest = f.name.partition("-")
            if not head.isdigit():
                continue
            b = found.setdefault(int(head), {"id": int(head), "time": rest.split(".")[0],
                                             "files": [], "bytes": 0, "label": "",
                                             "touched": []})
            if f.suffix == ".label":
                label, _, touched = f.read_text(encoding="utf-8", errors="replace").partition(
                    "\n")
                b["label"], b["touched"] = label, touched.split()
                b["files"].append(f)
                continue
            b["files"].append(f)
            b["bytes"] += f.stat().st_size
        return [found[k] for k in sorted(found)]

    def files(self, backup_id: int) -> dict[str, Path] | None:
        """suffix -> file of one backup; None when there is no such backup."""
        chosen = next((b for b in self.list() if b["id"] == backup_id), None)
        if chosen is None:
            return None
        return {f.name.split(".", 1)[1]: f for f in chosen["files"] if f.suffix != ".label"}

    def rotate(self, keep_newest: int, days: int, now: datetime) -> None:
        found = self.list()
        kept = set(keep_backups([(b["id"], b["time"]) for b in found], keep_newest, days,
                                now.strftime(STAMP)))
        for b in found:
            if b["id"] not in kept:
                for f in b["files"]:
                    with contextlib.suppress(OSError):
                        f.unlink()

    def forget(self, code: str) -> None:
        """Take an erased customer's code out of every backup's label: the command it came
        before (edit KH1) and the customers it touched."""
        for b in self.list():
            words = b["label"].split(" ")
            if code in b["touched"] or code in words:  # in the list, or in the command
                rest = [c for c in b["touched"] if c != code]
                head = " ".join(w for w in words if w != code)
                text = head + ("\n" + " ".join(rest) if rest else "")
                label = next(f for f in b["files"] if f.suffix == ".label")
                atomic_write_bytes(label, text.encode("utf-8"))

    def scrub(self, scrub_file: Callable[[Path], bool]) -> int:
        """Apply scrub_file to every backup file (it rewrites or removes); files touched."""
        if not self.dir.exists():
            return 0
        remove_temp_files(self.dir)  # a killed scrub's half-written copies
        touched = 0
        for b in self.list():
            for f in b["files"]:
                if f.suffix != ".label" and scrub_file(f):
                    touched += 1
        return touched


def keep_backups(backups: list[tuple[int, str]], newest: int, days: int, now: str) -> list[int]:
    """Which backups rotation keeps: the newest N, and the first of each of the last days
    (the state the day began with), so that a burst of commands cannot flush yesterday.

    backups are (id, time as YYYYmmddTHHMMSS). Pure, so it is tested with tables.
    """
    keep = {i for i, _ in sorted(backups, reverse=True)[:newest]}
    ordered = sorted(backups)
    today = _day(now) if len(now) == 15 and now[8] == "T" and now[9:].isdigit() else None
    if today is None:
        return sorted(keep)
    seen_days: set[str] = set()
    for i, t in ordered:
        day = t[:8]
        when = _day(day)
        if when is None:
            continue
        age = (today - when).days
        if age < days and day not in seen_days:
            seen_days.add(day)
            keep.add(i)
    return sorted(keep)


def _day(stamp: str) -> date | None:
    """The day a stamp (YYYYmmdd...) begins with; None if it is not one (datetime's
    strptime would import _strptime, locale and their patterns on every write)."""
    digits = stamp[:8]
    if not (len(digits) == 8 and digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
