"""The console entry point (``kam``): `kam --version` and the main help page are
answered without importing typer, click or rich, because start-up is most of a
short command's time.

The help page is written by kam.cli the first time and kept in the user's cache
directory under a key of everything it depends on: kam's version and files, what
decides the language (KAM_LANG, kam.yaml), and the width. Reading it back imports
only os, sys and hashlib. Anything else goes to kam.cli.
"""

from __future__ import annotations

import os
import sys

PACKAGE = os.path.dirname(os.path.abspath(__file__))
HELP_ARGS: tuple[list[str], ...] = ([], ["-h"], ["--help"])


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        from kam import __version__

        sys.stdout.write(f"kam {__version__}\n")
        return
    if args in HELP_ARGS and os.environ.get("KAM_NO_CACHE") is None:
        page = _kept_help(args)
        if page is not None:
            sys.stdout.write(page)
            return
    from kam.cli import main as run

    run()


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kam")


def _stat(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _help_key(args: list[str], width: int) -> str:
    """What the page depends on: kam's own files (their size and time), the arguments,
    the width, and what decides the language: KAM_LANG and the kam.yaml in use."""
    import hashlib

    from kam import __version__
    from kam.paths import user_dir_name

    env = os.environ.get
    db = env("KAM_DB") or os.path.join(user_dir_name(), "kam.json")
    config = env("KAM_CONFIG") or os.path.join(os.path.dirname(os.path.expanduser(db)),
                                               "kam.yaml")
    h = hashlib.sha256(repr((__version__, args, width, env("KAM_LANG"), config,
                             _stat(os.path.expanduser(config)))).encode("utf-8"))
    for folder in (PACKAGE, os.path.join(PACKAGE, "commands"),
                   os.path.join(PACKAGE, "locale")):
        for root, _dirs, names in os.walk(folder) if folder.endswith("locale") else [
                (folder, [], os.listdir(folder))]:
            for name in sorted(names):
                if name.endswith((".py", ".mo")):
                    h.update(f"{name}:{_stat(os.path.join(root, name))};".encode())
    return h.hexdigest()[:32]


def _width() -> int:
    """kam.text.terminal_width, without importing what kam.text needs for the rest."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        return os.get_terminal_size(sys.stdout.fileno()).columns
    return 80


def _kept_help(args: list[str]) -> str | None:
    """The help page, from the cache or written now and kept; None when kam.cli must
    answer itself (it did not exit cleanly)."""
    width = _width()
    path = os.path.join(_cache_dir(), f"help-{_help_key(args, width)}.txt")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        pass
    import contextlib
    import io
    from pathlib import Path

    out = io.StringIO()
    os.environ["COLUMNS"] = str(width)  # the page is written for this terminal, not a buffer
    try:
        with contextlib.redirect_stdout(out):
            from kam.cli import main as run

            run()
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    page = out.getvalue()
    with contextlib.suppress(OSError):
        from kam.store.files import atomic_write_bytes

        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write_bytes(Path(path), page.encode("utf-8"))
    return page
