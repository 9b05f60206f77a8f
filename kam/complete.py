"""The completion lane: what the shell asks on Tab (`_KAM_COMPLETE=complete_bash`, zsh
or fish), answered without typer or click when it is a customer code, a tag or a
word nothing completes, the commonest questions by far and the ones a tab press
waits on. Typer builds every command to answer (a fifth of a second); this answers
in the time of `kam due`.

Typer stays the one definition: the first run after kam changes asks kam.cli for
the command line as typer built it (kam.cli.completion_spec: each command's
arguments and options and the completer each uses) and keeps it in the user's
cache. The lane follows click's own resolution (shell_completion._resolve_incomplete)
for the cases it takes: the command is the first word, no word is an option but
perhaps the last one, and the word being completed is not an option. Anything else
(a command name, option names, global options, choices, paths), and for zsh and fish
any help text that Rich could render differently from its plain text, goes to typer.
A test runs word sets through both and compares what the shell gets.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHELLS = ("bash", "zsh", "fish")


def run() -> int | None:
    """Answer the shell: the exit code; None when typer must answer."""
    instruction = os.environ.get("_KAM_COMPLETE", "")
    shell = instruction.removeprefix("complete_")
    if shell not in SHELLS or shell == instruction or \
            os.path.basename(sys.argv[0]) != "kam":
        return None
    asked = _asked(shell)
    if asked is None:
        return None
    words, incomplete = asked
    if not words or incomplete[:1] == "-" or incomplete == "=" or "--" in words:
        return None
    spec = _spec()
    command = spec["commands"].get(words[0]) if spec is not None else None
    if spec is None or command is None or not command["simple"]:
        return None
    rest = words[1:]
    if rest and rest[-1][:1] == "-":
        option = command["options"].get(rest[-1])  # click looks at the last word only
        if option is None or option["flag"]:
            return None
        what = option["complete"]
    elif any(w[:1] == "-" for w in rest):
        return None  # options among the arguments: which argument is next is click's call
    else:
        found = _argument(command["arguments"], len(rest))
        if found is None:
            return None
        what = found["complete"]
    if what not in ("code", "tag", None):
        return None
    items = [(v, h) for v, h in (_items(spec, what, incomplete) if what else [])
             if v.startswith(incomplete)]  # typer keeps only these (case matters)
    return _answer(shell, items)


def _asked(shell: str) -> tuple[list[str], str] | None:
    """(the complete words after `kam`, the word being completed), as typer's
    completion classes read them from the environment."""
    if shell == "bash":
        try:
            cwords = split_arg_string(os.environ["COMP_WORDS"])
            cword = int(os.environ["COMP_CWORD"])
        except (KeyError, ValueError):
            return None
        if cword < 1:
            return None
        return cwords[1:cword], cwords[cword] if cword < len(cwords) else ""
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    args = split_arg_string(line)[1:]
    if args and not line.endswith(" "):
        return args[:-1], args[-1]
    return args, ""


def split_arg_string(string: str) -> list[str]:
    """The shell words of a command line, as click splits them (shlex, keeping an
    unfinished quote's word as it is)."""
    import shlex

    lex = shlex.shlex(string, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out = []
    try:
        for token in lex:
            out.append(token)
    except ValueError:
        out.append(lex.token)
    return out


def _argument(arguments: list[dict[str, Any]], given: int) -> dict[str, Any] | None:
    """The argument the next word fills when `given` words were given: the first one
    not filled, or a variadic one; None when all are filled."""
    for at, argument in enumerate(arguments):
        if argument["variadic"] or at >= given:
            return argument
    return None


def _items(spec: dict[str, Any], what: str, incomplete: str) -> list[tuple[str, str]]:
    """kam's completer, with the global options as the environment gives them (the
    words hold none)."""
    from kam.lane import from_env
    from kam.startup import shell_words

    return shell_words({p["name"]: from_env(p) for p in spec[""]["params"]}, what, incomplete)


def _answer(shell: str, items: list[tuple[str, str]]) -> int | None:
    """Write what typer's completion class for the shell writes; its exit code."""
    if shell == "bash":
        return _write("\n".join(v for v, _ in items))
    if not all(_plain(h) for _, h in items):
        return None  # Rich renders help text: markup, emoji codes, wrapping
    if shell == "zsh":
        shown = [f'"{_zsh(v)}":"{_zsh(h)}"' if h else f'"{_zsh(v)}"' for v, h in items]
        return _write(f"_arguments '*: :(({chr(10).join(shown)}))'" if shown else "_files")
    lines = [f"{v}\t{h}" if h else v for v, h in items]  # fish
    action = os.environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
    if action == "is-args":
        return 0 if lines else 1
    return _write("\n".join(lines) if action == "get-args" and lines else "")


def _write(text: str) -> int:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def _zsh(text: str) -> str:
    return (text.replace('"', '""').replace("'", "''").replace("$", "\\$")
            .replace("`", "\\`").replace(":", r"\\:"))


def _plain(text: str) -> bool:
    """Whether Rich renders the text as itself: letters, digits, Chinese and common
    punctuation only (no markup brackets, emoji codes, escapes or tabs), single spaces,
    narrower than any width Rich could wrap it at."""
    from kam.text import width

    if text != text.strip() or "  " in text:
        return False
    for c in text:
        if not (" " <= c <= "~" and c not in "[]\\:$`\"'" or "\u4e00" <= c <= "\u9fff"
                or "\u3001" <= c <= "\u3011" or "\uff01" <= c <= "\uff5e" and c not in "［］："):
            return False
    return width(text) < _narrowest() - 1


def _narrowest() -> int:
    """The narrowest width Rich could wrap at (rich.console.Console.size): typer's
    TERMINAL_WIDTH, else COLUMNS, else a terminal on a standard stream, else 80."""
    for name in ("TERMINAL_WIDTH", "COLUMNS"):
        value = os.environ.get(name)
        if value is not None and (value.isdigit() or name == "TERMINAL_WIDTH"):
            return int(value) if value.isdigit() else 0
    found = [80]
    for fd in (0, 1, 2):
        try:
            found.append(os.get_terminal_size(fd).columns)
        except (AttributeError, ValueError, OSError):
            pass
    return min(found)


def _spec() -> dict[str, Any] | None:
    """The command line as typer builds it (kam.cli.completion_spec): from the cache,
    else made and kept. None without a cache (KAM_NO_CACHE): typer answers."""
    from kam import cache

    def make() -> dict[str, Any]:
        from kam.cli import completion_spec

        return completion_spec()

    found: dict[str, Any] | None = cache.kept_json("complete", make)
    return found
