"""The follow-up log as a part of Store (a mixin): kam.interactions.json plus the
journal lines of later commits (store/db.py's docstring), read only by the commands
that need the history; one customer's follow-ups found by their lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kam.errors import NotFound, StoreError
from kam.i18n import t
from kam.models import Interaction
from kam.store.history import History
from kam.store.storage import AtomicJSONStorage
from kam.store.tables import (
    INTERACTIONS,
    META,
    Tables,
    apply_journal,
    check_log,
    check_shape,
    docs_with,
    journal_line,
    meta_of,
)


class FollowUpLog:
    """Store's follow-up log methods."""

    _log: Tables | None
    _added: dict[str, dict[str, Any]]
    _log_dirty: bool

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
