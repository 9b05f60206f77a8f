"""The command line: global options, one exit point, and the commands' apps mounted.

This module imports only typer and the standard library at start-up; a command
runs with only its own module of kam.commands imported (lean_app), and imports
what it needs (openpyxl, rich, the store) when it runs.
"""

import functools
import importlib
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kam import __version__, i18n
from kam.commands import _help
from kam.i18n import N_, t
from kam.startup import choose_language, command_name, failed, hoist_globals

# Every command, by what a salesperson does when (the sections of `kam -h`), with the
# module of kam.commands that defines it; None: this module's `completion`, and the
# `contact` group, which run in the whole app (tests/test_architecture.py holds the
# table to what the modules define).
SECTIONS: tuple[tuple[str, dict[str, str | None]], ...] = (
    (N_("Every day"), {"due": "daily", "log": "daily", "done": "daily", "snooze": "daily",
                       "risk": "daily", "digest": "daily", "review": "reviewing"}),
    (N_("Customers"), {"add": "customers", "show": "customers", "list": "customers",
                       "search": "customers", "edit": "customers", "lost": "customers",
                       "contact": None, "score": "daily"}),
    (N_("Spreadsheets"), {"init": "customers", "import": "importing", "export": "exporting",
                          "undo": "importing", "batches": "importing", "completion": None}),
    (N_("Mending and safety"), {"unlog": "daily", "relog": "daily", "rename": "customers",
                                "merge": "customers", "history": "safety", "backups": "safety",
                                "restore": "safety", "archive": "safety",
                                "unarchive": "safety", "erase": "safety"}),
)
MODULE_OF = {name: module for _, names in SECTIONS for name, module in names.items()}
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
        from kam.render import paged

        try:
            with paged():
                return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except (Exception, KeyboardInterrupt) as e:
            if isinstance(e, Exception) and hasattr(e, "show"):  # click's usage errors
                _usage_failed(e)
                raise
            raise typer.Exit(failed(e, ctx.obj, ctx.meta.get("kam.debug", False))) from None


def _usage_failed(e: Exception) -> None:
    """A usage error (exit code 2, with its context: click's UsageError and its kinds,
    told by what they carry, not by a private import): said in the user's language;
    other errors pass."""
    if getattr(e, "exit_code", None) == 2 and hasattr(e, "ctx"):
        print(_help.usage_error(e), file=sys.stderr)
        raise typer.Exit(2) from None


def _module(name: str) -> Any:
    return importlib.import_module(f"kam.commands.{name}")


def _app() -> _help.App:
    """kam's command line with the global options and no command yet."""
    made = _help.App(
        cls=KamGroup,
        name="kam",
        help=N_("kam: key-account manager. Customer archives, follow-ups, churn warning, "
                "scoring, and the Excel layout everyone already uses."),
        invoke_without_command=True,
        add_completion=False,  # `kam completion SHELL` prints kam's own script
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )
    made.callback()(_main)
    return made


@functools.cache
def whole_app() -> _help.App:
    """The command line with every command (made once): the help page, completion, an
    unknown command, the contact group."""
    made = _app()
    for module in dict.fromkeys(m for m in MODULE_OF.values() if m is not None):
        made.add_typer(_module(module).app)
    made.add_typer(_module("contacts").app, name="contact")
    made.command(help=COMPLETION_HELP, epilog=COMPLETION_EXAMPLES)(completion)
    return made


def __getattr__(name: str) -> Any:  # `from kam.cli import app`: the whole app, made then
    if name == "app":
        return whole_app()
    raise AttributeError(name)


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
    no_pager: Annotated[bool, typer.Option("--no-pager", help=N_(
        "Print a long page on the terminal, not through the pager (KAM_PAGER, PAGER or "
        "less)."))] = False,
    debug: Annotated[bool, typer.Option("--debug", help=N_(
        "Show tracebacks of unexpected errors."))] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=N_("Show the version and exit."))] = False,
) -> None:
    from kam.startup import start

    ctx.meta["kam.debug"] = debug
    if ctx.invoked_subcommand is None:  # `kam` alone: the morning, once there is an archive
        obj = ctx.obj = start(db, config, today, lang, wide, "", not no_pager)
        if not obj.db.is_file():
            print(ctx.get_help())  # where to start
            raise typer.Exit()
        from kam.ops.daily import digest
        from kam.report import digest as show

        show(digest(obj), "text", limit=MORNING_LINES)
        raise typer.Exit()
    ctx.obj = start(db, config, today, lang, wide, ctx.invoked_subcommand or "", not no_pager)


MORNING_LINES = 5  # a section of `kam` alone: the morning on one screen

Shell = Enum("Shell", [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")], type=str)
COMPLETION_HELP = N_("Print the completion script for bash, zsh or fish: commands, options, "
                     "customer codes and tags complete with Tab, without running kam itself.")
COMPLETION_EXAMPLES = N_("kam completion bash >> ~/.bashrc\n"
                         "kam completion zsh > ~/.zfunc/_kam\n"
                         "kam completion fish > ~/.config/fish/completions/kam.fish")


def completion(ctx: typer.Context, shell: Annotated[Shell, typer.Argument(
        help=N_("The shell."), metavar=N_("SHELL"))]) -> None:
    from kam.ops.listing import keep_words
    from kam.render import write

    keep_words(ctx.obj)  # an archive no kam of this version has written to yet
    write(completion_script(shell.value, _values(ctx.obj.settings)))


def completion_script(shell: str, values: dict[str, str] | None = None) -> str:
    """kam/shell/kam.<shell> with the command line as Typer builds it (the spec
    kam/shell/kam.awk reads, in this run's language) and that awk program; values:
    what an option's value completes to, by option (_values)."""
    here = Path(__file__).with_name("shell")
    quote = _fish_quote if shell == "fish" else _sh_quote
    script = (here / f"kam.{shell}").read_text(encoding="utf-8")
    return (script.replace("@SPEC@", quote("\n".join(_spec(values or {}))))
            .replace("@AWK@", quote((here / "kam.awk").read_text(encoding="utf-8"))))


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _values(settings: Any) -> dict[str, str]:
    """What the values of the vocabulary options complete to: their keys and labels as
    kam.yaml has them, the tiers, the kinds, the sort keys; owners from the word file."""
    from kam.labels import KIND_ALIASES
    from kam.records import SORT_KEYS
    from kam.schema import INTERACTION_KINDS

    def words(*groups: Any) -> str:
        found = dict.fromkeys(w for g in groups for w in g if w and "," not in w)
        return "choice:" + ",".join(found)

    vocab = settings.vocab
    return {"--stage": words(*((x.key, x.label) for x in vocab["stage"].terms)),
            "--value-level": words(*((x.key, x.label) for x in vocab["value_level"].terms)),
            "--tier": words(x.name for x in settings.tiers),
            "--kind": words(INTERACTION_KINDS, KIND_ALIASES),
            "--sort": words(SORT_KEYS, (f"-{k}" for k in SORT_KEYS)), "--owner": "owner"}


def _spec(values: dict[str, str]) -> list[str]:
    """The command line for kam.awk: commands, groups, options and arguments, each
    with what completes it (see the head of kam/shell/kam.awk)."""
    from kam.paths import resolve

    group = typer.main.get_command(whole_app())
    lines = [f"d\t{resolve(None).db}"] + _params("", group.params, values)
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        if command.hidden:
            continue
        lines.append(f"c\t{name}\t{_help.short(command.help)}")
        subs = getattr(command, "commands", None)
        for sub, cmd in sorted((subs or {name: command}).items()):
            path = f"{name} {sub}" if subs else name
            if subs:
                lines.append(f"s\t{name}\t{sub}\t{_help.short(cmd.help)}")
            lines += _params(path, cmd.params, values)
    return [line.translate(_ONE_LINE) for line in lines]


_ONE_LINE = str.maketrans({"\n": " ", "\r": " "})


# What a value completes to, by the metavar that names it in the help.
_COMPLETES = {"CODE": "code", "KEEP": "code", "OTHER": "code", "TAG": "tag", "FILE": "path",
              "zh|en": "choice:zh,en"}


def _params(path: str, params: list[Any], values: dict[str, str]) -> list[str]:
    out, index = [f"o\t{path}\t-h\tflag", f"o\t{path}\t--help\tflag"], 0
    for p in params:
        choices = [str(getattr(c, "value", c)) for c in getattr(p.type, "choices", ())]
        given = next((values[o] for o in p.opts if o in values), None)
        kind = (given if given is not None else
                _COMPLETES[p.metavar] if p.metavar in _COMPLETES else
                "choice:" + ",".join(choices) if choices else
                "path" if getattr(p.type, "name", "") in ("path", "filename") else "text")
        if p.param_type_name == "argument":
            index += 1
            out.append(f"a\t{path}\t{index}\t{kind}\t{int(p.nargs == -1)}")
            continue
        flag = bool(getattr(p, "is_flag", False) or getattr(p, "count", False))
        out += [f"o\t{path}\t{o}\t{'flag' if flag else kind}"
                for o in (*p.opts, *p.secondary_opts)]
    return out


def lean_app(args: list[str]) -> _help.App:
    """The command line with only the command the arguments run: typer builds every
    command's parameters from its signature on each run, most of kam's start-up
    (README, Performance). Anything else (no command, an unknown one, the contact
    group): the whole app."""
    name = command_name(args)
    module = MODULE_OF.get(name) if name is not None else None
    if module is None:
        return whole_app()
    lean = _app()
    lean.registered_commands += [i for i in _module(module).app.registered_commands
                                 if command_of(i) == name]
    return lean


def command_of(info: Any) -> str:
    """The name a registered command (typer's CommandInfo) is run by."""
    return str(info.name or info.callback.__name__.replace("_", "-"))


def main() -> None:
    """What kam.launch runs: the app for these arguments, named kam in usage lines
    however it was started (click would say `python -m kam`)."""
    lean_app(sys.argv[1:])(prog_name="kam")
