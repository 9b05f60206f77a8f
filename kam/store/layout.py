"""Where a database's files are, and the checks of a database path (before tinydb,
which a reader of the daily view never needs, is imported)."""

from __future__ import annotations

import os
from pathlib import Path

from kam.errors import BadInput, NotFound, StoreError
from kam.i18n import t
from kam.store.files import refuse_links

JOURNAL = ".interactions.journal.jsonl"  # after the database's stem


def check_path(path: Path) -> None:
    """Refuse a database path that cannot be one, and files kam must not write through."""
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise BadInput(t("bad database path {path}: {blocker} is a file, not a directory",
                         path=path, blocker=blocker))
    if path.is_dir() and not path.is_symlink():
        raise StoreError(t("{path} is a directory; give --db a file path such as {value}",
                           path=path, value=path / 'kam.json'))
    stem = path.stem
    refuse_links(path, path.with_name(stem + ".interactions.json"), path.with_name(stem + JOURNAL),
                 path.with_name(stem + ".interactions.json.pending"),
                 path.with_name(stem + ".history.jsonl"), path.with_name(path.name + ".lock"))
    refuse_links(path.with_name(stem + ".backups"), directory=True)


def require_database(path: Path) -> None:
    """A reader's check: the database must exist (exit 2 with what to do otherwise)."""
    check_path(path)
    if not path.exists():
        parent = path.parent
        if parent.exists() and not os.access(parent, os.R_OK | os.X_OK):
            raise StoreError(t("{parent}: permission denied; kam cannot read its database there "
                               "(check the directory's permissions)",
                               parent=parent))
        raise NotFound(
            t("no kam database at {path}; start with `kam init` or `kam import FILE` (or point "
              "--db / KAM_DB at yours)",
              path=path)
        )
