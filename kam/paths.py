"""Where kam's files are: --db / KAM_DB, the per-user default, kam.yaml beside the database.

One function for the CLI, the library and the tests (like llm's user_dir()).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


def user_dir() -> Path:
    """The per-user directory (the same place click.get_app_dir("kam") names)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return Path(base) / "kam"
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        return Path(os.path.expanduser("~/Library/Application Support")) / "kam"
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "kam"


@dataclass(frozen=True)
class Paths:
    db: Path
    config: Path
    config_given: bool  # an explicit settings file must exist


def resolve(db: str | Path | None = None, config: str | Path | None = None) -> Paths:
    """The database and settings paths from explicit values (options or environment)."""
    db_path = Path(db).expanduser() if db else user_dir() / "kam.json"
    config_path = Path(config).expanduser() if config else db_path.with_name("kam.yaml")
    return Paths(db_path, config_path, bool(config))
