"""What every use case needs: where the files are, which day it is, the settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kam.paths import Paths, resolve
from kam.settings import Settings

if TYPE_CHECKING:  # the store imports tinydb: only when a command opens it
    from kam.store.db import Store


def clock(today: date | None = None, wall: datetime | None = None) -> tuple[date, datetime]:
    """The one clock: (today, now). A given today keeps the time of day of the wall
    clock, so that `updated`, the history and backup names all agree with it."""
    wall = wall or datetime.now()
    if today is None:
        return wall.date(), wall
    return today, datetime.combine(today, time(wall.hour, wall.minute, wall.second))


class Context:
    """What a use case is given: paths, today and now, the settings (read when first asked).
    A plain class, as Paths: every command makes one, and the daily commands import no
    dataclasses."""

    __slots__ = ("paths", "today", "now", "command", "saved", "_settings", "view", "_committed")

    def __init__(self, paths: Paths, today: date, now: datetime, command: str = "",
                 settings: Settings | None = None):
        self.paths = paths
        self.today = today
        self.now = now
        self.command = command
        self.saved = False  # a commit happened (for the message of a later failure)
        self._settings = settings
        self.view: Any = None  # the daily view's rows, once read (ops/view.py)
        # the kam.json before this command's first commit, and the customers it changed
        self._committed: tuple[list[int] | None, set[str]] | None = None

    def __repr__(self) -> str:
        return (f"Context(paths={self.paths!r}, today={self.today!r}, now={self.now!r}, "
                f"command={self.command!r})")

    def on(self, day: date) -> Context:
        """This run as of another day (a review as of a past date): the same files, time
        and settings; nothing read for this day (the daily view) is carried over."""
        return Context(self.paths, day, self.now, self.command, self._settings)

    @classmethod
    def create(cls, db: str | Path | None = None, config: str | Path | None = None,
               today: date | None = None, command: str = "",
               settings: Settings | None = None) -> Context:
        the_day, now = clock(today)
        return cls(resolve(db, config), the_day, now, command, settings)

    @property
    def db(self) -> Path:
        return self.paths.db

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from kam import config

            self._settings = config.load(self.paths.config, must_exist=self.paths.config_given)
        return self._settings

    def stamp(self) -> str:
        """The time of this command, for `created`, `updated` and the log."""
        return self.now.isoformat(timespec="seconds")

    @contextlib.contextmanager
    def reader(self) -> Iterator[Store]:
        from kam.store.db import open_store

        with open_store(self.db, now=self.now) as store:
            yield store

    @contextlib.contextmanager
    def writer(self, create: bool = False) -> Iterator[Store]:
        """The store for a change; the caller commits. Once the change is done (still
        under the lock), the daily view is brought up to date for what it changed."""
        from kam.ops import view
        from kam.store.db import open_store

        self._committed = None
        with open_store(self.db, write=True, create=create, command=self.command,
                        backups=self.settings.backups, now=self.now,
                        on_commit=self._saved) as store:
            yield store
            if self._committed is not None:
                view.patch(self, store, *self._committed)

    def _saved(self, store: Store, before: list[int] | None) -> None:
        """At each commit point: remember that a change was saved, and what it changed
        since the state before the first commit."""
        first, changed = self._committed or (before, set())
        self._committed = (first, changed | store.changed_codes())
        self.saved = True
