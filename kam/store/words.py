"""The words shell completion offers (`kam.words` beside kam.json, read by
kam/shell/kam.awk, so that a Tab starts no Python): derived data, like the daily
view (store/derived.py), rewritten by a write that changes one of them and deleted
with the view by an erasure."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kam.store.files import atomic_write_bytes


def words_path(db: Path) -> Path:
    return db.with_name(db.stem + ".words")


_UNSAFE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})
_CONTROL = dict.fromkeys((*range(32), 127, *range(128, 160)))  # stripped from words


def _word(text: str) -> str:
    """A completion word as the shell may print it: a value holding a control character
    (ESC ...) is left out, since completing it would drive the terminal."""
    return text if text == text.translate(_CONTROL) else ""


def word_fields(doc: dict[str, Any] | None) -> tuple[Any, ...]:
    """What of a customer's document the completion words hold (save_words): a write
    that changes none of it leaves them as they are."""
    if doc is None:
        return ()
    return (doc.get("code"), doc.get("name"), bool(doc.get("archived")), doc.get("tags"),
            doc.get("owner"))


def save_words(db: Path, docs: Sequence[dict[str, Any]], describe_tag: Any) -> None:
    """Keep the words shell completion offers (`kam.words`, read by kam/shell/kam.awk):
    a line `c<TAB>code<TAB>name` for each customer not archived, `t<TAB>tag<TAB>description`
    for each of their tags, `o<TAB>owner<TAB>description` for each of their owners. A
    value holding a tab, a newline or another control character is left out (a shell
    word could not carry it). Written by writers after each commit; derived data,
    deleted with the view by an erasure."""
    lines: list[str] = []
    tags: dict[str, int] = {}
    owners: dict[str, int] = {}
    for doc in docs:
        if doc.get("archived"):
            continue
        code = _word(str(doc.get("code", "")))
        if code:
            name = str(doc.get("name", "")).translate(_UNSAFE)
            lines.append(f"c\t{code}\t{name.translate(_CONTROL)}")
        for tag in doc.get("tags") or ():
            if isinstance(tag, str) and _word(tag):
                tags[tag] = tags.get(tag, 0) + 1
        owner = doc.get("owner")
        if isinstance(owner, str) and _word(owner):
            owners[owner] = owners.get(owner, 0) + 1
    lines.sort()
    lines += [f"t\t{tag}\t{describe_tag(n)}".translate({10: 32}) for tag, n in sorted(tags.items())]
    lines += [f"o\t{name}\t{describe_tag(n)}".translate({10: 32})
              for name, n in sorted(owners.items())]
    with contextlib.suppress(OSError):
        atomic_write_bytes(words_path(db), "".join(x + "\n" for x in lines).encode("utf-8"),
                           durable=False)
