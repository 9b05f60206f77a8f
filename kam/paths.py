"""Where kam's files are: --db / KAM_DB, the per-user default, kam.yaml beside the database.

One function for the CLI, the library and the tests (like llm's user_dir()).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pathlib is imported when needed: kam.launch reads user_dir_name() only
    from pathlib import Path


def user_dir_name() -> str:
    """The per-user directory (the same place click.get_app_dir("kam") names)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return os.path.join(base, "kam")
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        return os.path.join(os.path.expanduser("~/Library/Application Support"), "kam")
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return os.path.join(base, "kam")


def user_dir() -> Path:
    from pathlib import Path

    return Path(user_dir_name())


class Paths:
    """Where one run's files are. A plain class: kam.launch imports this module on
    start-up, where a dataclass's set-up costs."""

    __slots__ = ("db", "config", "config_given")

    def __init__(self, db: Path, config: Path, config_given: bool):
        self.db = db
        self.config = config
        self.config_given = config_given  # an explicit settings file must exist

    def __repr__(self) -> str:
        return f"Paths(db={self.db!r}, config={self.config!r}, given={self.config_given})"


def resolve(db: str | Path | None = None, config: str | Path | None = None) -> Paths:
    """The database and settings paths from explicit values (options or environment)."""
    from pathlib import Path

    db_path = Path(db).expanduser() if db else user_dir() / "kam.json"
    config_path = Path(config).expanduser() if config else db_path.with_name("kam.yaml")
    return Paths(db_path, config_path, bool(config))
