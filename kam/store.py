"""The data store: the only module that imports tinydb.

Two TinyDB files:
- ``kam.json``: customers (with the aggregates the daily commands need), import
  batches and ``_meta`` (schema version, commit generation). `due`, `risk`,
  `score` and `list` read only this file.
- ``kam.interactions.json``: the follow-up log, read only by the commands that
  need the history (show, search, log, import, undo).

Every write replaces a file atomically (temp file, fsync, os.replace, fsync of
the directory). A command that changes both files commits in two phases: the
new log goes to ``kam.interactions.json.pending``, then ``kam.json`` is
replaced (the commit point: its generation now matches the pending log), then
the pending log is renamed into place. An interrupted commit is rolled forward
or back by the next writer, so a crash leaves the state before or after a
command, never a mix.

Writers hold an exclusive lock on ``kam.json.lock`` for the whole command;
readers take no lock (os.replace gives them a consistent snapshot).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage

from kam.errors import NotFound, StoreError
from kam.models import Customer, Interaction

SCHEMA_VERSION = 1
META, CUSTOMERS, BATCHES, INTERACTIONS = "_meta", "customers", "batches", "interactions"
DEFAULT_LOCK_TIMEOUT = 10.0

Tables = dict[str, dict[str, dict[str, Any]]]


# --- files -------------------------------------------------------------------

def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace path with data: temp file in the same directory, fsync, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        for attempt in range(20):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                # Windows refuses to replace a file another program has open.
                if os.name != "nt" or attempt == 19:
                    raise
                time.sleep(0.05)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class AtomicJSONStorage(Storage):
    """A TinyDB storage that reads by path and writes atomically.

    Stock JSONStorage writes in place through a long-lived handle: a crash tears
    the file, and a file replaced under it is silently orphaned (notes/engine.md).
    """

    def __init__(self, path: str | Path, **_: Any):
        self.path = Path(path)

    def read(self) -> Tables | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StoreError(f"{self.path} is a directory, not a kam database") from None
        except PermissionError:
            raise StoreError(f"{self.path}: permission denied") from None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            where = f" (line {e.lineno}, column {e.colno}: {e.msg})" if isinstance(
                e, json.JSONDecodeError) else " (not UTF-8)"
            raise StoreError(
                f"{self.path} is damaged{where}; kam has not changed it. "
                f"Restore a backup with `kam restore`, or repair the file by hand"
            ) from None
        return data  # type: ignore[no-any-return]

    def write(self, data: Tables) -> None:
        atomic_write_bytes(self.path, dumps(data))


class _Snapshot(Storage):
    """TinyDB storage over tables already read and validated (one read per command)."""

    def __init__(self, tables: Tables):
        self.tables = tables

    def read(self) -> Tables:
        return self.tables

    def write(self, data: Tables) -> None:
        self.tables = data


# --- locking -----------------------------------------------------------------

@contextlib.contextmanager
def _locked(lock_path: Path, timeout: float) -> Iterator[None]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"another kam command is writing (lock {lock_path} held for {timeout:g} s); "
                    f"try again, or raise KAM_LOCK_TIMEOUT"
                )
            time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


# --- schema ------------------------------------------------------------------

def _m001_initial(data: Tables) -> Tables:
    """Version 0 (a bare TinyDB file) to 1: the customers and batches tables."""
    data.pop("_default", None)
    data.setdefault(CUSTOMERS, {})
    data.setdefault(BATCHES, {})
    return data


# MIGRATIONS[n] turns a version-n file into version n+1. Pure functions.
MIGRATIONS: list[Callable[[Tables], Tables]] = [_m001_initial]
assert len(MIGRATIONS) == SCHEMA_VERSION


def _check_shape(data: Any, path: Path) -> None:
    bad = f"{path} is not a kam database (unexpected structure"
    hint = "); kam has not changed it. Check --db, or restore a backup with `kam restore`"
    if not isinstance(data, dict):
        raise StoreError(f"{bad}: top level is not an object{hint}")
    for name, table in data.items():
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise StoreError(f"{bad}: table {name!r} is malformed{hint}")
    for doc in data.get(CUSTOMERS, {}).values():
        if not isinstance(doc.get("code"), str) or not isinstance(doc.get("name"), str):
            raise StoreError(f"{bad}: a customer without code or name{hint}")


def _meta(data: Tables) -> dict[str, Any]:
    return data.get(META, {}).get("1", {})


# --- the store ---------------------------------------------------------------

class Store:
    """One command's view of the database: one read, at most one write.

    Open it with :func:`open_store`. Changes stay in memory until commit();
    a command that fails writes nothing.
    """

    def __init__(self, path: Path, writable: bool):
        self.path = path
        self.log_path = path.with_name(path.stem + ".interactions.json")
        self.pending_path = self.log_path.with_name(self.log_path.name + ".pending")
        self.writable = writable
        self.created_now = False
        self._tables: Tables = {}
        self._log: Tables | None = None
        self._dirty = False
        self._log_dirty = False
        self._by_code: dict[str, str] = {}
        self._next_id: int | None = None

    # reading
    def _load(self) -> None:
        data = AtomicJSONStorage(self.path).read()
        if data is None:
            data = {}
            self.created_now = True
        _check_shape(data, self.path)
        version = _meta(data).get("schema_version", 0) if data else SCHEMA_VERSION
        if not isinstance(version, int) or version < 0:
            raise StoreError(f"{self.path}: bad schema version {version!r}; kam has not changed it")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer kam (schema {version}, this kam reads up to "
                f"{SCHEMA_VERSION}); upgrade kam. The file was not changed"
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
            atomic_write_bytes(backup, self.path.read_bytes())
        for step in MIGRATIONS[version:]:
            data = step(data)
        data[META] = {"1": {"schema_version": SCHEMA_VERSION,
                            "generation": _meta(data).get("generation", 0)}}
        self._dirty = True

    @property
    def generation(self) -> int:
        return int(_meta(self._tables).get("generation", 0))

    def _customer_docs(self) -> dict[str, dict[str, Any]]:
        return self._tables[CUSTOMERS]

    def customers(self, include_archived: bool = False) -> list[Customer]:
        # The raw documents, not TinyDB's Table.all(): that copies each into a
        # Document first, a tenth of `kam due`'s time at 10,000 customers.
        out = [Customer.from_doc(d) for d in self._customer_docs().values()]
        return out if include_archived else [c for c in out if not c.archived]

    def tinydb(self) -> TinyDB:
        """The loaded tables as a TinyDB database (for ad-hoc queries); writes stay in memory."""
        return TinyDB(storage=_Snapshot, tables=self._tables)

    def codes(self) -> set[str]:
        return set(self._by_code)

    def find(self, code: str) -> Customer | None:
        doc_id = self._by_code.get(code)
        if doc_id is None:
            return None
        return Customer.from_doc(self._customer_docs()[doc_id])

    def get(self, code: str) -> Customer:
        c = self.find(code)
        if c is None:
            raise NotFound(f"no customer with code {code!r} (see `kam list`)")
        return c

    # writing
    def _need_writable(self) -> None:
        if not self.writable:
            raise RuntimeError("store opened read-only")

    def put(self, customer: Customer) -> None:
        self._need_writable()
        docs = self._customer_docs()
        doc_id = self._by_code.get(customer.code)
        if doc_id is None:
            if self._next_id is None:
                self._next_id = max((int(i) for i in docs), default=0) + 1
            doc_id = str(self._next_id)
            self._next_id += 1
            self._by_code[customer.code] = doc_id
        docs[doc_id] = customer.to_doc()
        self._dirty = True

    def remove(self, code: str) -> None:
        self._need_writable()
        doc_id = self._by_code.pop(code, None)
        if doc_id is not None:
            del self._customer_docs()[doc_id]
            self._dirty = True

    # the interaction log
    def _log_tables(self) -> Tables:
        if self._log is None:
            data = None
            if self.pending_path.exists():
                pending = AtomicJSONStorage(self.pending_path).read()
                if pending is not None and _meta(pending).get("generation") == self.generation:
                    data = pending  # committed, not yet renamed into place
            if data is None:
                data = AtomicJSONStorage(self.log_path).read() or {}
            _check_shape(data, self.log_path)
            data.setdefault(INTERACTIONS, {})
            self._log = data
        return self._log

    def interactions(self, code: str | None = None) -> list[Interaction]:
        """Interactions, oldest first (by date, then by when they were recorded)."""
        docs = self._log_tables()[INTERACTIONS].values()
        items = [Interaction.from_doc(d) for d in docs if code is None or d.get("code") == code]
        items.sort(key=lambda i: (i.date, i.created))
        return items

    def interactions_by_code(self) -> dict[str, list[Interaction]]:
        """Every customer's interactions, oldest first, in one pass over the log."""
        out: dict[str, list[Interaction]] = {}
        for i in self.interactions():
            out.setdefault(i.code, []).append(i)
        return out

    def add_interaction(self, interaction: Interaction) -> None:
        self._need_writable()
        self._log_tables()[INTERACTIONS][interaction.id] = interaction.to_doc()
        self._log_dirty = True

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

    def put_batch(self, batch: dict[str, Any], keep: int = 20) -> None:
        """Record an import batch; only the newest `keep` can be undone."""
        self._need_writable()
        table = self._tables[BATCHES]
        table[batch["id"]] = batch
        for old in sorted(table, key=int)[:-keep]:
            del table[old]
        self._dirty = True

    def commit(self) -> None:
        """Write what changed, atomically; nothing if nothing changed."""
        self._need_writable()
        if not (self._dirty or self._log_dirty or (self.created_now and not self.path.exists())):
            return
        gen = self.generation + 1
        self._tables[META]["1"]["generation"] = gen
        if self._log_dirty:
            log = self._log_tables()
            log[META] = {"1": {"generation": gen}}
            AtomicJSONStorage(self.pending_path).write(log)
        AtomicJSONStorage(self.path).write(self._tables)  # the commit point
        if self._log_dirty:
            os.replace(self.pending_path, self.log_path)
            _fsync_dir(self.path.parent)
        self._dirty = self._log_dirty = False

    def _recover(self) -> None:
        """Finish or discard a commit a crash interrupted; remove stale temp files."""
        for stale in self.path.parent.glob(f".{self.path.stem}*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        if not self.pending_path.exists():
            return
        pending = AtomicJSONStorage(self.pending_path).read()
        if pending is not None and _meta(pending).get("generation") == self.generation:
            os.replace(self.pending_path, self.log_path)
        else:
            self.pending_path.unlink()
        _fsync_dir(self.path.parent)


def lock_timeout() -> float:
    try:
        return float(os.environ.get("KAM_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def open_store(path: Path, write: bool = False, create: bool = False) -> Iterator[Store]:
    """Open the database for one command.

    Readers need an existing file. Writers take the lock; with create=True a
    missing database (and its directory, 0700) is created on commit.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path} is a directory; give --db a file path such as {path / 'kam.json'}")
    if not write:
        if not path.exists():
            raise NotFound(
                f"no kam database at {path}; start with `kam init` or `kam import FILE` "
                f"(or point --db / KAM_DB at yours)"
            )
        store = Store(path, writable=False)
        store._load()
        yield store
        return
    if not path.parent.exists():
        if not create:
            raise NotFound(f"no kam database at {path}; start with `kam init`")
        try:
            path.parent.mkdir(mode=0o700, parents=True)
        except OSError as e:
            raise StoreError(f"cannot create {path.parent}: {e.strerror}") from None
    if not path.exists() and not create:
        raise NotFound(f"no kam database at {path}; start with `kam init` or `kam import FILE`")
    try:
        lock_cm = _locked(path.with_name(path.name + ".lock"), lock_timeout())
        lock_cm.__enter__()
    except PermissionError:
        raise StoreError(f"{path.parent} is not writable; check its permissions") from None
    try:
        store = Store(path, writable=True)
        store._load()
        store._recover()
        yield store
    finally:
        lock_cm.__exit__(None, None, None)
