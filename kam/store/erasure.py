"""Erasing a customer completely (store/db.py's docstring has the protocol): the
tombstones that keep an erased person from coming back, the erasure itself, and the
scrubbing of the history, the journal and every backup once it is committed. A part of
Store (a mixin): it works on the store's tables."""

from __future__ import annotations

import contextlib
import functools
import os
from typing import TYPE_CHECKING, Any

from kam.errors import StoreError
from kam.i18n import t
from kam.store import derived
from kam.store.storage import AtomicJSONStorage
from kam.store.tables import BATCHES, ERASING, META, meta_of, scrub_journal, scrub_tables

if TYPE_CHECKING:
    from pathlib import Path


def scrub_file(path: Path, code: str) -> bool:
    """Scrub one stored copy in place; a copy kam cannot read is removed. True if touched."""
    if path.suffix == ".jsonl":
        return scrub_journal(path, code)
    try:
        data = AtomicJSONStorage(path).read() or {}
    except StoreError:
        with contextlib.suppress(OSError):
            path.unlink()  # a damaged copy must not keep the data
        return True
    if not scrub_tables(data, code):
        return False
    path.unlink()  # maybe a hard link to another backup: write a new file, never through it
    AtomicJSONStorage(path).write(data)  # in kam's own layout, as the live file
    return True


class Erasure:
    """Store's erasure methods."""

    _tables: Any
    _erased: set[str]
    _dirty: bool

    def _tombstone(self, code: str) -> str:
        import hashlib

        salt = str(meta_of(self._tables).get("salt", ""))
        return hashlib.sha256((salt + code.casefold()).encode("utf-8")).hexdigest()[:32]

    def erased_person(self, name: str, contact_info: str) -> str | None:
        """The day a person with this name and one of these phones or emails was erased,
        if one was (kam keeps only salted hashes of privacy.identity_keys)."""
        from kam.privacy import identity_keys

        people = meta_of(self._tables).get("erased_people") or {}
        found = [people[k] for k in map(self._tombstone, identity_keys(name, contact_info))
                 if k in people] if people else []
        return min(found) if found else None

    def erased_on(self, code: str) -> str | None:
        """The day a customer with this code was erased, if it was (kam keeps only a salted
        hash of the code)."""
        stones = meta_of(self._tables).get("tombstones") or {}
        return stones.get(self._tombstone(code)) if stones else None

    def erase(self, code: str) -> None:  # type: ignore[misc]
        """Erase a customer completely: here, in the log and batches now; on commit,
        in the history and every backup (see the module's docstring)."""
        from kam.privacy import identity_keys

        gone = self.find(code)
        self.remove(code)
        self.remove_interactions(lambda i: i.code != code)
        scrub_tables({BATCHES: self._tables[BATCHES]}, code)
        self._erased.add(code)
        meta = self._tables[META]["1"]
        # a tombstone without personal data, so that an old sheet does not bring it back
        meta.setdefault("salt", os.urandom(16).hex())
        day = self.now.date().isoformat()
        meta.setdefault("tombstones", {})[self._tombstone(code)] = day
        if gone is not None:  # and who it was, as hashes: a sheet without codes is caught
            infos = [gone.contact_info, *(c.contact_info for c in gone.contacts)]
            people = meta.setdefault("erased_people", {})
            for name in {gone.name, gone.contact}:
                for info in infos:
                    for key in identity_keys(name, info or ""):
                        people[self._tombstone(key)] = day
        erasing = self._tables[META]["1"].setdefault(ERASING, [])
        if code not in erasing:
            erasing.append(code)
        self._dirty = True

    def _finish_erasures(self) -> None:
        """Scrub every erased customer from the history and all stored copies, then
        clear the record. Idempotent: a kill midway leaves it for the next writer."""
        erasing = list(meta_of(self._tables).get(ERASING, []))
        if not erasing:
            return
        try:
            derived.drop(self.path)
            for code in erasing:
                self.history.scrub(code)
                scrub_file(self.journal.path, code)
                self.backup_set.scrub(functools.partial(scrub_file, code=code))
                self.backup_set.forget(code)
                for old in self.path.parent.glob(f"{self.path.name}.v*.bak"):
                    scrub_file(old, code)
            del self._tables[META]["1"][ERASING]
            AtomicJSONStorage(self.path).write(self._tables)
        except OSError as e:
            raise StoreError(t("the erasure of {value} is recorded but could not be finished "
                               "({strerror}); the next kam command that writes finishes it",
                               value=', '.join(erasing), strerror=e.strerror)) from None

    @property
    def erasing(self) -> list[str]:
        return list(meta_of(self._tables).get(ERASING, []))
