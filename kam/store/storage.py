"""kam.json and the follow-up log as TinyDB files: the only module that imports tinydb.

kam reads and writes them through TinyDB's extension point for this, a Storage class:
read by path (a FIFO or a device in their place is refused, never waited on), written
atomically in kam's layout (store/tables.py: a customer a line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from kam.errors import StoreError
from kam.i18n import t
from kam.store import derived
from kam.store.files import NotRegular, atomic_write_bytes, open_regular
from kam.store.tables import Tables, dumps_tables


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
