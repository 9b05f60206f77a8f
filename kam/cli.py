"""The command line: global options, error handling and the Typer app.

This module imports only typer and the standard library at start-up; each
command imports what it needs (openpyxl, rich) when it runs.
"""

from __future__ import annotations

import gc
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from kam import __version__
from kam.errors import BadInput, ExitCode, KamError

if TYPE_CHECKING:
    from kam.config import Settings

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
        return super().parse_args(ctx, hoist_globals(list(args)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KamError as e:
            print(f"Error: {e}", file=sys.stderr)
            raise typer.Exit(int(e.exit_code)) from None
        except KeyboardInterrupt:
            print("Interrupted; nothing was written.", file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `kam list | head`: the reader went away; that is not a failure.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as e:
            # typer/click's own exits and usage errors carry their exit code already.
            if isinstance(e, (typer.Exit, typer.Abort)) or hasattr(e, "show"):
                raise
            env = ctx.obj if isinstance(ctx.obj, Env) else None
            if env is not None and env.debug:
                traceback.print_exc()
            else:
                print(f"Error: unexpected failure ({type(e).__name__}: {e}); nothing was "
                      "written. Run again with --debug for details and report it.",
                      file=sys.stderr)
            raise typer.Exit(int(ExitCode.FAILURE)) from None


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


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]


def default_db_path() -> Path:
    """The per-user database when neither --db nor KAM_DB is given."""
    return Path(typer.get_app_dir("kam")) / "kam.json"


@dataclass
class Env:
    """What every command needs: where things are, and which day it is."""

    db: Path
    config: Path
    today: date
    debug: bool = False
    config_given: bool = False
    command: str = ""
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from kam import config

            self._settings = config.load(self.config, must_exist=self.config_given)
        return self._settings

    def stamp(self) -> str:
        """A timestamp on the day kam takes as today (so --today drives it too)."""
        return datetime.combine(self.today, datetime.now().time()).isoformat(timespec="seconds")


def env(ctx: typer.Context) -> Env:
    obj = ctx.find_root().obj
    assert isinstance(obj, Env)
    return obj


def _version(value: bool) -> None:
    if value:
        print(f"kam {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option(  # noqa: UP007 - typer needs Optional
        "--db", envvar="KAM_DB", help="Database file (default: kam.json in the per-user "
        "app directory).", show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(  # noqa: UP007
        "--config", envvar="KAM_CONFIG", help="Settings file (default: kam.yaml beside the "
        "database).", show_default=False)] = None,
    today: Annotated[str | None, typer.Option(  # noqa: UP007
        "--today", envvar="KAM_TODAY", help="Take this date (YYYY-MM-DD) as today.",
        show_default=False)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors."
                                        )] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    db_path = (db or default_db_path()).expanduser()
    the_day = date.today()
    ctx.obj = Env(db_path, (config or db_path.with_name("kam.yaml")).expanduser(), the_day,
                  debug, config_given=config is not None, command=ctx.invoked_subcommand or "")
    if today:
        from kam.dates import parse_iso

        try:
            ctx.obj.today = parse_iso(today.strip())
        except ValueError as e:
            raise BadInput(f"--today: {e}") from None


def main() -> None:
    """Console-script entry point."""
    # kam builds tens of thousands of small containers (one JSON parse, one
    # object per customer) and exits: collecting cycles every 700 allocations
    # cost a third of `kam due` at 10,000 customers. Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    app()


# Registering the commands; their modules import heavy libraries only inside commands.
from kam.commands import archive, daily, safety, sheets  # noqa: E402,F401
