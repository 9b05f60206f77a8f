"""The command line: global options, one exit point, and the commands' apps mounted.

This module imports only typer and the standard library at start-up; each
command imports what it needs (openpyxl, rich, the store) when it runs.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kam import __version__, i18n
from kam.commands import (
    _help,
    contacts,
    customers,
    daily,
    exporting,
    importing,
    reviewing,
    safety,
    shell,
)
from kam.errors import BadInput, ExitCode, KamError
from kam.i18n import N_, t

# Global options, accepted before the command and hoisted from after it.
_GLOBAL_VALUE = ("--db", "--config", "--today", "--lang")
_GLOBAL_FLAG = ("--debug", "--wide")


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


def _given(args: list[str], name: str) -> str | None:
    """The value of a global option in the raw arguments, before click parses them."""
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
    import os

    from kam.paths import resolve

    option = _given(args, "--lang")
    if option is None and not os.environ.get("KAM_LANG"):
        paths = resolve(_given(args, "--db") or os.environ.get("KAM_DB"),
                        _given(args, "--config") or os.environ.get("KAM_CONFIG"))
        return i18n.choose(None, i18n.language_in(paths.config))
    return i18n.choose(option, None)


# The command list of `kam -h`, by what a salesperson does when.
SECTIONS = (
    (N_("Every day"), ("due", "log", "done", "snooze", "risk", "digest", "review")),
    (N_("Customers"), ("add", "show", "list", "search", "edit", "lost", "tag", "contact",
                       "score", "blind")),
    (N_("Spreadsheets"), ("init", "import", "export", "undo", "batches", "completion")),
    (N_("Mending and safety"), ("unlog", "relog", "rename", "merge", "history", "backups",
                                "restore", "archive", "unarchive", "erase")),
)
# Typer's own help texts (the completion options), translated like kam's.
TYPER_TEXTS = (N_("Install completion for the current shell."),
               N_("Show completion for the current shell, to copy it or customize the "
                  "installation."))
START_HERE = N_("""Start here:
  kam init                       create the archive and kam.yaml
  kam import customers.xlsx      read your spreadsheet (any layout kam recognises)
  kam due                        whom to contact today""")


class KamGroup(_help.KamSubGroup):
    """Hoists global options, speaks the user's language, and turns errors into one
    line and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for a in args:
            try:
                a.encode("utf-8")
            except UnicodeEncodeError:
                shown = a.encode("utf-8", "backslashreplace").decode("utf-8")
                raise typer.BadParameter(t("{value} is not UTF-8 text; check the terminal's "
                                           "encoding (locale)", value=repr(shown))) from None
        i18n.set_language(choose_language(list(args)))
        return super().parse_args(ctx, hoist_globals(list(args)))

    def get_help(self, ctx: Any) -> str:
        listed: dict[str, list[tuple[str, str]]] = {}
        names = set(self.list_commands(ctx))
        for title, members in SECTIONS:
            for name in members:
                cmd = self.get_command(ctx, name) if name in names else None
                if cmd is not None and not cmd.hidden:
                    listed.setdefault(title, []).append((name, _help.short(cmd.help)))
        rest = [(n, _help.short(c.help)) for n in sorted(names - {m for _, ms in SECTIONS
                                                                   for m in ms})
                if (c := self.get_command(ctx, n)) is not None and not c.hidden]
        if rest:
            listed[N_("Other")] = rest
        return _help.page(self, ctx, list(listed.items()), intro=START_HERE)

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.Exit:
            raise
        except Exception as e:
            _usage_failed(e)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KamError as e:
            print(t("Error: {message}", message=e), file=sys.stderr)
            raise typer.Exit(int(e.exit_code)) from None
        except KeyboardInterrupt:
            print(t("Interrupted; {what}", what=_what_was_saved(ctx)), file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # `kam list | head`: the reader went away; that is not a failure.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as e:
            # typer/click's own exits and usage errors carry their exit code already.
            if isinstance(e, (typer.Exit, typer.Abort)):
                raise
            if hasattr(e, "show"):
                _usage_failed(e)
                raise
            if ctx.meta.get("kam.debug"):
                import traceback  # only here: it costs a tenth of start-up

                traceback.print_exc()
            else:
                print(t("Error: unexpected failure ({kind}: {problem}); {what}. Run again with "
                        "--debug for details and report it.", kind=type(e).__name__, problem=e,
                        what=_what_was_saved(ctx)), file=sys.stderr)
            raise typer.Exit(int(ExitCode.FAILURE)) from None


def _usage_failed(e: Exception) -> None:
    """A usage error: said in the user's language, exit 2; other click errors pass."""
    from typer._click.exceptions import UsageError

    if isinstance(e, UsageError):
        print(_help.usage_error(e), file=sys.stderr)
        raise typer.Exit(2) from None


def _what_was_saved(ctx: Any) -> str:
    saved = getattr(ctx.obj, "saved", False)
    return (t("the change was saved before the failure (see `kam history`)") if saved
            else t("nothing was written"))


MODULES = (customers, daily, reviewing, importing, exporting, safety, shell)


def _app(modules: tuple[Any, ...] = MODULES, groups: bool = True) -> _help.App:
    """kam's command line with the commands of these modules (and the contact group)."""
    made = _help.App(
        cls=KamGroup,
        name="kam",
        help=N_("kam: key-account manager. Customer archives, follow-ups, churn warning, "
                "scoring, and the Excel layout everyone already uses."),
        invoke_without_command=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )
    for module in modules:
        made.add_typer(module.app)
    if groups:
        made.add_typer(contacts.app, name="contact")
    return made


app = _app()


def _version(value: bool) -> None:
    if value:
        print(f"kam {__version__}")
        raise typer.Exit()


def _main(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional
        "--db", envvar="KAM_DB", help=N_("Database file (default: kam.json in the per-user "
                                         "app directory)."), show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--config", envvar="KAM_CONFIG", help=N_("Settings file (default: kam.yaml beside "
                                                 "the database)."), show_default=False)] = None,
    today: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--today", envvar="KAM_TODAY", help=N_("Take this date (YYYY-MM-DD) as today."),
        show_default=False, metavar=N_("DATE"))] = None,
    lang: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--lang", envvar="KAM_LANG", help=N_("Language of tables, messages and help: zh or en "
                                             "(default: language in kam.yaml, else zh)."),
        show_default=False, metavar="zh|en")] = None,
    wide: Annotated[bool, typer.Option("--wide", help=N_(
        "Tables show every column and the whole text, however wide."))] = False,
    debug: Annotated[bool, typer.Option("--debug", help=N_(
        "Show tracebacks of unexpected errors."))] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=N_("Show the version and exit."))] = False,
) -> None:
    from kam import render
    from kam.dates import parse_iso
    from kam.ops.context import Context

    if ctx.invoked_subcommand is None:
        print(ctx.get_help())
        raise typer.Exit()
    if lang is not None and i18n.normalise(lang) is None:
        raise BadInput(t("--lang: {value} is not a language kam speaks ({known})",
                         value=repr(lang), known=", ".join(i18n.languages())))
    ctx.meta["kam.debug"] = debug
    the_day = None
    if today:
        try:
            the_day = parse_iso(today.strip())
        except ValueError as e:
            raise BadInput(t("--today: {e}", e=e)) from None
        if not 1900 <= the_day.year <= 2999:
            raise BadInput(t("--today: {value} is out of range (years 1900 to 2999)",
                             value=today))
    if db is not None and not str(db).strip(". "):
        raise BadInput(t("--db: the path is empty; give the database file, e.g. "
                         "--db ~/kam.json"))
    render.set_wide(wide)
    ctx.obj = Context.create(db, config, the_day, command=ctx.invoked_subcommand or "")


app.callback()(_main)


def _command_name(args: list[str]) -> str | None:
    """The command the arguments run (after the global options), if any."""
    rest = hoist_globals(args)
    i = 0
    while i < len(rest):
        a = rest[i]
        if a.split("=", 1)[0] in _GLOBAL_VALUE:
            i += 1 if "=" in a else 2
        elif a in _GLOBAL_FLAG:
            i += 1
        else:
            return None if a.startswith("-") else a
    return None


def lean_app(args: list[str]) -> _help.App:
    """The command line with only the module of the command the arguments run: typer
    builds every command's parameters from its signature on each run, a third of kam's
    start-up. Anything else (no command, an unknown one, the contact group, shell
    completion): the whole app."""
    import os

    name = _command_name(args)
    if name is None or any(k.startswith("_KAM") for k in os.environ):
        return app
    for module in MODULES:
        for info in module.app.registered_commands:
            if name == (info.name or info.callback.__name__.replace("_", "-")):
                lean = _app((module,), groups=False)
                lean.callback()(_main)
                return lean
    return app


def main() -> None:
    """Console-script entry point."""
    # kam builds tens of thousands of small containers (one JSON parse, one
    # object per customer) and exits: collecting cycles every 700 allocations
    # cost a third of `kam due` at 10,000 customers. Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    lean_app(sys.argv[1:])()
