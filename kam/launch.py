"""The console entry point (``kam``): the Typer app, built with only the invoked
command's module (kam.cli.lean_app)."""

from __future__ import annotations

import gc


def main() -> None:
    # kam builds tens of thousands of small containers (one JSON parse, one object per
    # customer) and exits: collecting cycles every 700 allocations is a large share of
    # a daily command (README, Performance). Rarely is enough.
    gc.set_threshold(200_000, 50, 100)
    from kam.cli import main as run

    run()
