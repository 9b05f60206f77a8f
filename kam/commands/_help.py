"""Help pages and usage errors in the user's language.

Help texts in the code are catalogue messages (marked with N_) and are translated
when a page is printed, so the language is the one of this run whatever the import
order. The page is laid out here, in display cells, so that Chinese text (two
cells a character, no spaces) wraps at the terminal's width like English does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import typer
from typer.core import TyperCommand

from kam.i18n import N_, t
from kam.text import terminal_width, width, wrap

_TYPES = {"str": N_("TEXT"), "int": N_("NUMBER"), "float": N_("NUMBER"), "path": N_("PATH"),
          "filename": N_("FILE")}


def page_width() -> int:
    """The output's width (kam.text.terminal_width), between 40 and 100 cells."""
    return max(40, min(terminal_width(), 100))


def _metavar(p: Any, ctx: Any) -> str:
    if getattr(p, "is_flag", False):
        return ""
    if p.param_type_name == "argument":
        name = t(p.metavar) if p.metavar else (p.name or "").upper()
        return name if p.required else f"[{name}]"
    if p.metavar:
        return str(t(p.metavar))
    kind = getattr(p.type, "name", "")
    if kind == "choice":
        return str(p.make_metavar(ctx))
    return t(_TYPES.get(kind, N_("TEXT")))


def _option_names(p: Any) -> str:
    names = ", ".join(sorted(p.opts, key=len))
    if p.secondary_opts:
        names += " / " + ", ".join(p.secondary_opts)
    meta = _metavar(p, None)
    return f"{names} {meta}" if meta else names


def _default(p: Any) -> str:
    value = p.default
    if (getattr(p, "is_flag", False) or value is None or p.show_default is False
            or value in ((), [], "") or callable(value)):
        return ""
    if isinstance(p.show_default, str):  # the default as the user knows it (a message)
        value = t(p.show_default)
    elif isinstance(value, Enum):
        value = value.value
    return t("[default: {value}]", value=value)


def _records(cmd: Any, ctx: Any, kind: str) -> list[tuple[str, str]]:
    out = []
    for p in cmd.get_params(ctx):
        if p.param_type_name != kind or getattr(p, "hidden", False):
            continue
        left = _metavar(p, ctx) if kind == "argument" else _option_names(p)
        extra = [_default(p)] if kind == "option" else []
        envvar = getattr(p, "envvar", None)
        if envvar and isinstance(envvar, str):
            extra.append(t("[env: {name}]", name=envvar))
        right = " ".join(x for x in (t(p.help) if p.help else "", *extra) if x)
        out.append((left, right))
    return out


def _definitions(rows: Sequence[tuple[str, str]], cells: int) -> list[str]:
    """Two columns: names, then help wrapped to the rest of the line."""
    left = min(max((width(a) for a, _ in rows), default=0), 30)
    lines = []
    for a, b in rows:
        body = wrap(b, max(20, cells - left - 4)) if b else [""]
        if width(a) > left:
            lines.append(f"  {a}")
            lines += [f"  {'':{left}}  {x}" for x in body]
            continue
        pad = " " * (left - width(a))
        lines.append(f"  {a}{pad}  {body[0]}".rstrip())
        lines += [f"  {'':{left}}  {x}" for x in body[1:]]
    return lines


def usage(cmd: Any, ctx: Any) -> str:
    pieces = [t("[OPTIONS]")]
    pieces += [_metavar(p, ctx) for p in cmd.get_params(ctx) if p.param_type_name == "argument"]
    if isinstance(cmd, typer.core.TyperGroup):
        pieces.append(t("COMMAND [ARGS]..."))
    return t("Usage: {command}", command=f"{ctx.command_path} {' '.join(pieces)}")


def page(cmd: Any, ctx: Any, commands: Sequence[tuple[str, Sequence[tuple[str, str]]]] = (),
         intro: str = "") -> str:
    """A command's whole help page."""
    cells = page_width()
    lines = [usage(cmd, ctx), ""]
    if cmd.help:
        lines += [f"  {x}" if x else "" for x in wrap(t(cmd.help), cells - 2)] + [""]
    if intro:
        lines += [t(intro), ""]
    for title, rows in commands:
        lines += [t("{title}:", title=t(title)), *_definitions(rows, cells), ""]
    for kind, title in (("argument", N_("Arguments")), ("option", N_("Options"))):
        rows = _records(cmd, ctx, kind)
        if rows:
            lines += [t("{title}:", title=t(title)), *_definitions(rows, cells), ""]
    if cmd.epilog:
        examples = [f"  {x}" for x in t(cmd.epilog).splitlines()]
        lines += [t("{title}:", title=t("Examples")), *examples, ""]
    return "\n".join(lines).rstrip() + "\n"


def short(help_text: str | None) -> str:
    """The first sentence of a command's help, for the command list."""
    text = t(help_text) if help_text else ""
    first = text.split("\n", 1)[0]
    for stop in ("。", ". "):
        if stop in first:
            first = first.split(stop, 1)[0] + ("。" if stop == "。" else ".")
            break
    return first


class _InTheUsersLanguage:
    """The usage line and the -h option's help, for commands and groups alike."""

    def get_usage(self, ctx: Any) -> str:
        return usage(self, ctx)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = N_("Show this help and exit.")
        return option


class KamCommand(_InTheUsersLanguage, TyperCommand):
    """A command whose help page is laid out by `page`, in the user's language."""

    def get_help(self, ctx: Any) -> str:
        return page(self, ctx)


class KamSubGroup(_InTheUsersLanguage, typer.core.TyperGroup):
    """A group of commands (kam contact) whose help page is laid out by `page`."""

    def get_help(self, ctx: Any) -> str:
        rows = [(n, short(c.help)) for n in self.list_commands(ctx)
                if (c := self.get_command(ctx, n)) is not None and not c.hidden]
        return page(self, ctx, [(N_("Commands"), rows)])


class App(typer.Typer):
    """typer.Typer whose commands are KamCommands (and groups KamSubGroups)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("cls", KamSubGroup)
        super().__init__(*args, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        kwargs.setdefault("cls", KamCommand)
        return super().command(*args, **kwargs)


def usage_error(e: Any) -> str:
    """A usage error (missing argument, unknown option, bad choice) in the user's language."""
    ctx = getattr(e, "ctx", None)
    head = ""
    if ctx is not None:
        head = (f"{ctx.command.get_usage(ctx)}\n"
                + t("Try '{command} -h' for help.", command=ctx.command_path) + "\n\n")
    # click's kinds of usage error, told by what each carries (typer re-exports only
    # BadParameter): MissingParameter has a param_type, NoSuchOption its possibilities
    if isinstance(e, typer.BadParameter) and hasattr(e, "param_type"):
        name = ""
        if e.param is not None:
            name = (_metavar(e.param, ctx) if e.param.param_type_name == "argument"
                    else "/".join(e.param.opts))
        message = t("missing {name}", name=name.strip("[]"))
    elif hasattr(e, "possibilities") and hasattr(e, "option_name"):
        message = t("no such option: {name}", name=e.option_name)
        if e.possibilities:
            message += " " + t("(did you mean {names}?)", names=", ".join(sorted(e.possibilities)))
    elif isinstance(e, typer.BadParameter):
        given: Any = e.param_hint or (e.param.get_error_hint(ctx) if e.param is not None
                                      and ctx is not None else "")
        hint = (" / ".join(given) if isinstance(given, (list, tuple)) else str(given)
                ).replace("'", "").replace('"', "")
        choices = getattr(getattr(e.param, "type", None), "choices", None)
        number = re.match(r"(.+) is not a valid (int|float)\b", e.message)
        if choices:
            message = t("{name}: choose one of {choices}", name=hint,
                        choices=", ".join(str(getattr(c, "value", c)) for c in choices))
        elif number and number.group(2) == "int":  # click's words for a number option
            message = t("{name}: not a whole number: {value}", name=hint, value=number.group(1))
        elif number:
            message = t("{name}: not a number: {value}", name=hint, value=number.group(1))
        else:
            message = t("{name}: {problem}", name=hint, problem=e.message)
    elif e.message.startswith("Got unexpected extra argument"):  # ... argument(s) (a b)
        extra = e.message.partition(" (")[2].removesuffix(")")
        message = t("unexpected extra argument(s): {args}", args=extra)
    elif e.message.startswith("No such command"):  # typer may add: Did you mean 'due'?
        head_, _, rest = e.message.partition(". Did you mean ")
        message = t("no such command: {name}", name=head_.partition(" command ")[2].strip("'\"."))
        if rest:
            message += " " + t("(did you mean {names}?)",
                               names=", ".join(re.findall(r"'([^']*)'", rest)))
    else:
        message = e.format_message()
    return head + t("Error: {message}", message=message)
