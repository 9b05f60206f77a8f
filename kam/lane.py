"""The fast lane: the daily commands (due, risk, score, list, digest, show, log, done, edit) run
without typer or click, whose import and command building are most of a short
command's time.

Typer stays the one definition of the command line. The first run after kam changes
asks kam.cli for the lane's commands as typer built them (names, options, types,
defaults) and keeps that in the user's cache; later runs parse with it. The lane
takes only what it can parse exactly as click would: anything else (help, an
unknown or malformed option, a value click would refuse, `--`, shell completion)
goes to typer, which parses it and says what is wrong. Both then call the same body
(kam.commands.quick) and turn failures into the same message and exit code
(`failed`); a test runs argument sets through both and compares.

What both share at the start of a command is in kam/startup.py.
"""

from __future__ import annotations

import os
import sys

from kam.startup import choose_language, command_name, completing, failed, start
from kam.typenames import Any

# The commands the lane runs: each has a body of the same name in kam.commands.quick.
COMMANDS = ("due", "risk", "score", "list", "digest", "show", "log", "done", "edit")


def run(args: list[str]) -> int | None:
    """Run a lane command: its exit code; None when the lane does not take these
    arguments (typer runs them)."""
    name = command_name(args)
    if name not in COMMANDS or not _plain(args):
        return None
    spec = _spec()
    parsed = parse(spec, name, args) if spec is not None and name in spec else None
    if spec is None or parsed is None:
        return None
    from kam import i18n

    i18n.set_language(choose_language(args))
    options, kwargs = parsed
    obj = None
    try:
        obj = start(options["db"], options["config"], options["today"], options["lang"],
                    options["wide"], name)
        from kam.commands import quick

        getattr(quick, spec[name]["body"])(obj, **kwargs)
        sys.stdout.flush()
    except (Exception, KeyboardInterrupt) as e:
        return failed(e, obj, options["debug"])
    return 0


def _plain(args: list[str]) -> bool:
    """No shell completion under way, and every argument UTF-8 text (else typer says
    what is wrong)."""
    if completing():
        return False
    try:
        for a in args:
            a.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _spec() -> dict[str, Any] | None:
    """The lane's commands as typer builds them: from the cache, else from kam.cli (and
    kept). None without a cache (KAM_NO_CACHE): typer runs everything."""
    from kam import cache

    def make() -> dict[str, Any]:
        from kam.cli import lane_spec

        return lane_spec(COMMANDS)

    found: dict[str, Any] | None = cache.kept_json("lane", make)
    return found


def parse(spec: dict[str, Any], name: str, args: list[str]
          ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(global options, the body's keyword arguments) as click would parse the
    arguments; None for anything the lane does not take as it is."""
    glob, command = spec[""], spec[name]
    values: dict[str, Any] = {}
    found: dict[str, Any] = {}
    positional: list[str] = []
    seen_command = False
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--" or a.startswith("-") and a != "-" and a[1:2] != "-" and len(a) > 2:
            return None  # `--`, short options joined to their value or to each other
        if not a.startswith("-") or a == "-":
            if not seen_command:
                if a != name:
                    return None
                seen_command = True
            else:
                positional.append(a)
            continue
        opt, eq, attached = a.partition("=")
        tables = [(values, glob), (found, command)] if seen_command else [(values, glob)]
        hit = next(((target, p) for target, table in tables for p in table["params"]  # globals first
                    if opt in p["opts"] or opt in p["secondary"]), None)
        if hit is None or hit[1]["kind"] == "argument":
            return None
        target, param = hit
        if param["kind"] == "flag":
            if eq:
                return None
            value: Any = opt in param["opts"]
        else:
            if eq:
                text = attached
            elif i < len(args) and not args[i].startswith("-"):
                text, i = args[i], i + 1
            else:
                return None
            value = convert(param, text)
            if value is None:
                return None
        if param["multiple"]:
            target.setdefault(param["name"], []).append(value)
        else:
            target[param["name"]] = value
    if not seen_command:
        return None
    arguments = [p for p in command["params"] if p["kind"] == "argument"]
    if any(p["multiple"] for p in arguments[:-1]):
        return None  # only the last argument may take several values
    several = bool(arguments) and arguments[-1]["multiple"]
    if len(positional) > len(arguments) and not several:
        return None
    for at, p in enumerate(arguments):
        texts = positional[at:] if p["multiple"] else positional[at:at + 1]
        converted = [convert(p, text) for text in texts]
        if any(v is None for v in converted):
            return None
        if converted:
            found[p["name"]] = converted if p["multiple"] else converted[0]
    if any(p["required"] and p["name"] not in found for p in arguments):
        return None
    kwargs = {p["name"]: found.get(p["name"], p["default"]) for p in command["params"]}
    options = {p["name"]: values.get(p["name"], from_env(p)) for p in glob["params"]}
    return options, kwargs


def from_env(param: dict[str, Any]) -> Any:
    text = os.environ.get(param["envvar"]) if param["envvar"] else None
    return convert(param, text) if text else param["default"]


def convert(param: dict[str, Any], text: str) -> Any:
    """A value as click and typer convert it; None when the lane leaves it to them."""
    kind = param["type"]
    if kind == "text":
        return text
    if kind == "path":
        from pathlib import Path

        return Path(text)
    if kind == "choice":
        return text if text in param["choices"] else None
    # numbers only as plain ASCII digits (click also reads " 3", "1_000", "1e3", "nan")
    digits = text[1:] if text[:1] in ("+", "-") else text
    whole, point, part = digits.partition(".")
    if kind == "int" and _digits(digits):
        return int(text)
    if kind == "float" and (_digits(whole) and (not part or _digits(part))
                            or point and not whole and _digits(part)):
        return float(text)
    return None


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
