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

from tinydb.storages import Storage

from kam.errors import BadInput, NotFound, StoreError
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

    def __init__(self, path: Path, writable: bool, command: str = "",
                 backups: tuple[int, int] = (20, 30)):
        self.path = path
        self.log_path = path.with_name(path.stem + ".interactions.json")
        self.pending_path = self.log_path.with_name(self.log_path.name + ".pending")
        self.history_path = path.with_name(path.stem + ".history.jsonl")
        self.backup_dir = path.with_name(path.stem + ".backups")
        self.writable = writable
        self.command = command
        self.backup_policy = backups  # (newest to keep, days with one kept per day)
        self._before: dict[str, dict[str, Any] | None] = {}  # code -> doc before this command
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
        self._before.setdefault(customer.code, docs[doc_id] if doc_id is not None else None)
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
            self._before.setdefault(code, self._customer_docs()[doc_id])
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
                if not self.writable and _meta(data).get("generation", 0) > self.generation:
                    # a writer committed since this reader loaded the customers:
                    # take both from that newer commit, for one consistent snapshot
                    self._load()
                    return self._log_tables()
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
        """Write what changed, atomically; nothing if nothing changed.

        The previous state is kept as a backup first, and the changes are
        appended to the history, stamped with this commit's generation.
        """
        self._need_writable()
        if not (self._dirty or self._log_dirty or (self.created_now and not self.path.exists())):
            return
        gen = self.generation + 1
        self._tables[META]["1"]["generation"] = gen
        history_size = self._drop_stale_history(gen)
        try:
            self._backup(gen - 1)
            self._append_history(gen)
            if self._log_dirty:
                log = self._log_tables()
                log[META] = {"1": {"generation": gen}}
                AtomicJSONStorage(self.pending_path).write(log)
            AtomicJSONStorage(self.path).write(self._tables)  # the commit point
        except OSError as e:  # disk full, read-only disk, ...: nothing was committed
            self._tables[META]["1"]["generation"] = gen - 1
            with contextlib.suppress(OSError):
                os.truncate(self.history_path, history_size)
            raise StoreError(f"could not write {self.path} ({e.strerror}); nothing was "
                             "changed") from None
        if self._log_dirty:
            try:
                os.replace(self.pending_path, self.log_path)
                _fsync_dir(self.path.parent)
            except OSError as e:
                raise StoreError(f"the change is saved, but {self.log_path} could not be "
                                 f"updated ({e.strerror}); the next kam command finishes it"
                                 ) from None
        self._dirty = self._log_dirty = False
        self._before = {}
        self._rotate()

    # backups: hard links to the files about to be replaced. os.replace gives
    # the live file a new inode, so the link keeps the old version at no cost
    # in time; it costs the disk space of that version while it is kept.
    def _backup(self, gen: int) -> None:
        if not self.path.exists():
            return
        self.backup_dir.mkdir(mode=0o700, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for src, suffix in ((self.path, "json"), (self.log_path, "interactions.json")):
            if not src.exists():
                continue
            dst = self.backup_dir / f"{gen}-{stamp}.{suffix}"
            if dst.exists():
                continue
            try:
                os.link(src, dst)
            except OSError:  # no hard links here (some network or FAT disks): copy
                atomic_write_bytes(dst, src.read_bytes())

    def backups(self) -> list[dict[str, Any]]:
        """Backups, oldest first: id (the generation they hold), time, files, size."""
        found: dict[int, dict[str, Any]] = {}
        if self.backup_dir.exists():
            for f in self.backup_dir.iterdir():
                head, _, rest = f.name.partition("-")
                if not head.isdigit():
                    continue
                b = found.setdefault(int(head), {"id": int(head), "time": rest.split(".")[0],
                                                 "files": [], "bytes": 0})
                b["files"].append(f)
                b["bytes"] += f.stat().st_size
        return [found[k] for k in sorted(found)]

    def _rotate(self) -> None:
        keep_newest, days = self.backup_policy
        found = self.backups()
        kept = set(keep_backups([(b["id"], b["time"]) for b in found], keep_newest, days,
                                time.strftime("%Y%m%dT%H%M%S")))
        for b in found:
            if b["id"] not in kept:
                for f in b["files"]:
                    with contextlib.suppress(OSError):
                        f.unlink()

    def restore(self, backup_id: int) -> None:
        """Make a backup the current state (the commit backs up the present first)."""
        chosen = next((b for b in self.backups() if b["id"] == backup_id), None)
        if chosen is None:
            raise NotFound(f"no backup {backup_id} (see `kam backups`)")
        files = {f.name.split(".", 1)[1]: f for f in chosen["files"]}
        tables = AtomicJSONStorage(files["json"]).read() or {}
        _check_shape(tables, files["json"])
        log = AtomicJSONStorage(files["interactions.json"]).read() if (
            "interactions.json" in files) else {}
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
        self._dirty = self._log_dirty = True

    # history: one JSON line per change, appended before the commit point and
    # stamped with its generation; lines of a generation that never committed
    # are not shown.
    def _drop_stale_history(self, gen: int) -> int:
        """Cut history lines a crashed or failed commit left (generation >= gen, or torn).

        They sit at the end of the file, so only its tail is read. Returns the size.
        """
        try:
            size = self.history_path.stat().st_size
        except FileNotFoundError:
            return 0
        with open(self.history_path, "rb+") as f:
            start = max(0, size - 65536)
            f.seek(start)
            tail = f.read()
            cut = size
            end = len(tail)
            while end > 0:
                begin = tail.rfind(b"\n", 0, end - 1) + 1
                if begin == 0 and start > 0:
                    break  # the line runs past the tail read: leave it
                line = tail[begin:end]
                try:
                    stale = not line.endswith(b"\n") or json.loads(line).get("gen", 0) >= gen
                except (json.JSONDecodeError, AttributeError):
                    stale = True
                if not stale:
                    break
                cut, end = start + begin, begin
            if cut < size:
                f.truncate(cut)
                f.flush()
                os.fsync(f.fileno())
        return cut

    def _append_history(self, gen: int) -> None:
        lines = []
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        user = _os_user()
        docs = self._customer_docs()
        for code, before in self._before.items():
            doc_id = self._by_code.get(code)
            after = docs.get(doc_id) if doc_id is not None else None
            if before is None and after is None:
                continue
            action = "created" if before is None else "removed" if after is None else "changed"
            changes = _diff(before or {}, after or {})
            if action == "changed" and not changes:
                continue
            lines.append({"ts": now, "gen": gen, "user": user, "command": self.command,
                          "code": code, "action": action, "changes": changes})
        if not lines:
            return
        fd = os.open(self.history_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as f:
            f.write(b"".join(dumps(x) + b"\n" for x in lines))
            f.flush()
            os.fsync(f.fileno())

    def history(self, code: str | None = None) -> list[dict[str, Any]]:
        """Committed history entries, oldest first (for one customer, or all)."""
        try:
            raw = self.history_path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a crash mid-append: it never committed
            if entry.get("gen", 0) > self.generation:
                continue
            if code is None or entry.get("code") == code:
                out.append(entry)
        return out

    def erase(self, code: str) -> int:
        """Remove every trace of a customer's personal data; returns files scrubbed.

        The database, the log and the import batches lose it now; the history
        keeps a tombstone without personal data; every backup is rewritten.
        Call commit() first for the store itself, then this scrubs the rest.
        """
        scrubbed = 0
        entries = []
        if self.history_path.exists():
            for line in self.history_path.read_bytes().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if entry.get("code") != code:
                    entries.append(entry)
        entries.append({"ts": time.strftime("%Y-%m-%dT%H:%M:%S"), "gen": self.generation,
                        "user": _os_user(), "command": "erase", "code": code,
                        "action": "erased", "changes": {}})
        atomic_write_bytes(self.history_path, b"".join(dumps(e) + b"\n" for e in entries))
        scrubbed += 1
        for b in self.backups():
            for f in b["files"]:
                data = AtomicJSONStorage(f).read() or {}
                changed = _scrub(data, code)
                if changed:
                    f.unlink()  # a hard link: write a new file, never through the link
                    atomic_write_bytes(f, dumps(data))
                    scrubbed += 1
        for f in self.path.parent.glob(f"{self.path.name}.v*.bak"):
            data = AtomicJSONStorage(f).read() or {}
            if _scrub(data, code):
                atomic_write_bytes(f, dumps(data))
                scrubbed += 1
        return scrubbed

    def scrub_batches(self, code: str) -> None:
        for batch in self._tables[BATCHES].values():
            if code in batch.get("before", {}):
                del batch["before"][code]
                self._dirty = True

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


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name (some containers): the uid will do
        return str(os.getuid()) if hasattr(os, "getuid") else "?"


# Not worth tracing: derived from the log, or the change time itself.
_UNTRACED = {"stats", "updated", "created"}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if k not in _UNTRACED and before.get(k) != after.get(k)}


def _scrub(data: Any, code: str) -> bool:
    """Drop a customer, its interactions and its batch entries from a file's tables."""
    if not isinstance(data, dict):
        return False
    changed = False
    for name, table in data.items():
        if not isinstance(table, dict):
            continue
        for key in [k for k, d in table.items() if isinstance(d, dict) and d.get("code") == code]:
            del table[key]
            changed = True
        if name == BATCHES:
            for batch in table.values():
                if code in batch.get("before", {}):
                    del batch["before"][code]
                    changed = True
    return changed


def keep_backups(backups: list[tuple[int, str]], newest: int, days: int, now: str) -> list[int]:
    """Which backups rotation keeps: the newest N, and the newest of each of the last days.

    backups are (id, time as YYYYmmddTHHMMSS). Pure, so it is tested with tables.
    """
    from datetime import datetime

    ordered = sorted(backups, reverse=True)
    keep = {i for i, _ in ordered[:newest]}
    try:
        today = datetime.strptime(now, "%Y%m%dT%H%M%S").date()
    except ValueError:
        return sorted(keep)
    seen_days: set[str] = set()
    for i, t in ordered:
        day = t[:8]
        try:
            age = (today - datetime.strptime(day, "%Y%m%d").date()).days
        except ValueError:
            continue
        if age < days and day not in seen_days:
            seen_days.add(day)
            keep.add(i)
    return sorted(keep)


def lock_timeout() -> float:
    try:
        return float(os.environ.get("KAM_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@contextlib.contextmanager
def open_store(path: Path, write: bool = False, create: bool = False, command: str = "",
               backups: tuple[int, int] = (20, 30)) -> Iterator[Store]:
    """Open the database for one command.

    Readers need an existing file. Writers take the lock; with create=True a
    missing database (and its directory, 0700) is created on commit.
    """
    path = Path(path)
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise BadInput(f"bad database path {path}: {blocker} is a file, not a directory")
    if path.is_dir():
        raise StoreError(f"{path} is a directory; give --db a file path such as "
                         f"{path / 'kam.json'}")
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
    except OSError as e:
        raise StoreError(f"cannot write in {path.parent} ({e.strerror}); check --db and the "
                         "disk") from None
    try:
        store = Store(path, writable=True, command=command, backups=backups)
        store._load()
        store._recover()
        yield store
    finally:
        lock_cm.__exit__(None, None, None)
