"""The console entry point (``kam``): the Typer app, built with only the invoked
command (kam.cli.lean_app)."""

from __future__ import annotations

import atexit
import gc

# When the process ends, the interpreter's last collections would walk every object
# left (the libraries' and the command's) only for the memory to be given back anyway,
# a large share of a daily command (README, Performance). Frozen, they are left out;
# exit handlers have run, and files are still closed.
atexit.register(gc.freeze)


def main() -> None:
    # kam builds tens of thousands of small containers (one JSON parse, one object per
    # customer) and exits: collecting cycles every 700 allocations is a large share of
    # a daily command (README, Performance). Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    from kam.cli import main as run

    run()
