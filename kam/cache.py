"""The user's cache directory (~/.cache/kam, or $XDG_CACHE_HOME/kam): what kam works
out the same way on every run, kept between runs under a key of everything it depends
on, kam's own files included. Losing it costs time only; KAM_NO_CACHE turns it off.

Standard library only, and os and sys at that: kam.launch reads the help page from
here before anything else is imported.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

PACKAGE = os.path.dirname(os.path.abspath(__file__))


def enabled() -> bool:
    return os.environ.get("KAM_NO_CACHE") is None


def directory() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kam")


def stat_of(path: str) -> str:
    """A file's size and modification time, or '-' when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def digest_of(path: str) -> str:
    """A small file's content as a hash, or '-' when there is none (kam.yaml: two edits
    within a clock tick can leave the same size and time)."""
    try:
        with open(path, "rb") as f:
            return digest(f.read())
    except OSError:
        return "-"


def key(*parts: object) -> str:
    """A key of parts and of kam itself: its version and the size and time of each of
    its files (a changed kam never reads what an older one kept)."""
    from kam import __version__

    seen = [repr((__version__, sys.version_info[:2], parts)), *_own_files()]
    return digest(";".join(seen).encode("utf-8"))[:32]


_files: list[str] = []


def _own_files() -> list[str]:
    """The name, size and time of each of kam's files, looked at once a run."""
    if not _files:
        for root, dirs, names in os.walk(PACKAGE):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            _files.extend(f"{name}:{stat_of(os.path.join(root, name))}"
                          for name in sorted(names) if name.endswith((".py", ".mo")))
    return _files


def digest(data: bytes) -> str:
    """A hash of data as hex: BLAKE2b from CPython's own module, without hashlib (which
    loads OpenSSL: a tenth of `kam --help`)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # another Python: hashlib has it
        from hashlib import blake2b
    return blake2b(data, digest_size=32).hexdigest()


def read(name: str) -> bytes | None:
    if not enabled():
        return None
    try:
        with open(os.path.join(directory(), name), "rb") as f:
            return f.read()
    except OSError:
        return None


KEEP = 8  # entries of one kind (help pages, settings) kept: the newest


def write(name: str, data: bytes) -> None:
    """Keep data, and drop all but the newest KEEP entries of its kind (the name up to
    its first '-'); a cache that cannot be written (read-only home, full disk) keeps
    nothing."""
    if not enabled():
        return
    try:
        from pathlib import Path

        from kam.store.files import atomic_write_bytes

        os.makedirs(directory(), mode=0o700, exist_ok=True)
        atomic_write_bytes(Path(directory()) / name, data, durable=False)
        kind = name.split("-", 1)[0] + "-"
        same = sorted((p for p in Path(directory()).iterdir() if p.name.startswith(kind)),
                      key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in same[KEEP:]:
            old.unlink()
    except OSError:
        pass


def kept_json(kind: str, make: Callable[[], Any]) -> Any:
    """What make() returns (JSON data worked out from kam itself: the command line as
    typer builds it), kept under `kind` and read back from then on; None without a
    cache (KAM_NO_CACHE), when the caller does without."""
    import json

    if not enabled():
        return None
    name = f"{kind}-{key(kind)}.json"
    kept = read(name)
    if kept is not None:
        try:
            return json.loads(kept)
        except ValueError:
            pass
    made = make()
    write(name, json.dumps(made, ensure_ascii=False).encode("utf-8"))
    return made
