"""The console entry point (``kam``): `kam --version` and the main help page are
answered without importing typer, click or rich, because start-up is most of a
short command's time.

The help page is written by kam.cli the first time and kept in the user's cache
directory under a key of everything it depends on: kam's version and files, what
decides the language (KAM_LANG, kam.yaml), and the width. Reading it back imports
only os and sys. Anything else goes to kam.cli.
"""

from __future__ import annotations

import gc
import os
import sys

HELP_ARGS: tuple[list[str], ...] = ([], ["-h"], ["--help"])


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        from kam import __version__

        sys.stdout.write(f"kam {__version__}\n")
        return
    from kam.startup import completing

    shell = completing()
    if args in HELP_ARGS and not shell and os.environ.get("KAM_NO_CACHE") is None:
        sys.stdout.write(_kept_help(args))
        return
    # kam builds tens of thousands of small containers (one JSON parse, one object per
    # customer) and exits: collecting cycles every 700 allocations cost a third of
    # `kam due` at 10,000 customers. Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    if shell:
        from kam import complete

        code = complete.run()
        if code is not None:
            sys.exit(code)
    from kam import lane

    code = lane.run(args)
    if code is not None:
        sys.exit(code)
    from kam.cli import main as run

    run()


def _help_key(args: list[str], width: int) -> str:
    """What the page depends on besides kam itself: the arguments, the width, and what
    decides the language (KAM_LANG and the kam.yaml in use)."""
    from kam import cache
    from kam.paths import user_dir_name

    env = os.environ.get
    db = env("KAM_DB") or os.path.join(user_dir_name(), "kam.json")
    config = env("KAM_CONFIG") or os.path.join(os.path.dirname(os.path.expanduser(db)),
                                               "kam.yaml")
    return cache.key("help", args, width, env("KAM_LANG"), config,
                     cache.digest_of(os.path.expanduser(config)))


def _kept_help(args: list[str]) -> str:
    """The help page, from the cache or written by kam.cli now and kept."""
    from kam import cache
    from kam.text import terminal_width

    name = f"help-{_help_key(args, terminal_width())}.txt"
    kept = cache.read(name)
    if kept is not None:
        try:
            return kept.decode("utf-8")
        except UnicodeDecodeError:
            pass
    import contextlib
    import io

    out = io.StringIO()
    os.environ["COLUMNS"] = str(terminal_width())  # for this terminal, not for the buffer
    try:
        with contextlib.redirect_stdout(out):
            from kam.cli import main as run

            run()
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    page = out.getvalue()
    cache.write(name, page.encode("utf-8"))
    return page
