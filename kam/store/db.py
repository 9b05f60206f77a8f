"""The database: one command's read, and at most one write, of kam's files.

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
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from kam.errors import NotFound, StoreError
from kam.i18n import t
from kam.models import Customer
from kam.store import derived
from kam.store.backups import Backups
from kam.store.erasure import Erasure
from kam.store.files import (
    atomic_write_bytes,
    fsync_dir,
    lock_timeout,
    locked,
    remove_temp_files,
)
from kam.store.followups import FollowUpLog
from kam.store.history import History, diff
from kam.store.layout import JOURNAL, check_path, require_database
from kam.store.storage import AtomicJSONStorage
from kam.store.tables import (
    BATCHES,
    CUSTOMERS,
    INTERACTIONS,
    META,
    MIGRATIONS,
    SCHEMA_VERSION,
    Tables,
    apply_journal,
    check_shape,
    meta_of,
)
from kam.store.words import save_words, word_fields, words_path
from kam.text import folded

GEN = "gen"  # on a customer: the generation of the commit that last changed it
JOURNAL_FOLD = 1 << 20  # bytes: a journal past this and a quarter of the log is folded in


class Store(FollowUpLog, Erasure):
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

    def _doc(self, code: str) -> dict[str, Any] | None:
        doc_id = self._by_code.get(code)
        return None if doc_id is None else self._customer_docs().get(doc_id)

    def codes(self) -> set[str]:
        return set(self._by_code)

    def find(self, code: str) -> Customer | None:
        doc = self._doc(code)
        return None if doc is None else Customer.from_doc(doc)

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
        key = folded(text.strip())
        by_case = [c for c in self._by_code if folded(c) == key]
        if len(by_case) == 1:
            return by_case[0]
        alias = self.aliases().get(key)
        if alias is not None and alias in self._by_code:
            return alias
        docs = self._customer_docs()
        named = sorted(doc["code"] for doc in docs.values()
                       if key and key in folded(str(doc.get("name", ""))))
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

    def annotate(self, code: str, note: str) -> None:
        """Say something of a customer in this commit's history (why it changed, which rows
        an import merged, a sheet's value it did not take); notes add up."""
        self._notes[code] = f"{self._notes[code]}\n{note}" if code in self._notes else note
        self._dirty = True  # a note alone is a commit: its history line

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
        doc = self._doc(code)
        return doc is not None and int(doc.get(GEN, 0)) > gen

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
            touched = sorted(set(self._before) - self._erased)  # an erased one leaves no trace
            self.backup_set.make(gen - 1, self.now, self.label or self.command, touched)
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
        words = self._erased or not words_path(self.path).exists() or any(
            word_fields(doc) != word_fields(self._doc(code))
            for code, doc in self._before.items())
        self._dirty = self._log_dirty = False
        self._added = {}
        self._before = {}
        self._erased = set()
        self._notes = {}
        self._finish_erasures()
        if words:  # a follow-up logged changes none of them
            save_words(self.path, list(self._customer_docs().values()),
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
        for code, before in self._before.items():
            if code in self._erased:
                continue  # its tombstone below; the old values must not be written anywhere
            after = self._doc(code)
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
            self._before.setdefault(code, self._doc(code))
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
