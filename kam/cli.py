"""The command line: global options, one exit point, and the commands' apps mounted.

This module imports only typer and the standard library at start-up; each
command imports what it needs (openpyxl, rich, the store) when it runs.
"""

from __future__ import annotations

import gc
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from kam import __version__
from kam.commands import contacts, customers, daily, exporting, importing, safety
from kam.errors import BadInput, ExitCode, KamError

# Global options, accepted before the command and hoisted from after it.
_GLOBAL_VALUE = ("--db", "--config", "--today")
_GLOBAL_FLAG = ("--debug",)


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
        if name in _GLOBAL_VALUE:
            front.extend(args[i:i + (1 if "=" in a else 2)])
            i += 1 if "=" in a else 2
            continue
        if a in _GLOBAL_FLAG:
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


class KamGroup(TyperGroup):
    """Hoists global options and turns errors into one line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for a in args:
            try:
                a.encode("utf-8")
            except UnicodeEncodeError:
                shown = a.encode("utf-8", "backslashreplace").decode("utf-8")
                raise typer.BadParameter(f"{shown!r} is not UTF-8 text; check the terminal's "
                                         "encoding (locale)") from None
        return super().parse_args(ctx, hoist_globals(list(args)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KamError as e:
            print(f"Error: {e}", file=sys.stderr)
            raise typer.Exit(int(e.exit_code)) from None
        except KeyboardInterrupt:
            print("Interrupted; " + _what_was_saved(ctx), file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `kam list | head`: the reader went away; that is not a failure.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as e:
            # typer/click's own exits and usage errors carry their exit code already.
            if isinstance(e, (typer.Exit, typer.Abort)) or hasattr(e, "show"):
                raise
            if ctx.meta.get("kam.debug"):
                traceback.print_exc()
            else:
                print(f"Error: unexpected failure ({type(e).__name__}: {e}); "
                      f"{_what_was_saved(ctx)}. Run again with --debug for details and "
                      "report it.", file=sys.stderr)
            raise typer.Exit(int(ExitCode.FAILURE)) from None


def _what_was_saved(ctx: Any) -> str:
    saved = getattr(ctx.obj, "saved", False)
    return ("the change was saved before the failure (see `kam history`)" if saved
            else "nothing was written")


app = typer.Typer(
    cls=KamGroup,
    name="kam",
    help="kam: key-account manager. Customer archives, follow-ups, churn warning, scoring, "
    "and the Excel layout everyone already uses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
for _commands in (customers, daily, importing, exporting, safety):
    app.add_typer(_commands.app)
app.add_typer(contacts.app, name="contact")


def _version(value: bool) -> None:
    if value:
        print(f"kam {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional
        "--db", envvar="KAM_DB", help="Database file (default: kam.json in the per-user "
        "app directory).", show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--config", envvar="KAM_CONFIG", help="Settings file (default: kam.yaml beside the "
        "database).", show_default=False)] = None,
    today: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--today", envvar="KAM_TODAY", help="Take this date (YYYY-MM-DD) as today.",
        show_default=False)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors."
                                        )] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    from kam.dates import parse_iso
    from kam.ops.context import Context

    ctx.meta["kam.debug"] = debug
    the_day = None
    if today:
        try:
            the_day = parse_iso(today.strip())
        except ValueError as e:
            raise BadInput(f"--today: {e}") from None
        if not 1900 <= the_day.year <= 2999:
            raise BadInput(f"--today: {today} is out of range (years 1900 to 2999)")
    if db is not None and not str(db).strip(". "):
        raise BadInput("--db: the path is empty; give the database file, e.g. --db ~/kam.json")
    ctx.obj = Context.create(db, config, the_day, command=ctx.invoked_subcommand or "")


def main() -> None:
    """Console-script entry point."""
    # kam builds tens of thousands of small containers (one JSON parse, one
    # object per customer) and exits: collecting cycles every 700 allocations
    # cost a third of `kam due` at 10,000 customers. Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    app()
