"""kam completion: the shell's completion script."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from kam.commands._common import App
from kam.i18n import N_

app = App()

Shell = Enum("Shell", [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")], type=str)


@app.command(help=N_("Print the completion script for bash, zsh or fish: commands, options, "
                     "customer codes and tags complete with Tab."),
             epilog=N_("kam completion bash >> ~/.bashrc\n"
                       "kam completion zsh > ~/.zfunc/_kam\n"
                       "kam completion fish > ~/.config/fish/completions/kam.fish"))
def completion(shell: Annotated[Shell, typer.Argument(help=N_("The shell."),
                                                      metavar=N_("SHELL"))]) -> None:
    from typer._completion_shared import get_completion_script

    from kam.render import write

    write(get_completion_script(prog_name="kam", complete_var="_KAM_COMPLETE",
                                shell=shell.value) + "\n")
