"""The database: the only module that imports tinydb.

Two TinyDB files:
- ``kam.json``: customers (with the aggregates the daily commands need), import
  batches and ``_meta`` (schema version, commit generation, erasures under
  way), written a table a line and a customer a line (dumps_tables), every
  document encoded on every commit. The daily commands read the
  daily view built from it (store/derived.py), not the file itself.
- ``kam.interactions.json``: the follow-up log, read only by the commands that
  need the history (show, search, import, undo, review).
- ``kam.interactions.journal.jsonl``: follow-ups added since the log was last
  written whole, one line per commit ``{"gen": G, "put": {id: doc}}``. `kam log`
  appends a line instead of rewriting the log; a commit that removes follow-ups,
  or finds the journal past a quarter of the log, writes the log whole (compaction)
  and removes the journal. The log is its last full write plus the journal's lines
  of later generations up to kam.json's.

Every write replaces a file atomically (store/files.py), or appends to the
journal with an fsync before the commit point. A command that rewrites the log
commits in two phases: the new log goes to ``kam.interactions.json.pending``,
then ``kam.json`` is replaced (the commit point: its generation now matches the
pending log), then the pending log is renamed into place. An interrupted commit
is rolled forward or back by the next writer, which also cuts journal lines of
generations that never committed; so a crash leaves the state before or after a
command, never a mix. Readers read the journal before the log: a log renamed
into place after that read has a newer generation, and they start again.

Erasing a customer is part of the protocol: the commit point records the
erasure as under way; the history, the backups and old migration copies are
then scrubbed, and only then is the record cleared. A writer that finds an
erasure under way (a kill, a full disk) finishes it before anything else.

Writers hold an exclusive lock on ``kam.json.lock`` for the whole command;
readers take no lock (os.replace gives them a consistent snapshot).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from kam.errors import NotFound, StoreError
from kam.i18n import t
from kam.models import Customer, Interaction
from kam.store import derived
from kam.store.backups import Backups
from kam.store.files import (
    NotRegular,
    atomic_write_bytes,
    fsync_dir,
    lock_timeout,
    locked,
    open_regular,
    remove_temp_files,
)
from kam.store.history import History, diff
from kam.store.layout import JOURNAL, check_path, require_database
from kam.store.tables import (
    BATCHES,
    CUSTOMERS,
    ERASING,
    INTERACTIONS,
    META,
    MIGRATIONS,
    SCHEMA_VERSION,
    Tables,
    apply_journal,
    check_log,
    check_shape,
    docs_with,
    dumps_tables,
    journal_line,
    meta_of,
    scrub_journal,
    scrub_tables,
)

GEN = "gen"  # on a customer: the generation of the commit that last changed it
JOURNAL_FOLD = 1 << 20  # bytes: a journal past this and a quarter of the log is folded in


class AtomicJSONStorage(Storage):
    """A TinyDB storage that reads by path and writes atomically.

    Stock JSONStorage writes in place through a long-lived handle: a crash tears
    the file, and a file replaced under it is silently orphaned (notes/engine.md).
    """

    def __init__(self, path: str | Path, **_: Any):
        self.path = Path(path)
        self.identity: derived.Identity | None = None  # of the file read (store/derived.py)

    def read(self) -> Tables | None:
        """The tables; None only when there is no file. A file that exists but is
        empty, blank or `null` was a database once: it is damaged, never new."""
        try:
            with open_regular(self.path) as f:
                raw = f.read()
            self.identity = derived.identity(raw)
        except FileNotFoundError:
            return None
        except NotRegular:
            raise StoreError(t("{path} is not a regular file; kam has not touched it",
                               path=self.path)) from None
        except IsADirectoryError:
            raise StoreError(t("{path} is a directory, not a kam database",
                               path=self.path)) from None
        except PermissionError:
            raise StoreError(t("{path}: permission denied", path=self.path)) from None
        except OSError as e:
            raise StoreError(t("{path}: cannot read ({strerror})",
                               path=self.path, strerror=e.strerror)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            where = (t(" (line {line}, column {column}: {problem})", line=e.lineno,
                       column=e.colno, problem=e.msg)
                     if isinstance(e, json.JSONDecodeError) and raw.strip() else
                     t(" (empty)") if not raw.strip() else t(" (not UTF-8)")
                     if isinstance(e, UnicodeDecodeError) else t(" (nested too deep)"))
            raise StoreError(
                t("{path} is damaged{where}; kam has not changed it. Restore a backup with `kam "
                  "restore`, or repair the file by hand",
                  path=self.path, where=where)
            ) from None
        if data is None:
            raise StoreError(t("{path} is damaged (it holds null); kam has not changed it. "
                               "Restore a backup with `kam restore`",
                               path=self.path))
        return data  # type: ignore[no-any-return]

    def write(self, data: Tables) -> None:
        raw = dumps_tables(data)
        atomic_write_bytes(self.path, raw)
        self.identity = derived.identity(raw)  # the file now holds exactly these bytes


def _scrub_file(path: Path, code: str) -> bool:
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


class Store:
    """One command's view of the database: one read, at most one write.

    Open it with :func:`open_store`. Changes stay in memory until commit();
    a command that fails writes nothing.
    """

    def __init__(self, path: Path, writable: bool, command: str = "",
                 backups: tuple[int, int] = (20, 30), now: datetime | None = None,
                 on_commit: Callable[[Store, derived.Identity | None], None] | None = None):
        self.path = path
        self.log_path = path.with_name(path.stem + ".interactions.json")
        self.pending_path = self.log_path.with_name(self.log_path.name + ".pending")
        self.history = History(path.with_name(path.stem + ".history.jsonl"))
        self.journal = History(path.with_name(path.stem + JOURNAL))
        self.backup_set = Backups(path.with_name(path.stem + ".backups"),
                                  {"json": path, "interactions.json": self.log_path,
                                   JOURNAL[1:]: self.journal.path}, {JOURNAL[1:]})
        self.writable = writable
        self.command = command
        self.backup_policy = backups  # (newest to keep, days with one kept per day)
        self.now = now or datetime.now()
        self.on_commit = on_commit
        self._before: dict[str, dict[str, Any] | None] = {}  # code -> doc before this command
        self._erased: set[str] = set()
        self._notes: dict[str, str] = {}  # code -> why, for this commit's history line
        self.label = ""  # what the backup before this commit is labelled with (kam backups)
        self.created_now = False
        self.identity: derived.Identity | None = None  # of kam.json as read, then as written
        self._tables: Tables = {}
        self._log: Tables | None = None
        self._added: dict[str, dict[str, Any]] = {}  # interactions put by this command
        self._dirty = False
        self._log_dirty = False  # the log must be written whole (something was removed)
        self._by_code: dict[str, str] = {}
        self._next_id: int | None = None

    # reading
    def _load(self) -> None:
        storage = AtomicJSONStorage(self.path)
        data = storage.read()
        self.identity = storage.identity
        if data is None:
            data = {}
            self.created_now = True
        if not derived.vouches(self.path, self.identity):  # kam wrote it or checked it
            check_shape(data, self.path)
        version = meta_of(data).get("schema_version", 0) if data else SCHEMA_VERSION
        if not isinstance(version, int) or version < 0:
            raise StoreError(t("{path}: bad schema version {version!r}; kam has not changed it",
                               path=self.path, version=version))
        if version > SCHEMA_VERSION:
            raise StoreError(
                t("{path} was written by a newer kam (schema {version}, this kam reads up to "
                  "{SCHEMA_VERSION}); upgrade kam. The file was not changed",
                  path=self.path, version=version, SCHEMA_VERSION=SCHEMA_VERSION)
            )
        if version < SCHEMA_VERSION:
            self._migrate(data, version)
        data.setdefault(CUSTOMERS, {})
        data.setdefault(BATCHES, {})
        data.setdefault(META, {"1": {"schema_version": SCHEMA_VERSION, "generation": 0}})
        self._tables = data
        self._by_code = {doc["code"]: doc_id for doc_id, doc in data[CUSTOMERS].items()}

    def _migrate(self, data: Tables, version: int) -> None:
        if not self.writable:
            return  # migrated in memory only; the next write stores it
        backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
        if self.path.exists() and not backup.exists():
            try:
                atomic_write_bytes(backup, self.path.read_bytes())
            except OSError as e:
                raise StoreError(t("cannot keep a copy of {path} before upgrading it "
                                   "({strerror}); nothing was changed",
                                   path=self.path, strerror=e.strerror)) from None
        for step in MIGRATIONS[version:]:
            data = step(data)
        data[META] = {"1": {"schema_version": SCHEMA_VERSION,
                            "generation": meta_of(data).get("generation", 0)}}
        self._dirty = True

    @property
    def generation(self) -> int:
        return int(meta_of(self._tables).get("generation", 0))

    def _customer_docs(self) -> dict[str, dict[str, Any]]:
        return self._tables[CUSTOMERS]

    def customers(self, include_archived: bool = False) -> list[Customer]:
        # The raw documents, not TinyDB's Table.all(): that copies each into a
        # Document first, a cost on every read of many customers.
        out = [Customer.from_doc(d) for d in self._customer_docs().values()]
        return out if include_archived else [c for c in out if not c.archived]

    def codes(self) -> set[str]:
        return set(self._by_code)

    def find(self, code: str) -> Customer | None:
        doc_id = self._by_code.get(code)
        if doc_id is None:
            return None
        return Customer.from_doc(self._customer_docs()[doc_id])

    def get(self, code: str) -> Customer:
        """The customer a person means: see resolve()."""
        c = self.find(self.resolve(code))
        assert c is not None
        return c

    def resolve(self, text: str) -> str:
        """The code a person means by text: the code itself, in any case; a code it had
        before a merge or rename; else the one customer whose name holds the text.
        Several such customers: exit 2 listing them."""
        if text in self._by_code:
            return text
        key = text.strip().casefold()
        by_case = [c for c in self._by_code if c.casefold() == key]
        if len(by_case) == 1:
            return by_case[0]
        alias = self.aliases().get(key)
        if alias is not None and alias in self._by_code:
            return alias
        docs = self._customer_docs()
        named = sorted(doc["code"] for doc in docs.values()
                       if key and key in str(doc.get("name", "")).casefold())
        if len(named) == 1:
            return str(named[0])
        if named:
            shown = ", ".join(f"{c} {docs[self._by_code[c]]['name']}" for c in named[:8])
            raise NotFound(t("{text!r} matches {n_named} customers: {shown}{value}; give the code",
                             text=text, n_named=len(named), shown=shown,
                             value=' …' if len(named) > 8 else ''))
        raise NotFound(t("no customer with code or name {text!r} (see `kam list`)", text=text))

    def aliases(self) -> dict[str, str]:
        """Old code (case-folded) -> the code it is now (after kam merge or kam rename)."""
        return dict(meta_of(self._tables).get("aliases", {}))

    def add_alias(self, old: str, new: str) -> None:
        self._need_writable()
        meta = self._tables[META]["1"]
        table = dict(meta.get("aliases", {}))
        for k, v in list(table.items()):  # an alias of old now leads to new
            if v == old:
                table[k] = new
        table[old.casefold()] = new
        meta["aliases"] = table
        self._dirty = True

    # writing
    def _need_writable(self) -> None:
        if not self.writable:
            raise RuntimeError("store opened read-only")

    def put(self, customer: Customer, restored: bool = False) -> None:
        """Stage a customer for the commit. restored: it is put back exactly as an earlier
        commit left it (kam undo), so it keeps that commit's generation."""
        self._need_writable()
        docs = self._customer_docs()
        doc_id = self._by_code.get(customer.code)
        self._before.setdefault(customer.code, docs[doc_id] if doc_id is not None else None)
        if doc_id is None:
            if self._next_id is None:
                self._next_id = max((int(i) for i in docs), default=0) + 1
            doc_id = str(self._next_id)
            self._next_id += 1
            self._by_code[customer.code] = doc_id
        doc = customer.to_doc()
        if not (restored and GEN in doc):
            doc[GEN] = self.generation + 1  # the commit that last changed it (kam undo)
        docs[doc_id] = doc
        self._dirty = True

    def remove(self, code: str) -> None:
        self._need_writable()
        doc_id = self._by_code.pop(code, None)
        if doc_id is not None:
            self._before.setdefault(code, self._customer_docs()[doc_id])
            del self._customer_docs()[doc_id]
            self._dirty = True

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

    def annotate(self, code: str, note: str) -> None:
        """Say something of a customer in this commit's history (why it changed, which rows
        an import merged, a sheet's value it did not take); notes add up."""
        self._notes[code] = f"{self._notes[code]}\n{note}" if code in self._notes else note
        self._dirty = True  # a note alone is a commit: its history line

    def erase(self, code: str) -> None:
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

    # the interaction log
    def _log_tables(self) -> Tables:
        if self._log is None:
            journal = self._journal_entries(self.journal.path, self.generation)  # first
            data = None
            if self.pending_path.exists():
                pending = AtomicJSONStorage(self.pending_path).read()
                if pending is not None and meta_of(pending).get("generation") == self.generation:
                    data = pending  # committed, not yet renamed into place
            if data is None:
                data = AtomicJSONStorage(self.log_path).read() or {}
                if not self.writable and meta_of(data).get("generation", 0) > self.generation:
                    # a writer committed since this reader loaded the customers:
                    # take both from that newer commit, for one consistent snapshot
                    seen = self.generation
                    self._load()
                    if self.generation == seen:  # not a writer: kam.json is older than its log
                        raise StoreError(
                            t("{path} is older than {name} (it was probably copied back by hand); "
                              "kam has not changed them. Use `kam restore` to go back to a backup",
                              path=self.path, name=self.log_path.name))
                    return self._log_tables()
            check_shape(data, self.log_path)
            apply_journal(data, journal)
            check_log(data, self.log_path)
            data[INTERACTIONS].update(self._added)
            self._log = data
        return self._log

    @staticmethod
    def _journal_entries(path: Path, up_to: int) -> list[dict[str, Any]]:
        """The journal's committed lines (generation up to up_to), checked."""
        return History(path).read(up_to, check=journal_line)

    def interactions(self, code: str | None = None) -> list[Interaction]:
        """Interactions, oldest first (by date, then by when they were recorded)."""
        mine = self._docs_of(code) if code is not None and self._log is None else None
        if mine is None:
            docs = self._log_tables()[INTERACTIONS].values()
            mine = [d for d in docs if code is None or d.get("code") == code]
        items = [Interaction.from_doc(d) for d in mine]
        items.sort(key=lambda i: (i.date, i.created))
        return items

    def _docs_of(self, code: str) -> list[dict[str, Any]] | None:
        """One customer's follow-ups without parsing the whole log (docs_with), with the
        journal's; None when the log must be read whole (another layout, a log newer
        than kam.json as read, a commit not yet renamed into place, this command's own
        additions)."""
        if self._added or self.pending_path.exists():
            return None
        journal = self._journal_entries(self.journal.path, self.generation)
        try:
            with open(self.log_path, "rb") as f:
                found = docs_with(f.read(), code)
        except FileNotFoundError:
            found = (0, {})
        except OSError:
            return None
        if found is None or found[0] > self.generation:
            return None
        written, docs = found
        log = {INTERACTIONS: docs, META: {"1": {"generation": written}}}
        apply_journal(log, journal)
        return [d for d in log[INTERACTIONS].values() if d["code"] == code]

    def interaction_docs(self) -> list[dict[str, Any]]:
        """The log as stored, unsorted: for a reader that needs a few fields of many."""
        return list(self._log_tables()[INTERACTIONS].values())

    def interactions_by_code(self) -> dict[str, list[Interaction]]:
        """Every customer's interactions, oldest first, in one pass over the log."""
        out: dict[str, list[Interaction]] = {}
        for i in self.interactions():
            out.setdefault(i.code, []).append(i)
        return out

    def interaction(self, prefix: str) -> Interaction:
        """The interaction whose id starts with prefix (at least 4 characters, as `kam show`
        lists them)."""
        key = prefix.strip().lower()
        found = [d for k, d in self._log_tables()[INTERACTIONS].items()
                 if len(key) >= 4 and k.startswith(key)]
        if len(found) != 1:
            raise NotFound(t("no follow-up with id {id} (`kam show CODE` lists the ids)",
                             id=repr(prefix)) if not found else
                           t("id {id} matches {count} follow-ups; give more of it",
                             id=repr(prefix), count=len(found)))
        return Interaction.from_doc(found[0])

    def add_interaction(self, interaction: Interaction) -> None:
        """Add (or replace, by id) an interaction; the log is not read for it."""
        self._need_writable()
        doc = interaction.to_doc()
        self._added[interaction.id] = doc
        if self._log is not None:
            self._log[INTERACTIONS][interaction.id] = doc

    def remove_interactions(self, keep: Callable[[Interaction], bool]) -> int:
        self._need_writable()
        table = self._log_tables()[INTERACTIONS]
        gone = [k for k, d in table.items() if not keep(Interaction.from_doc(d))]
        for k in gone:
            del table[k]
        self._log_dirty = self._log_dirty or bool(gone)
        return len(gone)

    # import batches (for undo)
    def batches(self) -> list[dict[str, Any]]:
        """Import batches, oldest first."""
        return sorted(self._tables[BATCHES].values(), key=lambda b: int(b["id"]))

    def next_batch_id(self) -> str:
        meta = self._tables[META]["1"]
        meta["batch_seq"] = int(meta.get("batch_seq", 0)) + 1
        return str(meta["batch_seq"])

    def recode_batches(self, old: str, new: str) -> None:
        """Import batches follow a customer's new code (kam rename, kam merge)."""
        for batch in self._tables[BATCHES].values():
            before = batch.get("before", {})
            if old in before and new not in before:
                doc = before.pop(old)
                before[new] = {**doc, "code": new} if doc else doc
                self._dirty = True

    def changed_codes(self) -> set[str]:
        """The customers this command has put, removed or erased so far."""
        return set(self._before) | self._erased

    def changed_since(self, code: str, gen: int) -> bool:
        """Whether a commit after generation gen changed the customer (any command)."""
        doc_id = self._by_code.get(code)
        return doc_id is not None and int(self._customer_docs()[doc_id].get(GEN, 0)) > gen

    def put_batch(self, batch: dict[str, Any], keep: int = 20) -> None:
        """Record an import batch (with the generation it commits in); only the newest
        `keep` can be undone."""
        self._need_writable()
        table = self._tables[BATCHES]
        table[batch["id"]] = {**batch, "gen": batch.get("gen", self.generation + 1)}
        for old in sorted(table, key=int)[:-keep]:
            del table[old]
        self._dirty = True

    def commit(self) -> None:
        """Write what changed, atomically; nothing if nothing changed.

        The previous state is kept as a backup first, and the changes are
        appended to the history, stamped with this commit's generation.
        """
        self._need_writable()
        if not (self._dirty or self._log_dirty or self._added
                or (self.created_now and not self.path.exists())):
            return
        gen = self.generation + 1
        self._tables[META]["1"]["generation"] = gen
        history_size = self.history.drop_uncommitted(gen)
        journal_size = self.journal.drop_uncommitted(gen)
        rewrite = self._log_dirty or (bool(self._added) and self._journal_full(journal_size))
        if self._erased:
            derived.drop(self.path)  # the view may hold them: gone before anything else
        try:
            self.backup_set.make(gen - 1, self.now, self.label or self.command)
            self.history.append(self._history_entries(gen))
            if rewrite:
                log = self._log_tables()
                log[META] = {"1": {"generation": gen}}
                AtomicJSONStorage(self.pending_path).write(log)
            elif self._added:
                self.journal.append([{"gen": gen, "put": self._added}])
            written = AtomicJSONStorage(self.path)
            written.write(self._tables)  # the commit point
        except OSError as e:  # disk full, read-only disk, ...: nothing was committed
            self._tables[META]["1"]["generation"] = gen - 1
            self.history.truncate(history_size)
            self.journal.truncate(journal_size)
            raise StoreError(t("could not write {path} ({strerror}); nothing was changed",
                               path=self.path, strerror=e.strerror)) from None
        before, self.identity = self.identity, written.identity
        if self.on_commit is not None:
            self.on_commit(self, before)
        if rewrite:
            try:
                os_replace(self.pending_path, self.log_path)
                self._drop_journal()
            except OSError as e:
                raise StoreError(t("the change is saved, but {log_path} could not be updated "
                                   "({strerror}); the next kam command finishes it",
                                   log_path=self.log_path, strerror=e.strerror)
                                 ) from None
        self._dirty = self._log_dirty = False
        self._added = {}
        self._before = {}
        self._erased = set()
        self._notes = {}
        self._finish_erasures()
        derived.save_words(self.path, list(self._customer_docs().values()),
                           lambda n: t("{count} customers", count=n))
        self.backup_set.rotate(*self.backup_policy, self.now)

    def _journal_full(self, size: int) -> bool:
        """Whether the journal has grown enough to be folded into the log (compaction)."""
        try:
            written = self.log_path.stat().st_size
        except FileNotFoundError:
            return True  # no log yet: write it whole
        return size > max(JOURNAL_FOLD, written // 4)

    def _drop_journal(self) -> None:
        """The log was written whole: its journal lines are in it (and ignored from now)."""
        with contextlib.suppress(FileNotFoundError):
            self.journal.path.unlink()
            fsync_dir(self.path.parent)

    def _history_entries(self, gen: int) -> list[dict[str, Any]]:
        lines = []
        docs = self._customer_docs()
        for code, before in self._before.items():
            if code in self._erased:
                continue  # its tombstone below; the old values must not be written anywhere
            doc_id = self._by_code.get(code)
            after = docs.get(doc_id) if doc_id is not None else None
            if before is None and after is None:
                continue
            action = "created" if before is None else "removed" if after is None else "changed"
            changes = diff(before or {}, after or {})
            if action == "changed" and not changes:
                if code not in self._notes:
                    continue
                action = "noted"  # nothing of it changed: what is said of it is the entry
            entry = self.history.entry(self.now, gen, self.command, code, action, changes)
            if code in self._notes:
                entry["note"] = self._notes[code]
            lines.append(entry)
        lines += [{**self.history.entry(self.now, gen, self.command, code, "noted", {}),
                   "note": note} for code, note in sorted(self._notes.items())
                  if code not in self._before and code not in self._erased]
        lines += [self.history.entry(self.now, gen, "erase", code, "erased", {})
                  for code in sorted(self._erased)]
        return lines

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
                _scrub_file(self.journal.path, code)
                self.backup_set.scrub(functools.partial(_scrub_file, code=code))
                for old in self.path.parent.glob(f"{self.path.name}.v*.bak"):
                    _scrub_file(old, code)
            del self._tables[META]["1"][ERASING]
            AtomicJSONStorage(self.path).write(self._tables)
        except OSError as e:
            raise StoreError(t("the erasure of {value} is recorded but could not be finished "
                               "({strerror}); the next kam command that writes finishes it",
                               value=', '.join(erasing), strerror=e.strerror)) from None

    @property
    def erasing(self) -> list[str]:
        return list(meta_of(self._tables).get(ERASING, []))

    def backups(self) -> list[dict[str, Any]]:
        return self.backup_set.list()

    def restore(self, backup_id: int) -> None:
        """Make a backup the current state (the commit backs up the present first)."""
        files = self.backup_set.files(backup_id)
        if files is None:
            raise NotFound(t("no backup {backup_id} (see `kam backups`)", backup_id=backup_id))
        tables = AtomicJSONStorage(files["json"]).read() or {}
        check_shape(tables, files["json"])
        log = AtomicJSONStorage(files["interactions.json"]).read() if (
            "interactions.json" in files) else {}
        if log and JOURNAL[1:] in files:  # its journal is a link that may have grown since
            apply_journal(log, self._journal_entries(files[JOURNAL[1:]], backup_id))
        gen = self.generation
        for code in set(self._by_code) | {d["code"] for d in tables.get(CUSTOMERS, {}).values()}:
            doc_id = self._by_code.get(code)
            self._before.setdefault(code, self._customer_docs()[doc_id] if doc_id else None)
        tables.setdefault(META, {"1": {}})["1"].update(schema_version=SCHEMA_VERSION,
                                                      generation=gen)
        tables.setdefault(CUSTOMERS, {})
        tables.setdefault(BATCHES, {})
        self._tables = tables
        self._by_code = {doc["code"]: i for i, doc in tables[CUSTOMERS].items()}
        self._next_id = None
        self._log = log or {INTERACTIONS: {}}
        self._log.setdefault(INTERACTIONS, {})
        self._added = {}
        self._dirty = self._log_dirty = True

    def read_history(self, code: str | None = None) -> list[dict[str, Any]]:
        """Committed history entries, oldest first (for one customer, or all)."""
        return self.history.read(self.generation, code)

    def _recover(self) -> None:
        """Finish or discard a commit a crash interrupted, and erasures under way;
        remove stale temp files."""
        remove_temp_files(self.path.parent, f".{self.path.stem}")
        if self.pending_path.exists():
            pending = AtomicJSONStorage(self.pending_path).read()
            if pending is not None and meta_of(pending).get("generation") == self.generation:
                os_replace(self.pending_path, self.log_path)
                self._drop_journal()
            else:
                self.pending_path.unlink()
                fsync_dir(self.path.parent)
        self._finish_erasures()


def os_replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)
    fsync_dir(dst.parent)


@contextlib.contextmanager
def open_store(path: Path, write: bool = False, create: bool = False, command: str = "",
               backups: tuple[int, int] = (20, 30), now: datetime | None = None,
               on_commit: Callable[[Store, derived.Identity | None], None] | None = None
               ) -> Iterator[Store]:
    """Open the database for one command.

    Readers need an existing file. Writers take the lock; with create=True a
    missing database (and its directory, 0700) is created on commit.
    """
    path = Path(path)
    check_path(path)
    if not write:
        require_database(path)
        store = Store(path, writable=False, now=now)
        store._load()
        yield store
        return
    if not path.parent.exists():
        if not create:
            raise NotFound(t("no kam database at {path}; start with `kam init`", path=path))
        try:
            path.parent.mkdir(mode=0o700, parents=True)
        except OSError as e:
            raise StoreError(t("cannot create {parent}: {strerror}",
                               parent=path.parent, strerror=e.strerror)) from None
    if not path.exists() and not create:
        raise NotFound(t("no kam database at {path}; start with `kam init` or `kam import FILE`",
                         path=path))
    try:
        lock_cm = locked(path.with_name(path.name + ".lock"), lock_timeout())
        lock_cm.__enter__()
    except PermissionError:
        raise StoreError(t("{parent} is not writable; check its permissions",
                           parent=path.parent)) from None
    except OSError as e:
        raise StoreError(t("cannot write in {parent} ({strerror}); check --db and the disk",
                           parent=path.parent, strerror=e.strerror)) from None
    try:
        store = Store(path, writable=True, command=command, backups=backups, now=now,
                      on_commit=on_commit)
        store._load()
        store._recover()
        yield store
    finally:
        lock_cm.__exit__(None, None, None)
