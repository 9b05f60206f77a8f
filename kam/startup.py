"""What every command's start shares:
the global options (accepted before the command and hoisted from after it), the
language chosen before anything is parsed, the global options applied (`start`), and
a failure turned into one line and its exit code (`failed`). Standard library only.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


# Global options, accepted before the command and hoisted from after it.
GLOBAL_VALUE = ("--db", "--config", "--today", "--lang")
GLOBAL_FLAG = ("--debug", "--wide", "--no-pager")


def hoist_globals(args: list[str]) -> list[str]:
    """Move global options given after the command to the front, where click wants them."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        name = a.split("=", 1)[0]
        if name in GLOBAL_VALUE:
            front.extend(args[i:i + (1 if "=" in a else 2)])
            i += 1 if "=" in a else 2
            continue
        if a in GLOBAL_FLAG:
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def command_name(args: list[str]) -> str | None:
    """The command the arguments run (after the global options), if any."""
    rest = hoist_globals(args)
    i = 0
    while i < len(rest):
        a = rest[i]
        if a.split("=", 1)[0] in GLOBAL_VALUE:
            i += 1 if "=" in a else 2
        elif a in GLOBAL_FLAG:
            i += 1
        else:
            return None if a.startswith("-") else a
    return None


def given(args: list[str], name: str) -> str | None:
    """The value of a global option in the raw arguments, before they are parsed."""
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def choose_language(args: list[str]) -> str:
    """--lang, KAM_LANG, `language:` in kam.yaml, Chinese: decided before the help page."""
    from kam import i18n
    from kam.config import configured_language
    from kam.paths import resolve

    option = given(args, "--lang")
    if option is None and not os.environ.get("KAM_LANG"):
        paths = resolve(given(args, "--db") or os.environ.get("KAM_DB"),
                        given(args, "--config") or os.environ.get("KAM_CONFIG"))
        return i18n.choose(None, configured_language(paths.config))
    return i18n.choose(option, None)


def start(db: Any, config: Any, today: str | None, lang: str | None, wide: bool,
          command: str, pager: bool = True) -> Any:
    """The global options checked and applied: the use-case Context of the command."""
    from datetime import date

    from kam import i18n, render
    from kam.dates import resolve_date
    from kam.errors import BadInput
    from kam.i18n import t
    from kam.ops.context import Context

    if lang is not None and i18n.normalise(lang) is None:
        raise BadInput(t("--lang: {value} is not a language kam speaks ({known})",
                         value=repr(lang), known=", ".join(i18n.languages())))
    the_day = None
    if today:
        try:
            the_day = resolve_date(today, date.today())  # --today 昨天 is yesterday's morning
        except ValueError as e:
            raise BadInput(t("--today: {e}", e=e)) from None
        if not 1900 <= the_day.year <= 2999:
            raise BadInput(t("--today: {value} is out of range (years 1900 to 2999)",
                             value=today))
    if db is not None and not str(db).strip(". "):
        raise BadInput(t("--db: the path is empty; give the database file, e.g. "
                         "--db ~/kam.json"))
    render.set_wide(wide)
    render.set_pager(pager)
    return Context.create(db, config, the_day, command=command)


def failed(e: BaseException, obj: Any, debug: bool) -> int:
    """A command's failure said on stderr in one line (a traceback with --debug for a
    bug): its exit code (spec/cli.md)."""
    from kam.errors import ExitCode, KamError
    from kam.i18n import t

    if isinstance(e, KamError):
        print(t("Error: {message}", message=e), file=sys.stderr)
        return int(e.exit_code)
    if isinstance(e, KeyboardInterrupt):
        print(t("Interrupted; {what}", what=_what_was_saved(obj)), file=sys.stderr)
        return 130
    if isinstance(e, BrokenPipeError):
        # `kam list | head`: the reader went away; that is not a failure. Nothing more
        # is written, not even what the interpreter flushes on its way out.
        _silence()
        return 0
    if debug:
        import traceback  # only here: only --debug needs it

        traceback.print_exception(e)
    else:
        print(t("Error: unexpected failure ({kind}: {problem}); {what}. Run again with "
                "--debug for details and report it.", kind=type(e).__name__, problem=e,
                what=_what_was_saved(obj)), file=sys.stderr)
    return int(ExitCode.FAILURE)


def _what_was_saved(obj: Any) -> str:
    from kam.i18n import t

    return (t("the change was saved before the failure (see `kam history`)")
            if getattr(obj, "saved", False) else t("nothing was written"))


def _silence() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, stream.fileno())
            os.close(null)
        except (OSError, ValueError):
            pass
